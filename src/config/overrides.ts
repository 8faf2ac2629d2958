/**
 * Command-line overrides (`--sut-env K=V`…, `--seed`, `--out`, `--reporter`…, `--time-scale`)
 * applied to a user config before it is validated, so the result goes through exactly the same
 * checks. Bad flag values are reported under the flag's name (`--seed: …`).
 */
import { resolve as resolvePath } from 'node:path';
import type { Problem } from '../errors.ts';
import { REPORTER_NAMES } from '../reporters/index.ts';

export interface CliOverrides {
  /** `KEY=VALUE` entries, added to (and winning over) `sut.env`. */
  sutEnv?: readonly string[];
  seed?: string | number;
  /** Output directory, relative to `cwd` (not to the config file, as a flag should be). */
  out?: string;
  /** Replaces `output.reporters`. */
  reporters?: readonly string[];
  timeScale?: string | number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Returns a new user config with the overrides merged in (the input is not modified) and the
 * problems of the flags themselves.
 */
export function applyCliOverrides(
  config: unknown,
  overrides: CliOverrides,
  cwd: string = process.cwd(),
): { config: unknown; problems: Problem[] } {
  const problems: Problem[] = [];
  if (!isRecord(config)) return { config, problems };
  const out: Record<string, unknown> = { ...config };

  if (overrides.sutEnv !== undefined && overrides.sutEnv.length > 0) {
    const env: Record<string, string> = {};
    overrides.sutEnv.forEach((entry, i) => {
      const eq = entry.indexOf('=');
      const key = eq === -1 ? '' : entry.slice(0, eq);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
        problems.push({
          path: `--sut-env[${i}]`,
          message: `must be KEY=VALUE with a valid variable name, got ${JSON.stringify(entry)}`,
        });
      } else env[key] = entry.slice(eq + 1);
    });
    const sut = config['sut'];
    if (!isRecord(sut) || sut['command'] === undefined) {
      problems.push({
        path: '--sut-env',
        message: 'only applies to a SUT keystorm starts (sut.command in the config)',
      });
    } else {
      const base = isRecord(sut['env']) ? sut['env'] : {};
      out['sut'] = { ...sut, env: { ...base, ...env } };
    }
  }

  if (overrides.seed !== undefined) {
    const text = String(overrides.seed).trim();
    const seed = Number(text);
    if (!/^\d+$/.test(text) || seed > 2 ** 32 - 1) {
      problems.push({
        path: '--seed',
        message: `must be an integer from 0 to 4294967295, got ${JSON.stringify(overrides.seed)}`,
      });
    } else out['seed'] = seed;
  }

  if (overrides.timeScale !== undefined) {
    const scale = Number(overrides.timeScale);
    if (!Number.isFinite(scale) || scale <= 0 || scale > 100) {
      problems.push({
        path: '--time-scale',
        message: `must be a number > 0 and <= 100, got ${JSON.stringify(overrides.timeScale)}`,
      });
    } else out['timeScale'] = scale;
  }

  const output: Record<string, unknown> = isRecord(config['output']) ? { ...config['output'] } : {};
  let outputChanged = false;
  if (overrides.out !== undefined) {
    if (overrides.out.trim() === '') problems.push({ path: '--out', message: 'must be a directory' });
    else {
      output['dir'] = resolvePath(cwd, overrides.out);
      outputChanged = true;
    }
  }
  if (overrides.reporters !== undefined && overrides.reporters.length > 0) {
    const known: readonly string[] = REPORTER_NAMES;
    const unknown = overrides.reporters.flatMap((name, i) => (known.includes(name) ? [] : [{ name, i }]));
    for (const { name, i } of unknown) {
      problems.push({
        path: `--reporter[${i}]`,
        message: `unknown reporter ${JSON.stringify(name)}; known: ${REPORTER_NAMES.join(', ')}`,
      });
    }
    // A bad flag is reported once, as the flag: the config's own reporters stay as written.
    if (unknown.length === 0) {
      output['reporters'] = [...overrides.reporters];
      outputChanged = true;
    }
  }
  if (outputChanged) out['output'] = output;
  return { config: out, problems };
}
