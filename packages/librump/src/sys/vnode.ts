import type { Mount } from "./mount.js";

/** enum vtype (numbering of NetBSD's sys/vnode.h and rump_vtype). */
export const VNON = 0;
export const VREG = 1;
export const VDIR = 2;
export const VBLK = 3;
export const VCHR = 4;
export const VLNK = 5;
export const VSOCK = 6;
export const VFIFO = 7;
export const VBAD = 8;

/** Lock flags of vn_lock / VOP_LOCK. */
export const LK_SHARED = 0x00000001;
export const LK_EXCLUSIVE = 0x00000002;
export const LK_NOWAIT = 0x00000010;
export const LK_RETRY = 0x00020000;

/** v_vflag bits. */
export const VV_ROOT = 0x00000001;
export const VV_SYSTEM = 0x00000004;
export const VV_MPSAFE = 0x00000020;

/**
 * An operation vector: the implementations of one vnode type, indexed by the
 * generated descriptor offset (vdesc_offset). Built by vfs_opv_init.
 */
export type VnodeOpVector = ReadonlyArray<(...args: never[]) => number>;

/** Lifecycle states (vfs_vnode.c). */
export const VS_LOADING = 0;
export const VS_ACTIVE = 1;
export const VS_RECLAIMING = 2;
export const VS_RECLAIMED = 3;

/**
 * A vnode: the kernel's handle on a file of some mounted file system. The
 * file system keeps its own node in `v_data`. One object shape for every file
 * system; all fields are assigned in the constructor.
 */
export class Vnode {
  /** references held (vref/vrele) */
  v_usecount = 1;
  /** lock state: 0 unlocked, -1 exclusively locked, n > 0 shared holders */
  v_lock = 0;
  v_state = VS_LOADING;
  v_vflag = 0;
  /** file size as the VM system knows it (v_size) */
  v_size = 0;
  /** devices: rdev; fifos: the pipe */
  v_rdev = 0;
  v_specinfo: unknown = null;
  /** the mount covered by this directory vnode, if any */
  v_mountedhere: Mount | null = null;
  /** key in the vnode cache (file-system specific, usually the inode number) */
  v_key = 0;
  /** dirty buffers or pages waiting to be written */
  v_numoutput = 0;
  /** LRU links of the free list (vrele to 0) */
  v_freeprev: Vnode | null = null;
  v_freenext: Vnode | null = null;
  /** advisory locks held on this file (POSIX and flock) */
  v_lockf: unknown = null;
  /** name cache of this directory (kern/vfs_cache.ts owns the entries) */
  v_nc: Map<string, unknown> | null = null;
  /** the fifo or pipe state of a VFIFO vnode */
  v_fifoinfo: unknown = null;
  /** buffers of this vnode in the buffer cache (kern/vfs_bio.ts), by logical block */
  v_bufs: Map<number, import("./buf.js").Buf> | null = null;
  /** dirty buffers among v_bufs */
  v_ndirty = 0;
  /** device vnodes: blocks served from memory over the medium (sys/buf.ts) */
  v_overlay: import("./buf.js").BufOverlay | null = null;

  constructor(
    public v_mount: Mount | null,
    public v_type: number,
    public v_op: VnodeOpVector,
    public v_data: unknown,
  ) {}
}

/** `struct vnode **` out-parameter. */
export interface VnodeOut {
  vp: Vnode | null;
}
