/**
 * In-core cd9660 state of a mount (cd9660_extern.h: struct iso_mnt), the
 * block addressing of the medium, and the corruption report.
 */
import { EIO } from "../../gen/constants.js";
import type { Kernel } from "../../kern/kernel.js";
import { bread, breadcluster, brelse } from "../../kern/vfs_bio.js";
import { DT_UNKNOWN } from "../../sys/dirent.js";
import { DEV_BSHIFT, DEV_BSIZE, type Buf } from "../../sys/buf.js";
import type { Mount } from "../../sys/mount.js";
import type { Out } from "../../sys/out.js";
import type { Vnode, VnodeOpVector } from "../../sys/vnode.js";
import { IsoDirent, ISO_MAXNAMLEN } from "./iso.js";
import { IsoRrip } from "./iso_rrip.js";

/** The unit of reading the medium (iso_bread). */
export const ISO_CHUNK = 64 * 1024;

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
  /** the chunk buffer holding logical block `blk`, which starts at byte `base` of it */
  bp: Buf | null = null;
  blk = -1;
  base = 0;
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
  /** the unit of reading (iso_bread): bytes, logical blocks, DEV_BSIZE blocks */
  im_chunk = ISO_CHUNK;
  im_bpc = ISO_CHUNK / 2048;
  im_chunkdb = ISO_CHUNK / DEV_BSIZE;
  /** chunks of the device (0: unknown), and the bytes of the last one */
  im_devchunks = 0;
  im_lastchunk = ISO_CHUNK;
  /** iso_bread's answer: where the block asked for starts in its chunk */
  im_cbase = 0;
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

  /**
   * Set the logical block size (a power of two from 512 to 64 KiB) and the
   * device's size in bytes (0: unknown).
   */
  setGeometry(bs: number, devsize: number): void {
    this.logical_block_size = bs;
    this.im_bmask = bs - 1;
    let shift = 0;
    while (1 << shift < bs) shift++;
    this.im_bshift = shift;
    this.im_dbshift = shift - DEV_BSHIFT;
    this.im_devblocks = devsize > 0 ? Math.floor(devsize / bs) : 0;
    this.im_chunk = Math.max(ISO_CHUNK, bs);
    this.im_bpc = this.im_chunk / bs;
    this.im_chunkdb = this.im_chunk / DEV_BSIZE;
    this.im_devchunks = devsize > 0 ? Math.ceil(devsize / this.im_chunk) : 0;
    // the last chunk ends with the device (in whole DEV_BSIZE sectors)
    const tail = devsize - (this.im_devchunks - 1) * this.im_chunk;
    this.im_lastchunk = devsize > 0 ? Math.ceil(tail / DEV_BSIZE) * DEV_BSIZE : this.im_chunk;
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

/**
 * The medium is read in chunks of `im_chunk` bytes (64 KiB, aligned on the
 * device), not a logical block at a time: a 2 KiB buffer per block would
 * make a big file cost a buffer, a map entry and a copy per 2 KiB. A chunk
 * serves every block in it (the small files packed one after another, a
 * directory's blocks and their continuation areas); a read-only medium has
 * nothing to keep coherent between them.
 *
 * iso_bread: the chunk holding logical block `blk` (the caller checked the
 * block is on the device), busy in bpp.v; the block starts at byte
 * imp.im_cbase of it.
 */
export function iso_bread(imp: IsoMount, blk: number, bpp: Out<Buf | null>): number {
  const c = Math.floor(blk / imp.im_bpc);
  imp.im_cbase = (blk - c * imp.im_bpc) * imp.logical_block_size;
  return bread(imp.im_devvp, c * imp.im_chunkdb, iso_chunksize(imp, c), bpp);
}

/**
 * iso_bread, and when the chunk is not cached the chunks after it that
 * hold the next `n - 1` logical blocks, in one transfer (breadcluster, up
 * to MAXPHYS; never past the device's end).
 */
export function iso_breadcluster(
  imp: IsoMount,
  blk: number,
  n: number,
  bpp: Out<Buf | null>,
): number {
  const bpc = imp.im_bpc;
  const c = Math.floor(blk / bpc);
  imp.im_cbase = (blk - c * bpc) * imp.logical_block_size;
  let nc = Math.ceil((blk - c * bpc + n) / bpc);
  if (imp.im_devchunks > 0) nc = Math.min(nc, imp.im_devchunks - c);
  const size = iso_chunksize(imp, c);
  if (nc < 2 || size !== imp.im_chunk) return bread(imp.im_devvp, c * imp.im_chunkdb, size, bpp);
  return breadcluster(imp.im_devvp, c * imp.im_chunkdb, size, nc, bpp);
}

/** Bytes of chunk `c`: im_chunk, or what is left of the device for its last one. */
function iso_chunksize(imp: IsoMount, c: number): number {
  if (imp.im_devchunks === 0 || c < imp.im_devchunks - 1) return imp.im_chunk;
  return imp.im_lastchunk;
}

/** The chunk of logical block `blk`, as the DEV_BSIZE block number its buffer has. */
export function iso_chunkdblk(imp: IsoMount, blk: number): number {
  return Math.floor(blk / imp.im_bpc) * imp.im_chunkdb;
}
