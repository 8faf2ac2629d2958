/**
 * The rollback guarantee, end to end: the real `keystorm fault` command holds a network fault
 * (through a Toxiproxy we own) and an HTTP fault (at a mock-idp we own), and we end it the
 * ways a harness ends — normally, SIGINT, SIGTERM, SIGKILL — then look at both for leftovers.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProxyAdapter } from '../../src/proxy/adapter.ts';
import { startToxiproxyServer } from '../../src/proxy/server.ts';
import type { ToxiproxyServer } from '../../src/proxy/server.ts';
import { startMockIdp } from '../../mock-idp/index.ts';
import type { MockIdp } from '../../mock-idp/index.ts';
import { freePort, rawGet } from './helpers.ts';

const BIN = new URL('../../bin/keystorm.mjs', import.meta.url).pathname;

interface Run {
  child: ChildProcess;
  events: Record<string, unknown>[];
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitFor(event: string, ms?: number): Promise<Record<string, unknown>>;
}

function startFault(args: string[], toxiproxyEnv = ''): Run {
  const child = spawn(process.execPath, [BIN, 'fault', '--json', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TOXIPROXY_URL: toxiproxyEnv },
  });
  const events: Record<string, unknown>[] = [];
  const waiters: { event: string; resolve: (e: Record<string, unknown>) => void }[] = [];
  let buffered = '';
  let errText = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline !== -1) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
      if (line.trim() === '') continue;
      const event = JSON.parse(line) as Record<string, unknown>;
      events.push(event);
      for (const waiter of waiters.filter((w) => w.event === event.event)) waiter.resolve(event);
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (errText += chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    events,
    stderr: () => errText,
    exit,
    waitFor: (event, ms = 20_000) => {
      const seen = events.find((e) => e.event === event);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${event} event within ${ms}ms; stderr: ${errText}`)),
          ms,
        );
        void exit.then(() => {
          clearTimeout(timer);
          const late = events.find((e) => e.event === event);
          if (late !== undefined) resolve(late);
          else reject(new Error(`exited before ${event}; stderr: ${errText}`));
        });
        waiters.push({
          event,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
  };
}

describe('keystorm fault rolls back whatever way it ends', () => {
  let toxiproxy: ToxiproxyServer;
  let adapter: ProxyAdapter;
  let idp: MockIdp;
  const started: ChildProcess[] = [];

  before(async () => {
    toxiproxy = await startToxiproxyServer({ host: '127.0.0.1', port: 0 });
    adapter = new ProxyAdapter(toxiproxy.url);
    idp = await startMockIdp({ issuers: ['gitlab'] });
  });
  after(async () => {
    for (const child of started)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await toxiproxy.close();
    await idp.close();
  });

  /** `via: 'env'` names the Toxiproxy through TOXIPROXY_URL instead of --toxiproxy. */
  function run(extra: string[], via: 'flag' | 'env' = 'flag'): Run {
    const r = startFault(
      [
        ...(via === 'flag' ? ['--toxiproxy', toxiproxy.url] : []),
        '--idp-admin',
        idp.adminUrl,
        '--idp-token',
        idp.adminToken,
        '--upstream',
        `idp=${new URL(idp.dataUrl).host}`,
        '--fault',
        'kind=latency,latency=150ms',
        '--fault',
        'kind=http-status,status=503,target.issuer=gitlab,target.endpoint=jwks',
        ...extra,
      ],
      via === 'env' ? toxiproxy.url : '',
    );
    started.push(r.child);
    return r;
  }

  /** Waits for ready and checks both faults really are in place. */
  async function readyAndFaulted(r: Run): Promise<{ proxyName: string; listen: string }> {
    const ready = await r.waitFor('ready');
    // Whether named by flag or by TOXIPROXY_URL, the command drives our server, not its own.
    assert.deepEqual(ready.toxiproxy, { url: toxiproxy.url, embedded: false });
    const [proxy] = ready.proxies as { name: string; listen: string }[];
    assert.ok(proxy !== undefined);
    const toxics = await adapter.listToxics(proxy.name);
    assert.deepEqual(
      toxics.map((t) => t.name),
      ['keystorm_latency'],
    );
    const [record] = await idp.admin.faults.list();
    assert.equal(record?.kind, 'status');
    // Real traffic through the proxy sees both: the HTTP fault's 503, late by the toxic.
    const jwksPath = new URL(idp.urlsFor('gitlab').jwksUrl).pathname;
    const seen = await rawGet(proxy.listen, jwksPath);
    assert.equal(seen.status, 503);
    assert.ok(seen.ms >= 130, `only ${seen.ms}ms through the proxy`);
    return { proxyName: proxy.name, listen: proxy.listen };
  }

  async function assertClean(proxyName: string): Promise<void> {
    assert.equal(await adapter.findProxy(proxyName), undefined, `proxy ${proxyName} left behind`);
    assert.deepEqual(await idp.admin.faults.list(), [], 'IdP faults left behind');
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: rolls everything back and exits 130`, async () => {
      const r = run(['--duration', '60s']);
      const { proxyName } = await readyAndFaulted(r);
      r.child.kill(signal);
      const { code } = await r.exit;
      assert.equal(code, 130, r.stderr());
      const rollback = r.events.find((e) => e.event === 'rollback');
      assert.equal(rollback?.ok, true);
      assert.equal(rollback?.signal, signal);
      await assertClean(proxyName);
    });
  }

  it('normal end (Toxiproxy from TOXIPROXY_URL): holds for the duration, rolls back and exits 0', async () => {
    const port = await freePort();
    const r = run(['--duration', '1500ms', '--listen', `127.0.0.1:${port}`], 'env');
    const { proxyName, listen } = await readyAndFaulted(r);
    assert.equal(listen, `127.0.0.1:${port}`);
    const { code } = await r.exit;
    assert.equal(code, 0, r.stderr());
    await assertClean(proxyName);
  });

  it('SIGKILL: the IdP fault expires with its TTL and the next run sweeps the proxy', async () => {
    const r = run(['--duration', '60s', '--ttl', '2s']);
    const { proxyName } = await readyAndFaulted(r);
    r.child.kill('SIGKILL');
    const { signal } = await r.exit;
    assert.equal(signal, 'SIGKILL');
    // Nothing could run in the killed process: the fault is still there until its TTL passes.
    assert.equal((await idp.admin.faults.list()).length, 1);
    const deadline = performance.now() + 8000;
    while ((await idp.admin.faults.list()).length > 0 && performance.now() < deadline) await sleep(200);
    assert.deepEqual(await idp.admin.faults.list(), [], 'IdP fault outlived its TTL');
    assert.ok((await adapter.findProxy(proxyName)) !== undefined, 'a SIGKILLed run cannot remove its proxy');

    const next = run(['--duration', '200ms']);
    const swept = await next.waitFor('swept');
    assert.deepEqual(swept.proxies, [proxyName]);
    assert.equal((await next.exit).code, 0, next.stderr());
    await assertClean(proxyName);
  });

  it('a fault refused while applying (unknown issuer at the IdP) undoes the ones before it and exits 3', async () => {
    const r = run(['--duration', '30s', '--fault', 'kind=http-empty-keys,target=no-such-issuer']);
    const { code } = await r.exit;
    assert.equal(code, 3, r.stderr());
    assert.match(r.stderr(), /applying fault http-empty-keys .*404/);
    const applied = r.events.filter((e) => e.event === 'applied').map((e) => e.name);
    assert.deepEqual(applied, ['latency', 'http-status']);
    const rollback = r.events.find((e) => e.event === 'rollback');
    assert.equal(rollback?.ok, true);
    const proxy = r.events.find((e) => e.event === 'proxy') as { name: string } | undefined;
    assert.ok(proxy !== undefined);
    await assertClean(proxy.name);
  });

  it('a bad fault exits 2 listing every problem, with nothing applied', async () => {
    const before = (await adapter.listProxies()).length;
    const r = startFault([
      '--toxiproxy',
      toxiproxy.url,
      '--idp-admin',
      idp.adminUrl,
      '--idp-token',
      idp.adminToken,
      '--upstream',
      `idp=${new URL(idp.dataUrl).host}`,
      '--fault',
      'kind=latency,latency=fast',
      '--fault',
      'kind=http-status,status=200',
      '--fault',
      'kind=earthquake',
      '--duration',
      '5s',
    ]);
    started.push(r.child);
    const { code } = await r.exit;
    assert.equal(code, 2);
    const err = r.stderr();
    assert.match(err, /--fault\[0\]\.attributes\.latency: "fast" is not a duration/);
    assert.match(err, /--fault\[1\]\.attributes\.status/);
    assert.match(err, /--fault\[2\]\.kind: unknown fault kind "earthquake"/);
    assert.equal((await adapter.listProxies()).length, before);
    assert.deepEqual(await idp.admin.faults.list(), []);
  });
});
