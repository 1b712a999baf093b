/**
 * Hand-made partition tables for the disk tests: MBR (with EBR chains), GPT
 * (with correct or broken CRCs) and NetBSD disklabels in either byte order.
 * Everything is written into an in-memory image.
 */
import { crc32 } from "../../src/dev/disk_gpt.js";
import { DISKMAGIC } from "../../src/dev/disk_disklabel.js";
import type { ReadFn } from "../../src/dev/blockdev.js";

export const SEC = 512;

export function readerOf(img: Uint8Array): ReadFn {
  return (off, buf) => {
    if (off < 0 || off > img.length) return -22;
    const n = Math.min(buf.length, img.length - off);
    buf.set(img.subarray(off, off + n));
    return n;
  };
}

export interface MbrSlot {
  type: number;
  start: number;
  nsect: number;
  status?: number;
}

/** Write an MBR/EBR partition table (up to 4 entries) at sector `lba`. */
export function writeMbr(img: Uint8Array, lba: number, slots: (MbrSlot | null)[]): void {
  const base = lba * SEC;
  const dv = new DataView(img.buffer, img.byteOffset);
  for (let i = 0; i < 4; i++) {
    const s = slots[i];
    const o = base + 446 + 16 * i;
    img.fill(0, o, o + 16);
    if (!s) continue;
    img[o] = s.status ?? 0;
    img[o + 4] = s.type;
    dv.setUint32(o + 8, s.start, true);
    dv.setUint32(o + 12, s.nsect, true);
  }
  img[base + 510] = 0x55;
  img[base + 511] = 0xaa;
}

/**
 * An extended partition at `extStart` (`extSize` sectors) holding logical
 * partitions: each `{ start, nsect }` is relative to its EBR, EBRs placed at
 * `ebrs[i]` (absolute sectors).
 */
export function writeEbrChain(
  img: Uint8Array,
  extStart: number,
  ebrs: number[],
  logicals: { start: number; nsect: number; type?: number }[],
): void {
  for (let i = 0; i < ebrs.length; i++) {
    const l = logicals[i]!;
    const next = ebrs[i + 1];
    writeMbr(img, ebrs[i]!, [
      { type: l.type ?? 0x83, start: l.start, nsect: l.nsect },
      next === undefined ? null : { type: 0x05, start: next - extStart, nsect: 4 },
    ]);
  }
}

function guidBytes(s: string): Uint8Array {
  const h = s.replace(/-/g, "");
  const b = new Uint8Array(16);
  for (let i = 0; i < 16; i++) b[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  // the first three fields are little-endian
  const swap = (a: number, n: number): void => {
    const t = b.slice(a, a + n).reverse();
    b.set(t, a);
  };
  swap(0, 4);
  swap(4, 2);
  swap(6, 2);
  return b;
}

export const GUID_LINUX = "0fc63daf-8483-4772-8e79-3d69d8477de4";
export const GUID_NETBSD_FFS = "49f48d5a-b10e-11dc-b99b-0019d1879648";

export interface GptEnt {
  type: string;
  first: number;
  last: number;
  name?: string;
}

/**
 * A protective MBR plus primary and backup GPT (128 entries of 128 bytes,
 * arrays at LBA 2 and before the backup header).
 */
export function writeGpt(img: Uint8Array, ents: GptEnt[]): void {
  const nsect = img.length / SEC;
  writeMbr(img, 0, [{ type: 0xee, start: 1, nsect: Math.min(nsect - 1, 0xffffffff) }]);
  const arr = new Uint8Array(128 * 128);
  const adv = new DataView(arr.buffer);
  ents.forEach((e, i) => {
    const o = i * 128;
    arr.set(guidBytes(e.type), o);
    arr.set(guidBytes("12345678-1234-1234-1234-1234567890" + String(i).padStart(2, "0")), o + 16);
    adv.setBigUint64(o + 32, BigInt(e.first), true);
    adv.setBigUint64(o + 40, BigInt(e.last), true);
    const name = e.name ?? "";
    for (let j = 0; j < name.length; j++) adv.setUint16(o + 56 + 2 * j, name.charCodeAt(j), true);
  });
  const arrCrc = crc32(arr);
  const hdr = (my: number, alt: number, entLba: number): Uint8Array => {
    const h = new Uint8Array(SEC);
    const dv = new DataView(h.buffer);
    h.set(new TextEncoder().encode("EFI PART"), 0);
    dv.setUint32(8, 0x00010000, true);
    dv.setUint32(12, 92, true);
    dv.setBigUint64(24, BigInt(my), true);
    dv.setBigUint64(32, BigInt(alt), true);
    dv.setBigUint64(40, 34n, true);
    dv.setBigUint64(48, BigInt(nsect - 34), true);
    dv.setBigUint64(72, BigInt(entLba), true);
    dv.setUint32(80, 128, true);
    dv.setUint32(84, 128, true);
    dv.setUint32(88, arrCrc, true);
    dv.setUint32(16, crc32(h, 0, 92), true);
    return h;
  };
  img.set(hdr(1, nsect - 1, 2), SEC);
  img.set(arr, 2 * SEC);
  img.set(arr, (nsect - 33) * SEC);
  img.set(hdr(nsect - 1, 1, nsect - 33), (nsect - 1) * SEC);
}

export interface LabelPart {
  size: number;
  offset: number;
  fstype: number;
}

/** A NetBSD disklabel at byte `at`; returns its length in bytes. */
export function writeDisklabel(
  img: Uint8Array,
  at: number,
  parts: LabelPart[],
  opts: { le?: boolean; secperunit?: number; npartitions?: number } = {},
): number {
  const le = opts.le ?? true;
  const npart = opts.npartitions ?? parts.length;
  const len = 148 + 16 * npart;
  img.fill(0, at, at + len);
  const dv = new DataView(img.buffer, img.byteOffset);
  dv.setUint32(at, DISKMAGIC, le);
  dv.setUint16(at + 4, 4, le); // DKTYPE_ST506? any value
  img.set(new TextEncoder().encode("handmade"), at + 8);
  dv.setUint32(at + 40, 512, le);
  dv.setUint32(at + 60, opts.secperunit ?? img.length / SEC, le);
  dv.setUint32(at + 132, DISKMAGIC, le);
  dv.setUint16(at + 138, npart, le);
  dv.setUint32(at + 140, 8192, le);
  dv.setUint32(at + 144, 8192, le);
  parts.forEach((p, i) => {
    const o = at + 148 + 16 * i;
    dv.setUint32(o, p.size, le);
    dv.setUint32(o + 4, p.offset, le);
    dv.setUint8(o + 12, p.fstype);
  });
  let x = 0;
  for (let i = at; i < at + len; i += 2) x ^= img[i]! | (img[i + 1]! << 8);
  // d_checksum at 136: make the XOR zero (stored in the same byte layout as read)
  img[at + 136] = img[at + 136]! ^ (x & 0xff);
  img[at + 137] = img[at + 137]! ^ (x >> 8);
  return len;
}
