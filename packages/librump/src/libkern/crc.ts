/**
 * Checksums the on-disk formats use (NetBSD keeps them in sys/lib/libkern):
 * CRC-32 (IEEE, GPT headers), CRC-32 MSB-first (JBD2 v1 commit
 * checksums: Linux's crc32_be), CRC-32C (Castagnoli: ext4
 * metadata_csum, JBD2 v2/v3) and CRC-16 (ANSI: ext4 gdt_csum).
 *
 * The `*_update` forms are the raw register step with no pre- or
 * post-inversion, which is how ext4 and JBD2 chain a checksum over several
 * pieces (a seed, then a field, then a block). CRC-32C runs slicing-by-8:
 * metadata checksums sit on every block write.
 */

function reflectedTables(poly: number, slices: number): Uint32Array[] {
  const t: Uint32Array[] = [];
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? poly ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  t.push(t0);
  for (let s = 1; s < slices; s++) {
    const prev = t[s - 1]!;
    const ts = new Uint32Array(256);
    for (let n = 0; n < 256; n++) ts[n] = (t0[prev[n]! & 0xff]! ^ (prev[n]! >>> 8)) >>> 0;
    t.push(ts);
  }
  return t;
}

const IEEE = reflectedTables(0xedb88320, 1)[0]!;
const C = reflectedTables(0x82f63b78, 8);
const C0 = C[0]!;
const C1 = C[1]!;
const C2 = C[2]!;
const C3 = C[3]!;
const C4 = C[4]!;
const C5 = C[5]!;
const C6 = C[6]!;
const C7 = C[7]!;

/** CRC-32 register step (IEEE 802.3, reflected), no inversions. */
export function crc32_update(crc: number, b: Uint8Array, start = 0, end = b.length): number {
  let c = crc >>> 0;
  for (let i = start; i < end; i++) c = IEEE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/** CRC-32 as zlib's crc32() computes it. */
export function crc32(b: Uint8Array, start = 0, end = b.length): number {
  return (crc32_update(0xffffffff, b, start, end) ^ 0xffffffff) >>> 0;
}

const BE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32 register step, most significant bit first (polynomial 0x04c11db7
 * not reflected), no inversions: Linux's crc32_be, which JBD2's v1
 * transaction checksum chains over a transaction's blocks from ~0.
 */
export function crc32_be_update(crc: number, b: Uint8Array, start = 0, end = b.length): number {
  let c = crc >>> 0;
  for (let i = start; i < end; i++) c = (BE[((c >>> 24) ^ b[i]!) & 0xff]! ^ (c << 8)) >>> 0;
  return c;
}

/** CRC-32C register step (Castagnoli, reflected), no inversions. */
export function crc32c_update(crc: number, b: Uint8Array, start = 0, end = b.length): number {
  let c = crc >>> 0;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const lo = c ^ (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24));
    c =
      C7[lo & 0xff]! ^
      C6[(lo >>> 8) & 0xff]! ^
      C5[(lo >>> 16) & 0xff]! ^
      C4[lo >>> 24]! ^
      C3[b[i + 4]!]! ^
      C2[b[i + 5]!]! ^
      C1[b[i + 6]!]! ^
      C0[b[i + 7]!]!;
  }
  for (; i < end; i++) c = C0[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/** CRC-32C with the usual initial and final inversion (iSCSI, RFC 3720). */
export function crc32c(b: Uint8Array, start = 0, end = b.length): number {
  return (crc32c_update(0xffffffff, b, start, end) ^ 0xffffffff) >>> 0;
}

const A16 = (() => {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xa001 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-16 register step (ANSI, polynomial 0x8005 reflected), no inversions. */
export function crc16_update(crc: number, b: Uint8Array, start = 0, end = b.length): number {
  let c = crc & 0xffff;
  for (let i = start; i < end; i++) c = A16[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return c;
}
