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

/**
 * Table-driven CRC of a reflected polynomial: `slices` tables of 256 in one
 * array, slice s at s * 256 (slicing-by-8 steps 8 bytes through all 8).
 * Built at a checksum's first use, not at import: most runs want none.
 */
function reflectedTables(poly: number, slices: number): Uint32Array {
  const t = new Uint32Array(256 * slices);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? poly ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let s = 256; s < t.length; s += 256)
    for (let n = 0; n < 256; n++)
      t[s + n] = (t[t[s - 256 + n]! & 0xff]! ^ (t[s - 256 + n]! >>> 8)) >>> 0;
  return t;
}

let IEEE: Uint32Array | null = null;
/** CRC-32C's 8 slices */
let C: Uint32Array | null = null;
let BE: Uint32Array | null = null;
let A16: Uint16Array | null = null;

/** CRC-32 register step (IEEE 802.3, reflected), no inversions. */
export function crc32_update(crc: number, b: Uint8Array, start = 0, end = b.length): number {
  const t = (IEEE ??= reflectedTables(0xedb88320, 1));
  let c = crc >>> 0;
  for (let i = start; i < end; i++) c = t[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/** CRC-32 as zlib's crc32() computes it. */
export function crc32(b: Uint8Array, start = 0, end = b.length): number {
  return (crc32_update(0xffffffff, b, start, end) ^ 0xffffffff) >>> 0;
}

function msbFirstTable(poly: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ poly : c << 1;
    t[n] = c >>> 0;
  }
  return t;
}

/**
 * CRC-32 register step, most significant bit first (polynomial 0x04c11db7
 * not reflected), no inversions: Linux's crc32_be, which JBD2's v1
 * transaction checksum chains over a transaction's blocks from ~0.
 */
export function crc32_be_update(crc: number, b: Uint8Array, start = 0, end = b.length): number {
  const t = (BE ??= msbFirstTable(0x04c11db7));
  let c = crc >>> 0;
  for (let i = start; i < end; i++) c = (t[((c >>> 24) ^ b[i]!) & 0xff]! ^ (c << 8)) >>> 0;
  return c;
}

/** CRC-32C register step (Castagnoli, reflected), no inversions. */
export function crc32c_update(crc: number, b: Uint8Array, start = 0, end = b.length): number {
  const t = (C ??= reflectedTables(0x82f63b78, 8));
  let c = crc >>> 0;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const lo = c ^ (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24));
    c =
      t[1792 + (lo & 0xff)]! ^
      t[1536 + ((lo >>> 8) & 0xff)]! ^
      t[1280 + ((lo >>> 16) & 0xff)]! ^
      t[1024 + (lo >>> 24)]! ^
      t[768 + b[i + 4]!]! ^
      t[512 + b[i + 5]!]! ^
      t[256 + b[i + 6]!]! ^
      t[b[i + 7]!]!;
  }
  for (; i < end; i++) c = t[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/** CRC-32C with the usual initial and final inversion (iSCSI, RFC 3720). */
export function crc32c(b: Uint8Array, start = 0, end = b.length): number {
  return (crc32c_update(0xffffffff, b, start, end) ^ 0xffffffff) >>> 0;
}

function crc16Table(): Uint16Array {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xa001 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
}

/** CRC-16 register step (ANSI, polynomial 0x8005 reflected), no inversions. */
export function crc16_update(crc: number, b: Uint8Array, start = 0, end = b.length): number {
  const t = (A16 ??= crc16Table());
  let c = crc & 0xffff;
  for (let i = start; i < end; i++) c = t[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return c;
}
