/**
 * Every option of the config schema has a consumer outside src/config: a resolved config with
 * every option set is handed to the functions the run is built from (environment, scenario
 * settings, scenario selection, SLOs, reporters), and each option must be read by one of them.
 * An option that is validated and then ignored fails this test.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { configSchema, resolveConfig, type FullConfig } from '../../src/config/index.ts';
import {
  alertSettings,
  createRunReporters,
  validateScenarios,
  environmentOptions,
  runInfo,
  sharedRunSettings,
  withConfigSlos,
} from '../../src/scenario/run.ts';
import { selectScenarios } from '../../src/scenario/select.ts';
import { compileTemplate } from '../../src/load/request-template.ts';
import baseline from '../../scenarios/baseline.ts';

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  kind?: string;
}

/** Dotted paths of every option (objects with their own options are descended into). */
function schemaLeaves(schema: JsonSchema, prefix = ''): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([key, child]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return child.properties !== undefined && child.kind === undefined ? schemaLeaves(child, path) : [path];
  });
}

/**
 * Options no part of a run reads (none today). Listed so a gap stays visible: the test fails once
 * one of them is read (then drop it here) and whenever an option outside this list is not read.
 */
const NOT_READ_BY_A_RUN: string[] = [];

/** Where an option ends up in FullConfig when not under its own name. */
const RESOLVED_AS: Record<string, string> = { 'sut.logToFile': 'sut.logDir' };

/** A deep read-only view of `value` that records every property path read from it. */
function track<T>(value: T, reads: Set<string>, path = ''): T {
  const plain =
    typeof value === 'object' &&
    value !== null &&
    (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype);
  if (!plain) return value;
  return new Proxy(value as object, {
    get(target, key, receiver) {
      const result: unknown = Reflect.get(target, key, receiver);
      if (typeof key !== 'string' || (Array.isArray(target) && !/^\d+$/.test(key))) return result;
      const child = Array.isArray(target) ? path : path === '' ? key : `${path}.${key}`;
      reads.add(child);
      return track(result, reads, child);
    },
    ownKeys(target) {
      reads.add(path);
      return Reflect.ownKeys(target);
    },
  }) as T;
}

/** A config that sets every option (a new option must be added here, see the first test). */
const EVERYTHING = {
  idp: {
    issuers: ['gitlab', { name: 'other', alg: 'RS256' }],
    alg: 'ES256',
    audience: 'my-api',
    tls: true,
    host: '127.0.0.1',
    port: 0,
    adminPort: 0,
    seed: 1,
  },
  proxy: {
    url: 'http://127.0.0.1:8474',
    host: '127.0.0.1',
    port: 0,
    ports: { gitlab: 0 },
    publicHost: 'localhost',
  },
  sut: {
    command: ['node', 'x.js'],
    cwd: '.',
    env: { A: '1' },
    inheritEnv: false,
    url: 'http://127.0.0.1:{{port}}',
    readyUrl: '/ready',
    readyTimeout: '1s',
    readyInterval: '10ms',
    metricsUrl: '/metrics',
    replicas: 2,
    logPatterns: { a: 'x' },
    logLines: 10,
    logToFile: true,
    stopTimeout: '1s',
    host: '127.0.0.1',
    request: { method: 'GET', path: '/', headers: {}, body: 'b', expect: [200] },
    profile: {
      ttlMs: '10s',
      refreshAheadMs: '2s',
      unknownKidCooldownMs: '2s',
      fetchTimeoutMs: '1500ms',
      clockToleranceMs: '5s',
      capabilities: {
        scopes403: true,
        claimHeaders401: true,
        readinessReflectsKeys: true,
        logPatterns: ['a'],
      },
    },
  },
  load: { connections: 2, requestTimeout: '1s', clientsPerIssuer: 2, tokenLifetime: '1m' },
  scenarios: ['baseline'],
  slos: { extra: [], override: {} },
  output: { dir: 'out', reporters: ['json'], pushGateway: 'http://127.0.0.1:9091' },
  timeScale: 0.5,
  allowHosts: ['example.test'],
  seed: 2,
  alerts: {
    files: ['alerts/examples/http-5xx-ratio.rules.yml'],
    relabel: { their_requests_total: { from: 'http_requests_total', labels: { code: 'status' } } },
  },
};

/**
 * Sections another command reads from the raw file with its own schema (`keystorm canary`
 * parses `canary` itself); a run never sees them, so they are checked where they are read.
 */
const OTHER_COMMANDS = ['canary'];

describe('config schema consumers', () => {
  const leaves = schemaLeaves(
    z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema,
  ).filter((leaf) => !OTHER_COMMANDS.includes(leaf.split('.')[0] ?? ''));

  it('the test config sets every option of the schema', () => {
    const set = schemaLeaves({ properties: toSchemaShape(EVERYTHING) });
    assert.deepEqual(
      leaves.filter((l) => !set.includes(l)),
      [],
    );
  });

  it('reads every option in the code that builds a run', async () => {
    const reads = new Set<string>();
    // The external proxy's URL replaces the embedded proxy's API port: exercise both modes.
    const external = resolveConfig(EVERYTHING, { env: {} });
    const { url: _url, ...embeddedProxy } = EVERYTHING.proxy;
    const embedded = resolveConfig({ ...EVERYTHING, proxy: embeddedProxy }, { env: {} });
    for (const config of [external, embedded]) {
      const c = track<FullConfig>(config, reads);
      assert.ok(c.sut !== null);
      environmentOptions(c, c.sut);
      const settings = sharedRunSettings(c, c.sut);
      // The request the SUT config describes is read where it is compiled, per scenario.
      for (const route of Object.values(settings.routes)) compileTemplate(route);
      withConfigSlos(baseline, c);
      validateScenarios([baseline], c);
      runInfo(c, []);
      createRunReporters(c);
      await alertSettings(c, []);
      await selectScenarios(c.scenarios);
    }
    const unread = leaves.filter((leaf) => {
      const resolved = RESOLVED_AS[leaf] ?? leaf;
      return ![...reads].some((r) => r === resolved || r.startsWith(`${resolved}.`));
    });
    assert.deepEqual(
      unread.filter((leaf) => !NOT_READ_BY_A_RUN.includes(leaf)),
      [],
      'options validated and then ignored',
    );
    assert.deepEqual(
      NOT_READ_BY_A_RUN.filter((leaf) => !unread.includes(leaf)),
      [],
      'now read by a run: remove from NOT_READ_BY_A_RUN',
    );
  });
});

/** Object keys of a config as a schema-like tree, for the coverage check above. */
function toSchemaShape(value: Record<string, unknown>): Record<string, JsonSchema> {
  const records = new Set(['env', 'logPatterns', 'headers', 'ports', 'override', 'relabel']);
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [
      key,
      typeof child === 'object' && child !== null && !Array.isArray(child) && !records.has(key)
        ? { properties: toSchemaShape(child as Record<string, unknown>) }
        : {},
    ]),
  );
}
