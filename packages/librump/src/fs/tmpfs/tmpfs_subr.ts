/**
 * tmpfs support routines (tmpfs_subr.c): nodes, directory entries, times,
 * memory accounting, and the attribute changes behind VOP_SETATTR.
 */
import {
  ALLPERMS,
  EFBIG,
  EINVAL,
  EISDIR,
  EOPNOTSUPP,
  EPERM,
  EROFS,
  MNT_RDONLY,
  S_ISTXT,
} from "../../gen/constants.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import { SF_SETTABLE, UF_SETTABLE } from "../../sys/consts.js";
import type { Timespec } from "../../sys/time.js";
import { VA_UTIMES_NULL, VNOVAL } from "../../sys/vattr.js";
import {
  VBLK,
  VCHR,
  VDIR,
  VFIFO,
  VLNK,
  VREG,
  VSOCK,
  VS_ACTIVE,
  VV_ROOT,
  type Vnode,
  type VnodeOut,
} from "../../sys/vnode.js";
import type { Mount } from "../../sys/mount.js";
import { vcache_get, vref } from "../../kern/vfs_vnode.js";
import {
  genfs_can_access,
  genfs_can_chmod,
  genfs_can_chown,
  genfs_can_chtimes,
  genfs_can_sticky,
  genfs_chown_clear_suid,
  VWRITE,
} from "../../miscfs/genfs/genfs_vnops.js";
import {
  APPEND,
  IMMUTABLE,
  PAGE_SIZE,
  TMPFS_DIRENT_SIZE,
  TMPFS_MAXFILESIZE,
  TMPFS_UPDATE_ATIME,
  TMPFS_UPDATE_CTIME,
  TMPFS_UPDATE_MTIME,
  TmpfsDir,
  TmpfsDirent,
  TmpfsNode,
  VFS_TO_TMPFS,
  VP_TO_TMPFS_NODE,
  type TmpfsMount,
} from "./tmpfs.js";
import { tmpfs_pages_zerotail } from "./tmpfs_mem.js";

/* ------------------------------------------------------------------------ */
/* memory accounting                                                         */

/**
 * tmpfs_mem_incr: reserve `npages` data pages against ta_size_max and
 * RUMP_MEMLIMIT. False (→ ENOSPC) when either would be exceeded.
 */
export function tmpfs_mem_incr(tm: TmpfsMount, npages: number): boolean {
  if (tm.tm_pages.used + npages > tm.tm_pages_max) return false;
  return tm.tm_kernel.memReserve(npages * PAGE_SIZE);
}

/** tmpfs_mem_decr: give back pages reserved with tmpfs_mem_incr. */
export function tmpfs_mem_decr(tm: TmpfsMount, npages: number): void {
  if (npages > 0) tm.tm_kernel.memRelease(npages * PAGE_SIZE);
}

/** Pages still available (statvfs f_bfree). */
export function tmpfs_pages_avail(tm: TmpfsMount): number {
  const k = tm.tm_kernel;
  let avail = tm.tm_pages_max - tm.tm_pages.used;
  const mem = Math.floor((k.params.memlimit - k.memused) / PAGE_SIZE);
  if (mem < avail) avail = mem;
  return avail < 0 ? 0 : avail;
}

/* ------------------------------------------------------------------------ */
/* nodes                                                                     */

/**
 * tmpfs_alloc_node: a new node of `type` with no links, all four times set
 * to now (left in tm.tm_ts for the caller's other updates); null when
 * ta_nodes_max is reached (NetBSD counts the new node first: at most
 * nodes_max − 1 nodes) — the caller's ENOSPC.
 */
export function tmpfs_alloc_node(
  tm: TmpfsMount,
  type: number,
  mode: number,
  rdev: number,
): TmpfsNode | null {
  if (tm.tm_nodes_cnt + 1 >= tm.tm_nodes_max) return null;
  // xorshift32 for tn_gen: deterministic per mount, never 0
  let x = tm.tm_genseed | 0 || 0x2545f491;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  tm.tm_genseed = x;
  const node = new TmpfsNode(tm.tm_nextid++, type, mode & ALLPERMS, rdev, (x >>> 1) | 1);
  tmpfs_now(tm);
  tmpfs_settimes(tm, node, TMPFS_UPDATE_ATIME | TMPFS_UPDATE_MTIME | TMPFS_UPDATE_CTIME);
  node.tn_birthtime_sec = node.tn_atime_sec;
  node.tn_birthtime_nsec = node.tn_atime_nsec;
  if (type === VDIR) {
    node.tn_dir = new TmpfsDir(null);
    node.tn_links = 1; // "."
  }
  tm.tm_nodes_cnt++;
  return node;
}

/** tmpfs_free_node: forget a node with no links and no vnode; frees its pages. */
export function tmpfs_free_node(tm: TmpfsMount, node: TmpfsNode): void {
  const pt = node.tn_pages;
  if (pt !== null) {
    tmpfs_mem_decr(tm, pt.truncate(0, tm.tm_pages));
    node.tn_pages = null;
  }
  node.tn_dir = null;
  node.tn_link = null;
  // a node is freed once: its last vnode's reclaim, when it had no name left
  tm.tm_nodes_cnt--;
}

/**
 * The linked node with inode number `id`, or null: a walk of the tree from
 * the root (file handles and loads by number alone; a node with no name is
 * not found, which is what they want).
 */
export function tmpfs_node_find(tm: TmpfsMount, id: number): TmpfsNode | null {
  const root = tm.tm_root;
  if (root === null) return null;
  if (root.tn_id === id) return root;
  const stack: TmpfsNode[] = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!.tn_dir!;
    for (const de of dir.entries.values()) {
      const n = de.td_node;
      if (n.tn_id === id) return n;
      if (n.tn_type === VDIR) stack.push(n);
    }
  }
  return null;
}

/**
 * Set up a fresh vnode for `node` (vfs_loadvnode / vfs_newvnode): type,
 * operation vector by type, size, device number, VV_ROOT.
 */
export function tmpfs_vnode_init(tm: TmpfsMount, vp: Vnode, node: TmpfsNode): void {
  const type = node.tn_type;
  vp.v_type = type;
  vp.v_data = node;
  vp.v_size = node.tn_size;
  if (type === VBLK || type === VCHR) {
    vp.v_op = tm.tm_specop_p;
    vp.v_rdev = node.tn_rdev;
  } else if (type === VFIFO) {
    vp.v_op = tm.tm_fifoop_p;
  } else {
    vp.v_op = tm.tm_vnodeop_p;
  }
  if (node === tm.tm_root) vp.v_vflag |= VV_ROOT;
  node.tn_vnode = vp;
}

/**
 * vcache_get for a node in hand: its vnode referenced and unlocked. A node
 * remembers its vnode (NetBSD's tn_vnode), which saves the vnode cache's
 * hash lookup on every lookup that ends at a known node; one that has none,
 * or whose vnode is loading or going away, goes through vcache_get.
 */
export function tmpfs_vnode_get(mp: Mount, node: TmpfsNode, vpp: VnodeOut): number {
  const vp = node.tn_vnode;
  if (vp !== null && vp.v_state === VS_ACTIVE) {
    vref(vp);
    vpp.vp = vp;
    return 0;
  }
  const tm = VFS_TO_TMPFS(mp);
  const outer = tm.tm_loading;
  tm.tm_loading = node;
  const error = vcache_get(mp, node.tn_id, vpp);
  tm.tm_loading = outer;
  return error;
}

/* ------------------------------------------------------------------------ */
/* directories                                                               */

/**
 * tmpfs_dir_attach: enter `node` under `name` in directory `dnode`. Adds
 * a link to the node, and for a directory the ".." link to dnode.
 */
export function tmpfs_dir_attach(dnode: TmpfsNode, name: string, node: TmpfsNode): TmpfsDirent {
  const dir = dnode.tn_dir!;
  const de = new TmpfsDirent(name, node, dir.nextseq++);
  dir.entries.set(name, de);
  dir.list.push(de);
  node.tn_links++;
  if (node.tn_type === VDIR) {
    node.tn_dir!.parent = dnode;
    dnode.tn_links++;
  }
  dnode.tn_size += TMPFS_DIRENT_SIZE;
  return de;
}

/** tmpfs_dir_detach: remove entry `de` from `dnode`; drops the links attach added. */
export function tmpfs_dir_detach(dnode: TmpfsNode, de: TmpfsDirent): void {
  const dir = dnode.tn_dir!;
  const node = de.td_node;
  dir.entries.delete(de.td_name);
  de.td_live = false;
  node.tn_links--;
  if (node.tn_type === VDIR) {
    node.tn_dir!.parent = null;
    dnode.tn_links--;
  }
  dnode.tn_size -= TMPFS_DIRENT_SIZE;
  if (dir.entries.size === 0) {
    dir.list = [];
    dir.nremoved = 0;
  } else if (++dir.nremoved > 32 && dir.nremoved * 2 > dir.list.length) {
    const list = dir.list;
    let j = 0;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (e.td_live) list[j++] = e;
    }
    list.length = j;
    dir.nremoved = 0;
  }
}

/** Rename entry `de` of `dnode` in place (same directory: it keeps its cookie). */
export function tmpfs_dir_rename(dnode: TmpfsNode, de: TmpfsDirent, name: string): void {
  const entries = dnode.tn_dir!.entries;
  entries.delete(de.td_name);
  de.td_name = name;
  entries.set(name, de);
}

/** Index in dir.list of the first entry whose cookie is ≥ `cookie` (binary search). */
export function tmpfs_dir_seek(dir: TmpfsDir, cookie: number): number {
  const list = dir.list;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.td_seq < cookie) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Is `anc` an ancestor of (or equal to) directory `node`? */
export function tmpfs_dir_isancestor(anc: TmpfsNode, node: TmpfsNode): boolean {
  let n: TmpfsNode | null = node;
  while (n !== null) {
    if (n === anc) return true;
    const p: TmpfsNode | null = n.tn_dir!.parent;
    if (p === n) return false; // the root
    n = p;
  }
  return false;
}

/* ------------------------------------------------------------------------ */
/* times                                                                     */

/** Read the clock into tm.tm_ts (one hypercall; tmpfs_settimes then reuses it). */
export function tmpfs_now(tm: TmpfsMount): void {
  tm.tm_kernel.nanotime(tm.tm_ts);
}

/** Set the given times of `node` to the instant last read by tmpfs_now. */
export function tmpfs_settimes(tm: TmpfsMount, node: TmpfsNode, flags: number): void {
  const ts = tm.tm_ts;
  if (flags & TMPFS_UPDATE_ATIME) {
    node.tn_atime_sec = ts.tv_sec;
    node.tn_atime_nsec = ts.tv_nsec;
  }
  if (flags & TMPFS_UPDATE_MTIME) {
    node.tn_mtime_sec = ts.tv_sec;
    node.tn_mtime_nsec = ts.tv_nsec;
  }
  if (flags & TMPFS_UPDATE_CTIME) {
    node.tn_ctime_sec = ts.tv_sec;
    node.tn_ctime_nsec = ts.tv_nsec;
  }
}

/** tmpfs_update: set the given times of `node` to now. */
export function tmpfs_update(tm: TmpfsMount, node: TmpfsNode, flags: number): void {
  tmpfs_now(tm);
  tmpfs_settimes(tm, node, flags);
}

/* ------------------------------------------------------------------------ */
/* access and attribute changes                                             */

/**
 * tmpfs_access (VOP_ACCESS): EROFS for writing files, directories and links
 * of a read-only mount, EPERM for writing an immutable file, otherwise the
 * owner/group/other rules of genfs_can_access.
 */
export function tmpfs_access(vp: Vnode, mode: number, cred: Kauth_cred): number {
  const node = VP_TO_TMPFS_NODE(vp);
  switch (vp.v_type) {
    case VDIR:
    case VLNK:
    case VREG:
      if (mode & VWRITE && vp.v_mount!.mnt_flag & MNT_RDONLY) return EROFS;
      break;
    case VBLK:
    case VCHR:
    case VSOCK:
    case VFIFO:
      break;
    default:
      return EINVAL;
  }
  if (mode & VWRITE && node.tn_flags & IMMUTABLE) return EPERM;
  return genfs_can_access(vp.v_type, node.tn_mode, node.tn_uid, node.tn_gid, mode, cred);
}

/** tmpfs_chflags: only root changes SF_* flags; the owner the UF_* ones. */
export function tmpfs_chflags(vp: Vnode, flags: number, cred: Kauth_cred): number {
  const node = VP_TO_TMPFS_NODE(vp);
  const mp = vp.v_mount!;
  if (mp.mnt_flag & MNT_RDONLY) return EROFS;
  const changingSys = (flags & SF_SETTABLE) >>> 0 !== (node.tn_flags & SF_SETTABLE) >>> 0;
  if (cred.cr_euid !== 0) {
    if (cred.cr_euid !== node.tn_uid) return EPERM;
    if (changingSys) return EPERM;
  }
  if (changingSys) node.tn_flags = flags >>> 0;
  else node.tn_flags = ((node.tn_flags & SF_SETTABLE) | (flags & UF_SETTABLE)) >>> 0;
  tmpfs_update(VFS_TO_TMPFS(mp), node, TMPFS_UPDATE_CTIME);
  return 0;
}

/** tmpfs_chmod: owner or root; setgid dropped for non-members (genfs_can_chmod). */
export function tmpfs_chmod(vp: Vnode, mode: number, cred: Kauth_cred): number {
  const node = VP_TO_TMPFS_NODE(vp);
  const mp = vp.v_mount!;
  if (mp.mnt_flag & MNT_RDONLY) return EROFS;
  if (node.tn_flags & (IMMUTABLE | APPEND)) return EPERM;
  const out = { v: 0 };
  const error = genfs_can_chmod(vp.v_type, cred, node.tn_uid, node.tn_gid, mode, out);
  if (error !== 0) return error;
  node.tn_mode = out.v & ALLPERMS;
  tmpfs_update(VFS_TO_TMPFS(mp), node, TMPFS_UPDATE_CTIME);
  return 0;
}

/** tmpfs_chown: VNOVAL keeps a value; non-root may only pick one of its groups. */
export function tmpfs_chown(vp: Vnode, uid: number, gid: number, cred: Kauth_cred): number {
  const node = VP_TO_TMPFS_NODE(vp);
  const mp = vp.v_mount!;
  if (uid === VNOVAL) uid = node.tn_uid;
  if (gid === VNOVAL) gid = node.tn_gid;
  if (mp.mnt_flag & MNT_RDONLY) return EROFS;
  if (node.tn_flags & (IMMUTABLE | APPEND)) return EPERM;
  const error = genfs_can_chown(cred, node.tn_uid, node.tn_gid, uid, gid);
  if (error !== 0) return error;
  const changed = uid !== node.tn_uid || gid !== node.tn_gid;
  node.tn_mode = genfs_chown_clear_suid(node.tn_mode, cred, changed);
  node.tn_uid = uid;
  node.tn_gid = gid;
  tmpfs_update(VFS_TO_TMPFS(mp), node, TMPFS_UPDATE_CTIME);
  return 0;
}

/**
 * tmpfs_chsize: truncate or extend a regular file. Devices and fifos accept
 * (and ignore) a size even on a read-only mount; directories are EISDIR.
 */
export function tmpfs_chsize(vp: Vnode, size: number): number {
  const node = VP_TO_TMPFS_NODE(vp);
  const mp = vp.v_mount!;
  switch (vp.v_type) {
    case VDIR:
      return EISDIR;
    case VREG:
      if (mp.mnt_flag & MNT_RDONLY) return EROFS;
      break;
    case VBLK:
    case VCHR:
    case VFIFO:
      return 0;
    default:
      return EOPNOTSUPP;
  }
  if (node.tn_flags & (IMMUTABLE | APPEND)) return EPERM;
  if (size < 0) return EINVAL;
  if (size === node.tn_size) return 0;
  const error = tmpfs_reg_resize(VFS_TO_TMPFS(mp), vp, node, size);
  if (error === 0) tmpfs_update(VFS_TO_TMPFS(mp), node, TMPFS_UPDATE_CTIME | TMPFS_UPDATE_MTIME);
  return error;
}

/**
 * tmpfs_reg_resize: set the length of a regular file. Shrinking frees the
 * pages past the end and zeroes the rest of the last page; growing only
 * moves the end (the new range is a hole).
 */
export function tmpfs_reg_resize(
  tm: TmpfsMount,
  vp: Vnode,
  node: TmpfsNode,
  newsize: number,
): number {
  if (newsize > TMPFS_MAXFILESIZE) return EFBIG;
  const pt = node.tn_pages;
  if (newsize < node.tn_size && pt !== null) {
    const keep = Math.ceil(newsize / PAGE_SIZE);
    tmpfs_mem_decr(tm, pt.truncate(keep, tm.tm_pages));
    if (pt.npages === 0) node.tn_pages = null;
    else tmpfs_pages_zerotail(pt, tm.tm_pages, newsize);
  }
  node.tn_size = newsize;
  vp.v_size = newsize;
  return 0;
}

/**
 * tmpfs_chtimes: explicit times need ownership; "now" (VA_UTIMES_NULL)
 * also write permission. Always bumps ctime.
 */
export function tmpfs_chtimes(
  vp: Vnode,
  atime: Timespec,
  mtime: Timespec,
  btime: Timespec,
  vaflags: number,
  cred: Kauth_cred,
): number {
  const node = VP_TO_TMPFS_NODE(vp);
  const mp = vp.v_mount!;
  if (mp.mnt_flag & MNT_RDONLY) return EROFS;
  if (node.tn_flags & (IMMUTABLE | APPEND)) return EPERM;
  const error = genfs_can_chtimes((vaflags & VA_UTIMES_NULL) !== 0, node.tn_uid, cred, () =>
    tmpfs_access(vp, VWRITE, cred),
  );
  if (error !== 0) return error;
  if (atime.tv_sec !== VNOVAL) {
    node.tn_atime_sec = atime.tv_sec;
    node.tn_atime_nsec = atime.tv_nsec;
  }
  if (mtime.tv_sec !== VNOVAL) {
    node.tn_mtime_sec = mtime.tv_sec;
    node.tn_mtime_nsec = mtime.tv_nsec;
  }
  if (btime.tv_sec !== VNOVAL) {
    node.tn_birthtime_sec = btime.tv_sec;
    node.tn_birthtime_nsec = btime.tv_nsec;
  }
  tmpfs_update(VFS_TO_TMPFS(mp), node, TMPFS_UPDATE_CTIME);
  return 0;
}

/**
 * Sticky directory: may `cred` remove or replace `node`'s entry in `dnode`?
 * 0 or EPERM (genfs_can_sticky).
 */
export function tmpfs_check_sticky(cred: Kauth_cred, dnode: TmpfsNode, node: TmpfsNode): number {
  if ((dnode.tn_mode & S_ISTXT) === 0) return 0;
  return genfs_can_sticky(cred, dnode.tn_uid, node.tn_uid) === 0 ? 0 : EPERM;
}
