/**
 * Deterministic bytes for file contents (xorshift32 from a seed): every
 * test helper and test that writes data and checks it back uses this one
 * sequence, so images made by the real tools and files written through the
 * kernel agree byte for byte.
 */
export function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}
