/**
 * TLS mode material: a throwaway certificate authority and a server certificate for loopback
 * names signed by it. Some verifiers only accept https JWKS URLs; the SUT trusts the CA through
 * `NODE_EXTRA_CA_CERTS=<caPath>` (or its platform's equivalent) — no verification is disabled.
 */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** Names the server certificate covers unless told otherwise. */
export const DEFAULT_TLS_HOSTS = ['127.0.0.1', 'localhost', '::1'] as const;

export interface TlsMaterial {
  /** Server private key (PEM), for `https.createServer({ key, cert })`. */
  key: string;
  /** Server certificate (PEM), signed by the CA. */
  cert: string;
  /** CA certificate (PEM). */
  ca: string;
  /** File holding the CA certificate: point NODE_EXTRA_CA_CERTS at it. */
  caPath: string;
  /** Directory the files were written to (ca.pem, server-cert.pem, server-key.pem). */
  dir: string;
}

export interface TlsOptions {
  /** Where to write the PEM files (created if missing); default a fresh temp directory. */
  dir?: string;
  /** Host names and IP addresses the server certificate covers; default 127.0.0.1, localhost, ::1. */
  hosts?: readonly string[];
  /** Validity in days (default 30). */
  days?: number;
}

export async function createTlsMaterial(options: TlsOptions = {}): Promise<TlsMaterial> {
  const hosts = options.hosts ?? DEFAULT_TLS_HOSTS;
  if (hosts.length === 0) throw new TypeError('hosts: at least one host name or address is required');
  const days = options.days ?? 30;
  if (!Number.isFinite(days) || days <= 0) throw new TypeError(`days: ${days} is not a positive number`);
  // Back-date by an hour so a SUT whose clock runs slightly behind still accepts the certificates.
  const notBeforeDate = new Date(Date.now() - 3_600_000);
  const notAfterDate = new Date(Date.now() + days * 86_400_000);
  const common = { keyType: 'ec', curve: 'P-256', algorithm: 'sha256', notBeforeDate, notAfterDate } as const;

  const ca = await generate([{ name: 'commonName', value: 'keystorm mock-idp test CA' }], {
    ...common,
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate(
    [{ name: 'commonName', value: hosts.find((h) => isIP(h) === 0) ?? hosts[0] ?? 'localhost' }],
    {
      ...common,
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: hosts.map((h) =>
            isIP(h) === 0 ? { type: 2 as const, value: h } : { type: 7 as const, ip: h },
          ),
        },
      ],
    },
  );

  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'keystorm-tls-')));
  await mkdir(dir, { recursive: true });
  const caPath = join(dir, 'ca.pem');
  await writeFile(caPath, ca.cert);
  await writeFile(join(dir, 'server-cert.pem'), server.cert);
  await writeFile(join(dir, 'server-key.pem'), server.private, { mode: 0o600 });
  return { key: server.private, cert: server.cert, ca: ca.cert, caPath, dir };
}
