/**
 * Partitions named inside device names (ukfs.md §4): `image%DISKLABEL:a%`
 * picks a NetBSD disklabel partition, `image%OFFSET:start,size%` an explicit
 * byte window, `%PART:` is the deprecated form and fails. ukfs_part_probe
 * strips the suffix and describes the window; ukfs_mount_disk registers the
 * window as the etfs block device.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { errtrans } from "@rump/rumpuser";
import { EADDRNOTAVAIL, EINVAL, ENODEV, ENOENT, ERANGE, RumpError } from "@rump/syscalls";
import { RUMP_ETFS_SIZE_ENDOFF } from "@rump/librump";

export const UKFS_PARTITION_SCANMAGIC = "%PART:";
export const UKFS_DISKLABEL_SCANMAGIC = "%DISKLABEL:";
export const UKFS_DISKLABEL_MAGICLEN = 13;
export const UKFS_OFFSET_SCANMAGIC = "%OFFSET:";
export const UKFS_OFFSET_MINLEN = 16;
export const UKFS_DEVICE_MAXSTR = 128;
export const UKFS_DEVICE_MAXPATHLEN = 1024 + 128;
export const UKFS_MAXPARTITIONS = 22;

/** The older interface's partition numbers (ukfs.md §7). */
export const UKFS_PARTITION_NONE = -1;
export const UKFS_PARTITION_NA = -2;

/** The disklabel magic (d_magic and d_magic2). */
export const DISKMAGIC = 0x82564557;
const DL_SCAN = 64 * 1024;
const DL_HDRSIZE = 148;
const DL_PARTSIZE = 16;

/**
 * A partition description (C's opaque `struct ukfs_part`).
 * `size` is bytes, or RUMP_ETFS_SIZE_ENDOFF for "to the end of the image".
 */
export interface UkfsPart {
  readonly kind: "none" | "na" | "disklabel" | "offset";
  /** disklabel: the letter */
  readonly letter: string;
  readonly offset: number;
  readonly size: number;
}

/** The whole image, no partitioning. */
export const ukfs_part_none: UkfsPart = Object.freeze({
  kind: "none",
  letter: "",
  offset: 0,
  size: RUMP_ETFS_SIZE_ENDOFF,
});

/** Not applicable: the file system has no device (tmpfs). */
export const ukfs_part_na: UkfsPart = Object.freeze({
  kind: "na",
  letter: "",
  offset: 0,
  size: RUMP_ETFS_SIZE_ENDOFF,
});

function fail(errno: number, devpath: string): never {
  throw new RumpError(errno, "ukfs_part_probe", devpath);
}

/** Parse a decimal number of the %OFFSET: form (ERANGE / EADDRNOTAVAIL rules). */
function parseNum(s: string, devpath: string): number {
  if (s.startsWith("-")) fail(ERANGE, devpath);
  if (!/^[0-9]+$/.test(s)) fail(EADDRNOTAVAIL, devpath);
  const v = Number(s);
  if (!Number.isSafeInteger(v)) fail(ERANGE, devpath);
  return v;
}

/**
 * ukfs_part_probe: find a partition suffix in `devpath`. Returns the device
 * path without it and the partition (ukfs_part_none when there is none).
 * C strips the suffix in place; a JavaScript string cannot be, so the
 * stripped path is returned. Throws RumpError (syscall "ukfs_part_probe"):
 * EINVAL for a malformed suffix or a letter outside a…v, ENOENT for no
 * disklabel or no such partition in it, ERANGE / EADDRNOTAVAIL for bad
 * %OFFSET numbers, ENODEV for the deprecated %PART: form, a host errno when
 * the image cannot be read.
 */
export function ukfs_part_probe(devpath: string): { devpath: string; part: UkfsPart } {
  if (typeof devpath !== "string") throw new TypeError("ukfs_part_probe: devpath must be a string");
  if (devpath.includes(UKFS_PARTITION_SCANMAGIC)) {
    process.emitWarning("ukfs: %PART: is deprecated, use %DISKLABEL:");
    fail(ENODEV, devpath);
  }
  let i = devpath.indexOf(UKFS_DISKLABEL_SCANMAGIC);
  if (i >= 0) {
    const rest = devpath.slice(i + UKFS_DISKLABEL_SCANMAGIC.length);
    if (rest.length !== 2 || rest[1] !== "%") fail(EINVAL, devpath);
    const letter = rest[0]!;
    const index = letter.charCodeAt(0) - 97;
    if (index < 0 || index >= UKFS_MAXPARTITIONS) fail(EINVAL, devpath);
    const image = devpath.slice(0, i);
    const p = disklabelPartition(image, index);
    return { devpath: image, part: Object.freeze({ kind: "disklabel", letter, ...p }) };
  }
  i = devpath.indexOf(UKFS_OFFSET_SCANMAGIC);
  if (i >= 0) {
    const rest = devpath.slice(i + UKFS_OFFSET_SCANMAGIC.length);
    const comma = rest.indexOf(",");
    if (comma < 0) fail(EINVAL, devpath);
    const close = rest.indexOf("%", comma);
    if (close < 0) fail(EINVAL, devpath);
    const offset = parseNum(rest.slice(0, comma), devpath);
    const size = parseNum(rest.slice(comma + 1, close), devpath);
    if (close !== rest.length - 1) fail(EADDRNOTAVAIL, devpath);
    return {
      devpath: devpath.slice(0, i),
      part: Object.freeze({
        kind: "offset",
        letter: "",
        offset,
        size: size === 0 ? RUMP_ETFS_SIZE_ENDOFF : size,
      }),
    };
  }
  return { devpath, part: ukfs_part_none };
}

/** ukfs_part_release: descriptions are immutable values here; nothing to free. */
export function ukfs_part_release(_part: UkfsPart): void {}

/**
 * ukfs_part_tostring: "" for none, `%DISKLABEL:<c>%`, or `[<start>,<end>]`
 * for an explicit window. Throws EINVAL for ukfs_part_na.
 */
export function ukfs_part_tostring(part: UkfsPart): string {
  switch (part.kind) {
    case "none":
      return "";
    case "na":
      throw new RumpError(EINVAL, "ukfs_part_tostring");
    case "disklabel":
      return `${UKFS_DISKLABEL_SCANMAGIC}${part.letter}%`;
    case "offset":
      return part.size === RUMP_ETFS_SIZE_ENDOFF
        ? `[${part.offset},]`
        : `[${part.offset},${part.offset + part.size}]`;
  }
}

/**
 * UKFS_DEVICE_ARGVPROBE: for utilities, probe the "special" argument
 * `argv[argc-2]`; null when there are fewer than three arguments. Returns
 * the partition (and writes the stripped path back into argv).
 */
export function UKFS_DEVICE_ARGVPROBE(argv: string[]): UkfsPart | null {
  if (argv.length < 3) return null;
  const r = ukfs_part_probe(argv[argv.length - 2]!);
  argv[argv.length - 2] = r.devpath;
  return r.part;
}

/* ------------------------------------------------------------------------ */
/* the disklabel reader of ukfs (ukfs_int_disklabel.h)                       */

/** Read up to `n` bytes from the start of a host file (errors as RumpError). */
export function readHead(path: string, n: number, syscall: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new RumpError(errtrans(e), syscall, path);
  }
  try {
    const buf = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const r = readSync(fd, buf, got, n - got, got);
      if (r === 0) break;
      got += r;
    }
    return buf.subarray(0, got);
  } catch (e) {
    throw new RumpError(errtrans(e), syscall, path);
  } finally {
    closeSync(fd);
  }
}

export interface FoundDisklabel {
  /** byte offset of the label in the scanned area */
  at: number;
  le: boolean;
  npartitions: number;
  partitions: { offset: number; size: number; fstype: number }[];
}

/**
 * Find a NetBSD disklabel in `buf` (any 4-byte-aligned offset, either byte
 * order, d_magic == d_magic2, d_npartitions ≤ 22, XOR checksum 0).
 * Sector numbers become bytes by multiplication (the C code's 32-bit shift
 * overflowed beyond 4 GiB).
 */
export function findDisklabel(buf: Uint8Array): FoundDisklabel | null {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let at = 0; at + DL_HDRSIZE <= buf.length; at += 4) {
    for (const le of [true, false]) {
      if (dv.getUint32(at, le) !== DISKMAGIC || dv.getUint32(at + 132, le) !== DISKMAGIC) continue;
      const npart = dv.getUint16(at + 138, le);
      if (npart > UKFS_MAXPARTITIONS) continue;
      const end = at + DL_HDRSIZE + npart * DL_PARTSIZE;
      if (end > buf.length) continue;
      let sum = 0;
      for (let o = at; o < end; o += 2) sum ^= dv.getUint16(o, true);
      if (sum !== 0) continue;
      const partitions = [];
      for (let p = 0; p < npart; p++) {
        const o = at + DL_HDRSIZE + p * DL_PARTSIZE;
        partitions.push({
          size: dv.getUint32(o, le) * 512,
          offset: dv.getUint32(o + 4, le) * 512,
          fstype: buf[o + 12]!,
        });
      }
      return { at, le, npartitions: npart, partitions };
    }
  }
  return null;
}

function disklabelPartition(image: string, index: number): { offset: number; size: number } {
  const head = readHead(image, DL_SCAN, "ukfs_part_probe");
  const lab = findDisklabel(head);
  if (lab === null) fail(ENOENT, image);
  // the C code tests `npartitions < index`, letting index == npartitions through; we do not
  const p = lab.partitions[index];
  if (p === undefined || p.size === 0) fail(ENOENT, image);
  return { offset: p.offset, size: p.size };
}
