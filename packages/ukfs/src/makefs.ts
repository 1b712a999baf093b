/**
 * Making a file system and filling it from a host directory in one step
 * (`fsu mkfs -d DIR`, `makefs()`), as mke2fs -d and NetBSD's makefs do:
 * newfs on a byte window of an image, then the tree copied in through a
 * kernel of its own — modes, numeric owners, times, symbolic and hard links,
 * device nodes and FIFOs. FAT (msdos) keeps files, directories, times and
 * the read-only bit only: hard links become copies, symbolic links and
 * devices are skipped with a message.
 *
 * Reproducible images. With a timestamp (SOURCE_DATE_EPOCH, or the option)
 * the kernel runs on a virtual clock fixed at that time and a random source
 * seeded from the inputs, newfs stamps that time and derives its ids from
 * it, file times later than it are clamped to it (access time = modification
 * time), and entries are added in name order: the same tree gives the same
 * bytes on any machine, in any time zone, under any umask.
 */
import {
  closeSync,
  existsSync,
  lstatSync,
  openSync,
  readdirSync,
  statSync,
  truncateSync,
} from "node:fs";
import { join } from "node:path";
import {
  ext2fs_default_journal_blocks,
  newfs_ext2fs,
  newfs_ffs,
  newfs_msdos,
  type NewfsExt2Options,
  type NewfsMsdosOptions,
  type NewfsOptions,
} from "@rump/librump";
import { EINVAL, ENOSPC, RumpError, type Timespec } from "@rump/syscalls";
import { copyContents, emptyStats, hostSide, imageSide, type CopyStats } from "./cli/copy.js";
import { FsuError } from "./cli/errors.js";
import { fileDev, withImageLock } from "./hostdev.js";
import { openImage } from "./open.js";
import { hostCrypto } from "./crypto.js";

/** File systems that can be made and filled here (msdos: FAT, by newfs_msdos). */
export type MakefsType = "ffs" | "ext2" | "ext4" | "msdos";

/** What newfs is asked for (everything but the type is optional). */
export interface NewfsParams {
  type: MakefsType;
  /** FFS: 1 or 2 (default 2); ext2: the revision 0 or 1 (default 1); not for ext4 */
  version?: number;
  bsize?: number;
  /** FFS fragment size */
  fsize?: number;
  /** bytes of data per inode */
  density?: number;
  /** reserved space, percent */
  minfree?: number;
  label?: string;
  /** FFS byte order */
  byteOrder?: "be" | "le";
  /**
   * seconds since the epoch stamped everywhere, and (ext2/ext4) the source
   * of the UUID and hash seed: a reproducible image. Default now, with ext4's
   * ids from the host's random source.
   */
  time?: number;
  /** msdos: the FAT width (default by size, as newfs_msdos picks it) */
  fatType?: 12 | 16 | 32;
  /** msdos: bytes per sector (512, 1024, 2048, 4096) */
  sectorSize?: number;
  /** msdos: sectors per cluster */
  sectorsPerCluster?: number;
  /** msdos: volume ID (default from the time) */
  volumeId?: number;
}

/** The kernel's name of a MakefsType (what openImage and the probe call it). */
export function kernelFsType(t: MakefsType): "ffs" | "ext2fs" | "msdos" {
  return t === "ext2" || t === "ext4" ? "ext2fs" : t;
}

/** newfs on bytes [offset, offset+size) of `image`, holding its lock. Throws FsuError. */
export function newfsWindow(image: string, offset: number, size: number, p: NewfsParams): void {
  const why = { v: "" };
  const time = p.time ?? Math.floor(Date.now() / 1000);
  withImageLock(image, true, () => {
    const dev = fileDev(image, offset, size, true);
    try {
      let e: number;
      if (p.type === "ffs") {
        const version = p.version ?? 2;
        if (version !== 1 && version !== 2)
          throw new FsuError(EINVAL, "newfs", image, "FFS version must be 1 or 2");
        const o: NewfsOptions = { version, time };
        if (p.bsize !== undefined) o.bsize = p.bsize;
        if (p.fsize !== undefined) o.fsize = p.fsize;
        if (p.density !== undefined) o.density = p.density;
        if (p.minfree !== undefined) o.minfree = p.minfree;
        if (p.label !== undefined) o.volname = p.label;
        if (p.byteOrder !== undefined) o.byteOrder = p.byteOrder;
        e = newfs_ffs(dev, o, why);
      } else if (p.type === "msdos") {
        const o: NewfsMsdosOptions = { time };
        if (p.fatType !== undefined) o.fatType = p.fatType;
        if (p.sectorSize !== undefined) o.bytesPerSector = p.sectorSize;
        if (p.sectorsPerCluster !== undefined) o.sectorsPerCluster = p.sectorsPerCluster;
        if (p.label !== undefined) o.label = p.label;
        if (p.volumeId !== undefined) o.volumeId = p.volumeId;
        e = newfs_msdos(dev, o, why);
      } else {
        const o: NewfsExt2Options = { time };
        if (p.type === "ext4") {
          if (p.version !== undefined)
            throw new FsuError(EINVAL, "newfs", image, "ext4 has no revision to choose (it is 1)");
          o.type = "ext4";
          if (p.time === undefined) o.seed = hostCrypto().randomBytes(4).readUInt32LE(0);
        } else if (p.version !== undefined) {
          if (p.version !== 0 && p.version !== 1)
            throw new FsuError(EINVAL, "newfs", image, "ext2 revision must be 0 or 1");
          o.rev = p.version;
        }
        if (p.bsize !== undefined) o.bsize = p.bsize;
        if (p.density !== undefined) o.density = p.density;
        if (p.minfree !== undefined) o.minfree = p.minfree;
        if (p.label !== undefined) o.volname = p.label;
        e = newfs_ext2fs(dev, o, why);
      }
      if (e !== 0) throw new FsuError(e, "newfs", image, why.v || "newfs failed");
    } finally {
      dev.close();
    }
  });
}

/** The reproducible-build timestamp: the option, else $SOURCE_DATE_EPOCH, else none. */
export function sourceDateEpoch(given?: number): number | undefined {
  if (given !== undefined) return given;
  const env = process.env.SOURCE_DATE_EPOCH;
  if (env === undefined || env === "") return undefined;
  if (!/^\d+$/.test(env))
    throw new FsuError(
      EINVAL,
      "mkfs",
      undefined,
      `SOURCE_DATE_EPOCH must be whole seconds, not "${env}"`,
    );
  return Number(env);
}

/** What a tree needs: bytes of file data, files, directories, symbolic links. */
export interface TreeSize {
  bytes: number;
  files: number;
  dirs: number;
  links: number;
}

/** Measure a host tree (hard links once, symbolic links not followed). */
export function measureTree(dir: string): TreeSize {
  const t: TreeSize = { bytes: 0, files: 0, dirs: 0, links: 0 };
  const seen = new Set<string>();
  const walk = (p: string): void => {
    const st = lstatSync(p, { bigint: true });
    if (st.isDirectory()) {
      t.dirs++;
      for (const n of readdirSync(p)) walk(join(p, n));
    } else if (st.isSymbolicLink()) {
      t.links++;
    } else {
      const id = `${st.dev}:${st.ino}`;
      if (st.nlink > 1n && seen.has(id)) return;
      seen.add(id);
      t.files++;
      if (st.isFile()) t.bytes += Number(st.size);
    }
  };
  walk(dir);
  return t;
}

const MiB = 1 << 20;

/**
 * A file-system size that holds `t` with `margin` percent to spare: data
 * rounded to 4 KiB blocks with their indirect blocks, an inode and a
 * directory entry per name, a block per directory, then the file system's
 * own overhead (inode tables, bitmaps, reserved space), rounded up to 1 MiB.
 */
export function autoSize(t: TreeSize, type: MakefsType, margin = 25): number {
  const blocks = Math.ceil(t.bytes / 4096) + t.files + t.links;
  const indirect = Math.ceil(blocks / 1024);
  const data = (blocks + indirect + t.dirs) * 4096;
  // FAT: no inodes, but directory entries (long names: a few each) and two FATs
  const inodes =
    type === "msdos"
      ? (t.files + t.dirs + t.links + 16) * 256 + (blocks + t.dirs) * 8
      : (t.files + t.dirs + t.links + 16) * 256 * 2;
  // newfs reserves 5% and spends a few percent on groups; small file systems pay most
  const raw = (data + inodes) * 1.1 + 2 * MiB;
  const want = raw * (1 + margin / 100);
  const base = Math.max(4 * MiB, Math.ceil(want / MiB) * MiB);
  if (type !== "ext4") return base;
  // plus what mkfs.ext4 spends at the size it ends up: grow until it fits
  let size = base;
  for (;;) {
    const next = Math.ceil((base + ext4Overhead(size)) / MiB) * MiB;
    if (next <= size) return size;
    size = next;
  }
}

/**
 * What an ext4 of `size` bytes spends beyond ext2's share: mkfs.ext4's
 * journal, and below 512 MiB (1 KiB blocks, an inode per 4 KiB) the larger
 * inode tables.
 */
function ext4Overhead(size: number): number {
  const small = size < 512 * MiB;
  const bs = small ? 1024 : 4096;
  const journal = Math.max(0, ext2fs_default_journal_blocks(Math.floor(size / bs))) * bs;
  return journal + (small ? size / 16 : 0);
}

/** A 32-bit seed for the kernel's random source, derived from the inputs. */
function seedOf(parts: readonly unknown[]): number {
  return hostCrypto().createHash("sha256").update(JSON.stringify(parts)).digest().readUInt32LE(0);
}

export interface FillOptions {
  /** the type newfs made (mounted as such, not probed) */
  type: MakefsType;
  /** reproducible: the clock of the kernel and the clamp for file times */
  timestamp?: number;
  /** every file owned by uid:gid instead of the host's numbers */
  owner?: { uid: number; gid: number };
  /** what the messages name ("mkfs") */
  command?: string;
}

/**
 * Copy the host tree `dir` into the file system at bytes [offset,
 * offset+size) of `image` (its root takes the mode, owner and times of
 * `dir`).
 */
export async function fillFromDir(
  image: string,
  offset: number,
  size: number,
  dir: string,
  o: FillOptions,
): Promise<CopyStats> {
  const command = o.command ?? "mkfs";
  const top = hostSide.lstat(dir);
  if ((top.mode & 0o170000) !== 0o040000)
    throw new FsuError(20 /* ENOTDIR */, command, dir, "-d needs a directory");
  const epoch = o.timestamp;
  const fat = o.type === "msdos";
  const fs = openImage(image, {
    type: kernelFsType(o.type),
    readonly: false,
    partition: { kind: "offset", letter: "", offset, size },
    console: () => {},
    params: { RUMP_MEMLIMIT: 128 << 20 },
    ...(epoch !== undefined
      ? { clock: { fixed: epoch }, randomSeed: seedOf([epoch, o.type, size, offset]) }
      : {}),
  });
  const clamp: Timespec | undefined =
    epoch === undefined ? undefined : { tv_sec: epoch, tv_nsec: 0 };
  let stats = emptyStats();
  try {
    const side = imageSide(fs);
    stats = await copyContents(hostSide, dir, side, "/", {
      recursive: true,
      preserve: true,
      // FAT keeps no owners: the mount's uid/gid stand for every file
      owners: !fat,
      ...(o.owner !== undefined && !fat ? { owner: o.owner } : {}),
      ...(clamp !== undefined ? { clamp } : {}),
      specials: !fat,
      command,
    });
    // the root is the directory itself, as mke2fs -d and makefs make it (FAT's root has no
    // owner, mode or times of its own)
    if (fat) return stats;
    side.lchown("/", o.owner?.uid ?? top.uid, o.owner?.gid ?? top.gid);
    side.chmod("/", top.mode & 0o7777);
    const later = clamp !== undefined && top.mtime.tv_sec >= clamp.tv_sec;
    const mt = later ? clamp : top.mtime;
    side.utimens("/", clamp !== undefined ? mt : top.atime, mt, false);
  } catch (e) {
    if (e instanceof RumpError && e.errno === ENOSPC)
      throw new FsuError(
        ENOSPC,
        command,
        image,
        `the file system is too small for ${dir} (${e instanceof FsuError ? e.reason : e.message}); give a bigger -s, or -s auto with a larger --margin`,
      );
    throw e;
  } finally {
    fs.close();
  }
  return stats;
}

export interface MakefsOptions extends Omit<NewfsParams, "time"> {
  /** the host tree to copy in (omitted: an empty file system) */
  dir?: string;
  /** bytes, or "auto" (what `dir` needs plus `margin`); default: the image file's size, or auto */
  size?: number | "auto";
  /** percent to spare with size "auto" (default 25) */
  margin?: number;
  /** reproducible image (default $SOURCE_DATE_EPOCH); else the current time */
  timestamp?: number;
  /** every file owned by uid:gid */
  owner?: { uid: number; gid: number };
}

/**
 * Make a whole image file `image` (created, or grown to the size) holding a
 * new file system filled from `dir`: NetBSD's makefs(8) / mke2fs -d as one
 * call. Overwrites what the file held. Returns what was copied.
 */
export async function makefs(image: string, o: MakefsOptions): Promise<CopyStats> {
  const epoch = sourceDateEpoch(o.timestamp);
  let size = o.size;
  if (size === "auto" || (size === undefined && !existsSync(image))) {
    if (o.dir === undefined)
      throw new FsuError(EINVAL, "makefs", image, "size auto needs a directory to measure");
    size = autoSize(measureTree(o.dir), o.type, o.margin ?? 25);
  }
  if (!existsSync(image)) closeSync(openSync(image, "wx"));
  const bytes = size ?? statSync(image).size;
  if (statSync(image).size < bytes) truncateSync(image, bytes);
  const params: NewfsParams = { ...o, ...(epoch !== undefined ? { time: epoch } : {}) };
  newfsWindow(image, 0, bytes, params);
  if (o.dir === undefined) return emptyStats();
  return fillFromDir(image, 0, bytes, o.dir, {
    type: o.type,
    command: "makefs",
    ...(epoch !== undefined ? { timestamp: epoch } : {}),
    ...(o.owner !== undefined ? { owner: o.owner } : {}),
  });
}
