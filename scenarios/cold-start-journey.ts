import { defineScenario } from '../src/scenario/define.ts';

/**
 * `cold-start-provider-down` seen from a browser: a replica starts while the provider is down,
 * and a user tries to sign in. Signing in cannot work; the question is how it fails: with a
 * readable message on the page, never a blank page or the browser's own error page. The
 * provider stays down long enough for a whole journey run (a few seconds, real time) at
 * `timeScale` 0.5 and up.
 */
export default defineScenario({
  name: 'cold-start-journey',
  hypothesis:
    'When the provider is down while a replica starts, a user who signs in sees a readable error on the page (never a blank page), and the SUT answers 503, not 401, for that provider.',
  covers: ['FM17', 'FM18'],
  tags: ['journeys'],
  waitForReady: false,
  beforeStart: [
    {
      from: 0,
      to: '30s',
      // Connections to gitlab (keys, authorize, token) are refused; the harness's own token requests go direct.
      fault: { name: 'gitlab-down', kind: 'down', target: 'gitlab' },
    },
  ],
  load: {
    phases: [{ name: 'steady', rate: 10, duration: '34s' }],
    mix: [{ kind: 'valid', share: 1, expect: [200, 503] }],
  },
  journeys: [{ spec: 'scenarios/browser/sign-in-provider-down.spec.ts', every: '60s' }],
  preconditions: [
    {
      premise: 'a journey started while the provider was down',
      // Any run has a duration above 0; a window without runs has no samples, and the premise fails.
      metric: 'journey_duration',
      threshold: 'max>0',
      window: 'during:gitlab-down',
    },
  ],
  slos: [
    { metric: 'journey_success_rate', threshold: 'rate==1', window: 'during:gitlab-down' },
    { metric: 'status_401_rate', threshold: 'rate==0', window: 'during:gitlab-down', failureMode: 'FM18' },
  ],
});
