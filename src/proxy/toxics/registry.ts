/** The released Toxiproxy toxic types, by the name the API uses. */
import { bandwidth } from './bandwidth.ts';
import { latency } from './latency.ts';
import { limitData } from './limit-data.ts';
import { noop } from './noop.ts';
import { resetPeer } from './reset-peer.ts';
import { slicer } from './slicer.ts';
import { slowClose } from './slow-close.ts';
import type { ToxicAttributes, ToxicType } from './stage.ts';
import { timeout } from './timeout.ts';

const TYPES: ReadonlyMap<string, ToxicType> = new Map(
  [latency, bandwidth, slowClose, timeout, resetPeer, slicer, limitData, noop].map((t) => [t.name, t]),
);

export function toxicType(name: string): ToxicType | undefined {
  return TYPES.get(name);
}

export function toxicTypeNames(): string[] {
  return [...TYPES.keys()];
}

/**
 * Merges `input` over `base` for the type's declared attributes (unknown keys are ignored, as
 * Toxiproxy's JSON decoding does) and checks them. Returns the attributes or a message naming
 * the bad one.
 */
export function mergeAttributes(
  type: ToxicType,
  base: ToxicAttributes,
  input: unknown,
): { attributes: ToxicAttributes } | { error: string } {
  if (input !== undefined && input !== null && (typeof input !== 'object' || Array.isArray(input))) {
    return { error: 'attributes must be an object' };
  }
  const given = (input ?? {}) as Record<string, unknown>;
  const attributes: ToxicAttributes = {};
  for (const [key, fallback] of Object.entries(type.defaults)) {
    const value = Object.hasOwn(given, key) ? given[key] : (base[key] ?? fallback);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return { error: `attributes.${key} must be a number, got ${JSON.stringify(value) ?? 'undefined'}` };
    }
    if (value < 0 && !(type.allowNegative ?? []).includes(key)) {
      return { error: `attributes.${key} must not be negative, got ${value}` };
    }
    // Past these a timer overflows (and refires every millisecond) or a size means nothing.
    const max = type.max[key] ?? 0;
    if (Math.abs(value) > max) {
      return {
        error: `attributes.${key} must be at most ${max}${value < 0 ? ' in size' : ''}, got ${value}`,
      };
    }
    attributes[key] = value;
  }
  const problem = type.validate?.(attributes);
  return problem === undefined ? { attributes } : { error: `attributes.${problem}` };
}
