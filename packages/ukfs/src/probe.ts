/**
 * What is in a disk image: the file system at an offset (FFS UFS1/UFS2,
 * ext2/3/4, FAT, ISO 9660) and the partition table (MBR, GPT, disklabel,
 * through librump's probePartitions), with the file system of each
 * partition. Reads through a ReadFn, so it works on a host file
 * (probeImage) or any byte source (probeDevice). Nothing here mounts; values
 * read from the image are checked before use and never trusted for sizes.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { errtrans } from "@rump/rumpuser";
import {
  ISO_DEFAULT_BLOCK_SIZE,
  iso_sessions,
  iso_vd_parse,
  iso_vd_validate,
  IsoVd,
  probePartitions,
  type DiskPartition,
  type PartitionProbe,
  type ReadFn,
} from "@rump/librump";
import { RumpError } from "@rump/syscalls";

export type FsType = "ffs" | "ext2fs" | "msdos" | "cd9660";

/** A file system found in an image. */
export interface FsProbe {
  /** the kernel's file-system type name, as ukfs_mount wants it */
  type: FsType;
  /** "FFS UFS2", "ext4", "FAT16", "ISO 9660" */
  variant: string;
  /** byte offset of the file system in the image */
  offset: number;
  /** bytes the file system says it spans (0 when not known) */
  size: number;
  /** volume label or name ("" if none) */
  label: string;
  /** cleanly unmounted, where the format records it */
  clean: boolean | null;
  /** more facts: block size, byte order, … */
  details: Record<string, string | number | boolean>;
  /** ISO 9660: the El Torito boot catalog, when the image has one */
  boot?: ElTorito;
}

/** One boot image of an El Torito catalog. */
export interface ElToritoImage {
  /** "BIOS", "UEFI", "PowerPC", "Mac" or the platform id in hex */
  platform: string;
  bootable: boolean;
  /** "none", "1.2M floppy", "1.44M floppy", "2.88M floppy", "hard disk" */
  emulation: string;
  /** the real-mode segment the image is loaded at (0: the BIOS default, 0x7c0) */
  loadSegment: number;
  /** the partition type byte of a hard-disk image */
  systemType: number;
  /** 512-byte sectors loaded at boot */
  sectorCount: number;
  /** the image's first 2048-byte block */
  block: number;
}

/** An El Torito boot catalog (what `xorriso -report_el_torito` shows). */
export interface ElTorito {
  /** the catalog's block */
  catalog: number;
  /** the validation entry's platform and id string */
  platform: string;
  id: string;
  images: ElToritoImage[];
  /** what was wrong with the catalog (a bad checksum, a truncated section) */
  warnings: string[];
}

export interface PartitionFs {
  partition: DiskPartition;
  fs: FsProbe | null;
}

export interface ImageProbe {
  /** bytes */
  size: number;
  /** a file system starting at offset 0 (the image is not partitioned, or partition a starts at 0) */
  fs: FsProbe | null;
  /** the partition table (scheme "none" when there is none), or the probe's error */
  partitions: PartitionProbe;
  /** the file system of every partition */
  partitionFs: PartitionFs[];
}

/* byte helpers: every read is bounds-checked */

function readAt(read: ReadFn, off: number, n: number): Uint8Array | null {
  const buf = new Uint8Array(n);
  let got: number;
  try {
    got = read(off, buf);
  } catch {
    return null;
  }
  if (typeof got !== "number" || got !== n) return null;
  return buf;
}

function cstr(b: Uint8Array, off: number, n: number): string {
  let s = "";
  for (let i = off; i < off + n && i < b.length && b[i] !== 0; i++) s += String.fromCharCode(b[i]!);
  return s;
}

const isPow2 = (v: number): boolean => v > 0 && (v & (v - 1)) === 0;

/* FFS (ufs/ffs/fs.h): magic at 1372 of a superblock found at one of SBLOCKSEARCH */

const FS_UFS1_MAGIC = 0x011954;
const FS_UFS2_MAGIC = 0x19540119;
const SBLOCKSEARCH = [65536, 8192, 0, 262144];
const SB_BYTES = 1376;

function probeFfs(read: ReadFn, base: number, limit: number): FsProbe | null {
  for (const loc of SBLOCKSEARCH) {
    if (base + loc + SB_BYTES > limit) continue;
    const b = readAt(read, base + loc, SB_BYTES);
    if (b === null) continue;
    const dv = new DataView(b.buffer);
    for (const le of [true, false]) {
      const magic = dv.getInt32(1372, le);
      if (magic !== FS_UFS1_MAGIC && magic !== FS_UFS2_MAGIC) continue;
      const ufs2 = magic === FS_UFS2_MAGIC;
      const bsize = dv.getInt32(48, le);
      const fsize = dv.getInt32(52, le);
      const ncg = dv.getUint32(44, le);
      if (!isPow2(bsize) || bsize < 4096 || bsize > 65536) continue;
      if (!isPow2(fsize) || fsize < 512 || fsize > bsize || ncg === 0) continue;
      if (ufs2 && Number(dv.getBigInt64(1000, le)) !== loc) continue;
      if (!ufs2 && loc === 65536) continue; // a UFS1 superblock lives at 8192
      const frags = ufs2 ? Number(dv.getBigInt64(1080, le)) : dv.getInt32(36, le);
      return {
        type: "ffs",
        variant: ufs2 ? "FFS UFS2" : "FFS UFS1",
        offset: base,
        size: Number.isSafeInteger(frags) && frags > 0 ? frags * fsize : 0,
        label: ufs2 ? cstr(b, 680, 32) : "",
        clean: dv.getInt8(209) !== 0,
        details: {
          byteorder: le ? "little-endian" : "big-endian",
          bsize,
          fsize,
          ncg,
          sblockloc: loc,
        },
      };
    }
  }
  return null;
}

/* ext2/3/4: superblock at 1024, s_magic 0xEF53 at 1024+56 */

function probeExt2(read: ReadFn, base: number, limit: number): FsProbe | null {
  if (base + 2048 > limit) return null;
  const b = readAt(read, base + 1024, 1024);
  if (b === null) return null;
  const dv = new DataView(b.buffer);
  if (dv.getUint16(56, true) !== 0xef53) return null;
  const logbs = dv.getUint32(24, true);
  if (logbs > 6) return null;
  const bsize = 1024 << logbs;
  const compat = dv.getUint32(92, true);
  const incompat = dv.getUint32(96, true);
  // 64bit: the high half of the block count
  const blocks = dv.getUint32(4, true) + (incompat & 0x80 ? dv.getUint32(336, true) * 2 ** 32 : 0);
  const variant = incompat & 0x2c0 ? "ext4" : compat & 0x4 ? "ext3" : "ext2";
  return {
    type: "ext2fs",
    variant,
    offset: base,
    size: blocks * bsize,
    label: cstr(b, 120, 16),
    clean: (dv.getUint16(58, true) & 1) !== 0,
    details: { bsize, revision: dv.getUint32(76, true) },
  };
}

/* FAT: boot sector signature, a jump, and a sane BIOS parameter block */

function probeMsdos(read: ReadFn, base: number, limit: number): FsProbe | null {
  if (base + 512 > limit) return null;
  const b = readAt(read, base, 512);
  if (b === null) return null;
  const dv = new DataView(b.buffer);
  if (b[510] !== 0x55 || b[511] !== 0xaa) return null;
  if (!(b[0] === 0xeb && b[2] === 0x90) && b[0] !== 0xe9) return null;
  const bps = dv.getUint16(11, true);
  const spc = b[13]!;
  const resvd = dv.getUint16(14, true);
  const nfats = b[16]!;
  const rootents = dv.getUint16(17, true);
  const media = b[21]!;
  if (![512, 1024, 2048, 4096].includes(bps) || !isPow2(spc) || spc > 128) return null;
  if (resvd === 0 || nfats < 1 || nfats > 16 || (media !== 0xf0 && media < 0xf8)) return null;
  const total = dv.getUint16(19, true) || dv.getUint32(32, true);
  const fatsz = dv.getUint16(22, true) || dv.getUint32(36, true);
  if (total === 0 || fatsz === 0) return null;
  const rootsecs = Math.ceil((rootents * 32) / bps);
  const datasecs = total - resvd - nfats * fatsz - rootsecs;
  if (datasecs <= 0) return null;
  const clusters = Math.floor(datasecs / spc);
  const fat32 = rootents === 0 && dv.getUint16(22, true) === 0;
  const variant = fat32 ? "FAT32" : clusters < 4085 ? "FAT12" : "FAT16";
  const labelOff = fat32 ? 71 : 43;
  const hasLabel = b[fat32 ? 66 : 38] === 0x29;
  // FAT16 and FAT32 keep a clean-shutdown bit in entry 1 of the FAT
  let clean: boolean | null = null;
  if (variant !== "FAT12") {
    const e = readAt(read, base + resvd * bps + (fat32 ? 4 : 2), 4);
    if (e !== null) {
      const v = new DataView(e.buffer);
      clean = fat32
        ? (v.getUint32(0, true) & 0x08000000) !== 0
        : (v.getUint16(0, true) & 0x8000) !== 0;
    }
  }
  return {
    type: "msdos",
    variant,
    offset: base,
    size: total * bps,
    label: hasLabel ? cstr(b, labelOff, 11).trimEnd() : "",
    clean,
    details: {
      bytesPerSector: bps,
      sectorsPerCluster: spc,
      clusters,
      fats: nfats,
      ...(hasLabel
        ? {
            volumeId: dv
              .getUint32(fat32 ? 67 : 39, true)
              .toString(16)
              .padStart(8, "0"),
          }
        : {}),
    },
  };
}

/* ISO 9660: volume descriptors from block 16 (2048-byte blocks), of every session */

const ISO_BS = ISO_DEFAULT_BLOCK_SIZE;

function isoReader(
  read: ReadFn,
  base: number,
  limit: number,
): (blk: number, buf: Uint8Array) => boolean {
  return (blk, buf) => {
    const off = base + blk * ISO_BS;
    if (off + ISO_BS > limit) return false;
    const b = readAt(read, off, ISO_BS);
    if (b === null) return false;
    buf.set(b);
    return true;
  };
}

/** Does the root's "." record start with Rock Ridge's SP entry (or 15 bytes in, on CD-ROM XA)? */
function isoRockRidge(rd: (blk: number, buf: Uint8Array) => boolean, vd: IsoVd): boolean {
  const per = vd.logical_block_size / ISO_BS;
  const blk = Math.floor((vd.root_extent + vd.root_ext_attr_length) * per);
  const b = new Uint8Array(ISO_BS);
  if (!rd(blk, b)) return false;
  const reclen = b[0]!;
  const nl = b[32]!;
  if (reclen < 34 || nl !== 1 || b[33] !== 0) return false;
  for (const at of [34, 49]) {
    if (at + 7 > reclen) continue;
    if (b[at] === 0x53 && b[at + 1] === 0x50 && b[at + 4] === 0xbe && b[at + 5] === 0xef)
      return true;
  }
  return false;
}

const ET_PLATFORMS: Record<number, string> = { 0: "BIOS", 1: "PowerPC", 2: "Mac", 0xef: "UEFI" };
const ET_EMULATION = ["none", "1.2M floppy", "1.44M floppy", "2.88M floppy", "hard disk"];

function etPlatform(id: number): string {
  return ET_PLATFORMS[id] ?? `0x${id.toString(16).padStart(2, "0")}`;
}

/**
 * The El Torito boot catalog named by the boot record at block `bootvd`:
 * the validation entry (its checksum checked), the initial/default entry
 * and every section's entries. Null when there is no catalog to read.
 */
function isoElTorito(
  rd: (blk: number, buf: Uint8Array) => boolean,
  bootvd: number,
  devblocks: number,
): ElTorito | null {
  const b = new Uint8Array(ISO_BS);
  if (!rd(bootvd, b)) return null;
  if (cstr(b, 7, 32) !== "EL TORITO SPECIFICATION") return null;
  const dv = new DataView(b.buffer);
  const catalog = dv.getUint32(71, true);
  if (catalog === 0 || (devblocks > 0 && catalog >= devblocks)) return null;
  const c = new Uint8Array(ISO_BS);
  if (!rd(catalog, c)) return null;
  const cv = new DataView(c.buffer);
  const warnings: string[] = [];
  if (c[0] !== 1 || c[30] !== 0x55 || c[31] !== 0xaa)
    warnings.push("the catalog's validation entry is missing");
  let sum = 0;
  for (let i = 0; i < 32; i += 2) sum = (sum + cv.getUint16(i, true)) & 0xffff;
  if (sum !== 0) warnings.push("the validation entry's checksum is wrong");
  const out: ElTorito = {
    catalog,
    platform: etPlatform(c[1]!),
    id: cstr(c, 4, 24).trimEnd(),
    images: [],
    warnings,
  };
  const entry = (at: number, platform: number): ElToritoImage => ({
    platform: etPlatform(platform),
    bootable: c[at] === 0x88,
    emulation: ET_EMULATION[c[at + 1]! & 0x0f] ?? `type ${c[at + 1]! & 0x0f}`,
    loadSegment: cv.getUint16(at + 2, true),
    systemType: c[at + 4]!,
    sectorCount: cv.getUint16(at + 6, true),
    block: cv.getUint32(at + 8, true),
  });
  out.images.push(entry(32, c[1]!));
  // sections: a header (0x90, or 0x91 for the last) and its entries
  let at = 64;
  while (at + 32 <= ISO_BS) {
    const h = c[at]!;
    if (h !== 0x90 && h !== 0x91) break;
    const platform = c[at + 1]!;
    const n = cv.getUint16(at + 2, true);
    at += 32;
    for (let i = 0; i < n; i++) {
      if (at + 32 > ISO_BS) {
        warnings.push("a section runs past the catalog's block");
        break;
      }
      if (c[at] === 0x88 || c[at] === 0x00) out.images.push(entry(at, platform));
      at += 32;
      // extension entries (0x44) continue the entry before
      while (at + 32 <= ISO_BS && c[at] === 0x44) at += 32;
    }
    if (h === 0x91) break;
  }
  return out;
}

function isoDate(secs: number): string {
  return secs === 0 ? "" : new Date(secs * 1000).toISOString().replace(".000Z", "Z");
}

function probeCd9660(read: ReadFn, base: number, limit: number): FsProbe | null {
  if (base + 32768 + 2048 > limit) return null;
  const rd = isoReader(read, base, limit);
  const devblocks = Math.floor((limit - base) / ISO_BS);
  const sessions = iso_sessions(rd, devblocks);
  if (sessions.length === 0) return null;
  const last = sessions[sessions.length - 1]!;
  const vd = new IsoVd();
  const b = new Uint8Array(ISO_BS);
  if (!rd(last.pvd, b)) return null;
  iso_vd_parse(b, 0, vd);
  const bad = iso_vd_validate(vd, devblocks);
  const details: Record<string, string | number | boolean> = {
    blockSize: vd.logical_block_size,
    sessions: sessions.length,
  };
  if (sessions.length > 1) details.lastSession = last.start;
  const features: string[] = [];
  if (bad !== null) details.damaged = bad;
  else if (isoRockRidge(rd, vd)) features.push("Rock Ridge");
  if (last.svd >= 0 && rd(last.svd, b)) {
    const svd = new IsoVd();
    iso_vd_parse(b, 0, svd);
    if (svd.joliet_level > 0) {
      features.push("Joliet");
      details.joliet = svd.joliet_level;
    }
  }
  details.rockRidge = features.includes("Rock Ridge");
  if (vd.created !== 0) details.created = isoDate(vd.created);
  if (vd.modified !== 0) details.modified = isoDate(vd.modified);
  const boot = last.boot >= 0 ? isoElTorito(rd, last.boot, devblocks) : null;
  if (boot !== null) features.push("El Torito");
  const probe: FsProbe = {
    type: "cd9660",
    variant: features.length > 0 ? `ISO 9660 (${features.join(", ")})` : "ISO 9660",
    offset: base,
    size:
      vd.logical_block_size >= 512 && vd.logical_block_size <= 65536
        ? vd.volume_space_size * vd.logical_block_size + last.start * ISO_BS
        : 0,
    label: vd.volume_id,
    clean: null,
    details,
  };
  if (boot !== null) probe.boot = boot;
  return probe;
}

/**
 * The file system starting at byte `offset` of the device behind `read`
 * (`size` bytes from offset 0), or null. FFS first, then ext2, ISO 9660 and
 * FAT (FAT last: its signature is the MBR's).
 */
export function probeFs(read: ReadFn, size: number, offset = 0): FsProbe | null {
  return (
    probeFfs(read, offset, size) ??
    probeExt2(read, offset, size) ??
    probeCd9660(read, offset, size) ??
    probeMsdos(read, offset, size)
  );
}

/** Probe a whole device: the file system at 0, the partition table, each partition's file system. */
export function probeDevice(read: ReadFn, size: number): ImageProbe {
  const fs = probeFs(read, size, 0);
  // a FAT volume at 0 is not a partitioned disk (its boot sector looks like an MBR); an
  // ISO 9660 one may be (a hybrid image: an MBR or GPT in its first 32 KiB)
  const partitions: PartitionProbe =
    fs !== null && fs.type === "msdos"
      ? { ok: true, scheme: "none", secsize: 512, partitions: [], warnings: [] }
      : probePartitions(read, size);
  const partitionFs: PartitionFs[] = [];
  if (partitions.ok) {
    for (const p of partitions.partitions) {
      const end = Math.min(size, p.offset + p.size);
      partitionFs.push({
        partition: p,
        fs: probeFs(windowRead(read, p.offset, end), end - p.offset, 0),
      });
    }
  }
  return { size, fs, partitions, partitionFs };
}

/** A ReadFn of the window [begin, end) of `read`. */
function windowRead(read: ReadFn, begin: number, end: number): ReadFn {
  return (off, buf) => {
    if (off < 0) return -22;
    const n = Math.max(0, Math.min(buf.length, end - begin - off));
    if (n === 0) return 0;
    return read(begin + off, n === buf.length ? buf : buf.subarray(0, n));
  };
}

/** Probe the host file `path` (read-only). Throws RumpError if it cannot be read. */
export function probeImage(path: string): ImageProbe {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new RumpError(errtrans(e), "open", path);
  }
  try {
    const size = fstatSync(fd).size;
    const read: ReadFn = (off, buf) => {
      try {
        let got = 0;
        while (got < buf.length) {
          const n = readSync(fd, buf, got, buf.length - got, off + got);
          if (n === 0) break;
          got += n;
        }
        return got;
      } catch (e) {
        return -errtrans(e);
      }
    };
    return probeDevice(read, size);
  } finally {
    closeSync(fd);
  }
}

const FS_NAMES: Record<FsType, string> = {
  ffs: "FFS",
  ext2fs: "ext2",
  msdos: "msdos (FAT)",
  cd9660: "cd9660 (ISO 9660)",
};

/** "FFS file system", "ext2 file system", … */
export function fsTypeName(type: FsType): string {
  return `${FS_NAMES[type]} file system`;
}

function mib(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${n} bytes`;
}

/** One line about a file system: "FFS UFS2 (little-endian), 4.0 MiB, label "x", clean". */
export function describeFs(fs: FsProbe): string {
  const parts = [fs.variant];
  if (typeof fs.details.byteorder === "string") parts[0] += ` (${fs.details.byteorder})`;
  if (fs.size > 0) parts.push(mib(fs.size));
  if (fs.label !== "") parts.push(`label "${fs.label}"`);
  if (fs.clean !== null) parts.push(fs.clean ? "clean" : "not clean");
  return parts.join(", ");
}

/** Lines describing an El Torito boot catalog, for people. */
export function describeElTorito(et: ElTorito): string[] {
  const out = [
    `El Torito boot catalog at block ${et.catalog} (${et.platform}${et.id !== "" ? `, "${et.id}"` : ""}), ${et.images.length} boot image${et.images.length === 1 ? "" : "s"}`,
  ];
  et.images.forEach((im, i) => {
    const seg = `0x${im.loadSegment.toString(16).padStart(4, "0")}${im.loadSegment === 0 ? " (the default, 0x07c0)" : ""}`;
    out.push(
      `  boot image ${i + 1}: ${im.platform}, ${im.bootable ? "bootable" : "not bootable"}, emulation ${im.emulation}, load segment ${seg}, ${im.sectorCount} sectors, at block ${im.block}${im.emulation === "hard disk" ? `, system type 0x${im.systemType.toString(16)}` : ""}`,
    );
  });
  for (const w of et.warnings) out.push(`  warning: ${w}`);
  return out;
}

/** Lines describing a probed image, for people. */
export function describeImage(p: ImageProbe): string[] {
  const out = [`${mib(p.size)}`];
  if (p.fs !== null) out.push(`file system at 0: ${describeFs(p.fs)}`);
  if (!p.partitions.ok) out.push(`partition table: damaged (${p.partitions.reason})`);
  else if (p.partitions.scheme !== "none") {
    out.push(
      `partition table: ${p.partitions.scheme}, ${p.partitions.partitions.length} partitions`,
    );
    for (const { partition: q, fs } of p.partitionFs)
      out.push(
        `  ${q.name}: offset ${q.offset}, ${mib(q.size)}, type ${q.type}: ${fs === null ? "no file system recognised" : describeFs(fs)}`,
      );
    for (const w of p.partitions.warnings) out.push(`  warning: ${w}`);
  }
  if (p.fs === null && p.partitionFs.every((x) => x.fs === null))
    out.push("no file system recognised");
  return out;
}
