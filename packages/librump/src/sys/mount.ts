import type { Kauth_cred } from "./kauth.js";
import type { Out } from "./out.js";
import type { Statvfs } from "./stat.js";
import type { Vnode, VnodeOpVector, VnodeOut } from "./vnode.js";
import { newStatvfs } from "./stat.js";

/** VFS_SYNC waitfor values. */
export const MNT_WAIT = 1;
export const MNT_NOWAIT = 2;
export const MNT_LAZY = 3;

/**
 * A file-system type (struct vfsops). Every slot is filled (unsupported ones
 * name an `eopnotsupp` routine), so all file systems share one object shape.
 */
export interface Vfsops {
  readonly vfs_name: string;
  /** bytes of mount data the type expects (`data_len` shorter → EINVAL); 0 = none */
  readonly vfs_min_mount_data: number;
  vfs_mount(mp: Mount, path: string, data: unknown, dataLen: number): number;
  vfs_start(mp: Mount, flags: number): number;
  vfs_unmount(mp: Mount, mntflags: number): number;
  vfs_root(mp: Mount, lktype: number, vpp: VnodeOut): number;
  vfs_statvfs(mp: Mount, sbp: Statvfs): number;
  vfs_sync(mp: Mount, waitfor: number, cred: Kauth_cred): number;
  vfs_vget(mp: Mount, ino: number, lktype: number, vpp: VnodeOut): number;
  /**
   * Initialise the new vnode `vp` for the node named by `key` (the vnode
   * cache calls this on a miss). Sets v_type, v_op, v_data, v_size.
   */
  vfs_loadvnode(mp: Mount, vp: Vnode, key: number): number;
  /**
   * Create a new node with attributes from VOP_CREATE & co.; `newkey`
   * receives its key. (vfs_newvnode)
   */
  vfs_newvnode(
    mp: Mount,
    dvp: Vnode,
    vp: Vnode,
    vap: import("./vattr.js").Vattr,
    cred: Kauth_cred,
    newkey: Out<number>,
  ): number;
  vfs_fhtovp(mp: Mount, fid: Uint8Array, lktype: number, vpp: VnodeOut): number;
  vfs_vptofh(vp: Vnode, fid: Out<Uint8Array | null>): number;
  /** operation vectors this type supplies, built by vfs_attach */
  readonly vfs_opv_descs: readonly VnodeOpvDesc[];
}

/** One vnode operation table of a file system, before vfs_attach builds it. */
export interface VnodeOpvDesc {
  /** the built vector is stored here by vfs_opv_init */
  vector: VnodeOpVector;
  readonly entries: readonly VnodeOpvEntry[];
}

/** (descriptor, implementation): `{ desc, fn }` of vnodeopv_entry_desc. */
export type VnodeOpvEntry = readonly [
  desc: { readonly vdesc_offset: number },
  fn: (...args: never[]) => number,
];

/**
 * A mounted file system (struct mount). `mnt_data` holds the file system's
 * own state; `mnt_kernel` is the kernel instance the mount lives in.
 */
export class Mount {
  mnt_flag = 0;
  mnt_iflag = 0;
  mnt_vnodecovered: Vnode | null = null;
  mnt_data: unknown = null;
  mnt_stat: Statvfs = newStatvfs();
  /** vnodes of this mount in the cache */
  mnt_nvnodes = 0;
  /** the vnode cache of this mount: key (inode number) → vnode */
  readonly mnt_vcache = new Map<number, Vnode>();
  /** busy count (vfs_busy) */
  mnt_refcnt = 1;
  /** maximum name length of the file system (pathconf _PC_NAME_MAX) */
  mnt_namemax = 255;
  /** unique id within the kernel */
  mnt_id = 0;
  constructor(
    public mnt_op: Vfsops,
    public mnt_kernel: unknown,
  ) {}
}
