/**
 * Seeded randomness. Every random choice the sandbox makes (ids, scores, faces, faults, demo
 * traffic) draws from a named stream derived from one seed, so a given `--seed` replays the same
 * run, and one stream's consumption never shifts another's (adding a fault draw does not change
 * the next session id).
 */
export type Random = () => number;

/** mulberry32: tiny, fast, good enough for an emulator (not for secrets). Returns [0, 1). */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over UTF-16 code units: stable 32-bit seed from a string (a person, a stream name). */
export function hashString(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A named, independent stream of a root seed. */
export function stream(rootSeed: number, name: string): Random {
  return mulberry32((rootSeed ^ hashString(name)) >>> 0);
}

export function randomInt(rng: Random, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function randomBetween(rng: Random, min: number, max: number, decimals = 2): number {
  const factor = 10 ** decimals;
  return Math.round((min + rng() * (max - min)) * factor) / factor;
}

export function pick<T>(rng: Random, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new Error('pick() from an empty list');
  return item;
}

/** Picks a key of `weights` with probability proportional to its weight. */
export function weighted<K extends string>(rng: Random, weights: Readonly<Record<K, number>>): K {
  const entries = Object.entries(weights) as [K, number][];
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let roll = rng() * total;
  for (const [key, w] of entries) {
    roll -= w;
    if (roll < 0) return key;
  }
  const last = entries[entries.length - 1];
  if (!last) throw new Error('weighted() with no entries');
  return last[0];
}

export function randomBytes(rng: Random, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rng() * 256);
  return out;
}

/**
 * 16 bytes as 8-4-4-4-12 lowercase hex. `v4` sets RFC 4122 version 4 and variant 10xx;
 * `non-rfc` sets version nibble c and variant 110x (reserved), as in Didit's example ids.
 */
export function formatUuid(bytes: Buffer, kind: 'v4' | 'non-rfc'): string {
  const b = Buffer.from(bytes);
  if (kind === 'v4') {
    b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
    b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  } else {
    b[6] = ((b[6] ?? 0) & 0x0f) | 0xc0;
    b[8] = ((b[8] ?? 0) & 0x1f) | 0xc0;
  }
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
