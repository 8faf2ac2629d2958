import { defineScenario } from '../src/scenario/define.ts';
import type { TimelineItem } from '../src/scenario/define.ts';

/**
 * TCP-level trouble between the SUT and the provider while the SUT needs to refetch: unknown-kid
 * tokens (3 %) keep the SUT refetching about once per cooldown. Each fault starts a cooldown
 * after the previous one ended, so the SUT is free to try the provider in every window, and
 * lasts long enough that a fetch without a deadline shows: the black hole and the trickle
 * outlast twice the SUT's fetch deadline, and at time scale 0.5 still hold 4 s of real time, well
 * past the 2.5 s latency SLO (a 2 s hole could never breach it). A premise per window checks the
 * SUT really tried to reach the provider.
 */
const GAP = 'cooldown + 1s';
const HOLD = 'max(8s, 2*fetchTimeout + 2s)';
/** The faults in order, each with its length; their offsets follow from the lengths and the gap. */
const FAULTS = [
  { name: 'reset', length: '4s', fault: { kind: 'reset', target: 'gitlab' } },
  { name: 'black-hole', length: HOLD, fault: { kind: 'black-hole', target: 'gitlab' } },
  {
    name: 'slow-trickle',
    length: HOLD,
    fault: { kind: 'slow-trickle', target: 'gitlab', attributes: { averageSize: 8, delay: '200ms' } },
  },
  {
    name: 'truncate',
    length: 'max(3s, 2*cooldown + 1s)',
    fault: { kind: 'truncate', target: 'gitlab', attributes: { bytes: 64 } },
  },
  {
    name: 'empty-jwks',
    length: 'max(3s, 2*cooldown + 1s)',
    fault: { kind: 'http-empty-keys', target: { issuer: 'gitlab', endpoint: 'jwks' } },
  },
] as const;

const timeline: TimelineItem[] = [];
let offset = '2s';
for (const f of FAULTS) {
  const to = `${offset} + ${f.length}`;
  timeline.push({ from: offset, to, fault: { name: f.name, ...f.fault } });
  offset = `${to} + ${GAP}`;
}

export default defineScenario({
  name: 'network-faults',
  hypothesis:
    'Resets, a black hole, a slow trickle, a truncated body and a poisoned (empty) key set on the way to the provider never replace the cached keys and never hold a request longer than the fetch deadline.',
  covers: ['FM12', 'FM14', 'FM15'],
  load: {
    phases: [{ name: 'steady', rate: 40, duration: `${offset} + 1s` }],
    mix: [
      { kind: 'valid', share: 97 },
      { kind: 'unknown-kid', share: 3, token: 'unknown-kid' },
    ],
  },
  timeline,
  preconditions: [
    // Not for `reset`: a reset connection may close before the SUT's bytes are read, so the
    // proxy cannot always tell that the SUT tried (the drill's own timing covers that window).
    ...(['black-hole', 'slow-trickle', 'truncate'] as const).map((name) => ({
      premise: `the SUT tried to reach the provider during ${name}`,
      metric: 'proxy_upstream_bytes{issuer:gitlab}',
      threshold: 'count>0',
      window: `during:${name}` as const,
    })),
    {
      premise: 'the SUT fetched the key set while it was served empty',
      metric: 'jwks_fetches{issuer:gitlab}',
      threshold: 'count>=1',
      window: 'during:empty-jwks',
    },
  ],
  slos: [
    { metric: 'unexpected_rate{kind:valid}', threshold: 'rate<0.001', failureMode: 'FM12' },
    {
      metric: 'request_duration{kind:valid}',
      threshold: 'p(99)<2500',
      window: 'during:black-hole',
      failureMode: 'FM14',
    },
    {
      metric: 'request_duration{kind:valid}',
      threshold: 'p(99)<2500',
      window: 'during:slow-trickle',
      failureMode: 'FM15',
    },
    { metric: 'status_401_rate{kind:valid}', threshold: 'rate==0', failureMode: 'FM12' },
  ],
});
