/**
 * The NetBSD disklabel (sys/sys/disklabel.h, struct disklabel), in either
 * byte order. Layout (byte offsets):
 *
 *     0 d_magic u32        4 d_type u16      6 d_subtype u16
 *     8 d_typename[16]    24 d_packname[16]
 *    40 d_secsize  44 d_nsectors  48 d_ntracks  52 d_ncylinders
 *    56 d_secpercyl  60 d_secperunit (u32 each)
 *    64 d_sparespertrack u16  66 d_sparespercyl u16  68 d_acylinders u32
 *    72 d_rpm  74 d_interleave  76 d_trackskew  78 d_cylskew (u16 each)
 *    80 d_headswitch  84 d_trkseek  88 d_flags  92 d_drivedata[5]
 *   112 d_spare[5]  132 d_magic2 (u32 each)
 *   136 d_checksum u16  138 d_npartitions u16  140 d_bbsize u32  144 d_sbsize u32
 *   148 d_partitions[]: 0 p_size u32 | 4 p_offset u32 | 8 p_fsize u32
 *                       | 12 p_fstype u8 | 13 p_frag u8 | 14 p_cpg u16
 *
 * A label is accepted when d_magic and d_magic2 are both DISKMAGIC in the
 * same byte order, d_npartitions ≤ DISKLABEL_MAXPARTITIONS, and the XOR of
 * the 16-bit words from d_magic to the end of d_partitions[d_npartitions] is
 * 0 (dkcksum). Partition offsets count in d_secsize sectors from the start of
 * the disk (also for a label inside an MBR partition, as NetBSD/x86 has it).
 */
import { EFTYPE, EINVAL } from "../gen/constants.js";
import { readFully, type ReadFn } from "./blockdev.js";
import { partError, type DiskPartition, type PartitionProbe } from "./disk_types.js";

export const DISKMAGIC = 0x82564557;
/** ukfs's bound (letters a…v); NetBSD ports have 8 to 22 */
export const DISKLABEL_MAXPARTITIONS = 22;
export const DISKLABEL_HDRSIZE = 148;
export const DISKLABEL_PARTSIZE = 16;
/** the label is looked for in this many bytes at the start of the disk */
export const DISKLABEL_SCAN = 64 * 1024;
/** the reason given when no candidate was seen at all */
export const DISKLABEL_NO_MAGIC = "no disklabel magic";

/** p_fstype names (fstypenames[] of disklabel.h) */
export const FSTYPE_NAMES: readonly string[] = [
  "unused",
  "swap",
  "Version 6",
  "Version 7",
  "System V",
  "4.1BSD",
  "Eighth Edition",
  "4.2BSD",
  "MSDOS",
  "4.4LFS",
  "unknown",
  "HPFS",
  "ISO9660",
  "boot",
  "ADOS",
  "HFS",
  "FILECORE",
  "Linux Ext2",
  "NTFS",
  "RAID",
  "ccd",
  "jfs",
  "Apple UFS",
  "vinum",
  "UDF",
  "SystemV BFS",
  "EFS",
  "NiLFS",
  "cgd",
];
export const FS_BSDFFS = 7;

export interface DisklabelPart {
  /** sectors */
  size: number;
  offset: number;
  fstype: number;
}

export interface Disklabel {
  /** byte offset of the label in the buffer it was found in */
  at: number;
  littleEndian: boolean;
  secsize: number;
  secperunit: number;
  npartitions: number;
  parts: DisklabelPart[];
}

/** XOR of the 16-bit words of b[start, end) (dkcksum; byte order does not matter for == 0). */
function xor16(b: Uint8Array, start: number, end: number): number {
  let x = 0;
  for (let i = start; i < end; i += 2) x ^= b[i]! | (b[i + 1]! << 8);
  return x;
}

/**
 * Look for a disklabel in `buf` at every 4-byte-aligned offset where it fits.
 * Returns the first valid label, or the reason none was accepted.
 */
export function disklabel_find(buf: Uint8Array): Disklabel | string {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  // the reason from the most convincing refused candidate (both magics > one)
  let why = DISKLABEL_NO_MAGIC;
  let whyLevel = 0;
  // Every 4-byte-aligned offset, in order, little-endian before big-endian,
  // but only where a magic can start: each holds the byte 0x57 (first in
  // little-endian order, last in big-endian), which indexOf finds natively
  // (a 64 KiB loop of DataView reads is milliseconds of a cold start).
  for (let i = buf.indexOf(0x57); i >= 0; i = buf.indexOf(0x57, i + 1)) {
    let at: number;
    let le: boolean;
    if ((i & 3) === 0 && i + 4 <= buf.length && dv.getUint32(i, true) === DISKMAGIC) {
      at = i;
      le = true;
    } else if ((i & 3) === 3 && dv.getUint32(i - 3, false) === DISKMAGIC) {
      at = i - 3;
      le = false;
    } else continue;
    if (at + DISKLABEL_HDRSIZE > buf.length) break;
    if (at + 136 > buf.length || dv.getUint32(at + 132, le) !== DISKMAGIC) {
      if (whyLevel === 0) {
        why = `disklabel at ${at}: d_magic2 mismatch`;
        whyLevel = 1;
      }
      continue;
    }
    const npart = dv.getUint16(at + 138, le);
    const end = at + DISKLABEL_HDRSIZE + npart * DISKLABEL_PARTSIZE;
    let bad = "";
    if (npart > DISKLABEL_MAXPARTITIONS)
      bad = `d_npartitions ${npart} > ${DISKLABEL_MAXPARTITIONS}`;
    else if (end > buf.length) bad = "partition table runs past the scanned area";
    else if (xor16(buf, at, end) !== 0) bad = "checksum mismatch";
    if (bad !== "") {
      if (whyLevel < 2) {
        why = `disklabel at ${at}: ${bad}`;
        whyLevel = 2;
      }
      continue;
    }
    const parts: DisklabelPart[] = [];
    for (let i = 0; i < npart; i++) {
      const p = at + DISKLABEL_HDRSIZE + i * DISKLABEL_PARTSIZE;
      parts.push({
        size: dv.getUint32(p, le),
        offset: dv.getUint32(p + 4, le),
        fstype: dv.getUint8(p + 12),
      });
    }
    return {
      at,
      littleEndian: le,
      secsize: dv.getUint32(at + 40, le),
      secperunit: dv.getUint32(at + 60, le),
      npartitions: npart,
      parts,
    };
  }
  return why;
}

/** Turn a found label into the uniform partition list. */
export function disklabel_partitions(lab: Disklabel, disksize: number): PartitionProbe {
  let secsize = lab.secsize;
  if (secsize === 0) secsize = 512;
  if (secsize < 512 || secsize > 65536 || (secsize & (secsize - 1)) !== 0)
    return partError(EFTYPE, `disklabel: bad d_secsize ${lab.secsize}`);
  const warnings: string[] = [];
  const parts: DiskPartition[] = [];
  for (let i = 0; i < lab.parts.length; i++) {
    const p = lab.parts[i]!;
    if (p.size === 0) continue;
    const letter = String.fromCharCode(97 + i);
    const offset = p.offset * secsize;
    const size = p.size * secsize;
    if (offset + size > disksize) {
      warnings.push(`disklabel partition ${letter}: outside the disk, skipped`);
      continue;
    }
    parts.push({
      index: i,
      name: letter,
      type: FSTYPE_NAMES[p.fstype] ?? `fstype ${p.fstype}`,
      offset,
      size,
      label: "",
    });
  }
  return { ok: true, scheme: "disklabel", secsize, partitions: parts, warnings };
}

/**
 * Search the first DISKLABEL_SCAN bytes at byte `base` (0 = the disk's own
 * label; an MBR partition's sector 1 for a label inside it, with `len` 512).
 * Returns the table, or EFTYPE with the reason the last candidate was
 * refused (DISKLABEL_NO_MAGIC when there was none).
 */
export function disklabel_read(
  read: ReadFn,
  disksize: number,
  base = 0,
  len = DISKLABEL_SCAN,
): PartitionProbe {
  if (!Number.isSafeInteger(base) || base < 0 || base >= disksize)
    return partError(EINVAL, "disklabel: start outside the disk");
  const buf = new Uint8Array(Math.min(len, disksize - base));
  const error = readFully(read, base, buf);
  if (error !== 0) return partError(error, `read error at ${base}`);
  const lab = disklabel_find(buf);
  if (typeof lab === "string") return partError(EFTYPE, lab);
  return disklabel_partitions(lab, disksize);
}
