/**
 * tmpfs vnode operations (tmpfs_vnops.c, tmpfs_fifoops.c, tmpfs_specops.c)
 * and the three operation tables: regular nodes, fifos, device nodes.
 *
 * Every routine takes the arguments of vnode_if.src positionally and
 * returns 0 or a NetBSD errno; lock states follow the `#%` table
 * (spec/vnodeops.md §6), which the generated VOP_* check under DIAGNOSTIC.
 */
import {
  EBUSY,
  EEXIST,
  EFBIG,
  EINVAL,
  EISDIR,
  EJUSTRETURN,
  EMLINK,
  ENAMETOOLONG,
  ENOENT,
  ENOSPC,
  ENOTDIR,
  ENOTEMPTY,
  EPERM,
  EROFS,
  MNT_NOATIME,
  MNT_RDONLY,
  O_APPEND,
  EXDEV,
} from "../../gen/constants.js";
import {
  vop_abortop_desc,
  vop_access_desc,
  vop_advlock_desc,
  vop_bmap_desc,
  vop_bwrite_desc,
  vop_close_desc,
  vop_closeextattr_desc,
  vop_create_desc,
  vop_default_desc,
  vop_deleteextattr_desc,
  vop_fallocate_desc,
  vop_fcntl_desc,
  vop_fdiscard_desc,
  vop_fsync_desc,
  vop_getattr_desc,
  vop_getextattr_desc,
  vop_getpages_desc,
  vop_inactive_desc,
  vop_ioctl_desc,
  vop_islocked_desc,
  vop_kqfilter_desc,
  vop_link_desc,
  vop_listextattr_desc,
  vop_lock_desc,
  vop_lookup_desc,
  vop_mkdir_desc,
  vop_mknod_desc,
  vop_mmap_desc,
  vop_open_desc,
  vop_openextattr_desc,
  vop_pathconf_desc,
  vop_poll_desc,
  vop_print_desc,
  vop_putpages_desc,
  vop_read_desc,
  vop_readdir_desc,
  vop_readlink_desc,
  vop_reclaim_desc,
  vop_remove_desc,
  vop_rename_desc,
  vop_revoke_desc,
  vop_rmdir_desc,
  vop_seek_desc,
  vop_setattr_desc,
  vop_setextattr_desc,
  vop_strategy_desc,
  vop_symlink_desc,
  vop_unlock_desc,
  vop_whiteout_desc,
  vop_write_desc,
} from "../../gen/vnode_if.js";
import {
  cache_enter,
  cache_lookup,
  cache_purge,
  cache_purge1,
  CACHE_HIT,
  CACHE_NEGATIVE,
} from "../../kern/vfs_cache.js";
import { lf_advlock } from "../../kern/vfs_lockf.js";
import { FWRITE } from "../../kern/sys_file.js";
import { IO_APPEND } from "../../kern/vfs_vnops.js";
import { vcache_new, vgone, vput, vref, vrele } from "../../kern/vfs_vnode.js";
import {
  genfs_abortop,
  genfs_enoioctl,
  genfs_eopnotsupp,
  genfs_nullop,
  genfs_poll,
  genfs_seek,
  genfs_write_clear_suid,
  vn_default_error,
  VEXEC,
  VWRITE,
  genfs_islocked,
  genfs_lock,
  genfs_unlock,
} from "../../miscfs/genfs/genfs_vnops.js";
import { fifo_vnodeop_entries } from "../../miscfs/fifofs/fifo_vnops.js";
import { spec_vnodeop_entries } from "../../miscfs/specfs/spec_vnops.js";
import {
  _PC_CHOWN_RESTRICTED,
  _PC_FILESIZEBITS,
  _PC_LINK_MAX,
  _PC_NAME_MAX,
  _PC_NO_TRUNC,
  _PC_PATH_MAX,
  _PC_PIPE_BUF,
  _PC_SYNC_IO,
  LINK_MAX,
  PIPE_BUF,
} from "../../sys/consts.js";
import { DT_DIR, dirent_append, vtype2dt } from "../../sys/dirent.js";
import type { Flock } from "../../sys/flock.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { VnodeOpvEntry } from "../../sys/mount.js";
import {
  CREATE,
  DELETE,
  ISLASTCN,
  LOOKUP,
  OPMASK,
  RENAME,
  type ComponentName,
} from "../../sys/namei.js";
import type { Out } from "../../sys/out.js";
import { uiomove, type Uio } from "../../sys/uio.js";
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
  APPEND,
  IMMUTABLE,
  PAGE_SIZE,
  TMPFS_DIRCOOKIE_DOT,
  TMPFS_DIRCOOKIE_DOTDOT,
  TMPFS_DIRSEQ_FIRST,
  TMPFS_MAXFILESIZE,
  TMPFS_MAXNAMLEN,
  TMPFS_MAXPATHLEN,
  TMPFS_UPDATE_ATIME,
  TMPFS_UPDATE_CTIME,
  TMPFS_UPDATE_MTIME,
  VFS_TO_TMPFS,
  VP_TO_TMPFS_NODE,
  type TmpfsMount,
  type TmpfsNode,
} from "./tmpfs.js";
import { tmpfs_pages_holes, tmpfs_pages_read, tmpfs_pages_write } from "./tmpfs_mem.js";
import { tmpfs_rename } from "./tmpfs_rename.js";
import {
  tmpfs_access,
  tmpfs_chflags,
  tmpfs_chmod,
  tmpfs_chown,
  tmpfs_chsize,
  tmpfs_chtimes,
  tmpfs_check_sticky,
  tmpfs_dir_attach,
  tmpfs_dir_detach,
  tmpfs_dir_seek,
  tmpfs_free_node,
  tmpfs_mem_incr,
  tmpfs_reg_resize,
  tmpfs_settimes,
  tmpfs_update,
  tmpfs_vnode_get,
} from "./tmpfs_subr.js";

export { tmpfs_access, tmpfs_rename };

/* ------------------------------------------------------------------------ */
/* names                                                                     */

/**
 * VOP_LOOKUP: dvp locked; on success *vpp referenced and unlocked (dvp
 * itself for "."). Not found as the last component of CREATE/RENAME:
 * EJUSTRETURN if the directory is writable. The name cache is consulted
 * first and fed positive and negative results, except for the last
 * component of a modifying lookup.
 */
export function tmpfs_lookup(dvp: Vnode, vpp: VnodeOut, cnp: ComponentName): number {
  vpp.vp = null;
  if (dvp.v_type !== VDIR) return ENOTDIR;
  const mp = dvp.v_mount!;
  const tm = VFS_TO_TMPFS(mp);
  const dnode = VP_TO_TMPFS_NODE(dvp);
  const name = cnp.cn_nameptr;
  const op = cnp.cn_nameiop & OPMASK;
  const lastcn = (cnp.cn_flags & ISLASTCN) !== 0;
  const cred = cnp.cn_cred;

  if (tm.tm_lookupHook !== null && dnode === tm.tm_root) {
    const r = tm.tm_lookupHook(dvp, cnp, vpp);
    if (r !== -1) return r;
    vpp.vp = null;
  }

  let error = tmpfs_access(dvp, VEXEC, cred);
  if (error !== 0) return error;
  if (lastcn && mp.mnt_flag & MNT_RDONLY && (op === DELETE || op === RENAME)) return EROFS;
  if (name.length > TMPFS_MAXNAMLEN) return ENAMETOOLONG;

  // a modifying last component always goes to the directory (permission checks)
  const modifying = lastcn && op !== LOOKUP;
  if (!(lastcn && (op === DELETE || op === RENAME))) {
    const c = cache_lookup(dvp, name, vpp, tm.tm_kernel.evcnt);
    if (c === CACHE_HIT) return 0;
    if (c === CACHE_NEGATIVE && !(lastcn && op === CREATE)) return ENOENT;
  }

  // an unlinked directory is empty, without even "." and ".."
  if (dnode.tn_links === 0) return ENOENT;

  if (name === "..") {
    if (lastcn && op === RENAME) return EINVAL;
    const parent = dnode.tn_dir!.parent;
    if (parent === null) return ENOENT;
    return tmpfs_vnode_get(mp, parent, vpp);
  }
  if (name === ".") {
    if (lastcn && op === RENAME) return EINVAL;
    vref(dvp);
    vpp.vp = dvp;
    return 0;
  }

  const de = dnode.tn_dir!.entries.get(name);
  if (de === undefined) {
    if (lastcn && (op === CREATE || op === RENAME)) {
      error = tmpfs_access(dvp, VWRITE, cred);
      return error !== 0 ? error : EJUSTRETURN;
    }
    if (!modifying) cache_enter(dvp, null, name);
    return ENOENT;
  }
  const tnode = de.td_node;
  if (!lastcn && tnode.tn_type !== VDIR && tnode.tn_type !== VLNK) return ENOTDIR;
  if (lastcn && (op === DELETE || op === RENAME)) {
    error = tmpfs_access(dvp, VWRITE, cred);
    if (error !== 0) return error;
    error = tmpfs_check_sticky(cred, dnode, tnode);
    if (error !== 0) return error;
  }
  error = tmpfs_vnode_get(mp, tnode, vpp);
  if (error === 0 && !modifying) cache_enter(dvp, vpp.vp, name);
  return error;
}

/**
 * Create a node of vap.va_type named cnp in dvp (tmpfs_construct_node):
 * dvp stays locked, the new vnode comes back referenced and unlocked.
 */
function tmpfs_construct_node(
  dvp: Vnode,
  vpp: VnodeOut,
  vap: Vattr,
  cnp: ComponentName,
  target: string | null,
): number {
  vpp.vp = null;
  const mp = dvp.v_mount!;
  const tm = VFS_TO_TMPFS(mp);
  const dnode = VP_TO_TMPFS_NODE(dvp);
  const name = cnp.cn_nameptr;
  if (dvp.v_type !== VDIR) return ENOTDIR;
  if (name.length > TMPFS_MAXNAMLEN) return ENAMETOOLONG;
  if (mp.mnt_flag & MNT_RDONLY) return EROFS;
  if (dnode.tn_links === 0) return ENOENT;
  if (dnode.tn_dir!.entries.has(name) || name === "." || name === "..") return EEXIST;
  if (vap.va_type === VDIR && dnode.tn_links >= LINK_MAX) return EMLINK;
  if (target !== null && target.length >= TMPFS_MAXPATHLEN) return ENAMETOOLONG;

  const error = vcache_new(mp, dvp, vap, cnp.cn_cred, vpp);
  if (error !== 0) return error;
  const vp = vpp.vp!;
  const node = VP_TO_TMPFS_NODE(vp);
  if (target !== null) {
    node.tn_link = target;
    node.tn_size = target.length;
    vp.v_size = target.length;
  }
  tmpfs_dir_attach(dnode, name, node);
  cache_purge1(dvp, name); // a negative entry
  tmpfs_settimes(tm, dnode, TMPFS_UPDATE_MTIME | TMPFS_UPDATE_CTIME); // the node's birth instant
  return 0;
}

/** VOP_CREATE: regular files and sockets. */
export function tmpfs_create(dvp: Vnode, vpp: VnodeOut, cnp: ComponentName, vap: Vattr): number {
  if (vap.va_type !== VREG && vap.va_type !== VSOCK) {
    vpp.vp = null;
    return EINVAL;
  }
  return tmpfs_construct_node(dvp, vpp, vap, cnp, null);
}

/** VOP_MKNOD: device nodes and fifos. */
export function tmpfs_mknod(dvp: Vnode, vpp: VnodeOut, cnp: ComponentName, vap: Vattr): number {
  const vt = vap.va_type;
  if (vt !== VBLK && vt !== VCHR && vt !== VFIFO) {
    vpp.vp = null;
    return EINVAL;
  }
  return tmpfs_construct_node(dvp, vpp, vap, cnp, null);
}

/** VOP_MKDIR */
export function tmpfs_mkdir(dvp: Vnode, vpp: VnodeOut, cnp: ComponentName, vap: Vattr): number {
  if (vap.va_type !== VDIR) {
    vpp.vp = null;
    return EINVAL;
  }
  return tmpfs_construct_node(dvp, vpp, vap, cnp, null);
}

/** VOP_SYMLINK: the target is a byte string of at most MAXPATHLEN − 1 bytes. */
export function tmpfs_symlink(
  dvp: Vnode,
  vpp: VnodeOut,
  cnp: ComponentName,
  vap: Vattr,
  target: string,
): number {
  if (vap.va_type !== VLNK) {
    vpp.vp = null;
    return EINVAL;
  }
  return tmpfs_construct_node(dvp, vpp, vap, cnp, target);
}

/** VOP_REMOVE: dvp and vp locked on entry, both put on return. */
export function tmpfs_remove(dvp: Vnode, vp: Vnode, cnp: ComponentName): number {
  const error = tmpfs_remove1(dvp, vp, cnp);
  vput(vp);
  if (dvp === vp) vrele(dvp);
  else vput(dvp);
  return error;
}

function tmpfs_remove1(dvp: Vnode, vp: Vnode, cnp: ComponentName): number {
  if (vp.v_type === VDIR) return EPERM;
  const mp = dvp.v_mount!;
  if (mp.mnt_flag & MNT_RDONLY) return EROFS;
  const tm = VFS_TO_TMPFS(mp);
  const dnode = VP_TO_TMPFS_NODE(dvp);
  const node = VP_TO_TMPFS_NODE(vp);
  // immutable or append-only files, and files in append-only directories, stay
  if (node.tn_flags & (IMMUTABLE | APPEND)) return EPERM;
  if (dnode.tn_flags & APPEND) return EPERM;
  const name = cnp.cn_nameptr;
  const de = dnode.tn_dir!.entries.get(name);
  if (de === undefined || de.td_node !== node) return ENOENT;
  tmpfs_dir_detach(dnode, de);
  cache_purge1(dvp, name);
  tmpfs_update(tm, dnode, TMPFS_UPDATE_MTIME | TMPFS_UPDATE_CTIME);
  if (node.tn_links > 0) tmpfs_settimes(tm, node, TMPFS_UPDATE_CTIME);
  return 0;
}

/** VOP_RMDIR: dvp and vp locked on entry, both put on return. */
export function tmpfs_rmdir(dvp: Vnode, vp: Vnode, cnp: ComponentName): number {
  const error = tmpfs_rmdir1(dvp, vp, cnp);
  if (dvp === vp) {
    vrele(dvp);
    vput(vp);
  } else {
    vput(dvp);
    vput(vp);
  }
  return error;
}

function tmpfs_rmdir1(dvp: Vnode, vp: Vnode, cnp: ComponentName): number {
  if (dvp === vp) return EINVAL;
  if (vp.v_type !== VDIR) return ENOTDIR;
  const mp = dvp.v_mount!;
  if (mp.mnt_flag & MNT_RDONLY) return EROFS;
  const tm = VFS_TO_TMPFS(mp);
  const dnode = VP_TO_TMPFS_NODE(dvp);
  const node = VP_TO_TMPFS_NODE(vp);
  const name = cnp.cn_nameptr;
  const de = dnode.tn_dir!.entries.get(name);
  if (de === undefined || de.td_node !== node) return ENOENT;
  if (node.tn_dir!.entries.size > 0) return ENOTEMPTY;
  if (dnode.tn_flags & APPEND || node.tn_flags & (IMMUTABLE | APPEND)) return EPERM;
  if (vp.v_mountedhere !== null) return EBUSY;
  node.tn_links--; // "."
  tmpfs_dir_detach(dnode, de);
  cache_purge1(dvp, name);
  cache_purge(vp);
  tmpfs_update(tm, dnode, TMPFS_UPDATE_MTIME | TMPFS_UPDATE_CTIME);
  return 0;
}

/** VOP_LINK: dvp locked (stays), vp unlocked. */
export function tmpfs_link(dvp: Vnode, vp: Vnode, cnp: ComponentName): number {
  const mp = dvp.v_mount!;
  if (vp.v_mount !== mp) return EXDEV;
  if (vp.v_type === VDIR) return EPERM;
  if (dvp.v_type !== VDIR) return ENOTDIR;
  if (mp.mnt_flag & MNT_RDONLY) return EROFS;
  const tm = VFS_TO_TMPFS(mp);
  const dnode = VP_TO_TMPFS_NODE(dvp);
  const node = VP_TO_TMPFS_NODE(vp);
  const name = cnp.cn_nameptr;
  if (name.length > TMPFS_MAXNAMLEN) return ENAMETOOLONG;
  if (node.tn_links >= LINK_MAX) return EMLINK;
  if (node.tn_flags & (IMMUTABLE | APPEND)) return EPERM;
  // a file whose last name is gone cannot get a new one
  if (node.tn_links === 0 || dnode.tn_links === 0) return ENOENT;
  if (dnode.tn_dir!.entries.has(name)) return EEXIST;
  tmpfs_dir_attach(dnode, name, node);
  cache_purge1(dvp, name);
  tmpfs_update(tm, node, TMPFS_UPDATE_CTIME);
  tmpfs_settimes(tm, dnode, TMPFS_UPDATE_MTIME | TMPFS_UPDATE_CTIME);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* open, close, attributes                                                   */

/** VOP_OPEN: removed files cannot be opened; append-only ones only for appending. */
export function tmpfs_open(vp: Vnode, mode: number, _cred: Kauth_cred): number {
  const node = VP_TO_TMPFS_NODE(vp);
  if (node.tn_links < 1) return ENOENT;
  if (node.tn_flags & APPEND && (mode & (FWRITE | O_APPEND)) === FWRITE) return EPERM;
  return 0;
}

/** VOP_GETATTR: every field of the vattr. */
export function tmpfs_getattr(vp: Vnode, vap: Vattr, _cred: Kauth_cred): number {
  const node = VP_TO_TMPFS_NODE(vp);
  const type = vp.v_type;
  vap.va_type = type;
  vap.va_mode = node.tn_mode;
  vap.va_nlink = node.tn_links;
  vap.va_uid = node.tn_uid;
  vap.va_gid = node.tn_gid;
  vap.va_fsid = vp.v_mount!.mnt_stat.f_fsidx[0];
  vap.va_fileid = node.tn_id;
  vap.va_size = node.tn_size;
  vap.va_blocksize = PAGE_SIZE;
  vap.va_atime.tv_sec = node.tn_atime_sec;
  vap.va_atime.tv_nsec = node.tn_atime_nsec;
  vap.va_mtime.tv_sec = node.tn_mtime_sec;
  vap.va_mtime.tv_nsec = node.tn_mtime_nsec;
  vap.va_ctime.tv_sec = node.tn_ctime_sec;
  vap.va_ctime.tv_nsec = node.tn_ctime_nsec;
  vap.va_birthtime.tv_sec = node.tn_birthtime_sec;
  vap.va_birthtime.tv_nsec = node.tn_birthtime_nsec;
  vap.va_gen = node.tn_gen;
  vap.va_flags = node.tn_flags;
  vap.va_rdev = type === VBLK || type === VCHR ? node.tn_rdev : VNOVAL;
  if (type === VREG) {
    vap.va_bytes = node.tn_pages === null ? 0 : node.tn_pages.npages * PAGE_SIZE;
  } else {
    vap.va_bytes = Math.ceil(node.tn_size / PAGE_SIZE) * PAGE_SIZE;
  }
  vap.va_filerev = VNOVAL;
  vap.va_vaflags = 0;
  return 0;
}

/**
 * VOP_SETATTR: flags, size, owner, mode, times — in NetBSD's order, stopping
 * at the first error. Read-only attributes given → EINVAL.
 */
export function tmpfs_setattr(vp: Vnode, vap: Vattr, cred: Kauth_cred): number {
  if (
    vap.va_type !== 0 /* VNON */ ||
    vap.va_nlink !== VNOVAL ||
    vap.va_fsid !== VNOVAL ||
    vap.va_fileid !== VNOVAL ||
    vap.va_blocksize !== VNOVAL ||
    vap.va_ctime.tv_sec !== VNOVAL ||
    vap.va_gen !== VNOVAL ||
    vap.va_rdev !== VNOVAL ||
    vap.va_bytes !== VNOVAL
  ) {
    return EINVAL;
  }
  let error = 0;
  if (vap.va_flags !== VNOVAL) error = tmpfs_chflags(vp, vap.va_flags, cred);
  if (error === 0 && vap.va_size !== VNOVAL) error = tmpfs_chsize(vp, vap.va_size);
  if (error === 0 && (vap.va_uid !== VNOVAL || vap.va_gid !== VNOVAL)) {
    error = tmpfs_chown(vp, vap.va_uid, vap.va_gid, cred);
  }
  if (error === 0 && vap.va_mode !== VNOVAL) error = tmpfs_chmod(vp, vap.va_mode, cred);
  if (
    error === 0 &&
    (vap.va_atime.tv_sec !== VNOVAL ||
      vap.va_mtime.tv_sec !== VNOVAL ||
      vap.va_birthtime.tv_sec !== VNOVAL)
  ) {
    error = tmpfs_chtimes(vp, vap.va_atime, vap.va_mtime, vap.va_birthtime, vap.va_vaflags, cred);
  }
  return error;
}

/* ------------------------------------------------------------------------ */
/* data                                                                      */

/** VOP_READ: holes read as zeros; updates atime. */
export function tmpfs_read(vp: Vnode, uio: Uio, _ioflag: number, _cred: Kauth_cred): number {
  if (vp.v_type === VDIR) return EISDIR;
  if (uio.uio_offset < 0 || vp.v_type !== VREG) return EINVAL;
  if (uio.uio_resid === 0) return 0;
  const node = VP_TO_TMPFS_NODE(vp);
  const mp = vp.v_mount!;
  const tm = VFS_TO_TMPFS(mp);
  if ((mp.mnt_flag & (MNT_NOATIME | MNT_RDONLY)) === 0) {
    tmpfs_update(tm, node, TMPFS_UPDATE_ATIME);
  }
  const off = uio.uio_offset;
  const size = node.tn_size;
  if (off >= size) return 0;
  let len = uio.uio_resid;
  if (len > size - off) len = size - off;
  tmpfs_pages_read(node.tn_pages, tm.tm_pages, off, len, uio);
  return 0;
}

/**
 * VOP_WRITE: all or nothing — the pages the write needs are reserved first
 * (ENOSPC if ta_size_max or RUMP_MEMLIMIT says no). Updates mtime/ctime and
 * clears setuid/setgid for non-root writers.
 */
export function tmpfs_write(vp: Vnode, uio: Uio, ioflag: number, cred: Kauth_cred): number {
  if (vp.v_type !== VREG) return vp.v_type === VDIR ? EISDIR : EINVAL;
  const node = VP_TO_TMPFS_NODE(vp);
  const mp = vp.v_mount!;
  if (mp.mnt_flag & MNT_RDONLY) return EROFS;
  if (node.tn_flags & IMMUTABLE) return EPERM;
  if (node.tn_flags & APPEND && (ioflag & IO_APPEND) === 0) return EPERM;
  if (ioflag & IO_APPEND) uio.uio_offset = node.tn_size;
  const off = uio.uio_offset;
  if (off < 0) return EINVAL;
  const len = uio.uio_resid;
  if (len === 0) return 0;
  if (off + len > TMPFS_MAXFILESIZE) return EFBIG;
  const tm = VFS_TO_TMPFS(mp);
  const holes = tmpfs_pages_holes(node.tn_pages, off, len);
  if (holes > 0 && !tmpfs_mem_incr(tm, holes)) return ENOSPC;
  node.tn_pages = tmpfs_pages_write(node.tn_pages, tm.tm_pages, off, len, uio);
  if (off + len > node.tn_size) {
    node.tn_size = off + len;
    vp.v_size = off + len;
  }
  node.tn_mode = genfs_write_clear_suid(node.tn_mode, cred);
  tmpfs_update(tm, node, TMPFS_UPDATE_MTIME | TMPFS_UPDATE_CTIME);
  return 0;
}

/**
 * VOP_READDIR: ".", "..", then the entries from the cookie in uio_offset
 * (offset = cookie of the next entry to return; see TmpfsDir). A cookie
 * stays meaningful across any inserts and removals.
 */
export function tmpfs_readdir(
  vp: Vnode,
  uio: Uio,
  _cred: Kauth_cred,
  eofflag: Out<number>,
  cookies: Out<number[] | null> | null,
  ncookies: Out<number> | null,
): number {
  eofflag.v = 0;
  if (vp.v_type !== VDIR) return ENOTDIR;
  let off = uio.uio_offset;
  if (off < 0) return EINVAL;
  const node = VP_TO_TMPFS_NODE(vp);
  const dir = node.tn_dir!;
  const mp = vp.v_mount!;
  const cks: number[] | null = cookies !== null && ncookies !== null ? [] : null;
  let count = 0;
  let eof = true;
  // a removed directory reads as empty
  if (node.tn_links > 0) {
    fill: {
      if (off === TMPFS_DIRCOOKIE_DOT) {
        if (!dirent_append(uio, node.tn_id, DT_DIR, ".")) {
          eof = false;
          break fill;
        }
        off = TMPFS_DIRCOOKIE_DOTDOT;
        uio.uio_offset = off;
        count++;
        if (cks !== null) cks.push(off);
      }
      if (off === TMPFS_DIRCOOKIE_DOTDOT) {
        const parent = dir.parent ?? node;
        if (!dirent_append(uio, parent.tn_id, DT_DIR, "..")) {
          eof = false;
          break fill;
        }
        off = TMPFS_DIRSEQ_FIRST;
        uio.uio_offset = off;
        count++;
        if (cks !== null) cks.push(off);
      }
      const list = dir.list;
      for (let i = tmpfs_dir_seek(dir, off); i < list.length; i++) {
        const de = list[i]!;
        if (!de.td_live) continue;
        const n = de.td_node;
        if (!dirent_append(uio, n.tn_id, vtype2dt(n.tn_type), de.td_name)) {
          eof = false;
          break;
        }
        off = de.td_seq + 1;
        uio.uio_offset = off;
        count++;
        if (cks !== null) cks.push(off);
      }
    }
    if (count === 0 && !eof) return EINVAL; // not even one entry fits
  }
  // a reader that has seen everything stays past the last entry
  uio.uio_offset = off;
  eofflag.v = eof ? 1 : 0;
  if (cks !== null) {
    cookies!.v = cks;
    ncookies!.v = cks.length;
  }
  if ((mp.mnt_flag & (MNT_NOATIME | MNT_RDONLY)) === 0) {
    tmpfs_update(VFS_TO_TMPFS(mp), node, TMPFS_UPDATE_ATIME);
  }
  return 0;
}

/** VOP_READLINK */
export function tmpfs_readlink(vp: Vnode, uio: Uio, _cred: Kauth_cred): number {
  if (vp.v_type !== VLNK) return EINVAL;
  const node = VP_TO_TMPFS_NODE(vp);
  const target = node.tn_link!;
  const n = target.length;
  const buf = new Uint8Array(n);
  for (let i = 0; i < n; i++) buf[i] = target.charCodeAt(i) & 0xff;
  uiomove(buf, 0, n, uio);
  const mp = vp.v_mount!;
  if ((mp.mnt_flag & (MNT_NOATIME | MNT_RDONLY)) === 0) {
    tmpfs_update(VFS_TO_TMPFS(mp), node, TMPFS_UPDATE_ATIME);
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* life cycle                                                                */

/**
 * VOP_INACTIVE: entered locked, leaves unlocked. A node without names is
 * truncated and its vnode recycled (then reclaim frees the node).
 */
export function tmpfs_inactive(vp: Vnode, recycle: Out<boolean>): number {
  const node = vp.v_data as TmpfsNode | null;
  if (node !== null && node.tn_links === 0) {
    if (vp.v_type === VREG && node.tn_pages !== null) {
      tmpfs_reg_resize(VFS_TO_TMPFS(vp.v_mount!), vp, node, 0);
    }
    recycle.v = true;
  } else {
    recycle.v = false;
  }
  genfs_unlock(vp);
  return 0;
}

/** VOP_RECLAIM: entered unlocked; frees the node if it has no names left. */
export function tmpfs_reclaim(vp: Vnode): number {
  const node = vp.v_data as TmpfsNode | null;
  vp.v_data = null;
  if (node !== null && node.tn_vnode === vp) node.tn_vnode = null;
  if (node !== null && node.tn_links === 0) {
    const tm = vp.v_mount!.mnt_data as TmpfsMount | null;
    if (tm !== null) tmpfs_free_node(tm, node);
  }
  return 0;
}

/** VOP_REVOKE: make every reference to the vnode dead (genfs_revoke). */
export function tmpfs_revoke(vp: Vnode, _flags: number): number {
  vgone(vp);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* miscellany                                                                */

/** VOP_PATHCONF */
export function tmpfs_pathconf(_vp: Vnode, name: number, retval: Out<number>): number {
  switch (name) {
    case _PC_LINK_MAX:
      retval.v = LINK_MAX;
      return 0;
    case _PC_NAME_MAX:
      retval.v = TMPFS_MAXNAMLEN;
      return 0;
    case _PC_PATH_MAX:
      retval.v = TMPFS_MAXPATHLEN;
      return 0;
    case _PC_PIPE_BUF:
      retval.v = PIPE_BUF;
      return 0;
    case _PC_CHOWN_RESTRICTED:
    case _PC_NO_TRUNC:
    case _PC_SYNC_IO:
      retval.v = 1;
      return 0;
    case _PC_FILESIZEBITS:
      retval.v = 64;
      return 0;
    default:
      return EINVAL;
  }
}

/** VOP_ADVLOCK: POSIX and flock locks (kern/vfs_lockf.ts). */
export function tmpfs_advlock(
  vp: Vnode,
  id: unknown,
  op: number,
  fl: Flock,
  flags: number,
): number {
  const node = VP_TO_TMPFS_NODE(vp);
  return lf_advlock(vp, id as object, op, fl, flags, node.tn_size);
}

/* ------------------------------------------------------------------------ */
/* operation tables                                                          */

/** Regular files, directories, symlinks and sockets: all 49 operations. */
export const tmpfs_vnodeop_entries: readonly VnodeOpvEntry[] = [
  [vop_default_desc, vn_default_error],
  [vop_bwrite_desc, genfs_nullop],
  [vop_lookup_desc, tmpfs_lookup],
  [vop_create_desc, tmpfs_create],
  [vop_mknod_desc, tmpfs_mknod],
  [vop_open_desc, tmpfs_open],
  [vop_close_desc, genfs_nullop],
  [vop_access_desc, tmpfs_access],
  [vop_getattr_desc, tmpfs_getattr],
  [vop_setattr_desc, tmpfs_setattr],
  [vop_read_desc, tmpfs_read],
  [vop_write_desc, tmpfs_write],
  [vop_fallocate_desc, genfs_eopnotsupp],
  [vop_fdiscard_desc, genfs_eopnotsupp],
  [vop_ioctl_desc, genfs_enoioctl],
  [vop_fcntl_desc, genfs_eopnotsupp],
  [vop_poll_desc, genfs_poll],
  [vop_kqfilter_desc, genfs_eopnotsupp],
  [vop_revoke_desc, tmpfs_revoke],
  [vop_mmap_desc, genfs_eopnotsupp],
  [vop_fsync_desc, genfs_nullop],
  [vop_seek_desc, genfs_seek],
  [vop_remove_desc, tmpfs_remove],
  [vop_link_desc, tmpfs_link],
  [vop_rename_desc, tmpfs_rename],
  [vop_mkdir_desc, tmpfs_mkdir],
  [vop_rmdir_desc, tmpfs_rmdir],
  [vop_symlink_desc, tmpfs_symlink],
  [vop_readdir_desc, tmpfs_readdir],
  [vop_readlink_desc, tmpfs_readlink],
  [vop_abortop_desc, genfs_abortop],
  [vop_inactive_desc, tmpfs_inactive],
  [vop_reclaim_desc, tmpfs_reclaim],
  [vop_lock_desc, genfs_lock],
  [vop_unlock_desc, genfs_unlock],
  [vop_bmap_desc, genfs_eopnotsupp],
  [vop_strategy_desc, genfs_eopnotsupp],
  [vop_print_desc, genfs_nullop],
  [vop_islocked_desc, genfs_islocked],
  [vop_pathconf_desc, tmpfs_pathconf],
  [vop_advlock_desc, tmpfs_advlock],
  [vop_whiteout_desc, genfs_eopnotsupp],
  [vop_getpages_desc, genfs_eopnotsupp],
  [vop_putpages_desc, genfs_nullop],
  [vop_closeextattr_desc, genfs_eopnotsupp],
  [vop_getextattr_desc, genfs_eopnotsupp],
  [vop_listextattr_desc, genfs_eopnotsupp],
  [vop_openextattr_desc, genfs_eopnotsupp],
  [vop_deleteextattr_desc, genfs_eopnotsupp],
  [vop_setextattr_desc, genfs_eopnotsupp],
] as unknown as readonly VnodeOpvEntry[];

/** What a node supplies to the fifofs or specfs vector (tmpfs_fifoops.c, tmpfs_specops.c). */
const tmpfs_node_entries = [
  [vop_access_desc, tmpfs_access],
  [vop_getattr_desc, tmpfs_getattr],
  [vop_setattr_desc, tmpfs_setattr],
  [vop_inactive_desc, tmpfs_inactive],
  [vop_reclaim_desc, tmpfs_reclaim],
  [vop_lock_desc, genfs_lock],
  [vop_unlock_desc, genfs_unlock],
  [vop_islocked_desc, genfs_islocked],
] as unknown as readonly VnodeOpvEntry[];

/** Fifos: fifofs for the data path, tmpfs for the node. */
export const tmpfs_fifoop_entries: readonly VnodeOpvEntry[] = [
  [vop_default_desc, vn_default_error] as unknown as VnodeOpvEntry,
  ...fifo_vnodeop_entries,
  ...tmpfs_node_entries,
];

/** Device nodes: specfs for the device, tmpfs for the node. */
export const tmpfs_specop_entries: readonly VnodeOpvEntry[] = [
  [vop_default_desc, vn_default_error] as unknown as VnodeOpvEntry,
  ...spec_vnodeop_entries,
  ...tmpfs_node_entries,
];
