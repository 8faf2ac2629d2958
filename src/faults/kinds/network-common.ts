/**
 * Shared shape of the network kinds: each maps to one Toxiproxy toxic (or the proxy's enabled
 * flag) on one of the run's proxies. `probability` becomes the toxic's toxicity, which
 * Toxiproxy draws once per TCP connection: on a keep-alive connection every request is
 * affected or none is.
 */
import { z } from 'zod';
import type { ToxicStream, ToxicType } from '../../proxy/adapter.ts';
import type { FaultContext, FaultKind, RunProxy, ValidFault } from '../types.ts';

/**
 * Direction of a toxic: `downstream` = server → client (responses), `upstream` = client →
 * server (requests), `both` = one toxic on each.
 */
export type StreamChoice = 'downstream' | 'upstream' | 'both';
const streamChoices = ['downstream', 'upstream', 'both'] as const;

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
 * Defines a kind that adds a toxic (two with `stream: both`). `shape` is the kind's own
 * attributes (a `stream` attribute is added, default `defaultStream` or downstream); `toxic`
 * maps them to Toxiproxy's attribute units.
 */
export function toxicKind<Shape extends z.ZodRawShape>(definition: {
  kind: string;
  summary: string;
  type: ToxicType;
  shape: Shape;
  defaultStream?: StreamChoice;
  toxic: (attributes: z.output<z.ZodObject<Shape>>) => Record<string, number>;
  refine?: (attributes: z.output<z.ZodObject<Shape>>, ctx: z.RefinementCtx) => void;
}): FaultKind<z.output<z.ZodObject<Shape>> & { stream: StreamChoice }> {
  type Attrs = z.output<z.ZodObject<Shape>> & { stream: StreamChoice };
  const stream = z.enum(streamChoices).default(definition.defaultStream ?? 'downstream');
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
      const attributes = definition.toxic(fault.attributes);
      const choice = fault.attributes.stream;
      const streams: ToxicStream[] = choice === 'both' ? ['upstream', 'downstream'] : [choice];
      const base = toxicNameFor(fault.envelope.name);
      const toxics: string[] = [];
      // One step per toxic: if the second is refused, the first is removed again.
      for (const stream of streams) {
        const name = choice === 'both' ? `${base}_${stream}` : base;
        await network.adapter.addToxic(proxy.name, {
          name,
          type: definition.type,
          stream,
          toxicity: fault.envelope.probability,
          attributes,
        });
        steps.done(`remove toxic ${name} from proxy ${proxy.name}`, () =>
          network.adapter.removeToxic(proxy.name, name),
        );
        toxics.push(name);
      }
      return {
        proxy: proxy.name,
        toxics,
        type: definition.type,
        streams,
        toxicity: fault.envelope.probability,
        attributes,
      };
    },
  };
}

/** Milliseconds as Toxiproxy wants them (integers). */
export function wholeMs(ms: number): number {
  return Math.round(ms);
}
