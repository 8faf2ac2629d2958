/** Errors of the Toxiproxy API, with Toxiproxy's messages and statuses. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): { error: string; status: number } {
    return { error: this.message, status: this.status };
  }
}

export const badRequestBody = (detail: string): ApiError => new ApiError(`bad request body: ${detail}`, 400);
export const missingField = (field: string): ApiError =>
  new ApiError(`missing required field: ${field}`, 400);
export const proxyNotFound = (): ApiError => new ApiError('proxy not found', 404);
export const proxyAlreadyExists = (): ApiError => new ApiError('proxy already exists', 409);
export const invalidStream = (): ApiError =>
  new ApiError('stream was invalid, can be either upstream or downstream', 400);
export const invalidToxicType = (): ApiError => new ApiError('invalid toxic type', 400);
export const toxicAlreadyExists = (): ApiError => new ApiError('toxic already exists', 409);
export const toxicNotFound = (): ApiError => new ApiError('toxic not found', 404);
