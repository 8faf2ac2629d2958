/**
 * A stand-in for the part of k6's JavaScript API the generated scripts use, so their code can
 * be executed in Node against real mock-idp and a real gateway. No k6 binary exists on these
 * machines (no Debian package; npm's `k6` is an empty placeholder): this is not k6 — no
 * executors, no VUs in parallel, no thresholds — only its synchronous HTTP calls (made
 * synchronous with a worker and Atomics.wait, as k6's are), metrics as recorded samples, and
 * the execution context the test sets. Executors and thresholds are checked as data elsewhere.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { receiveMessageOnPort, MessageChannel, Worker } from 'node:worker_threads';
import ts from 'typescript';

export interface Sample {
  metric: string;
  value: number;
  tags: Record<string, string>;
}

export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
  tags: Record<string, string>;
  status: number;
  expected: readonly number[] | undefined;
}

/** What the test controls and reads. */
export interface StandIn {
  env: Record<string, string>;
  samples: Sample[];
  requests: SentRequest[];
  execution: { scenario: string; iteration: number; vu: number; nowMs: number };
  close(): Promise<void>;
}

const WORKER = `
const { workerData } = require('node:worker_threads');
const { port, shared } = workerData;
port.on('message', async (req) => {
  let out;
  try {
    const started = performance.now();
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body === null ? undefined : req.body,
      redirect: req.redirects === 0 ? 'manual' : 'follow',
      signal: AbortSignal.timeout(10000),
    });
    const body = await res.text();
    out = { status: res.status, headers: Object.fromEntries(res.headers), body, duration: performance.now() - started };
  } catch (error) {
    out = { status: 0, headers: {}, body: '', duration: 0, error: String(error) };
  }
  port.postMessage(out);
  Atomics.store(shared, 0, 1);
  Atomics.notify(shared, 0);
});
`;

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  duration: number;
}

/** `location` → `Location`, as k6 presents response headers. */
function canonical(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

/** Starts the stand-in: installs the k6 modules as globals the loaded script imports from. */
export function startStandIn(): StandIn {
  const shared = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { port: port2, shared },
    transferList: [port2],
  });
  const state: StandIn = {
    env: {},
    samples: [],
    requests: [],
    execution: { scenario: '', iteration: 0, vu: 1, nowMs: 0 },
    close: async () => {
      await worker.terminate();
    },
  };
  const send = (
    method: string,
    url: string,
    body: unknown,
    params: Record<string, unknown> = {},
  ): unknown => {
    const headers = { ...((params.headers ?? {}) as Record<string, string>) };
    let payload: string | null = null;
    if (typeof body === 'string') payload = body;
    else if (body !== null && body !== undefined) {
      payload = new URLSearchParams(body as Record<string, string>).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    Atomics.store(shared, 0, 0);
    port1.postMessage({ method, url, headers, body: payload, redirects: params.redirects });
    Atomics.wait(shared, 0, 0, 15_000);
    const raw = receiveMessageOnPort(port1)?.message as RawResponse | undefined;
    const res = raw ?? { status: 0, headers: {}, body: '', duration: 0 };
    const callback = params.responseCallback as { statuses: number[] } | undefined;
    state.requests.push({
      method,
      url,
      headers,
      body: payload,
      tags: (params.tags ?? {}) as Record<string, string>,
      status: res.status,
      expected: callback?.statuses,
    });
    return {
      status: res.status,
      body: res.body,
      headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [canonical(k), v])),
      timings: { duration: res.duration },
    };
  };
  const metric = (type: string) =>
    class {
      constructor(readonly name: string) {}
      add(value: number | boolean, tags: Record<string, string> = {}): void {
        state.samples.push({ metric: this.name, value: Number(value), tags: { ...tags, type } });
      }
    };
  (globalThis as Record<string, unknown>).__k6 = {
    http: {
      request: send,
      get: (url: string, params?: Record<string, unknown>) => send('GET', url, null, params),
      post: (url: string, body: unknown, params?: Record<string, unknown>) => send('POST', url, body, params),
      expectedStatuses: (...statuses: number[]) => ({ statuses }),
    },
    metrics: { Counter: metric('Counter'), Rate: metric('Rate'), Trend: metric('Trend') },
    encoding: { b64decode: (s: string) => Buffer.from(s, 'base64url').toString('utf8') },
    exec: {
      get scenario() {
        return { name: state.execution.scenario, iterationInTest: state.execution.iteration };
      },
      get vu() {
        return { idInTest: state.execution.vu };
      },
      get instance() {
        return { currentTestRunDuration: state.execution.nowMs };
      },
      test: {
        abort: (message: string) => {
          throw new Error(`test aborted: ${message}`);
        },
      },
    },
  };
  (globalThis as Record<string, unknown>).__ENV = state.env;
  return state;
}

const MODULES: Record<string, string> = {
  'k6/http': 'export default globalThis.__k6.http;',
  'k6/metrics': 'export const { Counter, Rate, Trend } = globalThis.__k6.metrics;',
  'k6/encoding': 'export default globalThis.__k6.encoding;',
  'k6/execution': 'export default globalThis.__k6.exec;',
};

/** A generated script as a Node module whose k6 imports are the stand-in's. */
export interface LoadedScript {
  options: { scenarios: Record<string, { startTime: string }> };
  setup(): unknown;
  default(data: unknown): void;
}

/** Strips the script's types (as k6 does) and imports it with the stand-in's modules. */
export async function loadScript(path: string, workDir: string): Promise<LoadedScript> {
  await mkdir(workDir, { recursive: true });
  let js = ts.transpileModule(await readFile(path, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  for (const [name, source] of Object.entries(MODULES)) {
    const file = join(workDir, `${name.replace('/', '-')}.mjs`);
    await writeFile(file, source);
    js = js
      .replaceAll(`'${name}'`, `'${pathToFileURL(file).href}'`)
      .replaceAll(`"${name}"`, `'${pathToFileURL(file).href}'`);
  }
  const file = join(workDir, 'script.mjs');
  await writeFile(file, js);
  return (await import(pathToFileURL(file).href)) as LoadedScript;
}
