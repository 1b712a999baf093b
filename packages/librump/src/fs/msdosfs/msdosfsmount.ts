/**
 * The msdosfs mount: the arguments (struct msdosfs_args) and the in-core
 * state of a mounted FAT volume (struct msdosfsmount), private to the file
 * system. Single CPU: the vnode locks are all the serialisation there is.
 */
import type { Kernel } from "../../kern/kernel.js";
import type { Buf } from "../../sys/buf.js";
import { DEV_BSHIFT } from "../../sys/buf.js";
import type { Mount } from "../../sys/mount.js";
import type { Vnode, VnodeOpVector } from "../../sys/vnode.js";
import { FatGeom } from "./bpb.js";
import type { DosTime } from "./msdosfs_conv.js";
import { FAT12_MASK, FAT16_MASK, FAT32_MASK } from "./fat.js";

/* msdosfs_args.flags (MSDOSFSMNT_*) */
/** 8.3 names only */
export const MSDOSFSMNT_SHORTNAME = 0x1;
/** Windows 95 long names */
export const MSDOSFSMNT_LONGNAME = 0x2;
/** ignore long-name entries entirely */
export const MSDOSFSMNT_NOWIN95 = 0x4;
/** the Atari GEMDOS variant (not supported: EOPNOTSUPP) */
export const MSDOSFSMNT_GEMDOSFS = 0x8;
/** the fields after `flags` are valid */
export const MSDOSFSMNT_VERSIONED = 0x10;
/** names are UTF-8 (else ISO 8859-1, one byte per character) */
export const MSDOSFSMNT_UTF8 = 0x20;
/** the flags a mount may set */
export const MSDOSFSMNT_MNTOPT = 0x3f;
/** internal: mounted read-only */
export const MSDOSFSMNT_RONLY = 0x80000000;
/** msdosfs_args.version of this layout */
export const MSDOSFSMNT_VERSION = 3;

/**
 * Mount arguments (struct msdosfs_args). A JavaScript caller may leave
 * fields out: uid, gid and mask default to the mount point's owner, group
 * and permissions (what mount_msdos(8) passes), dirmask to mask, gmtoff to
 * 0, and flags to MSDOSFSMNT_UTF8 | MSDOSFSMNT_LONGNAME (names as a Node
 * user writes them). A C-style caller sets `flags` and gets exactly those.
 */
export interface MsdosfsArgs {
  fspec: string | Uint8Array | null;
  uid?: number;
  gid?: number;
  /** permission bits files may have */
  mask?: number;
  flags?: number;
  version?: number;
  /** permission bits directories may have */
  dirmask?: number;
  /** seconds east of UTC of the time stamps on disk */
  gmtoff?: number;
}

/**
 * sizeof(struct msdosfs_args) on LP64: fspec (8), struct export_args30
 * (128, its uucred holding 16 groups), seven ints (28), padded to 8.
 */
export const MSDOSFS_ARGS_SIZE = 168;

/** Vnode keys: files by the place of their 8.3 entry, directories by first cluster. */
export const MSDOSFS_ROOT_KEY = -1;
/** orphans (removed while open) get keys from here up, one each */
export const MSDOSFS_ORPHAN_BASE = 2 ** 50;

/** A file's key: cluster of its directory entry (0: the FAT12/16 root region) and byte offset in it. */
export function de_filekey(dirclust: number, diroffset: number): number {
  return dirclust * 65536 + diroffset / 32;
}
/** A directory's key: its first cluster (the root has its own). */
export function de_dirkey(startcluster: number): number {
  return -(startcluster + 16);
}

/**
 * A directory's name index (built on its first full scan, kept in step
 * with every change, charged to RUMP_MEMLIMIT): lookups are one probe.
 */
export class DirIndex {
  /** folded shown name (long name, or 8.3 name as shown) → offset of the 8.3 entry */
  readonly names = new Map<string, number>();
  /** the 11 bytes of the 8.3 name (one char each) → offset of the 8.3 entry */
  readonly shorts = new Map<string, number>();
  /** offset of the 8.3 entry → [name key, short key] (removal) */
  readonly byOff = new Map<number, [string, string]>();
  /** offset past the last entry in use: the first never-used slot, or the size */
  end = 0;
  /** deleted slots below `end` */
  deleted = 0;
  /** lossy 8.3 name (generation 1) → the generation to try first (uniqdosname; cleared by removals) */
  readonly aliasHint = new Map<string, number>();
  /** bytes charged */
  charged = 0;
}

/** One entry a scan found: its 8.3 entry, the long name before it, the name shown. */
export class DirEntryScan {
  /** byte offset of the 8.3 entry in the directory */
  off = 0;
  /** offset of its first long-name entry (= off without one) */
  lfnoff = 0;
  /** where the 8.3 entry is: cluster (0: FAT12/16 root region) and offset in it */
  dirclust = 0;
  diroffset = 0;
  attr = 0;
  startcluster = 0;
  /** 1 or 2 for a "." or ".." entry */
  dot = 0;
  /** the 8.3 name (11 bytes) */
  readonly short = new Uint8Array(11);
  /** the name shown: UTF-16 units */
  readonly units = new Uint16Array(264);
  len = 0;
  /** the name is the entry's long name */
  long = false;
  /** scan state: the first never-used slot (or the size) once the scan reached it */
  end = -1;
  /** deleted slots passed */
  deleted = 0;
}

export class MsdosfsMount {
  readonly pm_geom = new FatGeom();
  /** msdosfs_args, as in force */
  pm_uid = 0;
  pm_gid = 0;
  pm_mask = 0o755;
  pm_dirmask = 0o755;
  pm_gmtoff = 0;
  pm_flags = 0;
  /** read-only mount (changes with MNT_UPDATE) */
  pm_ronly: boolean;
  /** FAT entry mask of the width */
  pm_fatmask = FAT12_MASK;
  /** bytes of a FAT buffer (FAT12: three sectors, so no entry straddles two) */
  pm_fatblocksize = 0;
  /** DEV_BSIZE blocks per sector */
  pm_secblks = 1;
  /** clusters in use: one bit per cluster number (0 and 1 set) */
  pm_inusemap: Uint32Array = new Uint32Array(0);
  pm_freeclustercount = 0;
  /** where the next allocation starts looking (FSInfo's next-free hint) */
  pm_nxtfree = 2;
  /** the FSInfo sector is valid and kept up to date (FAT32) */
  pm_fsinfo_ok = false;
  /** FSInfo's hints changed since written */
  pm_fsinfo_dirty = false;
  /** FAT buffers changed since the other copies were written (block numbers of the active FAT) */
  readonly pm_fatdirty = new Set<number>();
  /** bytes charged for the in-use map */
  pm_charged = 0;
  /** the next orphan key */
  pm_orphan = MSDOSFS_ORPHAN_BASE;
  /** the volume was dirty when mounted (kept dirty at unmount only if written) */
  pm_wasdirty = false;
  /** scratch out-slots (single CPU, never nested across a bread) */
  readonly pm_bpp: { v: Buf | null } = { v: null };
  readonly pm_bpp2: { v: Buf | null } = { v: null };
  readonly pm_cn = { v: 0 };
  readonly pm_run = { v: 0 };
  readonly pm_clp = { v: 0 };
  readonly pm_offp = { v: 0 };
  /** scratch directory scans: lookups and readdir; emptiness and 8.3-name checks */
  readonly pm_scan = new DirEntryScan();
  readonly pm_scan2 = new DirEntryScan();
  /** scratch: names as UTF-16 units, 8.3 names */
  readonly pm_units = new Uint16Array(1024);
  readonly pm_units2 = new Uint16Array(1024);
  readonly pm_dn = new Uint8Array(12);
  readonly pm_dostime: DosTime = { date: 0, time: 0, hun: 0 };
  readonly pm_ts = { tv_sec: 0, tv_nsec: 0 };
  constructor(
    readonly pm_mountp: Mount,
    readonly pm_kernel: Kernel,
    readonly pm_devvp: Vnode,
    readonly pm_fspec: string,
    ronly: boolean,
    readonly pm_vnodeop_p: VnodeOpVector,
  ) {
    this.pm_ronly = ronly;
  }

  get fat32(): boolean {
    return this.pm_geom.fatbits === 32;
  }

  /** Names are UTF-8. */
  get utf8(): boolean {
    return (this.pm_flags & MSDOSFSMNT_UTF8) !== 0;
  }

  /** Long names are read and written. */
  get longnames(): boolean {
    return (this.pm_flags & MSDOSFSMNT_SHORTNAME) === 0;
  }

  /** Set the derived values once pm_geom is filled. */
  setup(): void {
    const g = this.pm_geom;
    this.pm_fatmask = g.fatbits === 12 ? FAT12_MASK : g.fatbits === 16 ? FAT16_MASK : FAT32_MASK;
    this.pm_secblks = g.bps >> DEV_BSHIFT;
    this.pm_fatblocksize = g.fatbits === 12 ? 3 * g.bps : Math.max(g.bps, 16384);
    this.pm_dblk = Math.max(g.bpcluster, 4096);
    this.pm_dblkcl = this.pm_dblk / g.bpcluster;
  }

  /** DEV_BSIZE block of sector `sec`. */
  secblk(sec: number): number {
    return sec * this.pm_secblks;
  }

  /** DEV_BSIZE block of data cluster `cn` (cntobn). */
  clblk(cn: number): number {
    const g = this.pm_geom;
    return (g.firstdata + (cn - 2) * g.spc) * this.pm_secblks;
  }

  /**
   * Data blocks: the buffers over the data area are a cluster each, or, for
   * clusters below 4 KiB, 4 KiB holding several (small clusters as buffers
   * of their own would cost a buffer per 512 bytes). Block k starts at the
   * data area's start + k blocks; the last one ends with the last cluster.
   * `dblk(cn)` sets pm_db_* for the block holding cluster `cn`.
   */
  pm_dblk = 4096;
  /** clusters per data block */
  pm_dblkcl = 1;
  /** dblk's results: the block's index, DEV_BSIZE block, bytes, and the cluster's offset in it */
  pm_db_k = 0;
  pm_db_blk = 0;
  pm_db_size = 0;
  pm_db_off = 0;
  /** where the valid bytes of the buffer de_dirblk/readep gave start and end (one cluster's) */
  pm_blkstart = 0;
  pm_blkend = 0;

  dblk(cn: number): void {
    const rel = cn - 2;
    const k = Math.floor(rel / this.pm_dblkcl);
    this.pm_db_off = (rel - k * this.pm_dblkcl) * this.pm_geom.bpcluster;
    this.dblkAt(k);
  }

  /** pm_db_k, pm_db_blk and pm_db_size for data block `k`. */
  dblkAt(k: number): void {
    const g = this.pm_geom;
    this.pm_db_k = k;
    this.pm_db_blk = this.secblk(g.firstdata) + k * (this.pm_dblk >> 9);
    this.pm_db_size = Math.min(this.pm_dblk, g.nclusters * g.bpcluster - k * this.pm_dblk);
  }

  /** Print a corruption report and answer EIO. */
  corrupt(what: string): number {
    this.pm_kernel.printf(`msdosfs ${this.pm_fspec}: corrupt file system: ${what}\n`);
    return 5; // EIO
  }
}

export function VFSTOMSDOSFS(mp: Mount): MsdosfsMount {
  return mp.mnt_data as MsdosfsMount;
}
