import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { HarnessError, ValidationError } from '../../src/errors.ts';
import { loadConfig, resolveConfig, zodProblems, type FullConfig } from '../../src/config/index.ts';
import { renderConfigReference } from '../../src/config/reference.ts';
import { createSut } from '../../src/sut/index.ts';

let dir: string;
let n = 0;
const defineUrl = new URL('../../src/config/define.ts', import.meta.url).href;

/** Writes a config into its own temp directory (module caching makes each TS file single-use). */
function writeConfig(name: string, text: string): string {
  const sub = join(dir, `case-${++n}`);
  mkdirSync(sub, { recursive: true });
  writeFileSync(join(sub, name), text);
  return sub;
}

async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => assert.fail('the config was accepted'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ValidationError, String(error));
  assert.equal(error.exitCode, 2);
  return error.problems.map((p) => `${p.path}: ${p.message}`);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'keystorm-config-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('loadConfig', () => {
  it('lists every mistake of a config file in one ValidationError, each by its dotted path', async () => {
    const cwd = writeConfig(
      'keystorm.config.ts',
      `import { defineConfig } from ${JSON.stringify(defineUrl)};
// @ts-nocheck -- deliberately wrong
export default defineConfig({
  idp: { issuers: ['gitlab', 'Bad Name'], alg: 'HS256', port: 70000 },
  sut: {
    command: ['node', 'gateway.js'],
    env: { JWKS_URL: '{{idp.gitlb.jwks}}', OK: '{{idp.gitlab.jwks}}' },
    readyTimeout: 'soon',
    readyTimout: '5s',
    replicas: 0,
  },
  load: { connections: -5 },
  scenarios: ['baseline', 42, 'cache-stampde'],
  output: { reporters: ['console', 'xml'] },
  timeScale: 0,
  verbose: true,
});
`,
    );
    const problems = await problemsOf(
      loadConfig({ cwd, hooks: { builtinScenarios: ['baseline', 'cache-stampede'] } }),
    );
    assert.deepEqual(
      problems.map((p) => p.replace(/; known: .*/, '; known: …')),
      [
        'idp.issuers[1]: must be lower-case letters, digits and dashes, starting with a letter, got "Bad Name"',
        'idp.alg: must be one of "RS256", "PS256", "ES256", "EdDSA", got "HS256"',
        'idp.port: must be <= 65535, got 70000',
        'sut.readyTimeout: must be a duration (e.g. 250ms, 5s, 1m30s) or a number of milliseconds, got "soon"',
        'sut.replicas: must be >= 1, got 0',
        "sut.readyTimout: unknown option (did you mean 'readyTimeout'?)",
        'load.connections: must be >= 1, got -5',
        'scenarios[1]: must be a scenario name, a file path or a scenario object, got 42',
        'output.reporters[1]: must be one of "console", "json", "markdown", "junit", "html", "prometheus", got "xml"',
        'timeScale: must be > 0, got 0',
        'verbose: unknown option',
        'sut.env.JWKS_URL: unknown placeholder {{idp.gitlb.jwks}}; known: …',
        "scenarios[2]: no built-in scenario matches 'cache-stampde' (did you mean 'cache-stampede'?); built-in: baseline, cache-stampede",
      ],
    );
  });

  it('fills every default for an empty config', async () => {
    const cwd = writeConfig('keystorm.config.json', '{}');
    const config = await loadConfig({ cwd, env: {}, drawSeed: () => 7 });
    const expected: FullConfig = {
      configFile: join(cwd, 'keystorm.config.json'),
      rootDir: cwd,
      idp: {
        issuers: [
          { name: 'gitlab', alg: 'ES256' },
          { name: 'customersdot', alg: 'ES256' },
        ],
        alg: 'ES256',
        audience: 'gitlab-ai-gateway',
        tls: false,
        host: '127.0.0.1',
        port: 0,
        adminPort: 0,
        seed: 7,
      },
      proxy: { mode: 'embedded', host: '127.0.0.1', port: 0, ports: {}, publicHost: '127.0.0.1' },
      sut: null,
      load: { connections: 16, requestTimeout: 5000, clientsPerIssuer: 8, tokenLifetime: 300_000 },
      scenarios: [{ kind: 'builtin', pattern: '*' }],
      slos: { extra: [], override: {} },
      timeScale: 1,
      allowHosts: [],
      seed: 7,
      output: {
        dir: join(cwd, 'reports/latest'),
        reporters: ['console', 'json', 'markdown', 'junit', 'html'],
      },
      alerts: { files: [], relabel: {} },
    };
    assert.deepEqual(config, expected);
  });

  it('uses the defaults rooted at the cwd when there is no config file', async () => {
    const cwd = join(dir, 'empty');
    mkdirSync(cwd);
    const config = await loadConfig({ cwd, env: {} });
    assert.equal(config.configFile, undefined);
    assert.equal(config.output.dir, join(cwd, 'reports/latest'));
    assert.ok(Number.isInteger(config.seed) && config.seed >= 0 && config.seed < 2 ** 32);
  });

  it('mints the audience mock-idp minted before idp.audience existed unless the config names one', async () => {
    const audienceOf = async (idp: unknown): Promise<string> => {
      const cwd = writeConfig('keystorm.config.json', JSON.stringify({ idp }));
      return (await loadConfig({ cwd, env: {} })).idp.audience;
    };
    assert.equal(await audienceOf({ issuers: ['gitlab', 'customersdot'] }), 'gitlab-ai-gateway');
    assert.equal(await audienceOf({ issuers: ['acme'] }), 'keystorm');
    assert.equal(await audienceOf({ issuers: ['gitlab', 'acme'] }), 'keystorm');
    assert.equal(await audienceOf({ issuers: ['acme'], audience: 'orders-api' }), 'orders-api');
  });

  it('loads a TypeScript config with defineConfig, RegExp patterns and code', async () => {
    const cwd = writeConfig(
      'keystorm.config.ts',
      `import { defineConfig } from ${JSON.stringify(defineUrl)};
const replicas: number = 1 + 1;
export default defineConfig({
  idp: { issuers: ['gitlab', { name: 'customers', alg: 'RS256' }], tls: true },
  sut: {
    command: ['node', 'gateway.js', '--port={{port}}'],
    cwd: 'app',
    env: { JWKS: '{{idp.customers.jwks}}', CA: '{{idp.ca}}', ID: '{{replica.id}}' },
    url: 'http://127.0.0.1:{{port}}',
    readyUrl: '/ready',
    readyTimeout: '2m',
    replicas,
    logPatterns: { recached: 'Old JWKS re-cached', incomplete: /incomplete jwks/i },
    request: { path: '/v1/code', headers: { 'x-instance': '{{claims.instance_id}}' } },
  },
  slos: { override: { 'cache-stampede': { 'jwks concurrency': { threshold: 'max<=2', strict: false }, other: false } } },
  timeScale: 0.25,
});
`,
    );
    const config = await loadConfig({ cwd, env: {}, drawSeed: () => 1 });
    assert.equal(config.idp.issuers[1]?.alg, 'RS256');
    assert.equal(config.sut?.mode, 'spawn');
    if (config.sut?.mode !== 'spawn') return;
    assert.equal(config.sut.cwd, join(cwd, 'app'));
    assert.equal(config.sut.readyTimeout, 120_000);
    assert.equal(config.sut.replicas, 2);
    assert.ok(config.sut.logPatterns['incomplete'] instanceof RegExp);
    assert.equal(config.sut.logDir, join(cwd, 'reports/latest/sut'));
    assert.deepEqual(config.sut.request, {
      method: 'GET',
      path: '/v1/code',
      headers: { 'x-instance': '{{claims.instance_id}}' },
    });
    assert.equal(config.timeScale, 0.25);
    assert.deepEqual(config.slos.override['cache-stampede']?.['other'], false);
  });

  it('loads a JSON config with { regex } log patterns and an attached SUT', async () => {
    const cwd = writeConfig(
      'keystorm.config.json',
      JSON.stringify({
        sut: {
          url: 'http://127.0.0.1:8080',
          readyUrl: '/health',
          metricsUrl: 'http://localhost:9090/metrics',
        },
        scenarios: ['baseline', 'custom/stampede.ts', { name: 'inline' }],
        seed: 99,
      }),
    );
    mkdirSync(join(cwd, 'custom'));
    writeFileSync(join(cwd, 'custom', 'stampede.ts'), 'export default {};');
    const config = await loadConfig({ cwd, env: {} });
    assert.deepEqual(config.sut, {
      mode: 'attach',
      url: 'http://127.0.0.1:8080',
      readyUrl: '/health',
      metricsUrl: 'http://localhost:9090/metrics',
      readyTimeout: 30_000,
      readyInterval: 100,
      request: { method: 'GET', path: '/', headers: {} },
    });
    assert.deepEqual(config.scenarios, [
      { kind: 'builtin', pattern: 'baseline' },
      { kind: 'file', path: join(cwd, 'custom/stampede.ts') },
      { kind: 'inline', scenario: { name: 'inline' } },
    ]);
    assert.equal(config.seed, 99);

    const jsonPatterns = writeConfig(
      'keystorm.config.json',
      JSON.stringify({
        sut: {
          command: 'node x.js',
          logPatterns: { a: { regex: 'old jwks', flags: 'i' }, b: { regex: '(' } },
        },
      }),
    );
    assert.deepEqual(await problemsOf(loadConfig({ cwd: jsonPatterns })), [
      'sut.logPatterns.b.regex: not a valid regular expression: Invalid regular expression: /(/: Unterminated group',
    ]);
  });

  it('names the file on invalid JSON and on a TS config without default export', async () => {
    const badJson = writeConfig('keystorm.config.json', '{ "sut": ');
    const error = await loadConfig({ cwd: badJson }).catch((e: unknown) => e);
    assert.ok(error instanceof ValidationError);
    assert.match(error.message, /keystorm\.config\.json is invalid:\n {2}- \(root\): not valid JSON/);

    const noDefault = writeConfig('keystorm.config.ts', 'export const config = {};\n');
    assert.deepEqual(await problemsOf(loadConfig({ cwd: noDefault })), [
      ': has no default export: write `export default defineConfig({ … })`',
    ]);

    const throwing = writeConfig(
      'keystorm.config.ts',
      "throw new Error('no env for you');\nexport default {};\n",
    );
    await assert.rejects(
      loadConfig({ cwd: throwing }),
      (e: unknown) =>
        e instanceof HarnessError &&
        e.exitCode === 2 &&
        /cannot load config file .*no env for you/.test(e.message),
    );
    await assert.rejects(
      loadConfig({ cwd: dir, file: 'nope.json' }),
      (e: unknown) =>
        e instanceof HarnessError && e.code === 'ERR_USAGE' && /--config: no such file/.test(e.message),
    );
  });

  it('applies CLI overrides and reports bad flags together with the file’s problems', async () => {
    const cwd = writeConfig(
      'keystorm.config.json',
      JSON.stringify({
        sut: { command: ['node', 'g.js'], env: { KEY_CACHE: 'hardened', A: '1' } },
        output: { dir: 'out' },
      }),
    );
    const config = await loadConfig({
      cwd,
      env: {},
      overrides: {
        sutEnv: ['KEY_CACHE=naive', 'B=x=y'],
        seed: '42',
        out: 'elsewhere',
        reporters: ['json', 'junit'],
        timeScale: '0.5',
      },
    });
    assert.deepEqual(config.sut?.mode === 'spawn' ? config.sut.env : undefined, {
      KEY_CACHE: 'naive',
      A: '1',
      B: 'x=y',
    });
    assert.equal(config.seed, 42);
    assert.equal(config.output.dir, join(cwd, 'elsewhere'));
    assert.deepEqual(config.output.reporters, ['json', 'junit']);
    assert.equal(config.timeScale, 0.5);

    const bad = writeConfig(
      'keystorm.config.json',
      JSON.stringify({ sut: { url: 'http://127.0.0.1:1' }, timeScale: 'fast' }),
    );
    assert.deepEqual(
      await problemsOf(
        loadConfig({ cwd: bad, overrides: { sutEnv: ['NOEQUALS'], seed: 'abc', reporters: ['pdf'] } }),
      ),
      [
        '--sut-env[0]: must be KEY=VALUE with a valid variable name, got "NOEQUALS"',
        '--sut-env: only applies to a SUT keystorm starts (sut.command in the config)',
        '--seed: must be an integer from 0 to 4294967295, got "abc"',
        '--reporter[0]: unknown reporter "pdf"; known: console, json, markdown, junit, html, prometheus',
        'timeScale: must be a number, got "fast"',
      ],
    );
  });

  it('blames bad flags on the command line, not on a config file that is fine', async () => {
    const cwd = writeConfig('keystorm.config.json', JSON.stringify({ sut: { command: ['node', 'g.js'] } }));
    const error = await loadConfig({
      cwd,
      overrides: { seed: '-1', timeScale: '0', reporters: ['pdf'], out: ' ' },
    }).then(
      () => assert.fail('the flags were accepted'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ValidationError);
    assert.match(error.message, /^the command line is invalid:/);
    assert.deepEqual(
      error.problems.map((p) => p.path),
      ['--seed', '--time-scale', '--out', '--reporter[0]'],
    );
    const both = await loadConfig({
      cwd: writeConfig('keystorm.config.json', JSON.stringify({ timeScale: 0 })),
      overrides: { seed: 'x' },
    }).then(
      () => assert.fail('accepted'),
      (e: unknown) => e,
    );
    assert.ok(both instanceof ValidationError);
    assert.match(both.message, /keystorm\.config\.json and the command line is invalid:/);
  });

  it('lists a duplicate issuer and a bad slos.extra threshold together with shape errors elsewhere', async () => {
    const cwd = writeConfig(
      'keystorm.config.json',
      JSON.stringify({
        idp: { issuers: ['gitlab', 'gitlab'], alg: 'HS256' },
        load: { connections: 0 },
        slos: {
          extra: [{ metric: 'request_duration', threshold: 'p(95)<<500' }],
          override: { baseline: { x: { threshold: 'nonsense' } } },
        },
        timeScale: 'fast',
      }),
    );
    const problems = await problemsOf(loadConfig({ cwd, env: {} }));
    assert.deepEqual(
      problems.map((p) => p.replace(/: .*/, '')),
      [
        'idp.alg',
        'load.connections',
        'timeScale',
        'idp.issuers[1]',
        'slos.extra[0].threshold',
        'slos.override.baseline.x.threshold',
      ],
    );
  });
});

describe('resolveConfig cross-field checks', () => {
  it('rejects spawn-only options on an attached SUT, non-loopback hosts and a SUT with neither command nor url', () => {
    const attempt = (input: unknown, env: Record<string, string> = {}): string[] => {
      try {
        resolveConfig(input, { env });
      } catch (error) {
        assert.ok(error instanceof ValidationError);
        return error.problems.map((p) => `${p.path}: ${p.message}`.replace(/; known: .*/, '; known: …'));
      }
      return [];
    };
    assert.deepEqual(attempt({ sut: { url: 'http://gateway.internal:8080', env: {}, replicas: 2 } }), [
      'sut.env: only applies to a SUT keystorm starts (set sut.command)',
      'sut.replicas: only applies to a SUT keystorm starts (set sut.command)',
      'sut.url: gateway.internal is not loopback: add it to allowHosts to send traffic there',
    ]);
    assert.deepEqual(
      attempt({ sut: { url: 'http://gateway.internal:8080' }, allowHosts: ['gateway.internal'] }),
      [],
    );
    assert.deepEqual(attempt({ sut: {} }), [
      'sut: needs sut.command (keystorm starts the SUT) or sut.url (attach to a running SUT)',
    ]);
    assert.deepEqual(attempt({}, { TOXIPROXY_URL: 'http://10.1.2.3:8474' }), [
      'TOXIPROXY_URL (environment): 10.1.2.3 is not loopback: add it to allowHosts to send traffic there',
    ]);
    assert.deepEqual(
      attempt({ sut: { command: 'x', url: 'http://127.0.0.1:8080', replicas: 2, readyUrl: 'ready' } }),
      [
        'sut.readyUrl: must be a path on sut.url (/ready) or an http(s) URL, got "ready"',
        'sut.url: with sut.replicas > 1 every replica needs its own port: use {{port}} in the URL',
      ],
    );
    assert.deepEqual(
      attempt({
        idp: { issuers: ['a', 'a'] },
        proxy: { ports: { a: 18001, b: 18001 } },
        sut: { command: '{{idp.b.jwks}}' },
      }),
      [
        "idp.issuers[1]: 'a' is already idp.issuers[0]",
        "proxy.ports.b: no issuer named 'b'; issuers: a",
        'proxy.ports.b: port 18001 is already proxy.ports.a',
        'sut.command: unknown placeholder {{idp.b.jwks}}; known: …',
      ],
    );
    assert.deepEqual(
      attempt({
        slos: {
          extra: [{ metric: 'request_duration', threshold: 'p(95)<<500' }],
          override: { baseline: { 'p95 latency': { threshold: 'p(95)<1', thresholds: ['max<2'] } } },
        },
      }),
      [
        'slos.extra[0].threshold: column 7: expected a number, found \'<\' in "p(95)<<500"',
        'slos.override.baseline["p95 latency"]: give either threshold or thresholds, not both',
      ],
    );
  });

  it('drives a real Toxiproxy when TOXIPROXY_URL is set, unless proxy.url says otherwise', () => {
    const listen = { host: '127.0.0.1', ports: {}, publicHost: '127.0.0.1' };
    assert.deepEqual(resolveConfig({}, { env: { TOXIPROXY_URL: 'http://127.0.0.1:8474' } }).proxy, {
      mode: 'external',
      url: 'http://127.0.0.1:8474',
      ...listen,
    });
    assert.deepEqual(
      resolveConfig(
        { proxy: { url: 'http://localhost:9000' } },
        { env: { TOXIPROXY_URL: 'http://127.0.0.1:8474' } },
      ).proxy,
      { mode: 'external', url: 'http://localhost:9000', ...listen },
    );
  });

  it('validates inline scenarios with the schema the runner plugs in, under their list path', () => {
    const scenarioSchema = z.strictObject({
      name: z.string(),
      timeline: z.array(z.strictObject({ at: z.string().regex(/^\d+(ms|s)$/, 'must be a duration') })),
    });
    try {
      resolveConfig(
        {
          scenarios: [
            'baseline',
            { name: 'ok', timeline: [{ at: '5s' }] },
            { name: 'bad', timeline: [{ at: 'soon' }, { at: '1s', action: 'x' }] },
          ],
          sut: { readyTimeout: 'never' },
        },
        { hooks: { validateScenario: (value, path) => zodProblems(scenarioSchema, value, path) } },
      );
      assert.fail('accepted');
    } catch (error) {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual(
        error.problems.map((p) => `${p.path}: ${p.message}`),
        [
          'sut.readyTimeout: must be a duration (e.g. 250ms, 5s, 1m30s) or a number of milliseconds, got "never"',
          'scenarios[2].timeline[0].at: must be a duration, got "soon"',
          'scenarios[2].timeline[1].action: unknown option',
        ],
      );
    }
  });
});

describe('resolved SUT config', () => {
  it('is what createSut takes: a loaded config starts and stops a real SUT', async () => {
    const cwd = writeConfig(
      'server.mjs',
      `import { createServer } from 'node:http';
const s = createServer((req, res) => res.end(process.env.GREETING));
s.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(JSON.stringify({ msg: 'listening', url: 'http://127.0.0.1:' + s.address().port })));
process.on('SIGTERM', () => s.close(() => process.exit(0)));
`,
    );
    writeFileSync(
      join(cwd, 'keystorm.config.json'),
      JSON.stringify({
        sut: {
          command: ['node', 'server.mjs'],
          env: { PORT: '{{port}}', GREETING: 'hi {{replica.id}}' },
          readyTimeout: '20s',
        },
      }),
    );
    const config = await loadConfig({ cwd, env: {} });
    assert.ok(config.sut !== null);
    const sut = await createSut(config.sut, { context: { proxy: { url: 'http://127.0.0.1:1' } } });
    try {
      await sut.start();
      const replica = sut.replicas[0]!;
      assert.equal(replica.url, `http://127.0.0.1:${replica.identity.port}`);
      const response = await fetch(replica.url);
      assert.equal(await response.text(), 'hi replica-1');
    } finally {
      await sut.stop();
    }
    assert.match(readFileSync(join(cwd, 'reports/latest/sut/replica-1.log'), 'utf8'), /"msg":"listening"/);
  });
});

describe('docs/config.md', () => {
  it('contains the option reference generated from the schema', () => {
    const docs = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8');
    assert.ok(
      docs.includes(renderConfigReference()),
      'docs/config.md is out of date: run node --import tsx src/config/reference.ts --write',
    );
  });
});
