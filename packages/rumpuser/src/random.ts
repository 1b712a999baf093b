/**
 * Randomness (rumpuser_getrandom). Cryptographically strong by default; the
 * host option `randomSeed` swaps in a seeded xoshiro128** generator so tests
 * and reproducible image builds get the same bytes every run (DESIGN.md
 * answer 12). A seeded host answers even RUMPUSER_RANDOM_HARD from the
 * generator: the embedder asked for determinism.
 */
import { RUMPUSER_RANDOM_HARD, RUMPUSER_RANDOM_NOWAIT } from "./rumpuser.js";

/** Flag bits getrandom accepts. */
export const RANDOM_FLAGS = RUMPUSER_RANDOM_HARD | RUMPUSER_RANDOM_NOWAIT;

export interface RandomSource {
  /** true for a deterministic generator */
  readonly seeded: boolean;
  /** fill all of `buf` */
  fill(buf: Uint8Array): void;
}

/** Web Crypto's getRandomValues, which takes at most 65536 bytes per call. */
export class WebCryptoRandom implements RandomSource {
  readonly seeded = false;
  fill(buf: Uint8Array): void {
    const c = globalThis.crypto;
    for (let off = 0; off < buf.length; off += 65536) {
      c.getRandomValues(buf.subarray(off, Math.min(buf.length, off + 65536)));
    }
  }
}

/** splitmix32: spreads a seed over the generator's state. */
function splitmix32(a: number): number {
  let t = (a + 0x9e3779b9) | 0;
  t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
  t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
  return (t ^ (t >>> 15)) >>> 0;
}

/**
 * xoshiro128** (Blackman & Vigna): 128 bits of state, fast, good statistics,
 * not cryptographic. Same seed → same byte stream, on every host.
 */
export class SeededRandom implements RandomSource {
  readonly seeded = true;
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** `seed`: any safe integer (its low and high 32-bit halves both count). */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed))
      throw new RangeError(`randomSeed must be a safe integer, not ${seed}`);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 0x100000000) >>> 0;
    let x = splitmix32(lo ^ Math.imul(hi, 0x85ebca6b));
    this.s0 = x;
    x = splitmix32(x ^ hi);
    this.s1 = x;
    x = splitmix32(x);
    this.s2 = x;
    x = splitmix32(x);
    this.s3 = x;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32 random bits, as an unsigned number. */
  next(): number {
    const s1 = this.s1;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  fill(buf: Uint8Array): void {
    const n = buf.length;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const r = this.next();
      buf[i] = r & 0xff;
      buf[i + 1] = (r >>> 8) & 0xff;
      buf[i + 2] = (r >>> 16) & 0xff;
      buf[i + 3] = r >>> 24;
    }
    if (i < n) {
      let r = this.next();
      for (; i < n; i++, r >>>= 8) buf[i] = r & 0xff;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
