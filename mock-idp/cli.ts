/**
 * `keystorm idp`: starts mock-idp standalone, prints each issuer's discovery URL and the admin
 * token, and closes cleanly on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { SIGNING_ALGS, type SigningAlg } from './contracts.ts';
import { startMockIdp, type MockIdpOptions } from './index.ts';

const USAGE = `usage: keystorm idp [options]

  --port N          data-plane port (default 0: a free port)
  --admin-port N    admin-plane port (default 0: a free port)
  --host ADDR       data-plane bind address (default 127.0.0.1)
  --issuer NAME     an issuer to serve; repeat for several (default: gitlab, customersdot)
  --alg ALG         signing algorithm of the initial keys: ${SIGNING_ALGS.join(', ')} (default RS256)
  --seed N          deterministic key material and fault randomness
  --tls             serve the data plane over HTTPS with a self-signed CA (path printed)
  -h, --help        this help

The admin token comes from KEYSTORM_IDP_ADMIN_TOKEN, else it is generated and printed.`;

function parsePort(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65_535)
    throw new TypeError(`${flag}: ${JSON.stringify(value)} is not a port (0–65535)`);
  return n;
}

/** Parses argv into options; throws a TypeError starting with the bad flag. */
export function parseIdpArgs(argv: string[]): MockIdpOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        'admin-port': { type: 'string' },
        host: { type: 'string' },
        issuer: { type: 'string', multiple: true },
        alg: { type: 'string' },
        seed: { type: 'string' },
        tls: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    // parseArgs says "Unknown option '--x'"; lead with the flag so the CLI maps it to exit 2.
    const message = error instanceof Error ? error.message : String(error);
    const flag = /'(-[^']*)'/.exec(message)?.[1] ?? '--?';
    throw new TypeError(`${flag.startsWith('--') ? flag : `--${flag.replace(/^-+/, '')}`}: ${message}`, {
      cause: error,
    });
  }
  const v = parsed.values;
  if (v.help === true) return 'help';
  const options: MockIdpOptions = {};
  const port = parsePort(v.port, '--port');
  if (port !== undefined) options.port = port;
  const adminPort = parsePort(v['admin-port'], '--admin-port');
  if (adminPort !== undefined) options.adminPort = adminPort;
  if (v.host !== undefined) options.host = v.host;
  if (v.issuer !== undefined) {
    for (const name of v.issuer) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name) || name === '_c') {
        throw new TypeError(
          `--issuer: ${JSON.stringify(name)} is not a valid issuer name (letters, digits, . _ -)`,
        );
      }
    }
    if (new Set(v.issuer).size !== v.issuer.length)
      throw new TypeError('--issuer: the same issuer is named twice');
    options.issuers = v.issuer;
  }
  if (v.alg !== undefined) {
    if (!(SIGNING_ALGS as readonly string[]).includes(v.alg)) {
      throw new TypeError(`--alg: ${JSON.stringify(v.alg)} is not one of ${SIGNING_ALGS.join(', ')}`);
    }
    options.alg = v.alg as SigningAlg;
  }
  if (v.seed !== undefined) {
    if (!/^\d+$/.test(v.seed) || Number(v.seed) > 0xffffffff)
      throw new TypeError(`--seed: ${JSON.stringify(v.seed)} is not an integer in [0, 4294967295]`);
    options.seed = Number(v.seed);
  }
  if (v.tls === true) options.tls = true;
  return options;
}

export async function main(argv: string[]): Promise<number> {
  const options = parseIdpArgs(argv);
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const idp = await startMockIdp(options);
  const lines = [
    `mock-idp data plane  ${idp.dataUrl}`,
    `mock-idp admin plane ${idp.adminUrl}  (metrics: ${idp.metricsUrl})`,
  ];
  for (const issuer of idp.issuers) lines.push(`issuer ${issuer.name.padEnd(14)} ${issuer.discoveryUrl}`);
  if (idp.caPath !== undefined)
    lines.push(`TLS CA certificate   ${idp.caPath}  (NODE_EXTRA_CA_CERTS=${idp.caPath})`);
  lines.push(`admin token          ${idp.adminToken}`);
  lines.push('Ctrl-C to stop');
  console.log(lines.join('\n'));

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (s: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(s);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await idp.close();
  console.log(`mock-idp stopped (${signal})`);
  return 0;
}
