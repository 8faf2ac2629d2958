/** No token could be had: the IdP refused or was unreachable, or the token command failed. */
export class TokenError extends Error {
  constructor(
    message: string,
    /** The IdP's HTTP status, when it answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}
