/**
 * The resolved configuration the runtime sees (`FullConfig`): every default filled, durations
 * in milliseconds, paths absolute, the SUT's mode explicit. Option meanings and defaults are
 * documented once, in schema.ts (and so in docs/config.md).
 */
import type { SigningAlg } from '../../mock-idp/contracts.ts';
import type { ReporterName } from '../reporters/index.ts';
import type { AttachSutOptions, SpawnSutOptions } from '../sut/types.ts';
import type { SutProfile } from '../profile/schema.ts';
import type { RelabelMap } from '../alerts/relabel.ts';

export interface FullIssuer {
  name: string;
  alg: SigningAlg;
}

export interface FullIdpConfig {
  issuers: FullIssuer[];
  alg: SigningAlg;
  /** The `aud` of every token mock-idp mints, and `{{idp.audience}}` for the SUT. */
  audience: string;
  tls: boolean;
  host: string;
  port: number;
  adminPort: number;
  /** The run's seed unless idp.seed was given. */
  seed: number;
}

/** Where the per-issuer proxies listen and which host the SUT reaches them by (both modes). */
export interface ProxyListenConfig {
  /** Bind address of the per-issuer proxies (and of the embedded API). */
  host: string;
  /** Fixed listen port by issuer name; an issuer not listed gets a free port. */
  ports: Record<string, number>;
  /** Host name in the issuer URLs the SUT sees. */
  publicHost: string;
}

export type FullProxyConfig =
  | ({ mode: 'embedded'; port: number } & ProxyListenConfig)
  | ({ mode: 'external'; url: string } & ProxyListenConfig);

export interface FullRequestConfig {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  expect?: number[];
}

/** A spawned SUT: exactly the options `createSut()` takes, plus the request shape. */
export interface FullSpawnedSut extends Required<
  Pick<
    SpawnSutOptions,
    | 'env'
    | 'inheritEnv'
    | 'readyTimeout'
    | 'readyInterval'
    | 'replicas'
    | 'logPatterns'
    | 'logLines'
    | 'stopTimeout'
    | 'host'
    | 'cwd'
  >
> {
  mode: 'spawn';
  command: string | string[];
  url?: string;
  readyUrl?: string;
  metricsUrl?: string;
  /** `<output.dir>/sut` when sut.logToFile, else absent. */
  logDir?: string;
  request: FullRequestConfig;
  /** The verifier's key-cache timings and policies (`sut.profile`), when pinned. */
  profile?: SutProfile;
}

/** An attached SUT: readiness and metrics only. */
export interface FullAttachedSut extends Required<
  Pick<AttachSutOptions, 'url' | 'readyTimeout' | 'readyInterval'>
> {
  mode: 'attach';
  readyUrl?: string;
  metricsUrl?: string;
  request: FullRequestConfig;
  /** The verifier's key-cache timings and policies (`sut.profile`), when pinned. */
  profile?: SutProfile;
}

export type FullSutConfig = FullSpawnedSut | FullAttachedSut;

export interface FullLoadConfig {
  /** Per SUT replica (each replica's origin gets its own pool of this many). */
  connections: number;
  requestTimeout: number;
  clientsPerIssuer: number;
  /** Milliseconds, wall time. */
  tokenLifetime: number;
}

/** Where a scenario comes from; the runner loads it. */
export type ScenarioRef =
  | { kind: 'builtin'; pattern: string }
  | { kind: 'file'; path: string }
  | { kind: 'inline'; scenario: unknown };

export interface SloOverride {
  threshold?: string | undefined;
  thresholds?: string[] | undefined;
  strict?: boolean | undefined;
  allowNoSamples?: boolean | undefined;
}

export interface FullSlosConfig {
  /** SLO inputs added to every scenario (already validated as SLOs). */
  extra: unknown[];
  /** Scenario name (or `*`) → SLO name → `false` (drop) or changes. */
  override: Record<string, Record<string, false | SloOverride>>;
}

export interface FullOutputConfig {
  /** Absolute. */
  dir: string;
  reporters: ReporterName[];
  pushGateway?: string;
}

/** `alerts`: a team's own rule files (absolute paths, checked to exist) and their metric mapping. */
export interface FullAlertsConfig {
  files: string[];
  relabel: RelabelMap;
}

export interface FullConfig {
  /** The config file this came from (absolute), or undefined for defaults only. */
  configFile: string | undefined;
  /** Base directory of relative paths: the config file's directory, else the cwd. */
  rootDir: string;
  idp: FullIdpConfig;
  proxy: FullProxyConfig;
  /** null when no SUT is configured (`keystorm run` then fails with a usage error). */
  sut: FullSutConfig | null;
  load: FullLoadConfig;
  scenarios: ScenarioRef[];
  slos: FullSlosConfig;
  timeScale: number;
  allowHosts: string[];
  seed: number;
  output: FullOutputConfig;
  alerts: FullAlertsConfig;
}
