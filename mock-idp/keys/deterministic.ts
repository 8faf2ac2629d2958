/**
 * Deterministic key material from a numeric seed, so a seeded run serves byte-identical JWKS
 * and signs byte-identical tokens (ES256/EdDSA/RS256-PKCS#1 signatures are deterministic or
 * not, see below) every time it starts or resets.
 *
 * - P-256: the private scalar is derived from the seed (reduced into [1, n-1]); the public
 *   point comes from node's ECDH.
 * - Ed25519: RFC 8032 private keys *are* 32 seed bytes.
 * - RSA-2048: node cannot seed OpenSSL's RSA generator, so we search for the two primes
 *   ourselves: each starts at a seed-derived odd 1024-bit number with the top two bits set
 *   (so n has exactly 2048 bits) and walks upwards by 2 until OpenSSL's own primality test
 *   (`crypto.checkPrime`) accepts it and gcd(e, p-1) = 1. That makes the key a function
 *   of the seed; it takes 50–500 ms, so results are memoised per label. The tests run on
 *   libuv's thread pool (one candidate per call), so a search never blocks the event loop
 *   that serves JWKS and tokens meanwhile.
 *
 * The material is only as secret as the seed: it is for tests, never for production.
 * ECDSA (ES256) and RSASSA-PSS (PS256) signatures still use fresh randomness per signature;
 * only the keys are deterministic.
 */
import { checkPrime, createECDH, createPrivateKey, hkdfSync, type KeyObject } from 'node:crypto';

/** OpenSSL's primality test on libuv's thread pool (32 Miller-Rabin rounds). */
function isPrime(candidate: bigint): Promise<boolean> {
  return new Promise((resolve, reject) => {
    checkPrime(candidate, { checks: 32 }, (error, prime) => (error ? reject(error) : resolve(prime)));
  });
}

/** `length` bytes derived from (seed, label): independent streams for independent labels. */
export function seedBytes(seed: number, label: string, length: number): Buffer {
  return Buffer.from(
    hkdfSync('sha256', Buffer.from(`keystorm-seed:${seed >>> 0}`), 'keystorm', label, length),
  );
}

const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function toBigInt(bytes: Buffer): bigint {
  return BigInt(`0x${bytes.toString('hex') || '0'}`);
}

function toBytes(value: bigint, length?: number): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  const raw = Buffer.from(hex, 'hex');
  if (length === undefined || raw.length >= length) return raw;
  return Buffer.concat([Buffer.alloc(length - raw.length), raw]);
}

const b64u = (bytes: Buffer): string => bytes.toString('base64url');

/** A P-256 private key determined by (seed, label). */
export function deterministicP256(seed: number, label: string): KeyObject {
  // 48 bytes reduced mod n keeps the bias below 2^-128.
  const d = (toBigInt(seedBytes(seed, `p256:${label}`, 48)) % (P256_ORDER - 1n)) + 1n;
  const dBytes = toBytes(d, 32);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(dBytes);
  const point = ecdh.getPublicKey(); // 0x04 || x || y
  return createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: b64u(dBytes),
      x: b64u(point.subarray(1, 33)),
      y: b64u(point.subarray(33, 65)),
    },
    format: 'jwk',
  });
}

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** An Ed25519 private key determined by (seed, label). */
export function deterministicEd25519(seed: number, label: string): KeyObject {
  const der = Buffer.concat([ED25519_PKCS8_PREFIX, seedBytes(seed, `ed25519:${label}`, 32)]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

const RSA_E = 65537n;
/** Upper bound on the prime walk: by the prime number theorem ~355 odd steps are expected. */
const MAX_PRIME_STEPS = 100_000;

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new Error('value is not invertible');
  return ((oldS % m) + m) % m;
}

async function findPrime(start: Buffer, signal: AbortSignal | undefined): Promise<bigint> {
  const bytes = Buffer.from(start);
  bytes[0] = (bytes[0] ?? 0) | 0xc0; // top two bits: p·q then has exactly 2048 bits
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) | 0x01;
  let candidate = toBigInt(bytes);
  for (let step = 0; step < MAX_PRIME_STEPS; step++, candidate += 2n) {
    signal?.throwIfAborted();
    if ((candidate - 1n) % RSA_E !== 0n && (await isPrime(candidate))) return candidate;
  }
  throw new Error('no prime found within the step bound');
}

const rsaMemo = new Map<string, Promise<KeyObject>>();

/**
 * An RSA-2048 private key (e = 65537) determined by (seed, label). Memoised; a failed or
 * aborted search is not (`signal` stops a search started ahead of need when mock-idp closes).
 */
export function deterministicRsa(seed: number, label: string, signal?: AbortSignal): Promise<KeyObject> {
  const memoKey = `${seed >>> 0}/${label}`;
  const memo = rsaMemo.get(memoKey);
  if (memo !== undefined) return memo;
  const search = searchRsa(seed, label, signal);
  rsaMemo.set(memoKey, search);
  search.catch(() => rsaMemo.delete(memoKey));
  return search;
}

async function searchRsa(seed: number, label: string, signal: AbortSignal | undefined): Promise<KeyObject> {
  const p = await findPrime(seedBytes(seed, `rsa-p:${label}`, 128), signal);
  let q = await findPrime(seedBytes(seed, `rsa-q:${label}`, 128), signal);
  if (q === p) q = await findPrime(toBytes(p + 2n, 128), signal);
  const n = p * q;
  const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
  const d = modInverse(RSA_E, lambda);
  return createPrivateKey({
    key: {
      kty: 'RSA',
      n: b64u(toBytes(n)),
      e: b64u(toBytes(RSA_E)),
      d: b64u(toBytes(d)),
      p: b64u(toBytes(p)),
      q: b64u(toBytes(q)),
      dp: b64u(toBytes(d % (p - 1n))),
      dq: b64u(toBytes(d % (q - 1n))),
      qi: b64u(toBytes(modInverse(q, p))),
    },
    format: 'jwk',
  });
}
