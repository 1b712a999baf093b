/**
 * Writing partition tables (what gpt(8) and fdisk(8) do): a GPT with its
 * protective MBR, primary header and entry array at the front and the
 * backup array and header at the end, both with their CRC-32s; or a classic
 * MBR with up to four primary partitions. 512-byte sectors, partitions
 * aligned to 1 MiB. Layout and validation here; the bytes go to a host file.
 */
import { closeSync, ftruncateSync, fstatSync, openSync, writeSync } from "node:fs";
import { crc32 } from "@rump/librump";

export const SECTOR = 512;
export const ALIGN = 1 << 20;
const GPT_ENTRIES = 128;
const GPT_ENTRY_SIZE = 128;
/** sectors of a GPT entry array (128 × 128 bytes) */
const GPT_ARRAY_SECTORS = (GPT_ENTRIES * GPT_ENTRY_SIZE) / SECTOR;

/** Partition types by name, as GPT type GUIDs and MBR type bytes. */
export const PART_TYPES: Readonly<Record<string, { gpt: string; mbr: number }>> = {
  efi: { gpt: "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", mbr: 0xef },
  linux: { gpt: "0fc63daf-8483-4772-8e79-3d69d8477de4", mbr: 0x83 },
  "linux-swap": { gpt: "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f", mbr: 0x82 },
  "netbsd-ffs": { gpt: "49f48d5a-b10e-11dc-b99b-0019d1879648", mbr: 0xa9 },
  fat: { gpt: "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7", mbr: 0x0c },
};

export interface PartSpec {
  /** GPT partition name (at most 36 UTF-16 units) */
  name: string;
  /** a PART_TYPES name, a GPT type GUID, or an MBR type byte (0x83) */
  type: string;
  /** bytes from the start of the disk (a multiple of 1 MiB) */
  offset: number;
  /** bytes (a multiple of the sector) */
  size: number;
  /** GPT: the partition's unique GUID; MBR: ignored */
  guid: string;
  /** MBR: the active flag */
  bootable?: boolean;
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A GUID's 16 bytes as GPT stores them (the first three fields little-endian). */
export function guidBytes(g: string): Uint8Array {
  if (!GUID_RE.test(g)) throw new Error(`not a GUID: "${g}"`);
  const hex = g.replace(/-/g, "");
  const b = Buffer.from(hex, "hex");
  const out = Buffer.alloc(16);
  out.writeUInt32LE(b.readUInt32BE(0), 0);
  out.writeUInt16LE(b.readUInt16BE(4), 4);
  out.writeUInt16LE(b.readUInt16BE(6), 6);
  b.copy(out, 8, 8, 16);
  return out;
}

/** 16 bytes (random, or a hash) as a version-4 GUID's text. */
export function guidFromBytes(b: Uint8Array): string {
  const h = Buffer.from(b.subarray(0, 16));
  h[6] = (h[6]! & 0x0f) | 0x40;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

function gptType(t: string): string {
  const named = PART_TYPES[t];
  if (named !== undefined) return named.gpt;
  if (GUID_RE.test(t)) return t.toLowerCase();
  throw new Error(
    `unknown partition type "${t}" (${Object.keys(PART_TYPES).join(", ")}, or a GUID)`,
  );
}

function mbrType(t: string): number {
  const named = PART_TYPES[t];
  if (named !== undefined) return named.mbr;
  if (/^0x[0-9a-f]{1,2}$/i.test(t)) return parseInt(t, 16);
  throw new Error(
    `unknown MBR partition type "${t}" (${Object.keys(PART_TYPES).join(", ")}, or 0xNN)`,
  );
}

/** The first sector a GPT disk may use for partitions, and the last (inclusive). */
export function gptUsable(diskBytes: number): { first: number; last: number } {
  const sectors = Math.floor(diskBytes / SECTOR);
  return { first: 2 + GPT_ARRAY_SECTORS, last: sectors - 2 - GPT_ARRAY_SECTORS };
}

function checkParts(parts: readonly PartSpec[], firstByte: number, endByte: number): void {
  const sorted = [...parts].sort((a, b) => a.offset - b.offset);
  let prev = firstByte;
  for (const p of sorted) {
    if (p.offset % SECTOR !== 0 || p.size % SECTOR !== 0 || p.size <= 0)
      throw new Error(`partition "${p.name}": offset and size must be whole, non-empty sectors`);
    if (p.offset < prev)
      throw new Error(`partition "${p.name}" overlaps the one before it or the table`);
    if (p.offset + p.size > endByte)
      throw new Error(`partition "${p.name}" runs past the end of the disk`);
    prev = p.offset + p.size;
  }
}

function writeAll(fd: number, b: Uint8Array, at: number): void {
  let done = 0;
  while (done < b.length) done += writeSync(fd, b, done, b.length - done, at + done);
}

/** The CHS fields of an MBR entry for LBA addressing (the "use LBA" maximum). */
function chsMax(b: Buffer, at: number): void {
  b[at] = 0xfe;
  b[at + 1] = 0xff;
  b[at + 2] = 0xff;
}

/**
 * Write a GPT for `parts` to the disk image `path` of `diskBytes` bytes
 * (created or grown as needed): protective MBR, primary header and array,
 * backup array and header. Space outside the tables is left as it is.
 */
export function writeGpt(
  path: string,
  diskBytes: number,
  diskGuid: string,
  parts: readonly PartSpec[],
): void {
  if (diskBytes % SECTOR !== 0) throw new Error("the disk size must be whole sectors");
  if (parts.length > GPT_ENTRIES) throw new Error(`at most ${GPT_ENTRIES} partitions`);
  const sectors = diskBytes / SECTOR;
  const { first, last } = gptUsable(diskBytes);
  if (last < first) throw new Error("the disk is too small for a GPT");
  checkParts(parts, first * SECTOR, (last + 1) * SECTOR);

  const array = Buffer.alloc(GPT_ENTRIES * GPT_ENTRY_SIZE);
  parts.forEach((p, i) => {
    const e = i * GPT_ENTRY_SIZE;
    guidBytes(gptType(p.type)).forEach((v, k) => (array[e + k] = v));
    guidBytes(p.guid).forEach((v, k) => (array[e + 16 + k] = v));
    array.writeBigUInt64LE(BigInt(p.offset / SECTOR), e + 32);
    array.writeBigUInt64LE(BigInt((p.offset + p.size) / SECTOR - 1), e + 40);
    array.writeBigUInt64LE(0n, e + 48);
    const name = Buffer.from(p.name, "utf16le");
    if (name.length > 72) throw new Error(`partition name "${p.name}" is longer than 36 units`);
    name.copy(array, e + 56);
  });
  const arrayCrc = crc32(array);

  const header = (mine: number, alternate: number, arrayLba: number): Buffer => {
    const h = Buffer.alloc(SECTOR);
    h.write("EFI PART", 0, "latin1");
    h.writeUInt32LE(0x00010000, 8);
    h.writeUInt32LE(92, 12);
    h.writeBigUInt64LE(BigInt(mine), 24);
    h.writeBigUInt64LE(BigInt(alternate), 32);
    h.writeBigUInt64LE(BigInt(first), 40);
    h.writeBigUInt64LE(BigInt(last), 48);
    guidBytes(diskGuid).forEach((v, k) => (h[56 + k] = v));
    h.writeBigUInt64LE(BigInt(arrayLba), 72);
    h.writeUInt32LE(GPT_ENTRIES, 80);
    h.writeUInt32LE(GPT_ENTRY_SIZE, 84);
    h.writeUInt32LE(arrayCrc, 88);
    h.writeUInt32LE(crc32(h, 0, 92), 16);
    return h;
  };

  const mbr = Buffer.alloc(SECTOR);
  // the protective entry: type 0xEE over the whole disk (as far as 32 bits reach)
  mbr[446 + 1] = 0x00;
  mbr[446 + 2] = 0x02;
  mbr[446 + 3] = 0x00;
  mbr[446 + 4] = 0xee;
  chsMax(mbr, 446 + 5);
  mbr.writeUInt32LE(1, 446 + 8);
  mbr.writeUInt32LE(Math.min(sectors - 1, 0xffffffff), 446 + 12);
  mbr[510] = 0x55;
  mbr[511] = 0xaa;

  const fd = openSync(path, "r+");
  try {
    if (fstatSync(fd).size < diskBytes) ftruncateSync(fd, diskBytes);
    writeAll(fd, mbr, 0);
    writeAll(fd, header(1, sectors - 1, 2), SECTOR);
    writeAll(fd, array, 2 * SECTOR);
    writeAll(fd, array, (sectors - 1 - GPT_ARRAY_SECTORS) * SECTOR);
    writeAll(fd, header(sectors - 1, 1, sectors - 1 - GPT_ARRAY_SECTORS), (sectors - 1) * SECTOR);
  } finally {
    closeSync(fd);
  }
}

/**
 * Write a classic MBR for at most four primary `parts` to the disk image
 * `path` (created or grown to `diskBytes`), with disk signature `signature`.
 */
export function writeMbr(
  path: string,
  diskBytes: number,
  signature: number,
  parts: readonly PartSpec[],
): void {
  if (parts.length > 4) throw new Error("an MBR holds at most four primary partitions");
  if (diskBytes / SECTOR > 0xffffffff) throw new Error("an MBR cannot address a disk over 2 TiB");
  checkParts(parts, SECTOR, diskBytes);
  const mbr = Buffer.alloc(SECTOR);
  mbr.writeUInt32LE(signature >>> 0, 440);
  parts.forEach((p, i) => {
    const e = 446 + 16 * i;
    mbr[e] = p.bootable === true ? 0x80 : 0;
    chsMax(mbr, e + 1);
    mbr[e + 4] = mbrType(p.type);
    chsMax(mbr, e + 5);
    mbr.writeUInt32LE(p.offset / SECTOR, e + 8);
    mbr.writeUInt32LE(p.size / SECTOR, e + 12);
  });
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  const fd = openSync(path, "r+");
  try {
    if (fstatSync(fd).size < diskBytes) ftruncateSync(fd, diskBytes);
    writeAll(fd, mbr, 0);
  } finally {
    closeSync(fd);
  }
}
