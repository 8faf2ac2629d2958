/**
 * mock-idp as a library: `startMockIdp()` starts the data plane (issuers' OIDC endpoints) and
 * the admin plane (control API + /metrics) on loopback and returns their URLs and a typed
 * admin client. The harness drives the provider only through that client.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { isIP } from 'node:net';
import { createAdminClient, type AdminClient } from './admin-client.ts';
import { createAdminListener } from './admin/router.ts';
import { coreRoutes } from './admin/routes.ts';
import { CLIENT_PREFIX, SIGNING_ALGS, type AdminRoute, type SigningAlg } from './contracts.ts';
import { createFaultPlan } from './faults/fault-plan.ts';
import { DEFAULT_ISSUERS, prefixedBase, type IssuerOptions } from './issuer.ts';
import { createMeasurements } from './measure/measurements.ts';
import { Provider } from './provider.ts';
import { answerClientErrors, closeServer, createDataListener, createDataServer, listen } from './server.ts';
import { createTlsMaterial, DEFAULT_TLS_HOSTS } from './tls.ts';
import { createRandom } from '../src/util/random.ts';

export type { AdminClient } from './admin-client.ts';
export type { IssuerOptions } from './issuer.ts';
export type { SigningAlg } from './contracts.ts';

/** Environment variable read for the admin token when `adminToken` is not given. */
export const ADMIN_TOKEN_ENV = 'KEYSTORM_IDP_ADMIN_TOKEN';

export interface MockIdpOptions {
  /** Data-plane bind address. Default `127.0.0.1`. */
  host?: string;
  /** Data-plane port; 0 picks a free one. Default 0. */
  port?: number;
  /** Admin-plane bind address. Default `127.0.0.1` (keep it loopback). */
  adminHost?: string;
  /** Admin-plane port; 0 picks a free one. Default 0. */
  adminPort?: number;
  /** Issuers by name (a default issuer's settings, or bare defaults) or full options. Default `['gitlab', 'customersdot']`. */
  issuers?: (string | IssuerOptions)[];
  /** Algorithm of each issuer's initial key unless the issuer names its own. Default RS256. */
  alg?: SigningAlg;
  /** Seeds key material, fault probabilities and jitter: the same seed gives the same keys. */
  seed?: number;
  /** Admin bearer token. Default: env KEYSTORM_IDP_ADMIN_TOKEN, else random. */
  adminToken?: string;
  /** Serve the data plane over HTTPS with a self-signed CA (`caPath` to trust via NODE_EXTRA_CA_CERTS). */
  tls?: boolean | { dir: string };
  /** More host names the TLS certificate is valid for (e.g. the public host of the proxies). */
  tlsHosts?: readonly string[];
}

/** The URLs of one issuer. */
export interface MockIdpIssuerUrls {
  name: string;
  issuerUrl: string;
  discoveryUrl: string;
  jwksUrl: string;
  tokenUrl: string;
  authorizeUrl: string;
  userinfoUrl: string;
}

export interface MockIdp {
  dataUrl: string;
  adminUrl: string;
  adminToken: string;
  /** Prometheus metrics (admin plane, no auth). */
  metricsUrl: string;
  /** CA certificate to trust when started with `tls`. */
  caPath?: string;
  issuers: MockIdpIssuerUrls[];
  /** An issuer's URLs under `/_c/{clientId}` (a SUT replica's own identity), or plain without clientId. */
  urlsFor(issuer: string, clientId?: string): MockIdpIssuerUrls;
  admin: AdminClient;
  /** Cancels timers, drops faults, closes both servers. Idempotent. */
  close(): Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return isIP(host) === 6 ? `[${host}]` : host;
}

function resolveIssuerList(list: (string | IssuerOptions)[] | undefined): IssuerOptions[] {
  if (list === undefined) return DEFAULT_ISSUERS.map((i) => ({ ...i }));
  return list.map((entry) => {
    if (typeof entry !== 'string') return entry;
    return { ...(DEFAULT_ISSUERS.find((d) => d.name === entry) ?? { name: entry }) };
  });
}

function validatePort(value: number | undefined, what: string): number {
  if (value === undefined) return 0;
  if (!Number.isInteger(value) || value < 0 || value > 65_535)
    throw new TypeError(`${what}: ${value} is not a port (0–65535)`);
  return value;
}

/** Starts mock-idp. Rejects with a TypeError naming the option for bad options. */
export async function startMockIdp(options: MockIdpOptions = {}): Promise<MockIdp> {
  const host = options.host ?? '127.0.0.1';
  const adminHost = options.adminHost ?? '127.0.0.1';
  const port = validatePort(options.port, 'port');
  const adminPort = validatePort(options.adminPort, 'adminPort');
  const alg = options.alg ?? 'RS256';
  if (!SIGNING_ALGS.includes(alg))
    throw new TypeError(`alg: ${JSON.stringify(alg)} is not one of ${SIGNING_ALGS.join(', ')}`);
  if (options.seed !== undefined && !Number.isInteger(options.seed))
    throw new TypeError(`seed: ${options.seed} is not an integer`);
  // Hex, not base64url: a generated token starting with '-' would read as a flag when pasted
  // after `--idp-token` on a command line.
  const adminToken = options.adminToken ?? process.env[ADMIN_TOKEN_ENV] ?? randomBytes(24).toString('hex');
  if (adminToken.length < 8) throw new TypeError('adminToken: must be at least 8 characters');

  const random = createRandom(options.seed);
  const measurements = createMeasurements();
  const faults = createFaultPlan({
    random: random.fork('faults'),
    onEvent: (event) => measurements.onEvent({ type: event.type, detail: event.detail }),
  });

  const tls =
    options.tls === undefined || options.tls === false
      ? undefined
      : await createTlsMaterial({
          ...(typeof options.tls === 'object' ? { dir: options.tls.dir } : {}),
          hosts: [
            ...new Set([
              ...DEFAULT_TLS_HOSTS,
              urlHost(host).replace(/^\[|\]$/g, ''),
              ...(options.tlsHosts ?? []),
            ]),
          ],
        });
  const dataServer = createDataServer(
    () => {},
    (socket) => measurements.onConnection(socket),
    tls,
  );
  dataServer.removeAllListeners('request');
  const boundPort = await listen(dataServer, host, port);
  const dataUrl = `${tls === undefined ? 'http' : 'https'}://${urlHost(host)}:${boundPort}`;

  let provider: Provider;
  try {
    provider = await Provider.create({
      dataUrl,
      issuers: resolveIssuerList(options.issuers),
      alg,
      seed: options.seed,
      hooks: measurements,
      random: random.fork('provider'),
    });
  } catch (error) {
    await closeServer(dataServer);
    throw error;
  }
  dataServer.on('request', createDataListener({ provider, faults, measure: measurements }));

  const resetRoute: AdminRoute = {
    method: 'POST',
    pattern: '/reset',
    handle: async () => {
      faults.clear();
      await provider.reset();
      measurements.reset();
      return { status: 200, body: { reset: true } };
    },
  };
  const adminServer: Server = createServer(
    createAdminListener({
      token: adminToken,
      routes: [
        ...coreRoutes(provider),
        ...faults.routes((name) => provider.issuers.has(name)),
        ...measurements.routes(),
        resetRoute,
      ],
      metrics: async () => ({
        contentType: measurements.contentType,
        text: await measurements.metricsText(),
      }),
      eventStream: (req, res) => measurements.eventStream(req, res),
    }),
  );
  answerClientErrors(adminServer);
  let boundAdminPort: number;
  try {
    boundAdminPort = await listen(adminServer, adminHost, adminPort);
  } catch (error) {
    provider.close();
    await closeServer(dataServer);
    throw error;
  }
  const adminUrl = `http://${urlHost(adminHost)}:${boundAdminPort}`;
  const admin = createAdminClient({ baseUrl: adminUrl, token: adminToken });

  const urlsFor = (name: string, clientId?: string): MockIdpIssuerUrls => {
    const issuer = provider.issuer(name);
    if (issuer === undefined)
      throw new TypeError(
        `issuer: ${JSON.stringify(name)} is not one of ${[...provider.issuers.keys()].join(', ')}`,
      );
    if (clientId !== undefined && (clientId === '' || clientId.includes('/'))) {
      throw new TypeError(`clientId: ${JSON.stringify(clientId)} must be a non-empty path segment`);
    }
    const c = issuer.config;
    const base = clientId === undefined ? c.baseUrl : prefixedBase(c.baseUrl, encodeURIComponent(clientId));
    return {
      name,
      issuerUrl: c.issuerUrl,
      discoveryUrl: `${base}/.well-known/openid-configuration`,
      jwksUrl: `${base}/${c.jwksPath}`,
      tokenUrl: `${base}/token`,
      authorizeUrl: `${base}/authorize`,
      userinfoUrl: `${base}/userinfo`,
    };
  };

  let closing: Promise<void> | undefined;
  const idp: MockIdp = {
    dataUrl,
    adminUrl,
    adminToken,
    metricsUrl: `${adminUrl}/metrics`,
    issuers: [...provider.issuers.keys()].map((name) => urlsFor(name)),
    urlsFor,
    admin,
    close: () => {
      closing ??= (async () => {
        provider.close();
        faults.clear();
        measurements.close();
        await Promise.all([closeServer(dataServer), closeServer(adminServer)]);
      })();
      return closing;
    },
  };
  if (tls !== undefined) idp.caPath = tls.caPath;
  return idp;
}

export { CLIENT_PREFIX };
