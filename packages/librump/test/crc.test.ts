import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc16_update, crc32, crc32_be_update, crc32c, crc32c_update } from "../src/libkern/crc.js";

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("libkern checksums", () => {
  it("CRC-32C matches the published check value and RFC 3720's vectors", () => {
    expect(crc32c(ascii("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
  });

  it("CRC-32C chains across pieces and odd alignments (the slicing path agrees with the byte path)", () => {
    const b = Uint8Array.from({ length: 4099 }, (_, i) => (i * 2654435761) >>> 24);
    const whole = crc32c_update(0x12345678, b);
    let c = 0x12345678;
    for (const cut of [
      [0, 3],
      [3, 11],
      [11, 1000],
      [1000, 4099],
    ] as const)
      c = crc32c_update(c, b, cut[0], cut[1]);
    expect(c).toBe(whole);
    let bytewise = 0x12345678;
    for (let i = 0; i < b.length; i++) bytewise = crc32c_update(bytewise, b, i, i + 1);
    expect(bytewise).toBe(whole);
  });

  it("CRC-32 agrees with zlib", () => {
    const b = Uint8Array.from({ length: 777 }, (_, i) => i & 0xff);
    expect(crc32(b)).toBe(zlibCrc32(b));
    expect(crc32(ascii("123456789"))).toBe(0xcbf43926);
  });

  it("CRC-32 MSB-first matches CRC-32/MPEG-2 and CRC-32/BZIP2 check values and chains", () => {
    // MPEG-2: init ~0, no final inversion (how JBD2 v1 keeps its sum)
    expect(crc32_be_update(0xffffffff, ascii("123456789"))).toBe(0x0376e6e7);
    expect((crc32_be_update(0xffffffff, ascii("123456789")) ^ 0xffffffff) >>> 0).toBe(0xfc891918);
    const b = ascii("journal block contents");
    expect(crc32_be_update(crc32_be_update(0xffffffff, b, 0, 7), b, 7)).toBe(
      crc32_be_update(0xffffffff, b),
    );
  });

  it("CRC-16 (ANSI/ARC) matches the published check value", () => {
    expect(crc16_update(0, ascii("123456789"))).toBe(0xbb3d);
    // ext4's gdt_csum seeds with ~0 (CRC-16/MODBUS has the same register step)
    expect(crc16_update(0xffff, ascii("123456789"))).toBe(0x4b37);
  });
});
