/**
 * The canary on the terminal: a live progress line (redrawn on a TTY; a plain line every few
 * seconds and on every new kind of failure in CI logs) and the final verdict with the failures named.
 */
import { table } from '../reporters/format.ts';
import { formatDuration } from '../util/duration.ts';
import type { CanaryProgress } from './run-canary.ts';
import type { CanaryResult } from './result.ts';

const PLAIN_EVERY_MS = 5000;

export interface CanaryConsole {
  progress(p: CanaryProgress): void;
  end(result: CanaryResult, outDir: string): void;
}

export function createCanaryConsole(
  out: NodeJS.WriteStream | NodeJS.WritableStream = process.stderr,
): CanaryConsole {
  const tty = 'isTTY' in out && out.isTTY === true;
  let lastPlainAt = Number.NEGATIVE_INFINITY;
  let lastKinds = 0;
  let lineOpen = false;
  return {
    progress(p) {
      const text =
        `canary ${formatDuration(p.elapsedMs)}/${formatDuration(p.plannedMs)} · ${p.sent} probes · ${p.failed} failed` +
        (p.lastFailure === undefined ? '' : ` (latest: ${p.lastFailure})`) +
        ` · reused token ${p.reused.sent - p.reused.failed}/${p.reused.sent} ok`;
      if (tty) {
        out.write(`\r\x1b[2K${text}`);
        lineOpen = true;
      } else if (p.elapsedMs - lastPlainAt >= PLAIN_EVERY_MS || p.failureKinds > lastKinds) {
        // A new kind of failure is news; the same 403 again waits for the next plain line.
        lastPlainAt = p.elapsedMs;
        out.write(`${text}\n`);
      }
      lastKinds = p.failureKinds;
    },
    end(r, outDir) {
      if (lineOpen) out.write('\r\x1b[2K');
      if (r.failures.length > 0) {
        const rows = r.failures.map((f) => [
          f.probe,
          f.request,
          f.outcome,
          f.expected,
          String(f.count),
          f.detail ?? '',
        ]);
        out.write(`${table(['probe', 'request', 'got', 'expected', 'count', 'detail'], rows)}\n`);
      }
      for (const s of r.skipped) out.write(`not run: ${s.probe} — ${s.reason}\n`);
      if (r.reused !== null) {
        out.write(`reused first token (not judged): ${r.reused.ok}/${r.reused.sent} as expected\n`);
      }
      out.write(
        `${r.status.toUpperCase()}: canary against ${r.target}, ${formatDuration(r.durationMs)}` +
          `${r.message === undefined ? '' : ` — ${r.message}`} — reports in ${outDir}\n`,
      );
    },
  };
}
