/**
 * `keystorm fault`: puts a proxy in front of an upstream, applies network and/or HTTP faults,
 * holds them for a while, then rolls everything back — on normal end, on error, on SIGINT and
 * SIGTERM (exit 130). HTTP faults carry a TTL, so even a SIGKILL leaves nothing behind at the
 * IdP once it passes; proxies left by a SIGKILLed run are swept by the next run.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ExitCode, HarnessError, ValidationError } from '../errors.ts';
import type { Problem } from '../errors.ts';
import { connectProxyControl } from '../proxy/adapter.ts';
import type { ProxyControl } from '../proxy/adapter.ts';
import { formatDuration, tryParseDuration } from '../util/duration.ts';
import { assertTargetAllowed, isLoopbackHost } from '../util/loopback.ts';
import { parseFaultArg } from './cli-spec.ts';
import { holdFaults } from './hold.ts';
import { connectIdpFaults } from './idp-admin.ts';
import { registerBuiltinFaultKinds } from './kinds/index.ts';
import { HTTP_TTL_GRACE_MS, MAX_HTTP_TTL_MS } from './kinds/http-common.ts';
import { FaultLedger, sweepStaleProxies } from './ledger.ts';
import type { RollbackReport } from './ledger.ts';
import { checkFaultSpec, listFaultKinds, messageOf } from './registry.ts';
import type { ActiveFault, FaultContext, RunProxy, ValidFault } from './types.ts';

const USAGE = `usage: keystorm fault --fault SPEC [--fault SPEC …] [options]

Applies faults, holds them for --duration, then rolls everything back (also on Ctrl-C/SIGTERM).

  --fault SPEC          kind=latency,latency=200ms[,target=ALIAS][,probability=0.5][,window.start=5s,window.stop=20s]
                        (other keys are the kind's attributes; a JSON object works too). Repeatable.
  --faults-file PATH    JSON: [spec, …] or {"faults": [spec, …]}
  --upstream [ALIAS=]HOST:PORT
                        put a proxy in front of this address (alias default "upstream"). Repeatable.
  --listen [ALIAS=]HOST:PORT
                        where that proxy listens (default 127.0.0.1 on a free port)
  --toxiproxy URL       Toxiproxy API (default $TOXIPROXY_URL, else an embedded server)
  --idp-admin URL       mock-idp admin API, for http-* kinds
  --idp-token TOKEN     its bearer token (default $KEYSTORM_IDP_ADMIN_TOKEN)
  --duration D          how long to hold (default 30s)
  --ttl D               lease of HTTP faults at the IdP (default duration + 30s)
  --seed N              seed of the embedded proxy's toxicity draws
  --allow-host HOST     allow a non-loopback upstream host. Repeatable.
  --json                one JSON object per line instead of text
  --list                list the fault kinds and exit

Exit codes: 0 done and rolled back, 2 invalid fault or usage, 3 infrastructure or rollback
failure, 130 interrupted (rolled back).`;

interface Upstream {
  alias: string;
  address: string;
  listen?: string;
}

interface Options {
  specs: { spec: unknown; path: string }[];
  problems: Problem[];
  upstreams: Upstream[];
  toxiproxy?: string;
  idpAdmin?: string;
  idpToken?: string;
  durationMs: number;
  ttlMs?: number;
  seed?: number;
  json: boolean;
}

/** Entry point used by src/cli.ts. */
export async function main(argv: string[]): Promise<number> {
  registerBuiltinFaultKinds();
  let options: Options | 'help' | 'list';
  try {
    options = await parseOptions(argv);
  } catch (error) {
    if (error instanceof HarnessError) throw error;
    console.error(`keystorm fault: ${messageOf(error)}\n\n${USAGE}`);
    return ExitCode.usage;
  }
  if (options === 'help') {
    console.log(USAGE);
    return ExitCode.ok;
  }
  if (options === 'list') {
    printKinds();
    return ExitCode.ok;
  }
  const faults = validate(options);
  return run(options, faults);
}

async function parseOptions(argv: string[]): Promise<Options | 'help' | 'list'> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      fault: { type: 'string', multiple: true },
      'faults-file': { type: 'string' },
      upstream: { type: 'string', multiple: true },
      listen: { type: 'string', multiple: true },
      toxiproxy: { type: 'string' },
      'idp-admin': { type: 'string' },
      'idp-token': { type: 'string' },
      duration: { type: 'string' },
      ttl: { type: 'string' },
      seed: { type: 'string' },
      'allow-host': { type: 'string', multiple: true },
      json: { type: 'boolean' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return 'help';
  if (values.list === true) return 'list';
  if (positionals.length > 0) throw new TypeError(`unexpected argument ${JSON.stringify(positionals[0])}`);

  const problems: Problem[] = [];
  const specs: { spec: unknown; path: string }[] = [];
  (values.fault ?? []).forEach((text, index) => {
    const path = `--fault[${index}]`;
    const parsed = parseFaultArg(text, path);
    problems.push(...parsed.problems);
    if (parsed.problems.length === 0) specs.push({ spec: parsed.spec, path });
  });
  const file = values['faults-file'];
  if (file !== undefined) specs.push(...(await readFaultsFile(file, problems)));
  if (specs.length === 0 && problems.length === 0) {
    throw new TypeError('--fault: give at least one fault (or --faults-file); --list shows the kinds');
  }

  const allowHosts = values['allow-host'] ?? [];
  const upstreams = (values.upstream ?? []).map((text) => parseUpstream(text, allowHosts));
  const aliases = new Set<string>();
  for (const u of upstreams) {
    if (aliases.has(u.alias)) throw new TypeError(`--upstream: alias ${JSON.stringify(u.alias)} given twice`);
    aliases.add(u.alias);
  }
  for (const text of values.listen ?? []) {
    const { alias, address } = splitAlias(
      text,
      upstreams.length === 1 ? upstreams[0]?.alias : undefined,
      '--listen',
    );
    const upstream = upstreams.find((u) => u.alias === alias);
    if (upstream === undefined)
      throw new TypeError(`--listen: no --upstream with alias ${JSON.stringify(alias)}`);
    parseHostPort(address, '--listen');
    upstream.listen = address;
  }

  const options: Options = {
    specs,
    problems,
    upstreams,
    durationMs: durationFlag('duration', values.duration ?? '30s'),
    json: values.json === true,
  };
  if (values.toxiproxy !== undefined) options.toxiproxy = values.toxiproxy;
  const idpAdmin = values['idp-admin'];
  if (idpAdmin !== undefined) {
    options.idpAdmin = idpAdmin;
    const token = values['idp-token'] ?? process.env.KEYSTORM_IDP_ADMIN_TOKEN;
    if (token === undefined || token === '') throw new TypeError('--idp-token: required with --idp-admin');
    options.idpToken = token;
  }
  if (values.ttl !== undefined) {
    const ttl = durationFlag('ttl', values.ttl);
    if (ttl < 1 || ttl > MAX_HTTP_TTL_MS)
      throw new TypeError(`--ttl: must be between 1ms and ${formatDuration(MAX_HTTP_TTL_MS)}`);
    options.ttlMs = ttl;
  }
  if (values.seed !== undefined) {
    if (!/^\d+$/.test(values.seed) || Number(values.seed) >= 2 ** 32) {
      throw new TypeError(
        `--seed: ${JSON.stringify(values.seed)} is not an integer between 0 and ${2 ** 32 - 1}`,
      );
    }
    options.seed = Number(values.seed);
  }
  return options;
}

async function readFaultsFile(file: string, problems: Problem[]): Promise<{ spec: unknown; path: string }[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new TypeError(`--faults-file: cannot read ${file}: ${messageOf(error)}`, { cause: error });
  }
  const list = Array.isArray(parsed)
    ? parsed
    : typeof parsed === 'object' && parsed !== null && 'faults' in parsed
      ? parsed.faults
      : undefined;
  if (!Array.isArray(list)) {
    problems.push({ path: file, message: 'must be a JSON array of faults or {"faults": […]}' });
    return [];
  }
  return list.map((spec: unknown, index) => ({ spec, path: `${file}: faults[${index}]` }));
}

function validate(options: Options): ValidFault[] {
  const problems = [...options.problems];
  const faults: ValidFault[] = [];
  const scope = {
    hasIdp: options.idpAdmin !== undefined,
    ...(options.upstreams.length > 0 ? { proxyAliases: options.upstreams.map((u) => u.alias) } : {}),
  };
  const names = new Map<string, string>();
  const counts = new Map<string, number>();
  for (const { spec, path } of options.specs) {
    const kind =
      typeof spec === 'object' && spec !== null && 'kind' in spec && typeof spec.kind === 'string'
        ? spec.kind
        : 'fault';
    const n = (counts.get(kind) ?? 0) + 1;
    counts.set(kind, n);
    const result = checkFaultSpec(spec, { path, ctx: scope, defaultName: n === 1 ? kind : `${kind}-${n}` });
    problems.push(...result.problems);
    // Checked on the raw value too, so it is reported alongside the spec's other problems.
    const start = windowStart(spec);
    if (start !== undefined && start >= options.durationMs) {
      problems.push({
        path: `${path}.window.start`,
        message: `must be before the end of --duration (${formatDuration(options.durationMs)})`,
      });
    }
    if (result.fault === undefined) continue;
    const { name } = result.fault.envelope;
    const other = names.get(name);
    if (other !== undefined) {
      problems.push({
        path: `${path}.name`,
        message: `duplicate fault name ${JSON.stringify(name)} (also ${other})`,
      });
    }
    names.set(name, path);
    faults.push(result.fault);
  }
  if (problems.length > 0) throw new ValidationError('fault', problems);
  return faults;
}

function windowStart(spec: unknown): number | undefined {
  if (typeof spec !== 'object' || spec === null || !('window' in spec)) return undefined;
  const window = spec.window;
  if (typeof window !== 'object' || window === null || !('start' in window)) return undefined;
  const start = window.start;
  return typeof start === 'string' || typeof start === 'number' ? tryParseDuration(start) : undefined;
}

async function run(options: Options, faults: readonly ValidFault[]): Promise<number> {
  const out = output(options.json);
  const ledger = new FaultLedger({
    onEvent: (event) => {
      if (event.type === 'signal')
        out.note(
          'signal',
          { signal: event.signal, repeated: event.repeated },
          `${event.signal}: rolling back…`,
        );
      if (event.type === 'revert-failed')
        out.note('revert-failed', event, `revert failed: ${event.label}: ${event.error}`);
    },
  });
  const unwatch = ledger.watchSignals();
  let control: ProxyControl | undefined;
  let failure: unknown;
  try {
    const ctx: FaultContext = {
      httpTtlMs: options.ttlMs ?? Math.min(options.durationMs + HTTP_TTL_GRACE_MS, MAX_HTTP_TTL_MS),
    };
    const ttl = ctx.httpTtlMs ?? 0;
    if (
      ttl < options.durationMs &&
      faults.some((f) => f.envelope.family === 'http' && f.envelope.window.stopMs === undefined)
    ) {
      out.note(
        'warning',
        { message: 'ttl shorter than duration' },
        `HTTP faults expire after --ttl ${formatDuration(ttl)}, before --duration ends`,
      );
    }
    if (options.upstreams.length > 0) {
      control = await connectProxyControl({
        ...(options.toxiproxy === undefined ? {} : { url: options.toxiproxy }),
        ...(options.seed === undefined ? {} : { seed: options.seed }),
      });
      if (!control.embedded && isLoopbackHost(new URL(control.url).hostname)) {
        const swept = await sweepStaleProxies(control.adapter);
        if (swept.length > 0)
          out.note('swept', { proxies: swept }, `removed proxies left by dead runs: ${swept.join(', ')}`);
      }
      const proxies = new Map<string, RunProxy>();
      for (const upstream of options.upstreams) {
        const proxy = await ledger.createProxy(control.adapter, {
          alias: upstream.alias,
          upstream: upstream.address,
          ...(upstream.listen === undefined ? {} : { listen: upstream.listen }),
        });
        proxies.set(proxy.alias, proxy);
        out.note(
          'proxy',
          { ...proxy },
          `proxy ${proxy.alias}: listening on ${proxy.listen} → ${proxy.upstream} (${proxy.name})`,
        );
      }
      ctx.network = { adapter: control.adapter, proxies };
    }
    if (options.idpAdmin !== undefined && options.idpToken !== undefined) {
      const faultsApi = connectIdpFaults({ adminUrl: options.idpAdmin, token: options.idpToken });
      await faultsApi.list(); // fail before applying anything when the URL or token is wrong
      ctx.idp = { faults: faultsApi };
    }
    await holdFaults(faults, ctx, ledger, {
      durationMs: options.durationMs,
      onApplied: (f) =>
        out.note('applied', describeFault(f), `applied ${f.name} (${f.kind}): ${summarize(f)}`),
      onReverted: (f) => out.note('reverted', { name: f.name }, `reverted ${f.name} (window ended)`),
      onReady: (active) =>
        out.note(
          'ready',
          {
            toxiproxy: control === undefined ? null : { url: control.url, embedded: control.embedded },
            proxies: ctx.network === undefined ? [] : [...ctx.network.proxies.values()],
            faults: active.map(describeFault),
            durationMs: options.durationMs,
            pid: process.pid,
          },
          `holding for ${formatDuration(options.durationMs)} (Ctrl-C rolls back now)`,
        ),
    });
  } catch (error) {
    if (ledger.interrupted === undefined) failure = error;
  } finally {
    const report = await ledger.rollback();
    unwatch();
    printRollback(out, report);
    if (control !== undefined) {
      await control.close().catch((error: unknown) => {
        failure ??= error;
      });
    }
  }
  const report = await ledger.rollback();
  if (failure !== undefined) {
    out.error(failure);
    return failure instanceof HarnessError ? failure.exitCode : ExitCode.harness;
  }
  if (ledger.interrupted !== undefined) return ExitCode.interrupted;
  return report.ok ? ExitCode.ok : ExitCode.harness;
}

function describeFault(f: ActiveFault): Record<string, unknown> {
  return { name: f.name, kind: f.kind, family: f.family, detail: f.detail };
}

function summarize(f: ActiveFault): string {
  const d = f.detail;
  if (Array.isArray(d.toxics)) return `toxic ${d.toxics.join(' + ')} on proxy ${String(d.proxy)}`;
  if (f.kind === 'down') return `proxy ${String(d.proxy)} disabled`;
  if (typeof d.idpFaultId === 'string') return `IdP fault ${d.idpFaultId} (expires ${String(d.expiresAt)})`;
  return JSON.stringify(d);
}

function printRollback(out: Output, report: RollbackReport): void {
  const failed = report.steps.filter((s) => !s.ok);
  const text =
    failed.length === 0
      ? `rolled back: ${report.steps.length} change(s) undone`
      : `rollback incomplete: ${failed.length} of ${report.steps.length} failed:\n${failed.map((s) => `  - ${s.label}: ${s.error ?? ''}`).join('\n')}`;
  out.note('rollback', { ok: report.ok, steps: report.steps, signal: report.signal ?? null }, text);
}

function printKinds(): void {
  for (const kind of listFaultKinds())
    console.log(`${kind.kind.padEnd(20)} ${kind.family.padEnd(8)} ${kind.summary}`);
}

interface Output {
  note(event: string, data: Record<string, unknown>, text: string): void;
  error(error: unknown): void;
}

function output(json: boolean): Output {
  return {
    note: (event, data, text) => {
      if (json) console.log(JSON.stringify({ event, ...data }));
      else console.log(`keystorm fault: ${text}`);
    },
    error: (error) => {
      const code = error instanceof HarnessError ? error.code : 'ERR_INTERNAL';
      const message = error instanceof ValidationError ? `${error.message}` : messageOf(error);
      if (json) console.log(JSON.stringify({ event: 'error', code, message }));
      console.error(`keystorm fault: ${code}: ${message}`);
    },
  };
}

function parseUpstream(text: string, allowHosts: readonly string[]): Upstream {
  const { alias, address } = splitAlias(text, 'upstream', '--upstream');
  const { host } = parseHostPort(address, '--upstream');
  try {
    assertTargetAllowed(`http://${host.includes(':') ? `[${host}]` : host}/`, allowHosts);
  } catch (error) {
    throw new TypeError(`--upstream: ${messageOf(error)}`, { cause: error });
  }
  return { alias, address };
}

function splitAlias(
  text: string,
  fallback: string | undefined,
  flag: string,
): { alias: string; address: string } {
  const eq = text.indexOf('=');
  if (eq === -1) {
    if (fallback === undefined)
      throw new TypeError(
        `${flag}: ${JSON.stringify(text)} needs ALIAS=HOST:PORT when there are several upstreams`,
      );
    return { alias: fallback, address: text };
  }
  const alias = text.slice(0, eq);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$/.test(alias))
    throw new TypeError(`${flag}: alias ${JSON.stringify(alias)} must be letters, digits, _ . -`);
  return { alias, address: text.slice(eq + 1) };
}

function parseHostPort(address: string, flag: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || port > 65535)
    throw new TypeError(`${flag}: ${JSON.stringify(address)} is not HOST:PORT`);
  return { host: match[1] ?? match[2] ?? '', port };
}

function durationFlag(flag: string, text: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new TypeError(`--${flag}: ${JSON.stringify(text)} is not a positive duration (e.g. 30s, 2m)`);
  return ms;
}
