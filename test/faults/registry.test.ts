import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/errors.ts';
import {
  listFaultKinds,
  registerBuiltinFaultKinds,
  registerFaultKind,
  validateFaultSpec,
  validateFaultSpecs,
} from '../../src/faults/index.ts';

registerBuiltinFaultKinds();

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    assert.equal(error.exitCode, 2);
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
  assert.fail('expected a ValidationError');
}

describe('fault registry', () => {
  it('registers every network kind the issue names, and one HTTP kind per mock-idp kind', () => {
    const byFamily = (family: string): string[] =>
      listFaultKinds()
        .filter((k) => k.family === family)
        .map((k) => k.kind);
    assert.deepEqual(byFamily('network'), [
      'bandwidth',
      'black-hole',
      'down',
      'jitter',
      'latency',
      'reset',
      'slow-trickle',
      'truncate',
    ]);
    assert.deepEqual(byFamily('http'), [
      'http-content-type',
      'http-drip',
      'http-empty-keys',
      'http-hang',
      'http-latency',
      'http-malformed-json',
      'http-reset',
      'http-status',
      'http-truncate',
    ]);
  });

  it('refuses a second kind under a taken name', () => {
    const latency = listFaultKinds().find((k) => k.kind === 'latency');
    assert.ok(latency !== undefined);
    assert.throws(() => registerFaultKind(latency), /already registered/);
  });

  it('fills defaults and parses durations into milliseconds', () => {
    const fault = validateFaultSpec({ kind: 'slow-trickle', attributes: { delay: '1.5ms' } });
    assert.deepEqual(fault.attributes, {
      averageSize: 16,
      sizeVariation: 0,
      delay: 1.5,
      stream: 'downstream',
    });
    assert.deepEqual(fault.envelope, {
      name: 'slow-trickle',
      kind: 'slow-trickle',
      family: 'network',
      target: undefined,
      probability: 1,
      window: { startMs: 0, stopMs: undefined },
    });
    const http = validateFaultSpec({
      kind: 'http-status',
      target: 'gitlab',
      window: { start: '1s', stop: '2s' },
    });
    assert.deepEqual(http.envelope.target, { issuer: 'gitlab' });
    assert.deepEqual(http.envelope.window, { startMs: 1000, stopMs: 2000 });
  });

  it('lists every problem of one spec: envelope, attributes and cross-field rules together', () => {
    assert.deepEqual(
      problemsOf(() =>
        validateFaultSpec({
          kind: 'down',
          name: '-bad name',
          probability: 0.5,
          window: { start: '2s', stop: '1s' },
          attributes: { extra: true },
          colour: 'red',
        }),
      ),
      [
        'name: must be 1–63 letters, digits, _ . - (starting alphanumeric)',
        'colour: unknown field',
        'attributes.extra: unknown field',
        'probability: not supported by kind down (it acts on the whole proxy, not per connection)',
        'window.stop: must be after window.start (2000ms)',
      ],
    );
  });

  it('checks the target by family: a proxy name for network kinds, a scope for HTTP kinds', () => {
    assert.deepEqual(
      problemsOf(() =>
        validateFaultSpecs([
          { kind: 'reset', target: { issuer: 'gitlab' } },
          { kind: 'http-reset', target: { issuer: 'gitlab', endpoint: 'keys', tenant: 'x' } },
        ]),
      ),
      [
        "faults[0].target: must name one of the run's proxies (a string)",
        'faults[1].target.endpoint: must be one or a list of: discovery, jwks, token, authorize, userinfo',
        'faults[1].target.tenant: unknown field',
      ],
    );
    assert.deepEqual(
      problemsOf(() =>
        validateFaultSpec({ kind: 'reset', target: 'db' }, { proxyAliases: ['idp'], hasIdp: false }),
      ),
      ['target: unknown proxy "db"; the run\'s proxies are: idp'],
    );
  });

  it('names repeats of a kind kind-2, kind-3 without colliding with explicit names, and rejects duplicates', () => {
    const faults = validateFaultSpecs([
      { kind: 'reset' },
      { kind: 'reset', name: 'reset-2' },
      { kind: 'reset' },
    ]);
    assert.deepEqual(
      faults.map((f) => f.envelope.name),
      ['reset', 'reset-2', 'reset-3'],
    );
    assert.deepEqual(
      problemsOf(() =>
        validateFaultSpecs([
          { kind: 'reset', name: 'x' },
          { kind: 'down', name: 'x' },
        ]),
      ),
      ['faults[0].name: duplicate fault name "x"', 'faults[1].name: duplicate fault name "x"'],
    );
  });

  it('says what is wrong with something that is not a spec at all', () => {
    assert.deepEqual(
      problemsOf(() => validateFaultSpecs(['latency', null, { attributes: {} }])),
      [
        'faults[0]: must be an object with a `kind`',
        'faults[1]: must be an object with a `kind`',
        'faults[2].kind: is required (a registered fault kind)',
      ],
    );
  });
});
