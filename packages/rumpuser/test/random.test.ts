/** getrandom: strong by default, seeded on request, flags checked. */
import { describe, expect, it } from "vitest";
import { MemoryHost } from "../src/hosts/memory.js";
import { NodeHost } from "../src/hosts/node.js";
import { SeededRandom } from "../src/random.js";
import { RUMPUSER_RANDOM_HARD, RUMPUSER_RANDOM_NOWAIT } from "../src/rumpuser.js";
import { out } from "./helpers.js";

const EINVAL = 22;

describe.each([
  [
    "NodeHost",
    (seed?: number) =>
      new NodeHost(seed === undefined ? { env: false } : { env: false, randomSeed: seed }),
  ],
  ["MemoryHost", (seed?: number) => new MemoryHost(seed === undefined ? {} : { randomSeed: seed })],
] as const)("%s getrandom", (_label, make) => {
  it("fills the whole buffer, even a large one, and says so", () => {
    const host = make();
    const buf = new Uint8Array(200_000); // more than Web Crypto's 65536 per call
    const ret = out(-1);
    expect(host.getrandom(buf, 0, ret)).toBe(0);
    expect(ret.v).toBe(buf.length);
    // every 64 KiB chunk got bytes (a chunk left at zero would show)
    for (let off = 0; off < buf.length; off += 65536) {
      expect(buf.subarray(off, off + 1024).some((b) => b !== 0)).toBe(true);
    }
    const counts = new Array<number>(256).fill(0);
    for (const b of buf) counts[b]!++;
    expect(Math.min(...counts)).toBeGreaterThan(500); // ~781 each
  });

  it("gives different bytes each time by default", () => {
    const host = make();
    const a = new Uint8Array(32);
    const b = new Uint8Array(32);
    host.getrandom(a, 0, out(0));
    host.getrandom(b, 0, out(0));
    expect(a).not.toEqual(b);
  });

  it("accepts HARD and NOWAIT, refuses unknown flag bits with EINVAL", () => {
    const host = make();
    const buf = new Uint8Array(16);
    const ret = out(-1);
    for (const f of [
      RUMPUSER_RANDOM_HARD,
      RUMPUSER_RANDOM_NOWAIT,
      RUMPUSER_RANDOM_HARD | RUMPUSER_RANDOM_NOWAIT,
    ]) {
      expect(host.getrandom(buf, f, ret)).toBe(0);
      expect(ret.v).toBe(16);
    }
    ret.v = -1;
    expect(host.getrandom(buf, 0x04, ret)).toBe(EINVAL);
    expect(host.getrandom(buf, 0x100 | RUMPUSER_RANDOM_HARD, ret)).toBe(EINVAL);
    expect(ret.v).toBe(-1);
  });

  it("with randomSeed is deterministic: same seed, same bytes; other seed, other bytes", () => {
    const take = (seed: number, sizes: number[]): number[] => {
      const host = make(seed);
      const r: number[] = [];
      for (const n of sizes) {
        const b = new Uint8Array(n);
        host.getrandom(b, RUMPUSER_RANDOM_HARD, out(0));
        r.push(...b);
      }
      return r;
    };
    expect(take(42, [7, 32, 1])).toEqual(take(42, [7, 32, 1]));
    expect(take(42, [40])).not.toEqual(take(43, [40]));
    expect(take(0, [16]).some((b) => b !== 0)).toBe(true);
  });
});

describe("SeededRandom", () => {
  it("is the same generator on every host kind", () => {
    const a = new Uint8Array(64);
    const b = new Uint8Array(64);
    new NodeHost({ env: false, randomSeed: 7 }).getrandom(a, 0, out(0));
    new MemoryHost({ randomSeed: 7 }).getrandom(b, 0, out(0));
    expect(a).toEqual(b);
  });

  it("is xoshiro128** (reference vector from state 1, 2, 3, 4)", () => {
    const r = new SeededRandom(0) as unknown as {
      s0: number;
      s1: number;
      s2: number;
      s3: number;
      next(): number;
    };
    r.s0 = 1;
    r.s1 = 2;
    r.s2 = 3;
    r.s3 = 4;
    expect(Array.from({ length: 10 }, () => r.next())).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597,
      4258142804,
    ]);
  });

  it("produces a stable stream (a change here changes every seeded image)", () => {
    const r = new SeededRandom(1);
    const words = [r.next(), r.next(), r.next(), r.next()];
    expect(words.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)).toBe(true);
    const again = new SeededRandom(1);
    expect([again.next(), again.next(), again.next(), again.next()]).toEqual(words);
    expect(words).toMatchInlineSnapshot(`
      [
        2864718319,
        382396905,
        3862504874,
        1160459947,
      ]
    `);
  });

  it("uses both halves of a large seed and refuses a non-integer one", () => {
    const a = new Uint8Array(16);
    const b = new Uint8Array(16);
    new SeededRandom(5).fill(a);
    new SeededRandom(5 + 2 ** 32).fill(b);
    expect(a).not.toEqual(b);
    expect(() => new SeededRandom(1.5)).toThrow(RangeError);
  });

  it("has no obvious bias", () => {
    const r = new SeededRandom(99);
    let ones = 0;
    for (let i = 0; i < 10000; i++) {
      let w = r.next();
      while (w !== 0) {
        ones += w & 1;
        w >>>= 1;
      }
    }
    expect(ones / 320000).toBeGreaterThan(0.49);
    expect(ones / 320000).toBeLessThan(0.51);
  });
});
