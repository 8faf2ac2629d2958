/**
 * Deliberately wrong rotations, one entry per kind: each is a single call that puts the
 * issuer's keys (or the JWKS it serves) into a state real providers have been seen in.
 * Options are validated by each kind's schema (unknown keys rejected).
 */
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { z } from 'zod';
import { SIGNING_ALGS, type SigningAlg } from '../contracts.ts';
import type { KeyStore } from './key-store.ts';

export const MISROTATION_KINDS = [
  'sign-before-publish',
  'immediate-revoke',
  'same-kid-new-material',
  'duplicate-kid',
  'missing-kid',
  'flapping',
  'empty',
  'oversized',
  'decoys',
] as const;
export type MisrotationKind = (typeof MISROTATION_KINDS)[number];

/** What a wrong rotation did. */
export interface MisrotationResult {
  kind: MisrotationKind;
  /** The kid tokens are now signed with. */
  signingKid: string | undefined;
  /** The kid that signed before, when it changed. */
  previousKid?: string;
  detail: Record<string, unknown>;
  /** How long the admin action took inside mock-idp (ms); set by the admin API. */
  tookMs?: number;
}

const alg = z.enum(SIGNING_ALGS);
const ms = z.number().int().min(0).max(86_400_000);

export const MISROTATION_OPTION_SCHEMAS = {
  /** A new key signs at once but is not published; `publishAfter` ms later it appears (never if omitted). */
  'sign-before-publish': z.strictObject({ alg: alg.optional(), publishAfter: ms.optional() }),
  /** A new key signs and the old one vanishes from the JWKS at the same instant. */
  'immediate-revoke': z.strictObject({ alg: alg.optional() }),
  /** The signing key's material changes; its kid does not. */
  'same-kid-new-material': z.strictObject({}),
  /** A second key with the signing key's kid is published first; `signWith` picks which one signs (default new). */
  'duplicate-kid': z.strictObject({ signWith: z.enum(['old', 'new']).optional() }),
  /** The JWKS serves keys without `kid`; tokens keep theirs. */
  'missing-kid': z.strictObject({}),
  /** The issuer rotates at once and the JWKS alternates between the old and the new set per fetch, or every `periodMs`. */
  flapping: z.strictObject({
    periodMs: z.number().int().min(1).max(3_600_000).optional(),
    alg: alg.optional(),
  }),
  /** The JWKS serves `{"keys":[]}` while tokens are still signed. */
  empty: z.strictObject({}),
  /** `count` (default 1000) extra RSA public keys pad the JWKS (≈ 400 bytes each). */
  oversized: z.strictObject({ count: z.number().int().min(1).max(20_000).optional() }),
  /** Keys with unknown kty/alg/crv/use are listed before the real ones. */
  decoys: z.strictObject({}),
} satisfies Record<MisrotationKind, z.ZodType>;

type OptionsOf<K extends MisrotationKind> = z.infer<(typeof MISROTATION_OPTION_SCHEMAS)[K]>;

function requireSigner(store: KeyStore, kind: string): NonNullable<ReturnType<KeyStore['signer']>> {
  const signer = store.signer();
  if (signer === undefined) throw new Error(`${kind} needs an active key; issuer ${store.issuer} has none`);
  return signer;
}

/** Stops the current signer(s) and activates a fresh key; returns both kids. */
async function switchSigner(
  store: KeyStore,
  kind: MisrotationKind,
  algOverride: SigningAlg | undefined,
  previousTo: 'retiring' | 'revoked',
  newPublished: boolean,
): Promise<{ kid: string; previousKid: string }> {
  const previous = requireSigner(store, kind);
  const material = await store.newMaterial(algOverride ?? previous.alg);
  store.setState(previous.kid, previousTo);
  store.insert(material, 'active', { published: newPublished });
  return { kid: material.kid, previousKid: previous.kid };
}

function fakeRsaJwk(index: number, modulus: Buffer): JWK {
  modulus.writeUInt32BE(index, 4); // distinct moduli without 1000 random draws
  return {
    kty: 'RSA',
    kid: `oversized-${index}`,
    alg: 'RS256',
    use: 'sig',
    e: 'AQAB',
    n: modulus.toString('base64url'),
  };
}

const DECOYS: readonly JWK[] = [
  {
    kty: 'RSA',
    kid: 'decoy-rs1',
    alg: 'RS1',
    use: 'sig',
    e: 'AQAB',
    n: randomBytes(256).toString('base64url'),
  },
  {
    kty: 'EC',
    kid: 'decoy-secp256k1',
    alg: 'ES256K',
    crv: 'secp256k1',
    x: randomBytes(32).toString('base64url'),
    y: randomBytes(32).toString('base64url'),
  },
  { kty: 'OKP', kid: 'decoy-x448', crv: 'X448', x: randomBytes(56).toString('base64url') },
  {
    kty: 'RSA',
    kid: 'decoy-enc',
    alg: 'RSA-OAEP-256',
    use: 'enc',
    e: 'AQAB',
    n: randomBytes(256).toString('base64url'),
  },
  { kty: 'QUANTUM', kid: 'decoy-unknown-kty', alg: 'ML-DSA-65' },
];

type Apply<K extends MisrotationKind> = (
  store: KeyStore,
  options: OptionsOf<K>,
) => Promise<MisrotationResult>;

export const MISROTATIONS: { [K in MisrotationKind]: Apply<K> } = {
  'sign-before-publish': async (store, o) => {
    const { kid, previousKid } = await switchSigner(store, 'sign-before-publish', o.alg, 'retiring', false);
    if (o.publishAfter !== undefined) store.schedule(o.publishAfter, () => store.setPublished(kid, true));
    return {
      kind: 'sign-before-publish',
      signingKid: kid,
      previousKid,
      detail: { publishAfter: o.publishAfter ?? null },
    };
  },
  'immediate-revoke': async (store, o) => {
    const { kid, previousKid } = await switchSigner(store, 'immediate-revoke', o.alg, 'revoked', true);
    return { kind: 'immediate-revoke', signingKid: kid, previousKid, detail: {} };
  },
  'same-kid-new-material': async (store) => {
    const signer = requireSigner(store, 'same-kid-new-material');
    const material = await store.newMaterial(signer.alg, signer.kid);
    store.replaceMaterial(signer.kid, material);
    return { kind: 'same-kid-new-material', signingKid: signer.kid, detail: {} };
  },
  'duplicate-kid': async (store, o) => {
    const signer = requireSigner(store, 'duplicate-kid');
    const material = await store.newMaterial(signer.alg, signer.kid);
    const signWith = o.signWith ?? 'new';
    store.insert(material, signWith === 'new' ? 'active' : 'next', { first: true });
    return { kind: 'duplicate-kid', signingKid: signer.kid, detail: { signWith } };
  },
  'missing-kid': (store) => {
    store.setOverride({ kind: 'missing-kid' }, 'missing-kid');
    return Promise.resolve({ kind: 'missing-kid', signingKid: store.signer()?.kid, detail: {} });
  },
  flapping: async (store, o) => {
    const before = store.servedSets()[0] ?? [];
    const { kid, previousKid } = await switchSigner(store, 'flapping', o.alg, 'revoked', true);
    store.setOverride({ kind: 'flapping', other: before, periodMs: o.periodMs }, 'flapping');
    return {
      kind: 'flapping',
      signingKid: kid,
      previousKid,
      detail: { periodMs: o.periodMs ?? 'per-fetch' },
    };
  },
  empty: (store) => {
    store.setOverride({ kind: 'empty' }, 'empty');
    return Promise.resolve({ kind: 'empty', signingKid: store.signer()?.kid, detail: {} });
  },
  oversized: (store, o) => {
    const count = o.count ?? 1000;
    const modulus = randomBytes(256);
    modulus[0] = (modulus[0] ?? 0) | 0x80;
    const keys = Array.from({ length: count }, (_, i) => fakeRsaJwk(i, modulus));
    store.setOverride({ kind: 'extra', label: 'oversized', keys, first: false }, 'oversized');
    return Promise.resolve({
      kind: 'oversized',
      signingKid: store.signer()?.kid,
      detail: { extraKeys: count },
    });
  },
  decoys: (store) => {
    store.setOverride({ kind: 'extra', label: 'decoys', keys: DECOYS, first: true }, 'decoys');
    return Promise.resolve({
      kind: 'decoys',
      signingKid: store.signer()?.kid,
      detail: { decoys: DECOYS.map((d) => d.kid) },
    });
  },
};

/** Applies a wrong rotation after its options were validated. */
export async function applyMisrotation(
  store: KeyStore,
  kind: MisrotationKind,
  options: unknown,
): Promise<MisrotationResult> {
  const apply = MISROTATIONS[kind] as Apply<MisrotationKind>;
  const result = await apply(store, options as never);
  store.note('misrotation', { ...result });
  return result;
}
