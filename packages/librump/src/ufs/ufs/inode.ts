/**
 * In-core UFS state — private header (ufs/ufs/inode.h, ufs/ufs/ufsmount.h):
 * the inode attached to a vnode, the per-mount structure, flag bits and the
 * small helpers shared by ufs_* and ffs_* routines.
 *
 * Single CPU: the vnode lock of an inode's vnode is all the serialisation
 * there is.
 */
import { ALLPERMS, EIO, EPERM, EROFS } from "../../gen/constants.js";
import type { Kernel } from "../../kern/kernel.js";
import { SF_APPEND, SF_IMMUTABLE, UF_APPEND, UF_IMMUTABLE } from "../../sys/consts.js";
import type { Mount } from "../../sys/mount.js";
import type { Buf } from "../../sys/buf.js";
import { VDIR, VLNK, VREG, type Vnode, type VnodeOpVector } from "../../sys/vnode.js";
import { genfs_can_access, VWRITE } from "../../miscfs/genfs/genfs_vnops.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import { cgdmin, cgsblock, type Csum, type Fs } from "../ffs/fs.js";
import { Dinode } from "./dinode.js";
import { Cg } from "../ffs/ffs_cg.js";
import { Direct } from "./dir.js";

/** i_flag bits */
export const IN_ACCESS = 0x0001;
export const IN_CHANGE = 0x0002;
export const IN_UPDATE = 0x0004;
export const IN_MODIFIED = 0x0008;
export const IN_ACCESSED = 0x0010;

/** Flag groups of chflags(2). */
export const IMMUTABLE = UF_IMMUTABLE | SF_IMMUTABLE;
export const APPEND = UF_APPEND | SF_APPEND;

/** The in-core inode (struct inode). */
export class Inode {
  i_flag = 0;
  /** the on-disk inode, parsed */
  readonly i_din = new Dinode();
  /** directories: byte offset; chunks below it had no room at the last insertion (a hint) */
  i_diroff = 0;
  /** a short symlink's target (stored in the inode), else null */
  i_shortlink: Uint8Array | null = null;
  /** directories: name → byte offset of its entry (ufs_dirhash.ts), or null */
  i_dirhash: Map<string, number> | null = null;
  /** the directory size the hash was charged to the mount with */
  i_dirhashsize = 0;
  /** the logical block a sequential reader reads next (read clustering) */
  i_nextr = 0;
  /**
   * ffs_read's last contiguous run: logical blocks [i_runlbn, i_runlbn +
   * i_runlen) at fragments i_runbn + k * fs_frag (a hole: i_runbn 0, one
   * block). Any change of the block map (ffs_write, ffs_truncate) empties it.
   */
  i_runlbn = 0;
  i_runlen = 0;
  i_runbn = 0;
  constructor(
    readonly i_ump: UfsMount,
    readonly i_number: number,
    public i_vnode: Vnode | null,
  ) {}
}

/** Per-mount state (struct ufsmount), in mp.mnt_data. */
export class UfsMount {
  /** the name the mount was given (fspec), for messages */
  um_fspec: string;
  /** read-only mount */
  um_ronly: boolean;
  /** inode numbers are below this */
  readonly um_maxino: number;
  /** the file system's size in fragments: every pointer is below this */
  readonly um_nfrags: number;
  readonly um_maxfilesize: number;
  /** the 4.2BSD directory format (16-bit d_namlen, no d_type) */
  readonly um_oldfmt = false;
  /** scratch out-slots (single CPU: never used re-entrantly across a bread) */
  readonly um_bpp: { v: Buf | null } = { v: null };
  readonly um_direct = new Direct();
  /** scratch: one directory chunk (compaction) and a lookup result */
  readonly um_dirbuf = new Uint8Array(512);
  readonly um_slot = { ino: 0, off: 0, type: 0 };
  /** the cylinder-group buffer and header being worked on (ffs_alloc) */
  readonly um_cgbpp: { v: Buf | null } = { v: null };
  readonly um_cg = new Cg();
  /** scratch: a second busy buffer and a block number (balloc, truncate) */
  readonly um_ibpp: { v: Buf | null } = { v: null };
  /** the data buffer of a write (ffs_write) */
  readonly um_wbpp: { v: Buf | null } = { v: null };
  readonly um_bn = { v: 0 };
  /** scratch: the errno out-slot of the allocator's internal steps */
  readonly um_err = { v: 0 };
  /** the time stamps of the operation in progress */
  readonly um_ts = { tv_sec: 0, tv_nsec: 0 };
  /** bytes of directories with a dirhash (bounded by DIRHASH_MOUNTMAX) */
  um_dirhashbytes = 0;
  /**
   * FFS: the image was clean when it was mounted read-write (FS_WASCLEAN).
   * A dirty image forced read-write stays dirty after unmount: only fsck
   * makes it clean.
   */
  um_wasclean = true;
  /** the summary area [um_csaddr, um_csend) in fragments */
  private readonly um_csaddr: number;
  private readonly um_csend: number;
  constructor(
    readonly um_mountp: Mount,
    readonly um_kernel: Kernel,
    readonly um_devvp: Vnode,
    readonly um_fs: Fs,
    readonly um_csum: Csum,
    readonly um_vnodeop_p: VnodeOpVector,
    readonly um_specop_p: VnodeOpVector,
    readonly um_fifoop_p: VnodeOpVector,
    fspec: string,
    ronly: boolean,
  ) {
    this.um_fspec = fspec;
    this.um_ronly = ronly;
    this.um_maxino = um_fs.fs_ncg * um_fs.fs_ipg;
    this.um_nfrags = um_fs.fs_size;
    // a file's bytes are addressed by at most NDADDR + NINDIR + NINDIR^2 + NINDIR^3 blocks
    const n = um_fs.fs_nindir;
    const blocks = 12 + n + n * n + n * n * n;
    this.um_maxfilesize = Math.min(blocks * um_fs.fs_bsize - 1, Number.MAX_SAFE_INTEGER);
    this.um_csaddr = um_fs.fs_csaddr;
    this.um_csend = um_fs.fs_csaddr + Math.ceil(um_fs.fs_cssize / um_fs.fs_fsize);
  }

  /**
   * Can fragment `b` (a pointer read from disk) belong to a file? It must lie
   * inside the file system and outside every group's superblock copy, group
   * block and inode blocks, group 0's boot area and the summary area: a
   * pointer into metadata would let a file's writes (or a truncate's frees)
   * land on the structures the file system itself is working with.
   */
  um_dataok(b: number): boolean {
    if (!(b > 0 && b < this.um_nfrags)) return false;
    const fs = this.um_fs;
    const c = Math.floor(b / fs.fs_fpg);
    if (b < cgdmin(fs, c) && (c === 0 || b >= cgsblock(fs, c))) return false;
    return !(b >= this.um_csaddr && b < this.um_csend);
  }
}

/** VFSTOUFS */
export function VFSTOUFS(mp: Mount): UfsMount {
  return mp.mnt_data as UfsMount;
}

/** VTOI */
export function VTOI(vp: Vnode): Inode {
  return vp.v_data as Inode;
}

/**
 * Report corruption on the console, naming the file system and what is
 * wrong, and return EIO (the answer every caller passes up).
 */
export function ufs_corrupt(ump: UfsMount, what: string): number {
  ump.um_kernel.printf(`ffs ${ump.um_fspec}: corrupt file system: ${what}\n`);
  return EIO;
}

/**
 * VOP_ACCESS: EROFS for writing files, directories and links of a
 * read-only mount, EPERM for writing an immutable file, else the
 * owner/group/other rules. Here, below ufs_vnops and ufs_lookup, because
 * lookup and rename call it directly where NetBSD goes through VOP_ACCESS.
 */
export function ufs_access(vp: Vnode, mode: number, cred: Kauth_cred): number {
  const ip = VTOI(vp);
  const din = ip.i_din;
  if (mode & VWRITE) {
    switch (vp.v_type) {
      case VDIR:
      case VLNK:
      case VREG:
        if (vp.v_mount!.mnt_flag & 1 /* MNT_RDONLY */) return EROFS;
        break;
      default:
        break;
    }
    if (din.di_flags & IMMUTABLE) return EPERM;
  }
  return genfs_can_access(vp.v_type, din.di_mode & ALLPERMS, din.di_uid, din.di_gid, mode, cred);
}
