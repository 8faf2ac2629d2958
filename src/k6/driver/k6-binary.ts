/**
 * Finds the `k6` binary: `K6_BIN` when set (it must then be an executable file), else the first
 * `k6` on PATH. keystorm never downloads k6: users bring their own.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const K6_INSTALL_HINT = `install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/):
  macOS: brew install k6 · Debian/Ubuntu: Grafana's k6 apt repository · Windows: winget install k6
  GitHub Actions: grafana/setup-k6-action · or download a release binary from github.com/grafana/k6/releases
then put it on PATH or point K6_BIN at it (the npm package "k6" is an empty placeholder, not k6).`;

export type K6Binary = { ok: true; path: string } | { ok: false; problem: string };

/** The k6 to run, or why there is none. */
export function findK6(env: NodeJS.ProcessEnv = process.env): K6Binary {
  const explicit = env.K6_BIN;
  if (explicit !== undefined && explicit !== '') {
    return isExecutable(explicit)
      ? { ok: true, path: explicit }
      : { ok: false, problem: `K6_BIN=${explicit} is not an executable file` };
  }
  const names = process.platform === 'win32' ? ['k6.exe', 'k6'] : ['k6'];
  for (const dir of (env.PATH ?? '').split(delimiter).filter((d) => d !== ''))
    for (const name of names) {
      const candidate = join(dir, name);
      if (isExecutable(candidate)) return { ok: true, path: candidate };
    }
  return { ok: false, problem: 'no k6 binary on PATH (and K6_BIN is not set)' };
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
