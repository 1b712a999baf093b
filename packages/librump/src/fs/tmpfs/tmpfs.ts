/**
 * tmpfs: the efficient memory file system — private header (fs/tmpfs/tmpfs.h):
 * the node, directory entry and mount structures, the mount arguments and
 * the constants shared by tmpfs_{vfsops,vnops,subr,rename,mem}.ts.
 *
 * Single CPU: the vnode lock of a node's vnode (or the caller holding the
 * parent locked) is all the serialisation there is; no field needs a lock
 * of its own.
 *
 * Regular files live in fixed-size pages (tmpfs_mem.ts), directories are a
 * hash (name → entry) plus an array in cookie order (see TmpfsDir).
 */
import type { Kernel } from "../../kern/kernel.js";
import type { Mount } from "../../sys/mount.js";
import type { ComponentName } from "../../sys/namei.js";
import type { Timespec } from "../../sys/time.js";
import type { Vnode, VnodeOpVector, VnodeOut } from "../../sys/vnode.js";
import { SF_APPEND, SF_IMMUTABLE, UF_APPEND, UF_IMMUTABLE } from "../../sys/consts.js";
import type { TmpfsPages, TmpfsPageTable } from "./tmpfs_mem.js";

/** Mount argument structure (fs/tmpfs/tmpfs_args.h). */
export interface TmpfsArgs {
  ta_version: number;
  /** node limit; ≤ 3 → default (3 + size limit / 1024, at most INT_MAX) */
  ta_nodes_max: number;
  /** byte limit; < PAGE_SIZE → none */
  ta_size_max: number;
  ta_root_uid: number;
  ta_root_gid: number;
  ta_root_mode: number;
}

export const TMPFS_ARGS_VERSION = 1;
/** sizeof(struct tmpfs_args) on LP64: int, pad, ino_t, off_t, uid_t, gid_t, mode_t, pad. */
export const TMPFS_ARGS_SIZE = 40;

/** tmpfs pages are 4 KiB (see tmpfs_mem.ts for why). */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;

export const TMPFS_MAXNAMLEN = 255;
/** Longest symbolic link target (MAXPATHLEN − 1: the NUL does not count). */
export const TMPFS_MAXPATHLEN = 1024;
/** Largest file: offsets stay exact JS numbers (DESIGN.md, answer 6). */
export const TMPFS_MAXFILESIZE = Number.MAX_SAFE_INTEGER;
/** st_size of a directory grows by this per entry (sizeof(tmpfs_dirent_t) on LP64). */
export const TMPFS_DIRENT_SIZE = 40;
export const INT_MAX = 0x7fffffff;

/** readdir cookies: "." and "..", then entry sequence numbers from TMPFS_DIRSEQ_FIRST on. */
export const TMPFS_DIRCOOKIE_DOT = 0;
export const TMPFS_DIRCOOKIE_DOTDOT = 1;
export const TMPFS_DIRSEQ_FIRST = 2;

/** tmpfs_update flags. */
export const TMPFS_UPDATE_ATIME = 0x01;
export const TMPFS_UPDATE_MTIME = 0x02;
export const TMPFS_UPDATE_CTIME = 0x04;

/** Flag groups of chflags(2) (ufs/ufs/inode.h names). */
export const IMMUTABLE = UF_IMMUTABLE | SF_IMMUTABLE;
export const APPEND = UF_APPEND | SF_APPEND;

/**
 * One name in a directory. Removed entries stay in TmpfsDir.list (td_live
 * false) until the next compaction, so that the list stays sorted by
 * td_seq and a readdir cookie can always be resolved by binary search.
 */
export class TmpfsDirent {
  td_live = true;
  constructor(
    public td_name: string,
    public td_node: TmpfsNode,
    /** readdir cookie of this entry: increasing in list order, never reused */
    public td_seq: number,
  ) {}
}

/**
 * The contents of a directory.
 *
 * - `entries`: name → entry, for O(1) lookup, create and remove.
 * - `list`: entries in insertion order = increasing td_seq. Readdir resumes
 *   at cookie c with a binary search for the first td_seq ≥ c, so a cookie
 *   stays valid whatever was added or removed before or after it (removed
 *   entries are skipped; new ones get larger sequence numbers and are seen
 *   by a reader that has not reached the end yet).
 * - removed entries are tombstones in `list` until they outnumber the live
 *   ones; then the list is compacted (amortised O(1) per removal).
 */
export class TmpfsDir {
  readonly entries = new Map<string, TmpfsDirent>();
  list: TmpfsDirent[] = [];
  /** tombstones in list */
  nremoved = 0;
  /** next td_seq to hand out */
  nextseq = TMPFS_DIRSEQ_FIRST;
  constructor(
    /** the directory holding this one's entry (".."); the root's is itself */
    public parent: TmpfsNode | null,
  ) {}
}

/**
 * A file of any type (struct tmpfs_node). Every field is assigned here so
 * all nodes share one shape; type-specific parts are null when unused.
 * Times are kept as plain numbers (no Timespec object per time).
 */
export class TmpfsNode {
  tn_gen: number;
  tn_mode: number;
  tn_uid = 0;
  tn_gid = 0;
  /** chflags(2) flags */
  tn_flags = 0;
  /** hard links (directories: entries naming it, plus "." and the ".." of each subdirectory) */
  tn_links = 0;
  /** bytes: file length, symlink target length, or TMPFS_DIRENT_SIZE × entries */
  tn_size = 0;
  /** device number of VBLK/VCHR nodes */
  tn_rdev: number;
  tn_atime_sec = 0;
  tn_atime_nsec = 0;
  tn_mtime_sec = 0;
  tn_mtime_nsec = 0;
  tn_ctime_sec = 0;
  tn_ctime_nsec = 0;
  tn_birthtime_sec = 0;
  tn_birthtime_nsec = 0;
  /** VDIR: the directory's entries */
  tn_dir: TmpfsDir | null = null;
  /** VREG: page table (null until the first page is written) */
  tn_pages: TmpfsPageTable | null = null;
  /** VLNK: the target, a byte string */
  tn_link: string | null = null;
  /** the node's vnode while it has one (set by tmpfs_vnode_init, cleared by VOP_RECLAIM) */
  tn_vnode: Vnode | null = null;

  constructor(
    /** inode number = vnode cache key */
    readonly tn_id: number,
    readonly tn_type: number,
    mode: number,
    rdev: number,
    gen: number,
  ) {
    this.tn_mode = mode;
    this.tn_rdev = rdev;
    this.tn_gen = gen;
  }
}

/**
 * The lead's hook for etfs keys of rumpfs: run by tmpfs_lookup before the
 * normal lookup when the directory is the root. Returns an errno with
 * *vpp referenced and unlocked on success, or -1 for "not mine".
 */
export type TmpfsLookupHook = (dvp: Vnode, cnp: ComponentName, vpp: VnodeOut) => number;

/** Per-mount state (struct tmpfs_mount), in mp.mnt_data. */
export class TmpfsMount {
  /**
   * the node whose vnode tmpfs_vnode_get is loading: VFS_LOADVNODE's key
   * names it. There is no table of all nodes (a hash entry per file would
   * cost memory and time on every create and remove); a key without a node
   * in hand is found by walking the tree, as NetBSD's tmpfs_fhtovp walks
   * its node list.
   */
  tm_loading: TmpfsNode | null = null;
  tm_root: TmpfsNode | null = null;
  tm_nodes_max: number;
  tm_nodes_cnt = 0;
  /** byte limit as given at mount (0: none, RUMP_MEMLIMIT still applies) */
  tm_size_max: number;
  /** page limit derived from tm_size_max (Infinity: none) */
  tm_pages_max: number;
  /** next inode number */
  tm_nextid = 2;
  /** state of the generation-number generator */
  tm_genseed: number;
  /** etfs hook of rumpfs (see TmpfsLookupHook) */
  tm_lookupHook: TmpfsLookupHook | null = null;
  /** scratch for nanotime (the kernel is single-threaded) */
  readonly tm_ts: Timespec = { tv_sec: 0, tv_nsec: 0 };
  /** built operation vectors for regular nodes, fifos and devices */
  tm_vnodeop_p: VnodeOpVector;
  tm_fifoop_p: VnodeOpVector;
  tm_specop_p: VnodeOpVector;

  constructor(
    readonly tm_mount: Mount,
    readonly tm_kernel: Kernel,
    readonly tm_pages: TmpfsPages,
    nodesMax: number,
    sizeMax: number,
    pagesMax: number,
    vectors: readonly [VnodeOpVector, VnodeOpVector, VnodeOpVector],
  ) {
    this.tm_nodes_max = nodesMax;
    this.tm_size_max = sizeMax;
    this.tm_pages_max = pagesMax;
    this.tm_genseed = (tm_mount.mnt_id * 2654435761) >>> 0;
    this.tm_vnodeop_p = vectors[0];
    this.tm_fifoop_p = vectors[1];
    this.tm_specop_p = vectors[2];
  }
}

/** VFS_TO_TMPFS */
export function VFS_TO_TMPFS(mp: Mount): TmpfsMount {
  return mp.mnt_data as TmpfsMount;
}

/** VP_TO_TMPFS_NODE */
export function VP_TO_TMPFS_NODE(vp: Vnode): TmpfsNode {
  return vp.v_data as TmpfsNode;
}
