/**
 * Shared shape of the network kinds: each maps to one Toxiproxy toxic (or the proxy's enabled
 * flag) on one of the run's proxies. `probability` becomes the toxic's toxicity, which
 * Toxiproxy draws once per TCP connection: on a keep-alive connection every request is
 * affected or none is.
 */
import { z } from 'zod';
import type { ToxicType } from '../../proxy/adapter.ts';
import type { FaultContext, FaultKind, RunProxy, ValidFault } from '../types.ts';

/** Direction of a toxic: `downstream` = server → client (responses), `upstream` = requests. */
export const stream = z.enum(['downstream', 'upstream']).default('downstream');

/** The run's proxy a validated network fault targets (validation made sure it exists). */
export function targetProxy(
  fault: ValidFault<unknown>,
  ctx: FaultContext,
): { proxy: RunProxy; network: NonNullable<FaultContext['network']> } {
  const network = ctx.network;
  if (network === undefined) throw new Error('network fault applied without a proxy context');
  const alias =
    typeof fault.envelope.target === 'string' ? fault.envelope.target : [...network.proxies.keys()][0];
  const proxy = alias === undefined ? undefined : network.proxies.get(alias);
  if (proxy === undefined)
    throw new Error(`fault ${fault.envelope.name}: no proxy ${String(alias)} in the run`);
  return { proxy, network };
}

/** Toxic name for a fault: unique per proxy because fault names are unique per run. */
export function toxicNameFor(faultName: string): string {
  return `keystorm_${faultName.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/**
 * Defines a kind that adds one toxic. `shape` is the kind's own attributes (a `stream`
 * attribute is added); `toxic` maps them to Toxiproxy's attribute units.
 */
export function toxicKind<Shape extends z.ZodRawShape>(definition: {
  kind: string;
  summary: string;
  type: ToxicType;
  shape: Shape;
  toxic: (attributes: z.output<z.ZodObject<Shape>>) => Record<string, number>;
  refine?: (attributes: z.output<z.ZodObject<Shape>>, ctx: z.RefinementCtx) => void;
}): FaultKind<z.output<z.ZodObject<Shape>> & { stream: 'downstream' | 'upstream' }> {
  type Attrs = z.output<z.ZodObject<Shape>> & { stream: 'downstream' | 'upstream' };
  let schema = z.strictObject({ ...definition.shape, stream }) as unknown as z.ZodType<Attrs, unknown>;
  const refine = definition.refine;
  if (refine !== undefined) schema = schema.superRefine((value, ctx) => refine(value, ctx));
  return {
    kind: definition.kind,
    family: 'network',
    summary: definition.summary,
    attributes: schema,
    probabilityApplies: true,
    async apply(fault, ctx, steps) {
      const { proxy, network } = targetProxy(fault, ctx);
      const name = toxicNameFor(fault.envelope.name);
      const attributes = definition.toxic(fault.attributes);
      const toxic = await network.adapter.addToxic(proxy.name, {
        name,
        type: definition.type,
        stream: fault.attributes.stream,
        toxicity: fault.envelope.probability,
        attributes,
      });
      steps.done(`remove toxic ${name} from proxy ${proxy.name}`, () =>
        network.adapter.removeToxic(proxy.name, name),
      );
      return {
        proxy: proxy.name,
        toxic: toxic.name,
        type: toxic.type,
        stream: toxic.stream,
        toxicity: toxic.toxicity,
        attributes: toxic.attributes,
      };
    },
  };
}

/** Milliseconds as Toxiproxy wants them (integers). */
export function wholeMs(ms: number): number {
  return Math.round(ms);
}
