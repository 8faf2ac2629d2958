/**
 * Errors about a SUT replica carry its id and its last log lines, so a report can show why a
 * gateway never got ready without anyone re-running it by hand.
 */
import { HarnessError, type HarnessErrorCode } from '../errors.ts';

export class SutError extends HarnessError {
  constructor(
    code: HarnessErrorCode,
    message: string,
    /** Replica id (`replica-1`…). */
    readonly replica: string,
    /** The replica's last log lines, as printed in `message`. */
    readonly logTail: string,
    options?: { cause?: unknown },
  ) {
    super(code, `${message}\nlast log lines of ${replica}:\n${logTail}`, options);
    this.name = 'SutError';
  }
}
