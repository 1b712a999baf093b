/**
 * tmpfs file-system operations (tmpfs_vfsops.c): mount (with MNT_UPDATE and
 * MNT_GETARGS), unmount, root, statvfs, node creation and loading for the
 * vnode cache, file handles. The same code serves as the kernel's root file
 * system "rumpfs" (makeTmpfsVfsops("rumpfs")).
 */
import {
  ALLPERMS,
  EBUSY,
  EINVAL,
  EIO,
  ENOENT,
  ENOSPC,
  EOPNOTSUPP,
  ESTALE,
  MNT_FORCE,
  MNT_GETARGS,
  MNT_LOCAL,
  MNT_UPDATE,
} from "../../gen/constants.js";
import { vfs_opv_vectors } from "../../kern/vfs_init.js";
import { vflush, vn_lock, vrele } from "../../kern/vfs_vnode.js";
import type { Kernel } from "../../kern/kernel.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { Mount, Vfsops } from "../../sys/mount.js";
import type { Out } from "../../sys/out.js";
import type { Statvfs } from "../../sys/stat.js";
import { VNOVAL, type Vattr } from "../../sys/vattr.js";
import {
  VBLK,
  VCHR,
  VDIR,
  VFIFO,
  VLNK,
  VREG,
  VSOCK,
  type Vnode,
  type VnodeOut,
} from "../../sys/vnode.js";
import {
  INT_MAX,
  PAGE_SIZE,
  TMPFS_ARGS_SIZE,
  TMPFS_ARGS_VERSION,
  TMPFS_MAXNAMLEN,
  TmpfsMount,
  VFS_TO_TMPFS,
  type TmpfsArgs,
  type TmpfsLookupHook,
  type TmpfsNode,
} from "./tmpfs.js";
import { TMPFS_RETAIN_PAGES, TmpfsPages } from "./tmpfs_mem.js";
import {
  tmpfs_alloc_node,
  tmpfs_mem_decr,
  tmpfs_pages_avail,
  tmpfs_node_find,
  tmpfs_vnode_get,
  tmpfs_vnode_init,
} from "./tmpfs_subr.js";
import {
  tmpfs_fifoop_entries,
  tmpfs_specop_entries,
  tmpfs_vnodeop_entries,
} from "./tmpfs_vnops.js";

/** statvfs of a file system with neither ta_size_max nor RUMP_MEMLIMIT: 8 TiB. */
const TMPFS_UNLIMITED_PAGES = 0x7fffffff;

/** sizeof(tmpfs_fid_t): fid_len u16, pad u16, gen u32, id u64. */
const TMPFS_FID_SIZE = 16;

function isArgs(data: unknown): data is TmpfsArgs {
  if (data === null || typeof data !== "object") return false;
  const a = data as Record<string, unknown>;
  return (
    typeof a.ta_version === "number" &&
    typeof a.ta_nodes_max === "number" &&
    typeof a.ta_size_max === "number" &&
    typeof a.ta_root_uid === "number" &&
    typeof a.ta_root_gid === "number" &&
    typeof a.ta_root_mode === "number"
  );
}

/** VFS_MOUNT */
export function tmpfs_mount(mp: Mount, _path: string, data: unknown, dataLen: number): number {
  if (data === null || data === undefined) return EINVAL;
  if (dataLen !== -1 && dataLen < TMPFS_ARGS_SIZE) return EINVAL;
  if (mp.mnt_flag & MNT_GETARGS) {
    const tm = mp.mnt_data as TmpfsMount | null;
    if (tm === null || typeof data !== "object") return EIO;
    const a = data as TmpfsArgs;
    const root = tm.tm_root!;
    a.ta_version = TMPFS_ARGS_VERSION;
    a.ta_nodes_max = tm.tm_nodes_max;
    a.ta_size_max = tm.tm_size_max;
    a.ta_root_uid = root.tn_uid;
    a.ta_root_gid = root.tn_gid;
    a.ta_root_mode = root.tn_mode;
    return 0;
  }
  if (!isArgs(data)) return EINVAL;
  const args = data;
  if (args.ta_version !== TMPFS_ARGS_VERSION) return EINVAL;
  if (args.ta_root_uid === VNOVAL || args.ta_root_gid === VNOVAL) return EINVAL;

  const limited = args.ta_size_max >= PAGE_SIZE;
  const memlimit = limited ? args.ta_size_max : Infinity;
  let nodes = args.ta_nodes_max <= 3 ? 3 + Math.floor(memlimit / 1024) : args.ta_nodes_max;
  if (nodes > INT_MAX) nodes = INT_MAX;
  const pagesMax = limited ? Math.floor(memlimit / PAGE_SIZE) : Infinity;

  if (mp.mnt_flag & MNT_UPDATE) {
    const tm = mp.mnt_data as TmpfsMount | null;
    if (tm === null) return EIO;
    if (nodes < tm.tm_nodes_cnt) return EBUSY;
    if (pagesMax < tm.tm_pages.used) return EBUSY;
    tm.tm_nodes_max = nodes;
    tm.tm_size_max = limited ? args.ta_size_max : 0;
    tm.tm_pages_max = pagesMax;
    const root = tm.tm_root!;
    root.tn_uid = args.ta_root_uid;
    root.tn_gid = args.ta_root_gid;
    root.tn_mode = args.ta_root_mode & ALLPERMS;
    return 0;
  }

  const k = mp.mnt_kernel as Kernel;
  // keep at most a quarter of RUMP_MEMLIMIT as free pages for reuse
  const retain = Math.min(TMPFS_RETAIN_PAGES, Math.floor(k.params.memlimit / 4 / PAGE_SIZE));
  const tm = new TmpfsMount(
    mp,
    k,
    new TmpfsPages(retain),
    nodes,
    limited ? args.ta_size_max : 0,
    pagesMax,
    vfs_opv_vectors(mp.mnt_op),
  );
  const root = tmpfs_alloc_node(tm, VDIR, args.ta_root_mode & ALLPERMS, VNOVAL);
  if (root === null) return ENOSPC;
  root.tn_uid = args.ta_root_uid;
  root.tn_gid = args.ta_root_gid;
  // the root is its own parent: "." and ".."
  root.tn_dir!.parent = root;
  root.tn_links++;
  tm.tm_root = root;
  mp.mnt_data = tm;
  mp.mnt_flag |= MNT_LOCAL;
  mp.mnt_namemax = TMPFS_MAXNAMLEN;
  mp.mnt_stat.f_namemax = TMPFS_MAXNAMLEN;
  return 0;
}

/** VFS_START */
function tmpfs_start(_mp: Mount, _flags: number): number {
  return 0;
}

/** VFS_UNMOUNT: flush the vnodes (EBUSY if in use, unless MNT_FORCE), free everything. */
export function tmpfs_unmount(mp: Mount, mntflags: number): number {
  const error = vflush(mp, null, (mntflags & MNT_FORCE) !== 0);
  if (error !== 0) return error;
  const tm = mp.mnt_data as TmpfsMount | null;
  if (tm === null) return 0;
  tmpfs_mem_decr(tm, tm.tm_pages.used);
  tm.tm_pages.clear();
  tm.tm_nodes_cnt = 0;
  tm.tm_root = null;
  mp.mnt_data = null;
  return 0;
}

/** Lock a vnode just obtained for a VFS op that asked for lktype (0: unlocked). */
function lockIfAsked(vpp: VnodeOut, lktype: number): number {
  if (lktype === 0) return 0;
  const error = vn_lock(vpp.vp!, lktype);
  if (error !== 0) {
    vrele(vpp.vp!);
    vpp.vp = null;
  }
  return error;
}

/** VFS_ROOT */
export function tmpfs_root(mp: Mount, lktype: number, vpp: VnodeOut): number {
  const tm = VFS_TO_TMPFS(mp);
  const error = tmpfs_vnode_get(mp, tm.tm_root!, vpp);
  if (error !== 0) return error;
  return lockIfAsked(vpp, lktype);
}

/** VFS_STATVFS: blocks are pages; free space is the tighter of ta_size_max and RUMP_MEMLIMIT. */
export function tmpfs_statvfs(mp: Mount, sbp: Statvfs): number {
  const tm = VFS_TO_TMPFS(mp);
  const used = tm.tm_pages.used;
  let avail = tmpfs_pages_avail(tm);
  if (!Number.isFinite(avail)) avail = TMPFS_UNLIMITED_PAGES - used;
  sbp.f_bsize = PAGE_SIZE;
  sbp.f_frsize = PAGE_SIZE;
  sbp.f_iosize = PAGE_SIZE;
  sbp.f_blocks = used + avail;
  sbp.f_bfree = avail;
  sbp.f_bavail = avail;
  sbp.f_bresvd = 0;
  const freenodes = tm.tm_nodes_max - tm.tm_nodes_cnt;
  sbp.f_files = tm.tm_nodes_cnt + freenodes;
  sbp.f_ffree = freenodes;
  sbp.f_favail = freenodes;
  sbp.f_fresvd = 0;
  sbp.f_namemax = TMPFS_MAXNAMLEN;
  return 0;
}

/** VFS_SYNC: nothing is ever dirty. */
function tmpfs_sync(_mp: Mount, _waitfor: number, _cred: Kauth_cred): number {
  return 0;
}

/** VFS_VGET: not supported by tmpfs. */
function tmpfs_vget(_mp: Mount, _ino: number, _lktype: number, vpp: VnodeOut): number {
  vpp.vp = null;
  return EOPNOTSUPP;
}

/** VFS_LOADVNODE: attach the node with inode number `key` to a fresh vnode. */
export function tmpfs_loadvnode(mp: Mount, vp: Vnode, key: number): number {
  const tm = VFS_TO_TMPFS(mp);
  const loading = tm.tm_loading;
  const node = loading !== null && loading.tn_id === key ? loading : tmpfs_node_find(tm, key);
  if (node === null) return ENOENT;
  tmpfs_vnode_init(tm, vp, node);
  return 0;
}

/**
 * VFS_NEWVNODE: a new node from vap (type, mode, rdev), owned by the
 * caller's effective uid and the directory's group, as BSD does.
 */
export function tmpfs_newvnode(
  mp: Mount,
  dvp: Vnode,
  vp: Vnode,
  vap: Vattr,
  cred: Kauth_cred,
  newkey: Out<number>,
): number {
  const tm = VFS_TO_TMPFS(mp);
  const type = vap.va_type;
  switch (type) {
    case VREG:
    case VDIR:
    case VLNK:
    case VSOCK:
    case VFIFO:
    case VBLK:
    case VCHR:
      break;
    default:
      return EINVAL;
  }
  const rdev = type === VBLK || type === VCHR ? vap.va_rdev : VNOVAL;
  const mode = vap.va_mode === VNOVAL ? 0 : vap.va_mode;
  const node = tmpfs_alloc_node(tm, type, mode, rdev);
  if (node === null) return ENOSPC;
  const dnode = dvp.v_data as TmpfsNode;
  node.tn_uid = cred.cr_euid;
  node.tn_gid = dnode.tn_gid;
  tmpfs_vnode_init(tm, vp, node);
  newkey.v = node.tn_id;
  return 0;
}

/** VFS_FHTOVP: ESTALE for a node that is gone, EINVAL for a wrong generation. */
export function tmpfs_fhtovp(mp: Mount, fid: Uint8Array, lktype: number, vpp: VnodeOut): number {
  vpp.vp = null;
  if (fid.length < TMPFS_FID_SIZE) return EINVAL;
  const dv = new DataView(fid.buffer, fid.byteOffset, fid.byteLength);
  if (dv.getUint16(0, true) !== TMPFS_FID_SIZE) return EINVAL;
  const gen = dv.getUint32(4, true);
  const id = dv.getUint32(8, true) + dv.getUint32(12, true) * 4294967296;
  const tm = VFS_TO_TMPFS(mp);
  const node = tmpfs_node_find(tm, id);
  if (node === null || node.tn_links === 0) return ESTALE;
  if (node.tn_gen !== gen) return EINVAL;
  const error = tmpfs_vnode_get(mp, node, vpp);
  if (error !== 0) return error;
  return lockIfAsked(vpp, lktype);
}

/** VFS_VPTOFH */
export function tmpfs_vptofh(vp: Vnode, fid: Out<Uint8Array | null>): number {
  const node = vp.v_data as TmpfsNode;
  const b = new Uint8Array(TMPFS_FID_SIZE);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, TMPFS_FID_SIZE, true);
  dv.setUint32(4, node.tn_gen >>> 0, true);
  dv.setUint32(8, node.tn_id >>> 0, true);
  dv.setUint32(12, Math.floor(node.tn_id / 4294967296), true);
  fid.v = b;
  return 0;
}

/**
 * A tmpfs file-system type named `name`: "tmpfs", or "rumpfs" for the
 * kernel's root. Each call gives a Vfsops with its own (unbuilt) vectors.
 */
export function makeTmpfsVfsops(name: string): Vfsops {
  return {
    vfs_name: name,
    vfs_min_mount_data: TMPFS_ARGS_SIZE,
    vfs_mount: tmpfs_mount,
    vfs_start: tmpfs_start,
    vfs_unmount: tmpfs_unmount,
    vfs_root: tmpfs_root,
    vfs_statvfs: tmpfs_statvfs,
    vfs_sync: tmpfs_sync,
    vfs_vget: tmpfs_vget,
    vfs_loadvnode: tmpfs_loadvnode,
    vfs_newvnode: tmpfs_newvnode,
    vfs_fhtovp: tmpfs_fhtovp,
    vfs_vptofh: tmpfs_vptofh,
    vfs_opv_descs: [
      { vector: [], entries: tmpfs_vnodeop_entries },
      { vector: [], entries: tmpfs_fifoop_entries },
      { vector: [], entries: tmpfs_specop_entries },
    ],
  };
}

/** The "tmpfs" type (MOUNT_TMPFS). */
export const tmpfs_vfsops: Vfsops = makeTmpfsVfsops("tmpfs");

/**
 * Install (or remove, with null) the etfs lookup hook of a tmpfs/rumpfs
 * mount: it runs before the normal lookup in the root directory.
 */
export function tmpfs_set_lookup_hook(mp: Mount, hook: TmpfsLookupHook | null): void {
  VFS_TO_TMPFS(mp).tm_lookupHook = hook;
}
