/**
 * How should the open model wake up for its starts? Four strategies, measured without HTTP
 * (each start only records its lag), at fixed rates, in one process, alternating:
 *
 *   spin        timer until 1.5 ms before the start, then setImmediate until it is due
 *               (the engine before this bench: precise, but burns a core at any rate);
 *   timer       one setTimeout to the due time; every start that is due on a wake is made
 *               (batching), the timer is re-armed for the next one;
 *   timer+wait  the engine's (src/load/waker.ts). While nothing is in flight ("idle", what
 *               the engine does between a response and the next start): a timer for a start
 *               more than 20 ms away, then one blocking Atomics.wait for the rest after one
 *               event-loop turn, wakes ≥ 1 ms apart (starts due in between are batched); also
 *               with wakes ≥ 0.5 ms apart and without the batching. While a request is in
 *               flight ("busy"): a timer aimed 1 ms early, then blocking waits of ≤ 0.25 ms
 *               (in the engine, starts that fall due then are mostly made when a response is
 *               read, which needs HTTP to show);
 *   worker      a worker thread sleeps to each wake time with Atomics.wait (µs precision, no
 *               CPU) and posts a tick; wakes are at least 0.25 ms apart, so starts batch;
 *   worker+waitAsync  the same worker, but it wakes the main thread with Atomics.notify on
 *               an Atomics.waitAsync instead of a message.
 *
 *   node --import tsx bench/scheduler-strategies.ts [--seconds 3] [--rounds 3] [--rates 100,2000,10000]
 *
 * Reports per strategy and rate the median over rounds of: CPU per start (whole process,
 * every thread) and schedule lag p50/p99/max (start made − start due). Writes
 * bench/results/scheduler-strategies.json. Target of the engine's strategy: lag p99 < 2 ms.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { createLatencyHistogram, recordMs, summarize } from '../src/load/histogram.ts';
import { Waker } from '../src/load/waker.ts';
import type { WakerTuning } from '../src/load/waker.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** Runs `rate` starts per second for `ms`; `onStart(lagMs)` per start. Resolves when done. */
type Strategy = (rate: number, ms: number, onStart: (lagMs: number) => void) => Promise<void>;

function plan(rate: number, ms: number): { t0: number; count: number; due: (i: number) => number } {
  const t0 = performance.now() + 5;
  return { t0, count: Math.floor((rate * ms) / 1000), due: (i) => t0 + (i * 1000) / rate };
}

const spin: Strategy = (rate, ms, onStart) => {
  const p = plan(rate, ms);
  let i = 0;
  return new Promise((resolve) => {
    const step = (): void => {
      const now = performance.now();
      while (i < p.count && p.due(i) <= now) onStart(now - p.due(i++));
      if (i >= p.count) return resolve();
      const wait = p.due(i) - now;
      if (wait > 2) setTimeout(step, wait - 1.5);
      else setImmediate(step);
    };
    step();
  });
};

const timer: Strategy = (rate, ms, onStart) => {
  const p = plan(rate, ms);
  let i = 0;
  return new Promise((resolve) => {
    const step = (): void => {
      const now = performance.now();
      while (i < p.count && p.due(i) <= now) onStart(now - p.due(i++));
      if (i >= p.count) return resolve();
      setTimeout(step, p.due(i) - now);
    };
    step();
  });
};

/** The engine's own strategy (src/load/waker.ts), with its default or another tuning. */
const timerWait =
  (tuning: Partial<WakerTuning> = {}, idle = false): Strategy =>
  (rate, ms, onStart) => {
    const p = plan(rate, ms);
    const waker = new Waker(
      () => performance.now(),
      tuning,
      () => idle,
    );
    let i = 0;
    return new Promise((resolve) => {
      const step = (): void => {
        const now = performance.now();
        while (i < p.count && p.due(i) <= now) onStart(now - p.due(i++));
        if (i >= p.count) return resolve();
        waker.at(p.due(i), step);
      };
      step();
    });
  };

/**
 * A worker's source: it waits for a wake time in shared memory (slot 0 of `at`; `ctl[0]` is the
 * generation, negative to stop), sleeps until it, then runs `onWake`.
 */
function sleeperWorker(imports: string, onWake: string): string {
  return `
const { ${imports} } = require('node:worker_threads');
const ctl = new Int32Array(workerData.ctl);
const at = new Float64Array(workerData.at);
for (;;) {
  const gen = Atomics.load(ctl, 0);
  if (gen < 0) break;
  const target = at[0];
  if (target === 0) { Atomics.wait(ctl, 0, gen); continue; }
  const left = target - (performance.timeOrigin + performance.now());
  if (left > 0.02) { Atomics.wait(ctl, 0, gen, left); continue; }
  at[0] = 0;
${onWake}
}
`;
}

/** Starts a sleeper worker with `ctlSlots` shared control slots and one shared wake time. */
async function startSleeper(
  source: string,
  ctlSlots: number,
): Promise<{ w: Worker; ctlView: Int32Array; atView: Float64Array }> {
  const ctl = new SharedArrayBuffer(4 * ctlSlots);
  const at = new SharedArrayBuffer(8);
  const w = new Worker(source, { eval: true, workerData: { ctl, at } });
  await new Promise((r) => w.once('online', r));
  return { w, ctlView: new Int32Array(ctl), atView: new Float64Array(at) };
}

/** The worker: waits for a wake time in shared memory, sleeps until it, posts a tick. */
const WORKER = sleeperWorker('parentPort, workerData', '  parentPort.postMessage(0);');

const worker: Strategy = async (rate, ms, onStart) => {
  const { w, ctlView, atView } = await startSleeper(WORKER, 1);
  const p = plan(rate, ms);
  let i = 0;
  let lastWake = 0;
  const wakeAt = (rel: number): void => {
    atView[0] = performance.timeOrigin + rel;
    Atomics.add(ctlView, 0, 1);
    Atomics.notify(ctlView, 0);
  };
  await new Promise<void>((resolve) => {
    const step = (): void => {
      const now = performance.now();
      lastWake = now;
      while (i < p.count && p.due(i) <= now) onStart(now - p.due(i++));
      if (i >= p.count) return resolve();
      wakeAt(Math.max(p.due(i), lastWake + 0.25));
    };
    w.on('message', step);
    step();
  });
  Atomics.store(ctlView, 0, -1);
  Atomics.notify(ctlView, 0);
  await w.terminate();
};

/** Worker that sleeps to the wake time and then notifies slot 1, which the main thread awaits. */
const NOTIFIER = sleeperWorker('workerData', '  Atomics.add(ctl, 1, 1);\n  Atomics.notify(ctl, 1);');

type WaitAsync = (
  view: Int32Array,
  index: number,
  value: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };

const workerAsync: Strategy = async (rate, ms, onStart) => {
  const { w, ctlView, atView } = await startSleeper(NOTIFIER, 2);
  const p = plan(rate, ms);
  let i = 0;
  for (;;) {
    const now = performance.now();
    while (i < p.count && p.due(i) <= now) onStart(now - p.due(i++));
    if (i >= p.count) break;
    const seen = Atomics.load(ctlView, 1);
    atView[0] = performance.timeOrigin + Math.max(p.due(i), now + 0.25);
    Atomics.add(ctlView, 0, 1);
    Atomics.notify(ctlView, 0);
    // Atomics.waitAsync is in Node 20 but not in this project's TypeScript lib (ES2022).
    const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
    const waited = waitAsync(ctlView, 1, seen);
    if (waited.async) await waited.value;
  }
  Atomics.store(ctlView, 0, -1);
  Atomics.notify(ctlView, 0);
  await w.terminate();
};

const STRATEGIES: Record<string, Strategy> = {
  spin,
  timer,
  'timer+wait, idle': timerWait({}, true),
  'timer+wait, idle, wakes ≥ 0.5 ms apart': timerWait({ minIntervalMs: 0.5 }, true),
  'timer+wait, idle, no batching': timerWait({ minIntervalMs: 0 }, true),
  'timer+wait, busy': timerWait(),
  worker,
  'worker+waitAsync': workerAsync,
};

interface Round {
  cpuUsPerStart: number;
  p50: number;
  p99: number;
  max: number;
}

async function measure(strategy: Strategy, rate: number, ms: number): Promise<Round> {
  const lag = createLatencyHistogram(3);
  const before = process.cpuUsage();
  let starts = 0;
  await strategy(rate, ms, (l) => {
    recordMs(lag, l);
    starts++;
  });
  const used = process.cpuUsage(before);
  const s = summarize(lag);
  return { cpuUsPerStart: (used.user + used.system) / starts, p50: s.p50, p99: s.p99, max: s.max };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { seconds: { type: 'string' }, rounds: { type: 'string' }, rates: { type: 'string' } },
  });
  const ms = Number(values.seconds ?? 3) * 1000;
  const rounds = Number(values.rounds ?? 3);
  const rates = (values.rates ?? '100,2000,10000').split(',').map(Number);
  const loadBefore = loadavg();
  const rows: Record<string, Record<string, Round & { rounds: Round[] }>> = {};
  for (const rate of rates) {
    const per: Record<string, Round[]> = {};
    for (let r = 0; r < rounds; r++) {
      for (const [name, strategy] of Object.entries(STRATEGIES)) {
        (per[name] ??= []).push(await measure(strategy, rate, ms));
      }
    }
    for (const [name, list] of Object.entries(per)) {
      (rows[name] ??= {})[String(rate)] = {
        cpuUsPerStart: Math.round(median(list.map((x) => x.cpuUsPerStart)) * 10) / 10,
        p50: median(list.map((x) => x.p50)),
        p99: median(list.map((x) => x.p99)),
        max: median(list.map((x) => x.max)),
        rounds: list,
      };
    }
  }
  console.log(`schedule lag (ms) and CPU per start (µs), medians of ${rounds} × ${ms / 1000}s:`);
  for (const [name, byRate] of Object.entries(rows)) {
    const cells = Object.entries(byRate).map(
      ([rate, r]) => `${rate}/s: cpu ${r.cpuUsPerStart} p99 ${r.p99} max ${r.max}`,
    );
    console.log(`  ${name.padEnd(11)} ${cells.join(' | ')}`);
  }
  const loadAfter = loadavg();
  console.log(`load average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')}`);
  const out = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadavgBefore: loadBefore,
    loadavgAfter: loadAfter,
    seconds: ms / 1000,
    rounds,
    strategies: rows,
    // The engine's strategy, idle and busy, against the precision target.
    targets: (['timer+wait, idle', 'timer+wait, busy'] as const).flatMap((name) =>
      Object.entries(rows[name] ?? {}).map(([rate, r]) => ({
        name: `engine strategy (${name}): schedule lag p99 at ${rate}/s < 2 ms`,
        met: r.p99 < 2,
        detail: `${r.p99} ms, ${r.cpuUsPerStart} µs CPU per start`,
      })),
    ),
  };
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'scheduler-strategies.json'), `${JSON.stringify(out, null, 2)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
