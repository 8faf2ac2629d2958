/**
 * Seeded pseudo-random numbers. Every probability and jitter in keystorm draws from one of
 * these so that the same seed reproduces the same fault pattern (Toxiproxy's seed does not).
 * Algorithm: sfc32 seeded through splitmix32 — fast, small state, good enough statistics.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** A new independent stream derived from this one (e.g. one per connection or per fault). */
  fork(label?: string): Random;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Creates a seeded generator. Without a seed, one is drawn from Math.random (not reproducible). */
export function createRandom(seed: number = Math.floor(Math.random() * 2 ** 32)): Random {
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const nextU32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) nextU32();
  const random: Random = {
    next: () => nextU32() / 2 ** 32,
    int: (min, max) => min + Math.floor((nextU32() / 2 ** 32) * (max - min + 1)),
    chance: (p) => p >= 1 || (p > 0 && nextU32() / 2 ** 32 < p),
    fork: (label) => createRandom((nextU32() ^ (label === undefined ? 0 : hashLabel(label))) >>> 0),
  };
  return random;
}
