/**
 * junit.xml of a canary: one suite, one test case per probe and request, failing with the
 * outcomes it got, so a CI system names the 403s; probes that never ran are skipped cases with
 * the reason, and a run that errored or was interrupted gets a failing `canary` case.
 */
import { createRequire } from 'node:module';
import type { Builder } from 'junit-report-builder';
import type { CanaryResult } from './result.ts';

// CommonJS whose typings claim a default export it lacks at runtime (see src/reporters/junit.ts).
const junit = createRequire(import.meta.url)('junit-report-builder') as Builder;

export function renderCanaryJunit(r: CanaryResult): string {
  const builder = junit.newBuilder().name('keystorm canary');
  const suite = builder
    .testSuite()
    .name(`canary ${r.target}`)
    .time(r.durationMs / 1000)
    .timestamp(r.startedAt)
    .property('tokenSource', r.tokenSource);
  if (r.status === 'error' || r.status === 'interrupted' || r.status === 'inconclusive') {
    suite
      .testCase()
      .className('canary')
      .name('canary')
      .failure(r.message ?? r.status, r.status);
  }
  for (const t of r.tallies) {
    const outcomes = Object.entries(t.statuses)
      .map(([s, n]) => `${s} ×${n}`)
      .join(', ');
    const tc = suite
      .testCase()
      .className(`canary.${t.probe}`)
      .name(`${t.probe} ${t.request} expects ${t.expected}`)
      .standardOutput(`${t.sent} sent: ${outcomes}`);
    if (!t.judged) continue; // the reused-token probe is reported, never judged
    if (t.failed > 0) {
      const first = r.failures.find((f) => f.probe === t.probe && f.request === t.request);
      tc.failure(
        `${t.failed} of ${t.sent} got something else than ${t.expected}: ${outcomes}${first?.detail === undefined ? '' : ` — ${first.detail}`}`,
        'probe',
      );
    }
  }
  for (const s of r.skipped) {
    suite.testCase().className(`canary.${s.probe}`).name(s.probe).skipped().standardOutput(s.reason);
  }
  return builder.build();
}
