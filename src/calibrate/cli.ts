/**
 * `keystorm calibrate`: measures the SUT's key-cache timings from outside and prints a profile
 * with its evidence. Exit codes: 0 measured (whatever the values), 2 bad config or usage,
 * 3 harness failure, 130 interrupted.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.ts';
import { ExitCode } from '../errors.ts';
import { FaultLedger } from '../faults/ledger.ts';
import { formatDuration, parseDuration } from '../util/duration.ts';
import { PROBE_NAMES, type ProbeName } from './probes/types.ts';
import { compareProfiles, formatCalibration } from './report.ts';
import { runCalibration } from './run-calibration.ts';

const USAGE = `usage: keystorm calibrate [options]

Measures the SUT's key cache from outside — refetch interval (TTL, refresh-ahead) and stale
fallback during a JWKS outage, unknown-kid refetches and their cooldown, what a hung JWKS fetch
does (fetch deadline, 401/503/hang), coalescing of concurrent misses, scope and header policies —
and prints a profile to pin under sut.profile, with the evidence for each value. Each probe
starts the SUT cold (one replica) and waits at most --budget; a timing longer than that is
reported as a lower bound, never guessed.

  --config FILE     config file (default: keystorm.config.{ts,mts,cts,js,mjs,cjs,json} in the cwd)
  --sut-env K=V     extra SUT environment, repeatable
  --time-scale X    the run's time scale, for the SUT's {{scaled …}} env (as keystorm run uses it)
  --budget D        longest any probe waits (default 60s; e.g. 35s, 2m)
  --probe NAME      run only these probes, repeatable: ${PROBE_NAMES.join(', ')}
  --issuer NAME     issuer whose keys are probed (default: the first)
  --json            print {profile, evidence, …, pinned, disagreements} as JSON instead of text
  -h, --help        this help

exit codes: 0 measured, 2 bad config or usage, 3 harness failure, 130 interrupted`;

/** Longest budget accepted: a probe runs about that long, and there are five of them. */
const MAX_BUDGET_MS = 15 * 60_000;

function probesFrom(values: string[] | undefined): ProbeName[] {
  if (values === undefined) return [...PROBE_NAMES];
  const unknown = values.filter((v) => !(PROBE_NAMES as readonly string[]).includes(v));
  if (unknown.length > 0)
    throw new TypeError(`--probe: unknown ${unknown.join(', ')} (known: ${PROBE_NAMES.join(', ')})`);
  return PROBE_NAMES.filter((p) => values.includes(p));
}

function budgetFrom(text: string | undefined): number {
  const ms = parseDuration(text ?? '60s', '--budget');
  if (ms < 1000 || ms > MAX_BUDGET_MS)
    throw new TypeError(`--budget: must be from 1s to ${formatDuration(MAX_BUDGET_MS)} (got ${text})`);
  return ms;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      config: { type: 'string' },
      'sut-env': { type: 'string', multiple: true },
      'time-scale': { type: 'string' },
      budget: { type: 'string' },
      probe: { type: 'string', multiple: true },
      issuer: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(USAGE);
    return ExitCode.ok;
  }
  const probes = probesFrom(values.probe);
  const budgetMs = budgetFrom(values.budget);
  const config = await loadConfig({
    ...(values.config === undefined ? {} : { file: values.config }),
    overrides: {
      ...(values['sut-env'] === undefined ? {} : { sutEnv: values['sut-env'] }),
      ...(values['time-scale'] === undefined ? {} : { timeScale: values['time-scale'] }),
    },
  });
  const issuers = config.idp.issuers.map((i) => i.name);
  const issuer = values.issuer ?? issuers[0] ?? 'gitlab';
  if (!issuers.includes(issuer))
    throw new TypeError(
      `--issuer: ${JSON.stringify(issuer)} is not an issuer of the config (${issuers.join(', ')})`,
    );

  const ledger = new FaultLedger();
  let interrupted = false;
  const unwatch = ledger.watchSignals((signal) => {
    interrupted = true;
    process.stderr.write(`\nkeystorm: ${signal} received — stopping the SUT and rolling back\n`);
  });
  try {
    const calibration = await runCalibration({
      config,
      probes,
      budgetMs,
      issuer,
      ledger,
      signal: ledger.signal,
      progress: (line) => process.stderr.write(`${line}\n`),
    });
    if (interrupted) return ExitCode.interrupted;
    const pinned = config.sut?.profile;
    console.log(
      values.json === true
        ? JSON.stringify(
            {
              ...calibration,
              ...(pinned === undefined
                ? {}
                : { pinned, disagreements: compareProfiles(pinned, calibration.profile) }),
            },
            null,
            2,
          )
        : formatCalibration(calibration, pinned),
    );
    return ExitCode.ok;
  } catch (error) {
    if (interrupted) return ExitCode.interrupted;
    throw error;
  } finally {
    await ledger.rollback();
    unwatch();
  }
}
