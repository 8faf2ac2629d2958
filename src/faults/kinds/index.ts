/** Registers the built-in kinds. Adding a kind = one file + one line here. */
import { registerFaultKind } from '../registry.ts';
import { bandwidthFault } from './bandwidth.ts';
import { blackHoleFault } from './black-hole.ts';
import { downFault } from './down.ts';
import { httpFaultKinds } from './http.ts';
import { jitterFault } from './jitter.ts';
import { latencyFault } from './latency.ts';
import { resetFault } from './reset.ts';
import { slowTrickleFault } from './slow-trickle.ts';
import { truncateFault } from './truncate.ts';

let registered = false;

/** Idempotent: safe to call from every entry point. */
export function registerBuiltinFaultKinds(): void {
  if (registered) return;
  registered = true;
  registerFaultKind(latencyFault);
  registerFaultKind(jitterFault);
  registerFaultKind(bandwidthFault);
  registerFaultKind(blackHoleFault);
  registerFaultKind(resetFault);
  registerFaultKind(truncateFault);
  registerFaultKind(slowTrickleFault);
  registerFaultKind(downFault);
  for (const kind of httpFaultKinds) registerFaultKind(kind);
}
