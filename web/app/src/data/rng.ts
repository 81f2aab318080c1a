// Seeded randomness comes from the package (one PRNG and one shuffle for splits and batch
// orders alike); the app adds a byte hash for duplicate detection.
export { seededRandom as rng, shuffle } from 'convnet-wasm';

/** FNV-1a 32-bit hash of bytes (duplicate detection on resized pixels). */
export function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
