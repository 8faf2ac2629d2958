/**
 * A proxy's toxics: one ordered chain per direction, names unique across both. Every change is
 * applied to the live links of that direction at once, as Toxiproxy does.
 */
import {
  badRequestBody,
  invalidStream,
  invalidToxicType,
  toxicAlreadyExists,
  toxicNotFound,
} from './api-error.ts';
import type { Link } from './link.ts';
import { STREAMS, toxicJson, type Stream, type Toxic, type ToxicJson } from './toxic.ts';
import { mergeAttributes, toxicType } from './toxics/registry.ts';

/** Live links of one direction, provided by the proxy that owns the collection. */
export type LinksOf = (stream: Stream) => Iterable<Link>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseToxicity(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw badRequestBody(`toxicity must be a number between 0 and 1, got ${JSON.stringify(value)}`);
  }
  return value;
}

export class ToxicCollection {
  private readonly chains: Record<Stream, Toxic[]> = { upstream: [], downstream: [] };

  constructor(private readonly linksOf: LinksOf) {}

  /** The chain of one direction (for new connections). */
  chain(stream: Stream): readonly Toxic[] {
    return this.chains[stream];
  }

  /** Upstream toxics first, then downstream, as Toxiproxy lists them. */
  list(): ToxicJson[] {
    return STREAMS.flatMap((s) => this.chains[s].map(toxicJson));
  }

  get(name: string): ToxicJson {
    return toxicJson(this.find(name));
  }

  /** POST /proxies/{p}/toxics. */
  add(body: unknown): ToxicJson {
    if (!isObject(body)) throw badRequestBody('expected a JSON object');
    const streamValue = body.stream ?? 'downstream';
    if (streamValue !== 'upstream' && streamValue !== 'downstream') throw invalidStream();
    const stream: Stream = streamValue;
    if (body.type !== undefined && typeof body.type !== 'string')
      throw badRequestBody('type must be a string');
    if (body.name !== undefined && typeof body.name !== 'string')
      throw badRequestBody('name must be a string');
    const typeName = body.type ?? '';
    const name = body.name === undefined || body.name === '' ? `${typeName}_${stream}` : body.name;
    const type = toxicType(typeName);
    if (type === undefined) throw invalidToxicType();
    if (this.lookup(name) !== undefined) throw toxicAlreadyExists();
    const toxicity = parseToxicity(body.toxicity, 1);
    const merged = mergeAttributes(type, {}, body.attributes);
    if ('error' in merged) throw badRequestBody(merged.error);
    const toxic: Toxic = { name, type, stream, toxicity, attributes: merged.attributes };
    this.chains[stream].push(toxic);
    for (const link of this.linksOf(stream)) link.addToxic(toxic);
    return toxicJson(toxic);
  }

  /** PATCH/POST /proxies/{p}/toxics/{t}: merges attribute keys, keeps toxicity when absent. */
  update(name: string, body: unknown): ToxicJson {
    const toxic = this.find(name);
    if (!isObject(body)) throw badRequestBody('expected a JSON object');
    const toxicity = parseToxicity(body.toxicity, toxic.toxicity);
    const merged = mergeAttributes(toxic.type, toxic.attributes, body.attributes);
    if ('error' in merged) throw badRequestBody(merged.error);
    toxic.toxicity = toxicity;
    toxic.attributes = merged.attributes;
    for (const link of this.linksOf(toxic.stream)) link.updateToxic(toxic);
    return toxicJson(toxic);
  }

  remove(name: string): void {
    const toxic = this.find(name);
    const chain = this.chains[toxic.stream];
    chain.splice(chain.indexOf(toxic), 1);
    for (const link of this.linksOf(toxic.stream)) link.removeToxic(toxic);
  }

  /** POST /reset: every toxic goes, live links flush what they held. */
  clear(): void {
    for (const stream of STREAMS) {
      for (const toxic of [...this.chains[stream]].reverse()) this.remove(toxic.name);
    }
  }

  private lookup(name: string): Toxic | undefined {
    for (const stream of STREAMS) {
      const found = this.chains[stream].find((t) => t.name === name);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  private find(name: string): Toxic {
    const toxic = this.lookup(name);
    if (toxic === undefined) throw toxicNotFound();
    return toxic;
  }
}
