/**
 * The canary's pieces that need no server: negative tokens derived without a signing key (checked
 * with jose against the real key), the text exposition, per-window figures and the rate cap.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  SignJWT,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  createLocalJWKSet,
  decodeProtectedHeader,
} from 'jose';
import {
  algNoneToken,
  badSignatureToken,
  claimsOf,
  malformedToken,
} from '../../src/canary/negative-tokens.ts';
import { renderExposition } from '../../src/canary/exposition.ts';
import { CanaryRecorder } from '../../src/canary/recorder.ts';
import { RateCap } from '../../src/canary/rate-cap.ts';
import type { CanaryWindow, ProbeResult } from '../../src/canary/result.ts';
import { parseCommandOutput, runTokenCommand } from '../../src/canary/token-command.ts';

describe('negative tokens derived from a real one', () => {
  it('keep the claims while a verifier holding the real key refuses every one of them', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] });
    const token = await new SignJWT({ scope: 'api', gitlab_realm: 'saas' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer('https://idp.example')
      .setExpirationTime('1h')
      .sign(privateKey);
    await jwtVerify(token, jwks); // the original is fine
    for (const derived of [malformedToken(token), algNoneToken(token), badSignatureToken(token)]) {
      await assert.rejects(jwtVerify(derived, jwks));
    }
    assert.equal(malformedToken(token).split('.').length, 2);
    assert.deepEqual(decodeProtectedHeader(algNoneToken(token)), { alg: 'none', kid: 'k1' });
    assert.ok(algNoneToken(token).endsWith('.'));
    assert.equal(badSignatureToken(token).length, token.length);
    assert.equal(claimsOf(badSignatureToken(token)).gitlab_realm, 'saas');
    assert.deepEqual(claimsOf('opaque-token'), {});
  });
});

describe('token command output', () => {
  it('reads a bare token or a JSON token response, and refuses anything else', () => {
    assert.deepEqual(parseCommandOutput('abc.def.ghi\n'), {
      accessToken: 'abc.def.ghi',
      expiresIn: undefined,
    });
    assert.deepEqual(parseCommandOutput('{"access_token":"t","expires_in":60}'), {
      accessToken: 't',
      expiresIn: 60,
    });
    assert.throws(() => parseCommandOutput(''), /no single token/);
    assert.throws(() => parseCommandOutput('two words'), /no single token/);
    assert.throws(() => parseCommandOutput('{"error":"x"}'), /without access_token/);
  });

  it('kills a command that outlives canary.token.timeout and names one that fails', async () => {
    const started = performance.now();
    await assert.rejects(runTokenCommand([process.execPath, '-e', 'setTimeout(() => {}, 20000)'], 500), {
      name: 'TokenError',
      message: 'command timed out after 500ms',
    });
    assert.ok(performance.now() - started < 10_000);
    await assert.rejects(
      runTokenCommand([process.execPath, '-e', 'console.error("vault sealed"); process.exit(3)'], 10_000),
      { message: 'command exited with 3: vault sealed' },
    );
    assert.deepEqual(await runTokenCommand([process.execPath, '-e', 'console.log("a.b.c")'], 10_000), {
      accessToken: 'a.b.c',
      expiresIn: undefined,
    });
  });
});

describe('text exposition', () => {
  it('writes HELP and TYPE once per family and escapes label values', () => {
    const text = renderExposition([
      {
        name: 'keystorm_canary_probes_total',
        help: 'Probes',
        type: 'counter',
        samples: [
          { labels: { probe: 'fresh', outcome: '403' }, value: 2 },
          { labels: { probe: 'fresh', outcome: 'token: "bad"\nline' }, value: 1 },
        ],
      },
      { name: 'keystorm_canary_empty', help: 'nothing', type: 'gauge', samples: [] },
      { name: 'keystorm_canary_healthy', help: 'h', type: 'gauge', samples: [{ labels: {}, value: 0 }] },
    ]);
    assert.equal(
      text,
      [
        '# HELP keystorm_canary_probes_total Probes',
        '# TYPE keystorm_canary_probes_total counter',
        'keystorm_canary_probes_total{probe="fresh",outcome="403"} 2',
        'keystorm_canary_probes_total{probe="fresh",outcome="token: \\"bad\\"\\nline"} 1',
        '# HELP keystorm_canary_healthy h',
        '# TYPE keystorm_canary_healthy gauge',
        'keystorm_canary_healthy 0',
        '',
      ].join('\n'),
    );
  });
});

function result(probe: ProbeResult['probe'], atMs: number, status: number | null, ok: boolean): ProbeResult {
  return {
    probe,
    request: 'r',
    at: new Date(1_700_000_000_000 + atMs).toISOString(),
    atMs,
    status,
    expected: '200',
    ok,
    durationMs: 10,
    ...(status === null ? { error: 'timeout' } : {}),
  };
}

describe('canary recorder', () => {
  it('closes windows as time passes (empty ones too), keeps the reused probe apart and groups failures by outcome', () => {
    const recorder = new CanaryRecorder(1000);
    const closed: CanaryWindow[] = [];
    recorder.listen({ onWindow: (w) => closed.push(w) });
    recorder.record(result('fresh', 100, 200, true));
    recorder.record(result('reused', 150, 200, true));
    recorder.record(result('fresh', 2500, 403, false));
    recorder.record(result('malformed', 2600, 401, true));
    recorder.record(result('fresh', 2700, 403, false));
    recorder.record(result('reused', 2800, 401, false));
    recorder.record(result('refreshed', 2900, null, false));
    recorder.finish(3100);
    assert.deepEqual(
      closed.map((w) => [w.fromMs, w.toMs, w.requests, w.failures, w.statuses, w.reused]),
      [
        [0, 1000, 1, 0, { '200': 1 }, { requests: 1, failures: 0 }],
        [1000, 2000, 0, 0, {}, { requests: 0, failures: 0 }],
        [2000, 3000, 4, 3, { '403': 2, timeout: 1 }, { requests: 1, failures: 1 }],
      ],
    );
    assert.deepEqual(
      recorder.failures().map((f) => [f.probe, f.outcome, f.count, f.firstAtMs]),
      [
        ['fresh', '403', 2, 2500],
        ['refreshed', 'timeout', 1, 2900],
      ],
    );
    assert.deepEqual(recorder.judgedTotals(), { sent: 5, failed: 3 });
    const reused = recorder.talliesSnapshot().find((t) => t.probe === 'reused');
    assert.deepEqual([reused?.judged, reused?.statuses], [false, { '200': 1, '401': 1 }]);
  });
});

describe('rate cap', () => {
  it('lets a second of requests through at once, then makes the next one wait its turn', async () => {
    const cap = new RateCap(4);
    const started = performance.now();
    for (let i = 0; i < 4; i++) await cap.take();
    assert.equal(cap.delayed, 0);
    await cap.take();
    assert.equal(cap.delayed, 1);
    // 1/4 s for the fifth token; a loaded machine can only make it later, never earlier.
    assert.ok(performance.now() - started >= 200, `${performance.now() - started}ms`);
  });

  it('stops waiting when the run is aborted', async () => {
    const cap = new RateCap(0.5);
    await cap.take();
    const controller = new AbortController();
    const waiting = cap.take(controller.signal);
    controller.abort();
    await assert.rejects(waiting, { name: 'AbortError' });
  });
});
