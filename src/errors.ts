/**
 * One error type for the harness, with a stable string `code` (in the spirit of jose's
 * `JOSEError.code`) and the process exit code it maps to, so the CLI never has to guess.
 */

/** Exit codes of every keystorm command. */
export const ExitCode = {
  /** Every SLO met / command succeeded. */
  ok: 0,
  /** At least one strict SLO breached. */
  sloBreach: 1,
  /** Invalid configuration, scenario or command-line usage. */
  usage: 2,
  /** The harness or its infrastructure failed (a port in use, a SUT that never got ready…). */
  harness: 3,
  /**
   * No SLO was breached, but a scenario's premise did not hold (the fault was not active, the
   * SUT never fetched during it …): the drill proved nothing, so the run did not pass.
   */
  inconclusive: 4,
  /** Interrupted by SIGINT/SIGTERM; faults rolled back, partial results kept. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export type HarnessErrorCode =
  | 'ERR_INVALID_CONFIG'
  | 'ERR_USAGE'
  | 'ERR_NOT_LOOPBACK'
  | 'ERR_SUT_NOT_READY'
  | 'ERR_SUT_EXITED'
  | 'ERR_FAULT_APPLY'
  | 'ERR_FAULT_REVERT'
  | 'ERR_ADMIN_API'
  | 'ERR_PROXY_API'
  | 'ERR_TIMEOUT'
  | 'ERR_INTERRUPTED'
  | 'ERR_INTERNAL';

/** One problem found while validating input, located by a dotted path (`slos[2].threshold`). */
export interface Problem {
  path: string;
  message: string;
}

export class HarnessError extends Error {
  readonly code: HarnessErrorCode;
  readonly exitCode: ExitCode;
  constructor(code: HarnessErrorCode, message: string, options?: { cause?: unknown; exitCode?: ExitCode }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HarnessError';
    this.code = code;
    this.exitCode = options?.exitCode ?? exitCodeFor(code);
  }
}

/** Invalid user input: carries every problem found, not only the first. */
export class ValidationError extends HarnessError {
  readonly problems: readonly Problem[];
  constructor(what: string, problems: readonly Problem[]) {
    super('ERR_INVALID_CONFIG', `${what} is invalid:\n${formatProblems(problems)}`);
    this.name = 'ValidationError';
    this.problems = problems;
  }
}

export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `  - ${p.path || '(root)'}: ${p.message}`).join('\n');
}

function exitCodeFor(code: HarnessErrorCode): ExitCode {
  switch (code) {
    case 'ERR_INVALID_CONFIG':
    case 'ERR_USAGE':
    case 'ERR_NOT_LOOPBACK':
      return ExitCode.usage;
    case 'ERR_INTERRUPTED':
      return ExitCode.interrupted;
    default:
      return ExitCode.harness;
  }
}
