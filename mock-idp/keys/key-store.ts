/**
 * One issuer's signing keys and their lifecycle:
 *
 *   next (published, not signing) → active (published, signing) → retiring (published, not
 *   signing) → revoked (gone from the JWKS)
 *
 * plus what the JWKS *serves*, which a deliberately wrong rotation may make differ from the
 * key states (an empty set, decoys, flapping between two sets …). Every change calls
 * `onChange`, which re-serialises the JWKS and discovery bodies once; requests never build them.
 */
import type { JWK } from 'jose';
import { SIGNING_ALGS, type SigningAlg } from '../contracts.ts';
import { KeyPool, type KeyPoolStatus } from './key-pool.ts';
import {
  createKeyMaterial,
  materialFrom,
  privateKeyFor,
  type KeyMaterial,
  type MaterialSource,
} from './material.ts';

export const KEY_STATES = ['next', 'active', 'retiring', 'revoked'] as const;
export type KeyState = (typeof KEY_STATES)[number];

/** A key as the admin API shows it (no private material). */
export interface KeyInfo {
  kid: string;
  alg: SigningAlg;
  state: KeyState;
  /** In the served JWKS (false for a key that signs before it is published, and for revoked keys). */
  published: boolean;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms of the last activation, when the key has been active. */
  activatedAt?: number;
  /** The key the issuer signs with by default. */
  signing: boolean;
  publicJwk: JWK;
}

/** How the served JWKS deviates from the key states (set by a deliberately wrong rotation). */
export type ServedOverride =
  | { kind: 'empty' }
  | { kind: 'missing-kid' }
  | { kind: 'extra'; label: 'oversized' | 'decoys'; keys: readonly JWK[]; first: boolean }
  | { kind: 'flapping'; other: readonly JWK[]; periodMs: number | undefined };

interface StoredKey {
  material: KeyMaterial;
  state: KeyState;
  published: boolean;
  createdAt: number;
  activatedAt: number | undefined;
  /** Orders activations: the most recently activated active key signs. */
  activationSeq: number;
}

export interface KeyStoreOptions {
  issuer: string;
  source: MaterialSource;
  /** Wall clock (epoch ms) used for timestamps; the issuer's clock offset does not apply. */
  now?: () => number;
  /** Called after every change, synchronously. */
  onChange: () => void;
  /** Lifecycle events for the event stream. */
  onEvent: (type: string, detail: Record<string, unknown>) => void;
  /** Keys generated ahead per algorithm (default 2). */
  poolSize?: number;
}

export class KeyNotFoundError extends Error {
  constructor(issuer: string, kid: string) {
    super(`issuer ${JSON.stringify(issuer)} has no key with kid ${JSON.stringify(kid)}`);
    this.name = 'KeyNotFoundError';
  }
}

export class KeyStore {
  readonly issuer: string;
  private readonly source: MaterialSource;
  private readonly now: () => number;
  private readonly onChange: () => void;
  private readonly emit: (type: string, detail: Record<string, unknown>) => void;
  private keys: StoredKey[] = [];
  private override: ServedOverride | undefined;
  private activationSeq = 0;
  /** Counts keys created, so seeded material is a function of (seed, issuer, index). */
  private created = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private rogue: Promise<KeyMaterial> | undefined;
  /** Keys generated ahead, so rotations and resets do not generate on their path. */
  private readonly pool: KeyPool;
  /** Algorithms the pool keeps keys for: the configured ones and any asked for since. */
  private readonly poolAlgs = new Set<SigningAlg>();

  constructor(options: KeyStoreOptions) {
    this.issuer = options.issuer;
    this.source = options.source;
    const source = options.source;
    this.pool = new KeyPool({
      make: (alg, label, signal) => privateKeyFor(alg, source, label, signal),
      seeded: source.seed !== undefined,
      ...(options.poolSize === undefined ? {} : { size: options.poolSize }),
    });
    this.now = options.now ?? Date.now;
    this.onChange = options.onChange;
    this.emit = options.onEvent;
  }

  /** Drops every key, timer and override, then creates one active key per alg (first alg signs). */
  async init(algs: readonly SigningAlg[]): Promise<void> {
    this.cancelTimers();
    this.keys = [];
    this.override = undefined;
    this.activationSeq = 0;
    this.created = 0;
    for (const alg of algs) this.poolAlgs.add(alg);
    const materials: KeyMaterial[] = [];
    for (const alg of algs) materials.push(await this.newMaterial(alg));
    // Activate in reverse so the first alg's key is the most recent activation, i.e. the signer.
    for (const material of materials.reverse()) this.insert(material, 'active', { silent: true });
    this.keys.reverse();
    this.changed('keys.init', { kids: this.keys.map((k) => k.material.kid) });
  }

  /**
   * Creates new material for this issuer (seeded material advances the per-issuer index): a key
   * generated ahead when the pool has one, and the pool starts on the next in the background.
   */
  async newMaterial(alg: SigningAlg, kid?: string): Promise<KeyMaterial> {
    const label = `${this.issuer}/${this.created++}`;
    const privateKey = this.pool.take(alg, label);
    this.poolAlgs.add(alg);
    this.pool.fill(this.poolAlgs, this.upcomingLabels());
    return materialFrom(alg, await privateKey, kid);
  }

  /** What the key pool holds and how many keys were handed out ready. */
  poolStatus(): KeyPoolStatus {
    return this.pool.status();
  }

  /** Cancels pending rotation steps and stops generating keys ahead (mock-idp is closing). */
  close(): void {
    this.cancelTimers();
    this.pool.close();
  }

  /** Labels of the keys this store will create next (seeded material depends on them). */
  private upcomingLabels(): string[] {
    return Array.from({ length: this.pool.size }, (_, i) => `${this.issuer}/${this.created + i}`);
  }

  /** A key never published by this issuer, for rogue-key tokens (one per issuer, created lazily). */
  rogueMaterial(alg: SigningAlg): Promise<KeyMaterial> {
    this.rogue ??= createKeyMaterial(alg, this.source, `${this.issuer}/rogue`);
    return this.rogue;
  }

  /** Adds a key in `state`. Options: publish it (default: unless revoked), put it first in the JWKS. */
  insert(
    material: KeyMaterial,
    state: KeyState,
    options: { published?: boolean; first?: boolean; silent?: boolean } = {},
  ): KeyInfo {
    const stored: StoredKey = {
      material,
      state,
      published: options.published ?? state !== 'revoked',
      createdAt: this.now(),
      activatedAt: undefined,
      activationSeq: 0,
    };
    if (state === 'active') this.markActive(stored);
    if (options.first === true) this.keys.unshift(stored);
    else this.keys.push(stored);
    if (options.silent !== true) this.changed('key.added', { kid: material.kid, alg: material.alg, state });
    return this.info(stored);
  }

  /** Moves the (first non-revoked) key with `kid` to `state`. */
  setState(kid: string, state: KeyState): KeyInfo {
    const stored = this.find(kid);
    const from = stored.state;
    stored.state = state;
    if (state === 'active') this.markActive(stored);
    // Activating, retiring or re-announcing a key publishes it; revoking removes it.
    stored.published = state !== 'revoked';
    this.changed(`key.${state === 'next' ? 'next' : verbFor(state)}`, { kid, from, to: state });
    return this.info(stored);
  }

  /** Publishes (or hides) a key without changing its state (sign-before-publish catches up). */
  setPublished(kid: string, published: boolean): void {
    const stored = this.find(kid);
    stored.published = published;
    this.changed(published ? 'key.published' : 'key.unpublished', { kid });
  }

  /** Swaps the material behind `kid`, keeping the kid (the same-kid-new-material misrotation). */
  replaceMaterial(kid: string, material: KeyMaterial): void {
    const stored = this.find(kid);
    stored.material = material;
    this.changed('key.material-replaced', { kid });
  }

  setOverride(override: ServedOverride | undefined, reason: string): void {
    this.override = override;
    this.changed(override === undefined ? 'jwks.healed' : 'jwks.override', { reason });
  }

  get servedOverride(): ServedOverride | undefined {
    return this.override;
  }

  /** Reports a lifecycle event that is not itself a key change (a rotation plan, a wrong rotation). */
  note(type: string, detail: Record<string, unknown>): void {
    this.emit(type, detail);
  }

  /** Runs `action` after `delayMs` unless the store is reset or closed first. */
  schedule(delayMs: number, action: () => void): void {
    if (delayMs <= 0) {
      action();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      try {
        action();
      } catch (error) {
        // A key removed by hand before its scheduled step: nothing left to do.
        this.emit('rotation.step-skipped', {
          message: error instanceof Error ? error.message : String(error),
        });
      }
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  /** Number of rotation steps still scheduled. */
  get pendingSteps(): number {
    return this.timers.size;
  }

  cancelTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  list(): KeyInfo[] {
    return this.keys.map((k) => this.info(k));
  }

  /** The key tokens are signed with: the given kid (any state), else the latest activated active key. */
  signer(kid?: string): KeyMaterial | undefined {
    if (kid !== undefined) {
      return (
        this.keys.find((k) => k.material.kid === kid && k.state !== 'revoked') ??
        this.keys.find((k) => k.material.kid === kid)
      )?.material;
    }
    return this.signingKey()?.material;
  }

  /** The material of a revoked key, if any. */
  revokedMaterial(): KeyMaterial | undefined {
    return this.keys.find((k) => k.state === 'revoked')?.material;
  }

  /** Keys that verify a token for `kid` (used by userinfo): unrevoked, matching kid. */
  verificationKeys(kid: string | undefined): KeyMaterial[] {
    return this.keys
      .filter((k) => k.state !== 'revoked' && (kid === undefined || k.material.kid === kid))
      .map((k) => k.material);
  }

  /** The JWK sets to serve: one, or two that alternate (flapping). */
  servedSets(): JWK[][] {
    const published = this.keys
      .filter((k) => k.published && k.state !== 'revoked')
      .map((k) => k.material.publicJwk);
    const o = this.override;
    if (o === undefined) return [published];
    switch (o.kind) {
      case 'empty':
        return [[]];
      case 'missing-kid':
        return [
          published.map((jwk) => {
            const { kid: _kid, ...rest } = jwk;
            return rest;
          }),
        ];
      case 'extra':
        return [o.first ? [...o.keys, ...published] : [...published, ...o.keys]];
      case 'flapping':
        return [published, [...o.other]];
    }
  }

  /** Algorithms of the keys actually served (discovery advertises exactly these). */
  servedAlgs(): SigningAlg[] {
    const algs = new Set<SigningAlg>();
    for (const set of this.servedSets()) {
      for (const jwk of set) if (isSigningAlg(jwk.alg)) algs.add(jwk.alg);
    }
    return [...algs];
  }

  /** Kids present in at least one served set: a token with another kid is an "unknown kid". */
  servedKids(): Set<string> {
    const kids = new Set<string>();
    for (const set of this.servedSets()) for (const jwk of set) if (jwk.kid !== undefined) kids.add(jwk.kid);
    return kids;
  }

  private signingKey(): StoredKey | undefined {
    let best: StoredKey | undefined;
    for (const k of this.keys) {
      if (k.state === 'active' && (best === undefined || k.activationSeq > best.activationSeq)) best = k;
    }
    return best;
  }

  private markActive(stored: StoredKey): void {
    stored.activationSeq = ++this.activationSeq;
    stored.activatedAt = this.now();
  }

  private find(kid: string): StoredKey {
    const stored =
      this.keys.find((k) => k.material.kid === kid && k.state !== 'revoked') ??
      this.keys.find((k) => k.material.kid === kid);
    if (stored === undefined) throw new KeyNotFoundError(this.issuer, kid);
    return stored;
  }

  /** Keeps memory bounded under endless rotation: only the newest revoked keys stay. */
  private pruneRevoked(): void {
    let excess = this.keys.filter((k) => k.state === 'revoked').length - MAX_REVOKED_KEYS;
    if (excess <= 0) return;
    this.keys = this.keys.filter((k) => !(k.state === 'revoked' && excess-- > 0));
  }

  private info(k: StoredKey): KeyInfo {
    const info: KeyInfo = {
      kid: k.material.kid,
      alg: k.material.alg,
      state: k.state,
      published: k.published && k.state !== 'revoked',
      createdAt: k.createdAt,
      signing: this.signingKey() === k,
      publicJwk: { ...k.material.publicJwk },
    };
    if (k.activatedAt !== undefined) info.activatedAt = k.activatedAt;
    return info;
  }

  private changed(type: string, detail: Record<string, unknown>): void {
    this.pruneRevoked();
    this.onChange();
    this.emit(type, detail);
  }
}

/** Revoked keys kept for `revoked-key` tokens and the admin listing; older ones are forgotten. */
export const MAX_REVOKED_KEYS = 32;

function verbFor(state: Exclude<KeyState, 'next'>): string {
  return state === 'active' ? 'activated' : state === 'retiring' ? 'retired' : 'revoked';
}

const SIGNING_ALG_SET = new Set<string>(SIGNING_ALGS);
function isSigningAlg(alg: unknown): alg is SigningAlg {
  return typeof alg === 'string' && SIGNING_ALG_SET.has(alg);
}
