import { defineScenario } from '../src/scenario/define.ts';

/** "We will not be able to start new pods": a replica starts while a provider is down. */
export default defineScenario({
  name: 'cold-start-provider-down',
  hypothesis:
    'A replica that starts while a provider is down reports not-ready, answers 503 (not 401) for that provider, backs off, and becomes ready within seconds of the provider healing.',
  covers: ['FM17', 'FM18', 'FM24'],
  beforeStart: [
    {
      from: 0,
      to: '8s',
      // Connections to gitlab's keys are refused (the harness's own token requests go direct).
      fault: { name: 'gitlab-down', kind: 'down', target: 'gitlab' },
    },
  ],
  load: {
    phases: [{ name: 'steady', rate: 20, duration: '14s' }],
    mix: [{ kind: 'valid', share: 1, expect: [200, 503] }],
  },
  timeline: [
    { at: '2s', action: { kind: 'check-ready', expect: false } },
    { at: '8s', action: { kind: 'check-ready', expect: true, within: '4s' } },
  ],
  slos: [
    { metric: 'status_401_rate', threshold: 'rate==0', window: 'during:gitlab-down', failureMode: 'FM18' },
    { metric: 'readiness_mismatches', threshold: 'count==0', requires: ['readiness'], failureMode: 'FM17' },
    { metric: 'unexpected_rate', threshold: 'rate<0.001', window: '12s..', failureMode: 'FM24' },
    { metric: 'status_5xx_rate', threshold: 'rate==0', window: '12s..', failureMode: 'FM24' },
  ],
});
