/**
 * The option names a schema accepts at a path, read from the zod schema itself, so that
 * "did you mean" suggestions can never list an option that does not exist.
 */
import type { z } from 'zod';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
}

function def(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Peels optional/default/prefault/pipe wrappers off a schema. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let i = 0; i < 20; i++) {
    const d = def(current);
    const inner = d.innerType ?? (d.type === 'pipe' ? d.in : undefined);
    if (inner === undefined) return current;
    current = inner;
  }
  return current;
}

/** The object schemas a (possibly union) schema may be, unwrapped. */
function objectsOf(schema: z.ZodType): z.ZodType[] {
  const inner = unwrap(schema);
  const d = def(inner);
  if (d.type === 'object') return [inner];
  if (d.type === 'union') return (d.options ?? []).flatMap(objectsOf);
  return [];
}

function step(schema: z.ZodType, key: PropertyKey): z.ZodType[] {
  const inner = unwrap(schema);
  const d = def(inner);
  if (d.type === 'array' && typeof key === 'number' && d.element !== undefined) return [d.element];
  if (d.type === 'record' && d.valueType !== undefined) return [d.valueType];
  if (d.type === 'union') return (d.options ?? []).flatMap((o) => step(o, key));
  if (d.type === 'object' && typeof key === 'string') {
    const child = d.shape?.[key];
    return child === undefined ? [] : [child];
  }
  return [];
}

/** Keys of the object(s) that `path` leads to in `schema`; undefined when it leads nowhere. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let candidates = [schema];
  for (const key of path) candidates = candidates.flatMap((c) => step(c, key));
  const keys = candidates.flatMap(objectsOf).flatMap((o) => Object.keys(def(o).shape ?? {}));
  return keys.length === 0 ? undefined : [...new Set(keys)];
}
