/**
 * In-core ext2fs state — private header (ext2fs_extern.h, and the parts of
 * ufs/ufs/inode.h and ufsmount.h ext2fs uses): the inode attached to a
 * vnode, the per-mount structure and the corruption report.
 *
 * Single CPU: the vnode lock of an inode's vnode is all the serialisation
 * there is.
 */
import { ALLPERMS, EIO, EPERM, EROFS, MNT_RDONLY } from "../../gen/constants.js";
import type { Kernel } from "../../kern/kernel.js";
import { bdwrite, bwrite } from "../../kern/vfs_bio.js";
import type { Buf, BufWriteHook } from "../../sys/buf.js";
import type { Mount } from "../../sys/mount.js";
import { VDIR, VLNK, VREG, type Vnode, type VnodeOpVector } from "../../sys/vnode.js";
import { genfs_can_access, VWRITE } from "../../miscfs/genfs/genfs_vnops.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import { Ext2Dinode, Ext2Direct, EXT2_IMMUTABLE, type Ext2Fs, type Ext2Gd } from "./ext2fs.js";

/** i_flag bits (as ufs/ufs/inode.h) */
export const IN_ACCESS = 0x0001;
export const IN_CHANGE = 0x0002;
export const IN_UPDATE = 0x0004;
export const IN_MODIFIED = 0x0008;

/** The in-core inode (struct inode, ext2 flavour). */
export class E2Inode {
  /** IN_* */
  i_flag = 0;
  /** directories: blocks below this had no room at the last insertion (a hint) */
  i_diroff = 0;
  /** the last block allocated to this file (the next one is preferred after it) */
  i_lastalloc = 0;
  /** the on-disk inode, parsed */
  readonly i_din = new Ext2Dinode();
  /** a large directory's name → inode hash (ext2fs_dirlookup), else null */
  i_dirhash: Map<string, number> | null = null;
  /** a fast symlink's target (stored in i_block), else null */
  i_shortlink: Uint8Array | null = null;
  /**
   * An inline-data inode's bytes (ext2fs_inline.ts): a file's data, or a
   * directory as one synthetic block of entries; else null.
   */
  i_inline: Uint8Array | null = null;
  /** the logical block a sequential reader reads next (read clustering) */
  i_nextr = 0;
  /**
   * ext2fs_read's last contiguous run: logical blocks [i_runlbn, i_runlbn +
   * i_runlen) at blocks i_runbn + k (a hole: i_runbn 0). Any change of the
   * block map (ext2fs_balloc, ext2fs_truncate) empties it.
   */
  i_runlbn = 0;
  i_runlen = 0;
  i_runbn = 0;
  /** written since the last close (ext2fs_close writes the last cluster behind) */
  i_wrote = false;
  /** on the orphan list (ext2fs_orphan.ts): no names left, still open */
  i_orphan = false;
  /** dir_nlink: the exact number of subdirectories of a directory whose count is 1 (-1: not known) */
  i_nsubdir = -1;
  /**
   * An extent-mapped inode's i_block as bytes (ext2fs_extents.ts keeps it
   * and e2di_blocks in step); null until first used.
   */
  i_ext: Uint8Array | null = null;
  /** metadata_csum: the write hooks of this inode's extent and directory blocks */
  i_exthook: BufWriteHook | null = null;
  i_dirhook: BufWriteHook | null = null;
  constructor(
    readonly i_ump: Ext2Mount,
    readonly i_number: number,
    public i_vnode: Vnode | null,
  ) {}
}

/** Per-mount state (struct ufsmount with um_e2fs), in mp.mnt_data. */
export class Ext2Mount {
  /** scratch out-slot (single CPU: never used re-entrantly across a bread) */
  readonly um_bpp: { v: Buf | null } = { v: null };
  readonly um_direct = new Ext2Direct();
  /** directory entries carry file_type (the filetype feature) */
  readonly um_ftype: boolean;
  /** read-only mount (changes with MNT_UPDATE) */
  um_ronly: boolean;
  /** the superblock or descriptors changed since they were last written */
  um_fmod = false;
  /** the superblock's bytes as read (fields we do not model are kept) */
  um_sbraw: Uint8Array = new Uint8Array(1024);
  /** the largest file size a write may reach */
  um_maxfilesize = 0;
  /** scratch: second and third busy buffers (bitmaps and inode blocks; write data) */
  readonly um_ibpp: { v: Buf | null } = { v: null };
  readonly um_cgbpp: { v: Buf | null } = { v: null };
  readonly um_wbpp: { v: Buf | null } = { v: null };
  readonly um_bn = { v: 0 };
  /** scratch: errors and block numbers of the extent code */
  readonly um_bn2 = { v: 0 };
  readonly um_bn3 = { v: 0 };
  /** the largest i_blocks (512-byte units) an inode may reach: 48 bits with huge_file */
  um_maxnblock = 0xffffffff;
  /** scratch: the contiguous run ext2fs_bmap found (read, write-behind) */
  readonly um_run = { v: 0 };
  /** scratch: a directory-entry search result */
  readonly um_slot = { ino: 0, off: 0, prev: -1 };
  /** the time stamps of the operation in progress */
  readonly um_ts = { tv_sec: 0, tv_nsec: 0 };
  /** scratch: extent-tree nodes (ext2fs_extents.ts) */
  readonly um_xbpp: { v: Buf | null } = { v: null };
  /**
   * Every group's metadata as sorted, disjoint [start, end) block ranges
   * (superblock copies, descriptors and their reserve, bitmaps, inode
   * tables, wherever flex_bg put them): ext2fs_meta_overlap.
   */
  um_meta: Float64Array = new Float64Array(0);
  /** b_private of an extent block checked at each depth (ext4_ext_read) */
  readonly um_extmark: readonly object[] = [{}, {}, {}, {}, {}, {}];
  /** the descriptor blocks as read (bytes we do not model are kept) */
  um_gdraw: Uint8Array = new Uint8Array(0);
  /** groups whose block / inode bitmap changed since their checksums were last set */
  um_bbdirty: Uint8Array = new Uint8Array(0);
  um_ibdirty: Uint8Array = new Uint8Array(0);
  /** per group: the lowest block / inode bit that may be clear (where searches start) */
  um_bhint: Int32Array = new Int32Array(0);
  um_ihint: Int32Array = new Int32Array(0);
  /** where the entries of a directory leaf block end (before a checksum tail) */
  um_dirblksiz = 0;
  /** the inode ext2fs_valloc just took had never been used (its table bytes may be garbage) */
  um_ifresh = false;
  /** the orphan list in memory, head first (ext2fs_orphan.ts) */
  readonly um_orphans: E2Inode[] = [];
  /** processing a crashed system's orphan list: inodes without links load */
  um_orphanscan = false;
  /** ext2fs_dirblk_read's answer: the block's bytes and where its entries end */
  um_dirdata: Uint8Array = new Uint8Array(0);
  um_dirend = 0;
  constructor(
    readonly um_mountp: Mount,
    readonly um_kernel: Kernel,
    readonly um_devvp: Vnode,
    readonly um_e2fs: Ext2Fs,
    readonly um_gd: Ext2Gd[],
    readonly um_vnodeop_p: VnodeOpVector,
    readonly um_specop_p: VnodeOpVector,
    readonly um_fifoop_p: VnodeOpVector,
    readonly um_fspec: string,
    ronly: boolean,
  ) {
    this.um_ronly = ronly;
    this.um_dirblksiz = um_e2fs.e2fs_bsize - (um_e2fs.e2fs_metacsum ? 12 : 0);
    this.um_bbdirty = new Uint8Array(um_e2fs.e2fs_ncg);
    if (um_e2fs.e2fs_rev >= 1 && um_e2fs.e2fs_features_rocompat & 0x0008 /* huge_file */)
      this.um_maxnblock = 2 ** 48 - 1;
    this.um_ibdirty = new Uint8Array(um_e2fs.e2fs_ncg);
    this.um_bhint = new Int32Array(um_e2fs.e2fs_ncg);
    this.um_ihint = new Int32Array(um_e2fs.e2fs_ncg);
    this.um_ftype = (um_e2fs.e2fs_features_incompat & 0x0002) !== 0 && um_e2fs.e2fs_rev >= 1;
    // revision 0 has no i_size_high: files stay below 2 GiB
    this.um_maxfilesize =
      um_e2fs.e2fs_rev >= 1
        ? um_e2fs.e2fs_maxfilesize
        : Math.min(um_e2fs.e2fs_maxfilesize, 0x7fffffff);
  }
}

/** VFSTOE2MP */
export function VFSTOE2MP(mp: Mount): Ext2Mount {
  return mp.mnt_data as Ext2Mount;
}

/** VTOI */
export function VTOE2I(vp: Vnode): E2Inode {
  return vp.v_data as E2Inode;
}

/** fsbtodb: file-system block → DEV_BSIZE sector of the device. */
export function e2_fsbtodb(ump: Ext2Mount, b: number): number {
  return b * ump.um_e2fs.e2fs_fsbtodb;
}

/**
 * Report corruption on the console, naming the file system and what is
 * wrong, and return EIO (the answer every caller passes up).
 */
export function ext2fs_corrupt(ump: Ext2Mount, what: string): number {
  ump.um_kernel.printf(`ext2fs ${ump.um_fspec}: corrupt file system: ${what}\n`);
  return EIO;
}

/*
 * ext2fs_dirblk_read checks a directory block once and marks its buffer
 * (b_private = the mount); the directory code's own changes keep the mark.
 * Every other write of a block drops it, so a block that is also something
 * else on a damaged image (a cross-linked data block, an inode table) is
 * checked again before it is walked as a directory.
 */

/** bdwrite of a block changed by anything but the directory and extent code. */
export function e2_bdwrite(bp: Buf): void {
  bp.b_private = null;
  bp.b_wrhook = null;
  bdwrite(bp);
}

/** bwrite of a block changed by anything but the directory and extent code. */
export function e2_bwrite(bp: Buf): number {
  bp.b_private = null;
  bp.b_wrhook = null;
  return bwrite(bp);
}

/**
 * VOP_ACCESS: EROFS for writing files, directories and links of a
 * read-only mount, EPERM for writing an immutable file, else the
 * owner/group/other rules. Here, below ext2fs_vnops and ext2fs_lookup,
 * because lookup calls it directly where NetBSD goes through VOP_ACCESS.
 */
export function ext2fs_access(vp: Vnode, mode: number, cred: Kauth_cred): number {
  const din = VTOE2I(vp).i_din;
  if (mode & VWRITE) {
    switch (vp.v_type) {
      case VDIR:
      case VLNK:
      case VREG:
        if (vp.v_mount!.mnt_flag & MNT_RDONLY) return EROFS;
        break;
      default:
        break;
    }
    if (din.e2di_flags & EXT2_IMMUTABLE) return EPERM;
  }
  return genfs_can_access(
    vp.v_type,
    din.e2di_mode & ALLPERMS,
    din.e2di_uid,
    din.e2di_gid,
    mode,
    cred,
  );
}
