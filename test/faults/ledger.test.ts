import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HarnessError } from '../../src/errors.ts';
import {
  FaultLedger,
  holdFaults,
  registerBuiltinFaultKinds,
  runProxyName,
  sweepStaleProxies,
  validateFaultSpecs,
} from '../../src/faults/index.ts';
import type { FaultContext, RunProxy } from '../../src/faults/index.ts';
import { ProxyAdapter } from '../../src/proxy/adapter.ts';
import { startToxiproxyServer } from '../../src/proxy/server.ts';
import type { ToxiproxyServer } from '../../src/proxy/server.ts';
import { startMockIdp } from '../../mock-idp/index.ts';
import type { MockIdp } from '../../mock-idp/index.ts';
import { rawGet, startHttpUpstream } from './helpers.ts';
import type { Started } from './helpers.ts';

registerBuiltinFaultKinds();

describe('FaultLedger rollback', () => {
  let server: ToxiproxyServer;
  let adapter: ProxyAdapter;
  let upstream: Started;
  let idp: MockIdp;

  before(async () => {
    server = await startToxiproxyServer({ host: '127.0.0.1', port: 0, seed: 5 });
    adapter = new ProxyAdapter(server.url);
    upstream = await startHttpUpstream();
    idp = await startMockIdp({ issuers: ['gitlab'] });
  });
  after(async () => {
    await server.close();
    await upstream.close();
    await idp.close();
  });

  it('undoes everything newest first and reports each step', async () => {
    const ledger = new FaultLedger();
    const order: string[] = [];
    for (const label of ['a', 'b', 'c']) {
      ledger.record(label, () => {
        order.push(label);
        return Promise.resolve();
      });
    }
    const report = await ledger.rollback();
    assert.deepEqual(order, ['c', 'b', 'a']);
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.steps.map((s) => s.label),
      ['c', 'b', 'a'],
    );
    assert.deepEqual(ledger.outstanding, []);
  });

  it('keeps going when one undo fails or hangs, within the per-undo bound', async () => {
    const ledger = new FaultLedger({ revertTimeoutMs: 200 });
    const done: string[] = [];
    ledger.record('first', () => Promise.resolve(done.push('first')));
    ledger.record('hangs', () => new Promise(() => undefined));
    ledger.record('throws', () => Promise.reject(new Error('boom')));
    ledger.record('last', () => Promise.resolve(done.push('last')));
    const started = performance.now();
    const report = await ledger.rollback();
    const elapsed = performance.now() - started;
    assert.deepEqual(done, ['last', 'first']);
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.steps.map((s) => [s.label, s.ok]),
      [
        ['last', true],
        ['throws', false],
        ['hangs', false],
        ['first', true],
      ],
    );
    assert.match(report.steps[1]?.error ?? '', /boom/);
    assert.match(report.steps[2]?.error ?? '', /did not finish within 200ms/);
    assert.ok(elapsed < 2000, `rollback took ${elapsed}ms`);
  });

  it('returns the same report when rolled back twice and refuses new work after', async () => {
    const ledger = new FaultLedger();
    let runs = 0;
    ledger.record('once', () => Promise.resolve(runs++));
    const [first, second] = await Promise.all([ledger.rollback(), ledger.rollback()]);
    assert.equal(first, second);
    assert.equal(runs, 1);
    assert.equal(ledger.signal.aborted, true);
    let late = 0;
    assert.throws(
      () => ledger.record('late', () => Promise.resolve(late++)),
      (e: unknown) => e instanceof HarnessError && e.code === 'ERR_INTERRUPTED',
    );
    await sleep(20);
    assert.equal(late, 1, 'a change recorded after the rollback started is undone at once');
    await assert.rejects(ledger.apply({ kind: 'down' }, {}), /rolling back/);
  });

  it('removes the faults it applied and the proxies it created', async () => {
    const ledger = new FaultLedger();
    const proxy = await ledger.createProxy(adapter, { alias: 'idp', upstream: upstream.address });
    assert.equal(proxy.name, runProxyName('idp'));
    assert.match(proxy.name, new RegExp(`^keystorm-${process.pid}-idp$`));
    const ctx: FaultContext = {
      network: { adapter, proxies: new Map([[proxy.alias, proxy]]) },
      idp: { faults: idp.admin.faults },
      httpTtlMs: 60_000,
    };
    await ledger.apply({ kind: 'latency', attributes: { latency: 50 } }, ctx);
    await ledger.apply({ kind: 'black-hole', name: 'hole', probability: 0.5 }, ctx);
    await ledger.apply({ kind: 'http-status', target: 'gitlab' }, ctx);
    assert.equal((await adapter.listToxics(proxy.name)).length, 3);
    assert.equal((await idp.admin.faults.list()).length, 1);
    const report = await ledger.rollback();
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.deepEqual(
      report.steps.map((s) => s.label),
      [
        'revert fault http-status (http-status)',
        'revert fault hole (black-hole)',
        'revert fault latency (latency)',
        `delete proxy ${proxy.name}`,
      ],
    );
    assert.equal(await adapter.findProxy(proxy.name), undefined);
    assert.deepEqual(await idp.admin.faults.list(), []);
    assert.equal((await rawGet(proxy.listen)).outcome, 'refused');
  });

  it('reverts a fault whose apply was still in flight when the rollback began', async () => {
    const ledger = new FaultLedger();
    const proxy = await ledger.createProxy(adapter, { alias: 'inflight', upstream: upstream.address });
    const ctx: FaultContext = { network: { adapter, proxies: new Map([[proxy.alias, proxy]]) } };
    const applying = ledger.apply({ kind: 'latency', attributes: { latency: 10 } }, ctx).then(
      () => 'applied',
      (e: unknown) => (e instanceof HarnessError ? e.code : String(e)),
    );
    const report = await ledger.rollback();
    assert.equal(await applying, 'ERR_INTERRUPTED');
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.ok(report.steps.some((s) => s.label === 'revert fault latency (latency)'));
    assert.equal(await adapter.findProxy(proxy.name), undefined);
  });

  it('lets a fault be reverted on schedule, after which the rollback skips it', async () => {
    const ledger = new FaultLedger();
    const proxy = await ledger.createProxy(adapter, { alias: 'sched', upstream: upstream.address });
    const ctx: FaultContext = { network: { adapter, proxies: new Map([[proxy.alias, proxy]]) } };
    const fault = await ledger.apply({ kind: 'reset' }, ctx);
    await fault.revert();
    assert.deepEqual(await adapter.listToxics(proxy.name), []);
    assert.deepEqual(ledger.outstanding, [`delete proxy ${proxy.name}`]);
    const report = await ledger.rollback();
    assert.equal(report.steps.length, 1);
  });

  it('keeps an early revert that failed on the books, so the final rollback retries it', async () => {
    const ledger = new FaultLedger();
    let attempts = 0;
    const undo = ledger.record('flaky', () => {
      attempts += 1;
      return attempts === 1 ? Promise.reject(new Error('API briefly down')) : Promise.resolve();
    });
    await assert.rejects(undo(), (e: unknown) => e instanceof HarnessError && e.code === 'ERR_FAULT_REVERT');
    assert.deepEqual(ledger.outstanding, ['flaky']);
    const report = await ledger.rollback();
    assert.equal(report.ok, true);
    assert.equal(attempts, 2);
  });

  it('rolls back on SIGTERM while its handlers are installed, and removes them after', async () => {
    const ledger = new FaultLedger();
    const proxy = await ledger.createProxy(adapter, { alias: 'sig', upstream: upstream.address });
    const before = process.listenerCount('SIGTERM');
    const seen: NodeJS.Signals[] = [];
    const unwatch = ledger.watchSignals((signal) => seen.push(signal));
    assert.equal(process.listenerCount('SIGTERM'), before + 1);
    process.emit('SIGTERM', 'SIGTERM');
    assert.deepEqual(seen, ['SIGTERM']);
    assert.equal(ledger.interrupted, 'SIGTERM');
    assert.equal(ledger.signal.aborted, true);
    const report = await ledger.rollback();
    assert.equal(report.signal, 'SIGTERM');
    assert.equal(await adapter.findProxy(proxy.name), undefined);
    unwatch();
    assert.equal(process.listenerCount('SIGTERM'), before);
  });

  it('sweeps proxies left by dead keystorm processes and nothing else', async () => {
    const deadPid = await pidOfExitedProcess();
    await adapter.createProxy({ name: runProxyName('idp', deadPid), upstream: upstream.address });
    await adapter.createProxy({ name: runProxyName('live', process.ppid), upstream: upstream.address });
    await adapter.createProxy({ name: 'someone-elses', upstream: upstream.address });
    const swept = await sweepStaleProxies(adapter);
    assert.deepEqual(swept, [runProxyName('idp', deadPid)]);
    const left = (await adapter.listProxies()).map((p) => p.name);
    assert.ok(left.includes(runProxyName('live', process.ppid)));
    assert.ok(left.includes('someone-elses'));
    await adapter.deleteProxy(runProxyName('live', process.ppid));
    await adapter.deleteProxy('someone-elses');
  });
});

describe('holdFaults', () => {
  let server: ToxiproxyServer;
  let adapter: ProxyAdapter;
  let upstream: Started;
  before(async () => {
    server = await startToxiproxyServer({ host: '127.0.0.1', port: 0 });
    adapter = new ProxyAdapter(server.url);
    upstream = await startHttpUpstream();
  });
  after(async () => {
    await server.close();
    await upstream.close();
  });

  it('applies each fault at its window start and reverts it at its window stop', async () => {
    const ledger = new FaultLedger();
    const proxy: RunProxy = await ledger.createProxy(adapter, { alias: 'w', upstream: upstream.address });
    const ctx: FaultContext = { network: { adapter, proxies: new Map([[proxy.alias, proxy]]) } };
    const faults = validateFaultSpecs(
      [
        { kind: 'latency', name: 'always', attributes: { latency: 5 } },
        { kind: 'down', name: 'blip', window: { start: '300ms', stop: '700ms' } },
      ],
      ctx,
    );
    const events: string[] = [];
    const holding = holdFaults(faults, ctx, ledger, {
      durationMs: 1000,
      onApplied: (f) => events.push(`applied ${f.name}`),
      onReverted: (f) => events.push(`reverted ${f.name}`),
      onReady: (active) => events.push(`ready ${active.map((f) => f.name).join(',')}`),
    });
    await sleep(150);
    assert.equal((await rawGet(proxy.listen)).status, 200, 'not down before its window');
    await sleep(350);
    assert.equal((await rawGet(proxy.listen)).outcome, 'refused', 'down inside its window');
    const still = await holding;
    assert.equal((await rawGet(proxy.listen)).status, 200, 'back after its window');
    assert.deepEqual(events, ['applied always', 'ready always', 'applied blip', 'reverted blip']);
    assert.deepEqual(
      still.map((f) => f.name),
      ['always'],
    );
    const report = await ledger.rollback();
    assert.equal(report.ok, true);
    assert.equal(await adapter.findProxy(proxy.name), undefined);
  });

  it('stops waiting as soon as the run is interrupted', async () => {
    const ledger = new FaultLedger();
    const started = performance.now();
    const holding = holdFaults([], {}, ledger, { durationMs: 30_000 });
    setTimeout(() => void ledger.rollback(), 100);
    await assert.rejects(holding);
    assert.ok(performance.now() - started < 5000);
  });
});

/** The pid of a process that has already exited (so no live process owns it). */
async function pidOfExitedProcess(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  const pid = child.pid;
  await new Promise((resolve) => child.on('exit', resolve));
  assert.ok(pid !== undefined);
  return pid;
}
