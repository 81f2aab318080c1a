// Seeded randomness for data order: a small fast PRNG (mulberry32) and a Fisher-Yates shuffle.
// fit() draws each epoch's batch order from (seed, epoch) alone, so training resumed at epoch k
// from a checkpoint sees the same batches as training that never stopped.

/** A PRNG with values in [0, 1), the same sequence for the same seed on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles an array (or typed array) in place with the given PRNG and returns it. */
export function shuffle<T extends { length: number; [i: number]: unknown }>(items: T, random: () => number): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}

/** The sample order of one epoch: a permutation of 0..n-1 that depends only on (seed, epoch). */
export function epochOrder(seed: number, epoch: number, n: number, out = new Uint32Array(n)): Uint32Array {
  for (let i = 0; i < n; i++) out[i] = i;
  return shuffle(out, seededRandom(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(epoch + 1, 0xc2b2ae35)));
}
