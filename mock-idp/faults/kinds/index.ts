/** The registry of HTTP fault kinds, by name. Adding a kind = one file + one line here. */
import type { FaultKind } from './kind.ts';
import { contentTypeKind } from './content-type.ts';
import { dripKind } from './drip.ts';
import { emptyKeysKind } from './empty-keys.ts';
import { hangKind } from './hang.ts';
import { latencyKind } from './latency.ts';
import { malformedJsonKind } from './malformed-json.ts';
import { resetKind } from './reset.ts';
import { statusKind } from './status.ts';
import { truncateKind } from './truncate.ts';

export const FAULT_KINDS = [
  latencyKind,
  statusKind,
  hangKind,
  resetKind,
  truncateKind,
  malformedJsonKind,
  contentTypeKind,
  emptyKeysKind,
  dripKind,
] as const;

const BY_NAME = new Map<string, FaultKind>(FAULT_KINDS.map((k) => [k.name, k as FaultKind]));

export function getFaultKind(name: string): FaultKind | undefined {
  return BY_NAME.get(name);
}
