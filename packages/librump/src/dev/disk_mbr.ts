/**
 * The PC master boot record (sys/sys/bootblock.h, struct mbr_sector) and
 * the chain of extended boot records behind an extended partition.
 *
 *   sector 0:  446 bytes boot code | 4 × 16-byte partition entries | 0x55 0xAA
 *   entry:     0 status (0x00 or 0x80) | 1–3 CHS start | 4 type | 5–7 CHS end
 *              | 8 u32 LE first sector | 12 u32 LE sector count
 *
 * An EBR has the same shape: entry 0 is one logical partition, its start
 * relative to the EBR itself; entry 1 points at the next EBR, its start
 * relative to the start of the (outermost) extended partition. Everything is
 * little-endian and counted in 512-byte sectors.
 *
 * All values come from the disk and are checked here before use: entries
 * reaching past the disk (or past their extended partition) are skipped
 * with a warning, and the EBR chain is followed at most MBR_MAX_LOGICAL
 * steps and never twice through the same sector.
 */
import { EFTYPE, EINVAL } from "../gen/constants.js";
import { readFully, type ReadFn } from "./blockdev.js";
import { partError, type DiskPartition, type PartitionProbe } from "./disk_types.js";

export const MBR_SECSIZE = 512;
export const MBR_PART_OFFSET = 446;
export const MBR_PART_COUNT = 4;
export const MBR_MAGIC_OFFSET = 510;
/** 0x55 0xAA read as a little-endian u16 */
export const MBR_MAGIC = 0xaa55;

export const MBR_PTYPE_UNUSED = 0x00;
export const MBR_PTYPE_EXT = 0x05;
export const MBR_PTYPE_EXT_LBA = 0x0f;
export const MBR_PTYPE_EXT_LNX = 0x85;
export const MBR_PTYPE_NETBSD = 0xa9;
/** protective MBR of a GPT disk */
export const MBR_PTYPE_PMBR = 0xee;

/** bound on logical partitions (links followed in an EBR chain) */
export const MBR_MAX_LOGICAL = 128;
/** logical partitions are numbered from here */
export const MBR_FIRST_LOGICAL = 5;

export interface MbrEntry {
  /** slot 1–4 */
  slot: number;
  status: number;
  type: number;
  /** sectors */
  start: number;
  nsect: number;
}

export function mbr_is_extended(type: number): boolean {
  return type === MBR_PTYPE_EXT || type === MBR_PTYPE_EXT_LBA || type === MBR_PTYPE_EXT_LNX;
}

function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

function hexType(t: number): string {
  return "0x" + t.toString(16).padStart(2, "0");
}

/**
 * The four entries of an MBR (or EBR) in `sector` (≥ 512 bytes), or null
 * unless it carries the 0x55AA signature and every status byte is 0x00 or
 * 0x80 — which rejects the boot sector of a FAT or NTFS volume holding code
 * where the table would be. Empty entries are included (type 0).
 */
export function mbr_parse(sector: Uint8Array): MbrEntry[] | null {
  if (sector.length < MBR_SECSIZE) return null;
  if ((sector[MBR_MAGIC_OFFSET]! | (sector[MBR_MAGIC_OFFSET + 1]! << 8)) !== MBR_MAGIC) return null;
  const ents: MbrEntry[] = [];
  for (let i = 0; i < MBR_PART_COUNT; i++) {
    const o = MBR_PART_OFFSET + 16 * i;
    const status = sector[o]!;
    if (status !== 0x00 && status !== 0x80) return null;
    ents.push({
      slot: i + 1,
      status,
      type: sector[o + 4]!,
      start: u32le(sector, o + 8),
      nsect: u32le(sector, o + 12),
    });
  }
  return ents;
}

/** True if `ents` describe at least one partition (an all-zero table is no MBR). */
export function mbr_has_partitions(ents: readonly MbrEntry[]): boolean {
  return ents.some((e) => e.type !== MBR_PTYPE_UNUSED && e.nsect !== 0);
}

/**
 * The partitions of an MBR disk: the primary entries and the logical
 * partitions of the first extended partition. `sector0` is the first 512
 * bytes of the disk; `disksize` bytes.
 */
export function mbr_partitions(
  read: ReadFn,
  disksize: number,
  sector0: Uint8Array,
): PartitionProbe {
  if (!Number.isSafeInteger(disksize) || disksize < MBR_SECSIZE)
    return partError(EINVAL, "disk smaller than one sector");
  const ents = mbr_parse(sector0);
  if (ents === null) return partError(EFTYPE, "no MBR signature or bad status byte");
  const nsectors = Math.floor(disksize / MBR_SECSIZE);
  const parts: DiskPartition[] = [];
  const warnings: string[] = [];
  let ext: MbrEntry | null = null;
  for (const e of ents) {
    if (e.type === MBR_PTYPE_UNUSED || e.nsect === 0) continue;
    if (e.start === 0 || e.start + e.nsect > nsectors) {
      warnings.push(
        `MBR slot ${e.slot}: sectors ${e.start}+${e.nsect} outside the disk (${nsectors} sectors), skipped`,
      );
      continue;
    }
    if (mbr_is_extended(e.type)) {
      if (ext === null) ext = e;
      else warnings.push(`MBR slot ${e.slot}: second extended partition ignored`);
      continue;
    }
    parts.push({
      index: e.slot,
      name: `p${e.slot}`,
      type: hexType(e.type),
      offset: e.start * MBR_SECSIZE,
      size: e.nsect * MBR_SECSIZE,
      label: "",
    });
  }
  if (ext !== null) {
    const error = mbr_logical(read, ext, parts, warnings);
    if (error !== 0) return partError(error, "read error in the EBR chain");
  }
  return { ok: true, scheme: "mbr", secsize: MBR_SECSIZE, partitions: parts, warnings };
}

/**
 * Walk the EBR chain of extended partition `ext` (already checked to lie
 * inside the disk), appending logical partitions. Damage ends the walk with
 * a warning; only a failing read is an error.
 */
function mbr_logical(
  read: ReadFn,
  ext: MbrEntry,
  parts: DiskPartition[],
  warnings: string[],
): number {
  const extEnd = ext.start + ext.nsect;
  const seen = new Set<number>();
  const sector = new Uint8Array(MBR_SECSIZE);
  let cur = ext.start;
  let index = MBR_FIRST_LOGICAL;
  for (let step = 0; ; step++) {
    if (step >= MBR_MAX_LOGICAL) {
      warnings.push(`EBR chain longer than ${MBR_MAX_LOGICAL} links, cut`);
      return 0;
    }
    if (cur < ext.start || cur >= extEnd) {
      warnings.push(`EBR at sector ${cur} outside the extended partition, chain cut`);
      return 0;
    }
    if (seen.has(cur)) {
      warnings.push(`EBR chain loops back to sector ${cur}, cut`);
      return 0;
    }
    seen.add(cur);
    const error = readFully(read, cur * MBR_SECSIZE, sector);
    if (error !== 0) return error;
    const ebr = mbr_parse(sector);
    if (ebr === null) {
      warnings.push(`EBR at sector ${cur}: no signature, chain cut`);
      return 0;
    }
    const data = ebr[0]!;
    const link = ebr[1]!;
    if (data.type !== MBR_PTYPE_UNUSED && data.nsect !== 0) {
      const start = cur + data.start;
      if (data.start === 0 || start + data.nsect > extEnd) {
        warnings.push(
          `logical partition ${index}: sectors ${start}+${data.nsect} outside the extended partition, skipped`,
        );
      } else {
        parts.push({
          index,
          name: `p${index}`,
          type: hexType(data.type),
          offset: start * MBR_SECSIZE,
          size: data.nsect * MBR_SECSIZE,
          label: "logical",
        });
      }
      index++;
    }
    if (!mbr_is_extended(link.type) || link.nsect === 0) return 0;
    cur = ext.start + link.start;
  }
}
