/** The toxic model the API manipulates: one per name per proxy, shared by every live link. */
import type { ToxicAttributes, ToxicType } from './toxics/stage.ts';

export type Stream = 'upstream' | 'downstream';
export const STREAMS: readonly Stream[] = ['upstream', 'downstream'];

export interface Toxic {
  readonly name: string;
  readonly type: ToxicType;
  readonly stream: Stream;
  toxicity: number;
  attributes: ToxicAttributes;
}

/** The JSON Toxiproxy returns for a toxic (same key order). */
export interface ToxicJson {
  attributes: ToxicAttributes;
  name: string;
  type: string;
  stream: Stream;
  toxicity: number;
}

export function toxicJson(toxic: Toxic): ToxicJson {
  return {
    attributes: { ...toxic.attributes },
    name: toxic.name,
    type: toxic.type.name,
    stream: toxic.stream,
    toxicity: toxic.toxicity,
  };
}
