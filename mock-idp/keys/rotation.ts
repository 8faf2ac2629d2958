/**
 * The graceful rotation: publish the next key ahead of use, activate it, then retire and
 * revoke the old one on a schedule. Steps run on unref'd timers the store cancels on
 * reset/close, so a pending rotation never keeps a process alive.
 */
import type { SigningAlg } from '../contracts.ts';
import type { KeyStore } from './key-store.ts';

export interface RotationOptions {
  /** ms the new key is published (state `next`) before it signs. Default 0. */
  publishAhead?: number;
  /** ms after the new key activates before the old key goes `retiring` (both active meanwhile; the new one signs). Default 0. */
  retireAfter?: number;
  /** ms the old key stays published as `retiring` before it is revoked. Default 60 000. */
  revokeAfter?: number;
  /** Algorithm of the new key. Default: the current signer's. */
  alg?: SigningAlg;
}

export const ROTATION_DEFAULTS = { publishAhead: 0, retireAfter: 0, revokeAfter: 60_000 } as const;

/** What a rotation will do, with epoch-ms times. */
export interface RotationPlan {
  kid: string;
  alg: SigningAlg;
  previousKid: string | undefined;
  activateAt: number;
  retireAt: number;
  revokeAt: number;
  /** How long the admin action took inside mock-idp (ms); set by the admin API. */
  tookMs?: number;
}

export async function rotateGracefully(
  store: KeyStore,
  options: RotationOptions,
  fallbackAlg: SigningAlg,
  now: () => number = Date.now,
): Promise<RotationPlan> {
  const publishAhead = options.publishAhead ?? ROTATION_DEFAULTS.publishAhead;
  const retireAfter = options.retireAfter ?? ROTATION_DEFAULTS.retireAfter;
  const revokeAfter = options.revokeAfter ?? ROTATION_DEFAULTS.revokeAfter;
  const previous = store.signer();
  const alg = options.alg ?? previous?.alg ?? fallbackAlg;
  const material = await store.newMaterial(alg);
  const start = now();
  store.insert(material, 'next');
  store.schedule(publishAhead, () => {
    store.setState(material.kid, 'active');
    if (previous === undefined) return;
    store.schedule(retireAfter, () => {
      store.setState(previous.kid, 'retiring');
      store.schedule(revokeAfter, () => {
        store.setState(previous.kid, 'revoked');
      });
    });
  });
  const plan: RotationPlan = {
    kid: material.kid,
    alg,
    previousKid: previous?.kid,
    activateAt: start + publishAhead,
    retireAt: start + publishAhead + retireAfter,
    revokeAt: start + publishAhead + retireAfter + revokeAfter,
  };
  store.note('rotation.scheduled', { ...plan });
  return plan;
}
