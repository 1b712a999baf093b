/**
 * In-core cd9660 state of a mount (cd9660_extern.h: struct iso_mnt), the
 * block addressing of the medium, and the corruption report.
 */
import { EIO } from "../../gen/constants.js";
import type { Kernel } from "../../kern/kernel.js";
import { bread, breadcluster, brelse } from "../../kern/vfs_bio.js";
import { DT_UNKNOWN } from "../../sys/dirent.js";
import { DEV_BSHIFT, type Buf } from "../../sys/buf.js";
import type { Mount } from "../../sys/mount.js";
import type { Out } from "../../sys/out.js";
import type { Vnode, VnodeOpVector } from "../../sys/vnode.js";
import { IsoDirent, ISO_MAXNAMLEN } from "./iso.js";
import { IsoRrip } from "./iso_rrip.js";

/** How names and attributes are read (iso_ftype). */
export const ISO_FTYPE_DEFAULT = 0;
/** GENS: ISO 9660 names as recorded, ";version" included. */
export const ISO_FTYPE_9660 = 1;
/** Rock Ridge names, attributes, links and devices. */
export const ISO_FTYPE_RRIP = 2;

/**
 * A position in a directory: the record at `pos` parsed into `d`, in the
 * busy buffer `bp` (logical block `blk` of the medium). Also tracks the
 * records that continue a multi-extent file, which stand for nothing of
 * their own.
 */
export class IsoDirCursor {
  pos = 0;
  bp: Buf | null = null;
  blk = -1;
  readonly d = new IsoDirent();
  /** the record before was a multi-extent record named mname[0…mlen) */
  multi = false;
  readonly mname = new Uint8Array(ISO_MAXNAMLEN);
  mlen = 0;

  /** Start a walk (nothing held). */
  reset(): void {
    this.release();
    this.multi = false;
  }

  release(): void {
    if (this.bp !== null) brelse(this.bp, 0);
    this.bp = null;
    this.blk = -1;
  }
}

/** What a record stands for in a directory (cd9660_dirname's answer). */
export class IsoEntry {
  /** the name (kernel bytes) */
  name = "";
  /** a record that is no entry of its own (Rock Ridge RE: shown where its CL is) */
  hidden = false;
  /** its node number */
  ino = 0;
  /** DT_* */
  type = DT_UNKNOWN;
  /** "." (0), ".." (1) or another name (-1) */
  dot = -1;
}

/** Per-mount state (struct iso_mnt), in mp.mnt_data. */
export class IsoMount {
  /** ISOFSMNT_* in effect (Rock Ridge found or not decides NORRIP) */
  im_flags = 0;
  iso_ftype = ISO_FTYPE_DEFAULT;
  /** 0, or the Joliet level of the supplementary descriptor mounted */
  im_joliet_level = 0;
  logical_block_size = 2048;
  im_bshift = 11;
  im_bmask = 2047;
  /** logical block → DEV_BSIZE blocks: shift left by this */
  im_dbshift = 2;
  /** blocks of the volume (session start included, as NetBSD adds it) */
  volume_space_size = 0;
  /** logical blocks of the device (0: unknown); nothing is read at or beyond it */
  im_devblocks = 0;
  /** first 2048-byte block of the session mounted */
  im_sess = 0;
  /** the root directory's record: its extent (after extended attributes) and size */
  root_extent = 0;
  root_size = 0;
  /** Rock Ridge: bytes to skip at the start of each system use area (SP's LEN_SKP) */
  rr_skip = 0;
  /** …and at the start of the root's "." record (15 on CD-ROM XA discs) */
  rr_skip0 = 0;
  /** the volume identifier (statvfs) */
  im_volid = "";

  /** scratch (single CPU: never used re-entrantly across a bread) */
  readonly im_bpp: { v: Buf | null } = { v: null };
  readonly im_dirent = new IsoDirent();
  readonly im_rrip = new IsoRrip();
  /** Joliet comparisons: the looked-up name as UTF-16 units */
  readonly im_units: number[] = [];
  /** lookup's walk and answer; readdir's */
  readonly im_cursor = new IsoDirCursor();
  readonly im_entry = new IsoEntry();
  readonly im_rdcursor = new IsoDirCursor();
  readonly im_rdentry = new IsoEntry();
  /** loadvnode: the record being loaded (a copy), and the records continuing it */
  readonly im_rec = new Uint8Array(256);
  readonly im_ldirent = new IsoDirent();

  constructor(
    readonly im_mountp: Mount,
    readonly im_kernel: Kernel,
    readonly im_devvp: Vnode,
    readonly im_fspec: string,
    readonly im_vnodeop_p: VnodeOpVector,
    readonly im_specop_p: VnodeOpVector,
    readonly im_fifoop_p: VnodeOpVector,
  ) {}

  /** The device, under the name other disk file systems look for (one mount per device). */
  get um_devvp(): Vnode {
    return this.im_devvp;
  }

  /** Set the logical block size (a power of two from 512 to 64 KiB). */
  setBlockSize(bs: number): void {
    this.logical_block_size = bs;
    this.im_bmask = bs - 1;
    let shift = 0;
    while (1 << shift < bs) shift++;
    this.im_bshift = shift;
    this.im_dbshift = shift - DEV_BSHIFT;
  }
}

/** VFSTOISOFS */
export function VFSTOISOFS(mp: Mount): IsoMount {
  return mp.mnt_data as IsoMount;
}

/**
 * Report corruption on the console, naming the file system and what is
 * wrong, and return EIO (the answer every caller passes up).
 */
export function cd9660_corrupt(imp: IsoMount, what: string): number {
  imp.im_kernel.printf(`cd9660 ${imp.im_fspec}: corrupt file system: ${what}\n`);
  return EIO;
}

/**
 * Is logical block range [blk, blk + n) on the device? (n ≥ 1.) Nothing
 * outside it is ever read: a read there would return zeros, or fail.
 */
export function iso_inrange(imp: IsoMount, blk: number, n: number): boolean {
  if (!(blk >= 0) || !Number.isSafeInteger(blk)) return false;
  const lim = imp.im_devblocks > 0 ? imp.im_devblocks : 2 ** 32;
  return blk < lim && n <= lim - blk;
}

/** bread of logical block `blk` of the medium (the caller checked it is in range). */
export function iso_bread(imp: IsoMount, blk: number, bpp: Out<Buf | null>): number {
  return bread(imp.im_devvp, blk * (1 << imp.im_dbshift), imp.logical_block_size, bpp);
}

/**
 * Logical block `blk` and, when it is not cached, the `n - 1` after it in
 * one transfer (breadcluster; the caller checked the range).
 */
export function iso_breadcluster(
  imp: IsoMount,
  blk: number,
  n: number,
  bpp: Out<Buf | null>,
): number {
  return breadcluster(imp.im_devvp, blk * (1 << imp.im_dbshift), imp.logical_block_size, n, bpp);
}

/** The DEV_BSIZE block number of logical block `blk` (for comparing with b_lblkno). */
export function iso_dblk(imp: IsoMount, blk: number): number {
  return blk * (1 << imp.im_dbshift);
}
