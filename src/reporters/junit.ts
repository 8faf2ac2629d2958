/**
 * junit.xml: one test suite per scenario, one test case per SLO, so a CI system shows exactly
 * which SLO broke. A scenario that errored gets a failing `scenario` case carrying the error.
 * Warn-only SLOs that breached are reported as passing cases with the breach in system-out.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Builder } from 'junit-report-builder';
import type { RunResult } from '../result/types.ts';
import { observed } from './format.ts';
import type { Reporter } from './types.ts';

// The package is CommonJS whose typings claim an ES default export it does not have at runtime
// (module.exports is the builder itself), so it is loaded with require and typed explicitly.
const junit = createRequire(import.meta.url)('junit-report-builder') as Builder;

export function renderJunit(run: RunResult): string {
  const builder = junit.newBuilder().name('keystorm');
  for (const s of run.scenarios) {
    const suite = builder
      .testSuite()
      .name(s.name)
      .time(s.durationMs / 1000)
      .timestamp(s.startedAt)
      .property('hypothesis', s.hypothesis)
      .property('covers', s.covers.join(','));
    if (s.error !== undefined || s.status === 'interrupted') {
      suite
        .testCase()
        .className(s.name)
        .name('scenario')
        .failure(s.error ?? 'interrupted before the scenario finished', s.status);
    }
    if (s.status === 'skipped')
      suite
        .testCase()
        .className(s.name)
        .name('scenario')
        .skipped()
        .standardOutput(s.skipReason ?? '');
    for (const p of s.preconditions) {
      const tc = suite.testCase().className(s.name).name(`premise: ${p.premise}`);
      // An unmet premise is not a regression of the SUT: an error (the drill did not run as designed), not a failure.
      if (!p.met) tc.error(`premise not met: ${p.message ?? ''}`, 'inconclusive');
    }
    for (const v of s.slos) {
      const tc = suite
        .testCase()
        .className(s.name)
        .name(`${v.metric} ${v.expression} @ ${v.window}`)
        .standardOutput(
          `observed ${observed(v.metric, v.observed)} over ${v.samples} samples${v.message ? `: ${v.message}` : ''}`,
        );
      if (v.status === 'n/a') tc.skipped();
      else if (v.status === 'fail' && s.status !== 'inconclusive')
        tc.failure(
          `${v.metric} ${v.expression} breached: observed ${observed(v.metric, v.observed)}${v.message ? ` (${v.message})` : ''}`,
          'slo',
        );
    }
  }
  return builder.build();
}

export function createJunitReporter(): Reporter {
  return {
    name: 'junit',
    async onEnd(run, info) {
      await writeFile(join(info.outDir, 'junit.xml'), renderJunit(run));
    },
  };
}
