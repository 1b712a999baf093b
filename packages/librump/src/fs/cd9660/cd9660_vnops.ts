/**
 * cd9660 vnode operations (cd9660_vnops.c): attributes, read (clustered
 * through the buffer cache), readdir, readlink, pathconf and the vnode
 * life cycle; lookup is in cd9660_lookup.ts. The file system is read-only:
 * every operation that would change it answers EROFS (the VFS layer
 * refuses most before they get here). Three tables, as NetBSD has: regular
 * nodes, device nodes (specfs + cd9660 node ops), fifos (fifofs + cd9660).
 */
import { EINVAL, EISDIR, ENOTDIR, EOPNOTSUPP, EROFS } from "../../gen/constants.js";
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
import { brelse, MAXPHYS } from "../../kern/vfs_bio.js";
import { BC_NOCACHE } from "../../sys/buf.js";
import { vgone, vput, vrele } from "../../kern/vfs_vnode.js";
import { genfs_rename_release } from "../../miscfs/genfs/genfs_rename.js";
import { fifo_vnodeop_entries } from "../../miscfs/fifofs/fifo_vnops.js";
import {
  genfs_abortop,
  genfs_einval,
  genfs_enoioctl,
  genfs_eopnotsupp,
  genfs_islocked,
  genfs_lock,
  genfs_nullop,
  genfs_poll,
  genfs_seek,
  genfs_unlock,
  vn_default_error,
} from "../../miscfs/genfs/genfs_vnops.js";
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
  PIPE_BUF,
} from "../../sys/consts.js";
import { dirent_append } from "../../sys/dirent.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { VnodeOpvEntry } from "../../sys/mount.js";
import type { ComponentName } from "../../sys/namei.js";
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
  cd9660_corrupt,
  iso_bread,
  iso_breadcluster,
  ISO_FTYPE_DEFAULT,
  ISO_FTYPE_RRIP,
  type IsoDirCursor,
} from "./cd9660_extern.js";
import {
  cd9660_access,
  cd9660_badname,
  cd9660_dircont,
  cd9660_dirname,
  cd9660_dirnext,
  cd9660_dirseek,
  cd9660_lookup,
} from "./cd9660_lookup.js";
import { VTOI, type IsoNode } from "./cd9660_node.js";
import { ISO_MAXNAMLEN } from "./iso.js";

/** PATH_MAX (MAXPATHLEN) */
const PATH_MAX = 1024;

/** VOP_GETATTR */
export function cd9660_getattr(vp: Vnode, vap: Vattr, _cred: Kauth_cred): number {
  const ip = VTOI(vp);
  const imp = ip.i_mnt;
  vap.va_type = vp.v_type;
  vap.va_fsid = vp.v_mount!.mnt_stat.f_fsidx[0];
  vap.va_fileid = ip.i_fileid;
  vap.va_mode = ip.iso_mode & 0o7777;
  vap.va_nlink = ip.iso_links;
  vap.va_uid = ip.iso_uid;
  vap.va_gid = ip.iso_gid;
  vap.va_atime.tv_sec = ip.iso_atime.tv_sec;
  vap.va_atime.tv_nsec = ip.iso_atime.tv_nsec;
  vap.va_mtime.tv_sec = ip.iso_mtime.tv_sec;
  vap.va_mtime.tv_nsec = ip.iso_mtime.tv_nsec;
  vap.va_ctime.tv_sec = ip.iso_ctime.tv_sec;
  vap.va_ctime.tv_nsec = ip.iso_ctime.tv_nsec;
  vap.va_birthtime.tv_sec = ip.iso_birthtime.tv_sec;
  vap.va_birthtime.tv_nsec = ip.iso_birthtime.tv_nsec;
  vap.va_rdev = vp.v_type === VBLK || vp.v_type === VCHR ? ip.iso_rdev : VNOVAL;
  vap.va_size = ip.i_size;
  // a link recorded without a size: its target's length (NetBSD)
  if (ip.i_size === 0 && vp.v_type === VLNK && ip.i_symlink !== null)
    vap.va_size = ip.i_symlink.length;
  vap.va_flags = 0;
  vap.va_gen = 1;
  vap.va_blocksize = imp.logical_block_size;
  vap.va_bytes = ip.i_size;
  vap.va_filerev = VNOVAL;
  vap.va_vaflags = 0;
  return 0;
}

/**
 * VOP_SETATTR: nothing of a read-only file system changes (EROFS); a size
 * given for a device or fifo is ignored, as for every file system.
 */
export function cd9660_setattr(vp: Vnode, vap: Vattr, _cred: Kauth_cred): number {
  if (
    vap.va_flags !== VNOVAL ||
    vap.va_uid !== VNOVAL ||
    vap.va_gid !== VNOVAL ||
    vap.va_mode !== VNOVAL ||
    vap.va_atime.tv_sec !== VNOVAL ||
    vap.va_mtime.tv_sec !== VNOVAL ||
    vap.va_birthtime.tv_sec !== VNOVAL
  )
    return EROFS;
  if (vap.va_size !== VNOVAL) {
    switch (vp.v_type) {
      case VDIR:
        return EISDIR;
      case VLNK:
      case VREG:
        return EROFS;
      case VCHR:
      case VBLK:
      case VSOCK:
      case VFIFO:
        return 0;
      default:
        return EINVAL;
    }
  }
  return 0;
}

/**
 * The data of a zisofs-compressed file (Rock Ridge ZF) is not readable
 * here: EOPNOTSUPP, and the console says so once per file.
 */
function cd9660_zfrefuse(ip: IsoNode): number {
  if (!ip.i_zfwarned) {
    ip.i_zfwarned = true;
    ip.i_mnt.im_kernel.printf(
      `cd9660 ${ip.i_mnt.im_fspec}: file ${ip.i_number} is compressed (Rock Ridge ZF "${ip.i_zf}", zisofs): not supported\n`,
    );
  }
  return EOPNOTSUPP;
}

/** VOP_OPEN */
export function cd9660_open(vp: Vnode, _mode: number, _cred: Kauth_cred): number {
  const ip = vp.v_data as IsoNode | null;
  if (ip !== null && ip.i_zf !== "" && vp.v_type === VREG) return cd9660_zfrefuse(ip);
  return 0;
}

/**
 * VOP_READ: file data through the device's buffer cache, a chunk of the
 * medium at a time (iso_bread), each extent being contiguous on the
 * medium: a sequential reader (or one read spanning chunks) gets the
 * chunks that follow in its extent in the same transfer (breadcluster, up
 * to MAXPHYS), and copies as much of a chunk as it asks for at once.
 */
export function cd9660_read(vp: Vnode, uio: Uio, _ioflag: number, _cred: Kauth_cred): number {
  const type = vp.v_type;
  if (type !== VREG && type !== VLNK) return type === VDIR ? EISDIR : EINVAL;
  if (uio.uio_offset < 0) return EINVAL;
  if (uio.uio_resid === 0) return 0;
  const ip = VTOI(vp);
  const size = ip.i_size;
  if (uio.uio_offset >= size) return 0;
  if (ip.i_zf !== "") return cd9660_zfrefuse(ip);
  const imp = ip.i_mnt;
  const bs = imp.logical_block_size;
  const chunk = imp.im_chunk;
  const maxrun = Math.max(1, Math.floor(MAXPHYS / bs));
  const bpp = imp.im_bpp;
  const exts = ip.i_exts;
  // the extent holding the offset: [k] starts at file byte `base`
  let k = 0;
  let base = 0;
  let error = 0;
  while (uio.uio_resid > 0 && uio.uio_offset < size) {
    const off = uio.uio_offset;
    while (k + 2 < exts.length && off >= base + exts[k + 1]!) {
      base += exts[k + 1]!;
      k += 2;
    }
    if (off < base) {
      k = 0;
      base = 0;
      continue;
    }
    const extlen = exts[k + 1]!;
    const o = off - base;
    if (o >= extlen) break; // the extents end before the file does
    const lbn = Math.floor(o / bs);
    const blk = exts[k]! + lbn;
    const left = Math.ceil(extlen / bs) - lbn; // blocks of the extent from here
    const cnum = Math.floor(blk / imp.im_bpc);
    // sequential: this chunk follows the last one read, or this read goes on past it
    const seq = cnum === ip.i_nextr || uio.uio_resid > chunk;
    if (seq && left > 1) error = iso_breadcluster(imp, blk, Math.min(maxrun, left), bpp);
    else error = iso_bread(imp, blk, bpp);
    if (error !== 0) break;
    ip.i_nextr = cnum + 1;
    const bp = bpp.v!;
    bpp.v = null;
    // as much of this chunk as the read, the extent and the file allow
    const at = imp.im_cbase + (o - lbn * bs);
    let n = bp.b_bcount - at;
    if (n > extlen - o) n = extlen - o;
    if (n > uio.uio_resid) n = uio.uio_resid;
    if (n > size - off) n = size - off;
    uiomove(bp.b_data, at, n, uio);
    // a chunk read to its end by a sequential reader is done with: its
    // storage goes back to the pool for the chunks ahead, instead of
    // filling the cache with data read once (a chunk whose end holds the
    // next file's start stays)
    brelse(bp, seq && at + n === bp.b_bcount ? BC_NOCACHE : 0);
  }
  return error;
}

/**
 * VOP_READDIR: the entries from directory offset uio_offset on, as struct
 * dirent; uio_offset comes back as the offset after the last entry
 * returned (the cookie). Records that stand for no entry of their own (the
 * continuation of a multi-extent file, a relocated directory's RE record,
 * a second version of a name) are skipped. A name that cannot be one path
 * component (empty, '/' or NUL in it, a second "." or "..") refuses the
 * directory: EIO and a console line, never the name.
 */
export function cd9660_readdir(
  vp: Vnode,
  uio: Uio,
  _cred: Kauth_cred,
  eofflag: Out<number>,
  cookies: Out<number[] | null> | null,
  ncookies: Out<number> | null,
): number {
  eofflag.v = 0;
  if (vp.v_type !== VDIR) return ENOTDIR;
  const ip = VTOI(vp);
  const imp = ip.i_mnt;
  let pos = uio.uio_offset;
  if (pos < 0) return EINVAL;
  const cks: number[] | null = cookies !== null && ncookies !== null ? [] : null;
  const cur: IsoDirCursor = imp.im_rdcursor;
  const e = imp.im_rdentry;
  const collapse = imp.iso_ftype === ISO_FTYPE_DEFAULT;
  let last = "";
  let count = 0;
  let full = false;
  cur.reset();
  let error = pos === 0 ? cd9660_dirnext(ip, 0, cur) : cd9660_dirseek(ip, pos, cur);
  while (error === 0) {
    const next = cur.pos + cur.d.reclen;
    if (!cd9660_dircont(cur)) {
      error = cd9660_dirname(ip, cur, e);
      if (error !== 0) break;
      let ship = !e.hidden;
      if (ship && e.dot < 0) {
        const bad = cd9660_badname(e.name);
        if (bad !== null) {
          cur.release();
          error = cd9660_corrupt(imp, `directory ${ip.i_number}, offset ${cur.pos}: ${bad}`);
          break;
        }
        // ISO 9660 names differing only in their version are one entry (NetBSD's iso_shipdir)
        if (collapse && e.name === last) ship = false;
      }
      if (ship) {
        if (!dirent_append(uio, e.ino, e.type, e.name)) {
          full = true;
          break;
        }
        last = e.name;
        count++;
        if (cks !== null) cks.push(next);
      }
    }
    pos = next;
    uio.uio_offset = pos;
    error = cd9660_dirnext(ip, next, cur);
  }
  cur.release();
  if (error > 0) return error;
  if (full && count === 0) return EINVAL; // not even one entry fits
  uio.uio_offset = pos;
  eofflag.v = full ? 0 : 1;
  if (cks !== null) {
    cookies!.v = cks;
    ncookies!.v = cks.length;
  }
  return 0;
}

/** VOP_READLINK: the Rock Ridge SL target, gathered when the node was loaded. */
export function cd9660_readlink(vp: Vnode, uio: Uio, _cred: Kauth_cred): number {
  const ip = VTOI(vp);
  const imp = ip.i_mnt;
  if (vp.v_type !== VLNK || imp.iso_ftype !== ISO_FTYPE_RRIP) return EINVAL;
  const t = ip.i_symlink;
  if (t === null)
    return cd9660_corrupt(imp, `symbolic link ${ip.i_number} has no Rock Ridge SL entry`);
  const n = t.length;
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = t.charCodeAt(i);
  uiomove(b, 0, n, uio);
  return 0;
}

/** VOP_PATHCONF (NetBSD's answers: one link, 32-bit sizes, 37-byte ISO names). */
export function cd9660_pathconf(vp: Vnode, name: number, retval: Out<number>): number {
  switch (name) {
    case _PC_LINK_MAX:
      retval.v = 1;
      return 0;
    case _PC_NAME_MAX:
      retval.v = VTOI(vp).i_mnt.iso_ftype === ISO_FTYPE_RRIP ? ISO_MAXNAMLEN : 37;
      return 0;
    case _PC_PATH_MAX:
      retval.v = PATH_MAX;
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
      retval.v = 32;
      return 0;
    default:
      return EINVAL;
  }
}

/** VOP_INACTIVE: entered locked, leaves unlocked; nothing to write back. */
export function cd9660_inactive(vp: Vnode, recycle: Out<boolean>): number {
  recycle.v = false;
  genfs_unlock(vp);
  return 0;
}

/** VOP_RECLAIM */
export function cd9660_reclaim(vp: Vnode): number {
  const ip = vp.v_data as IsoNode | null;
  if (ip !== null) ip.i_vnode = null;
  vp.v_data = null;
  return 0;
}

/** VOP_REVOKE */
export function cd9660_revoke(vp: Vnode, _flags: number): number {
  vgone(vp);
  return 0;
}

/** The namespace operations of a read-only file system: EROFS, with vnode_if.src's reference rules. */
function cd9660_ronly_make(dvp: Vnode, vpp: VnodeOut, _cnp: ComponentName): number {
  vpp.vp = null;
  void dvp;
  return EROFS;
}
function cd9660_ronly_remove(dvp: Vnode, vp: Vnode, _cnp: ComponentName): number {
  if (dvp === vp) vrele(vp);
  else vput(vp);
  vput(dvp);
  return EROFS;
}
function cd9660_ronly_link(_dvp: Vnode, _vp: Vnode, _cnp: ComponentName): number {
  return EROFS;
}
function cd9660_ronly_rename(
  fdvp: Vnode,
  fvp: Vnode,
  _fcnp: ComponentName,
  tdvp: Vnode,
  tvp: Vnode | null,
  _tcnp: ComponentName,
): number {
  genfs_rename_release(fdvp, fvp, tdvp, tvp);
  return EROFS;
}
function cd9660_erofs(): number {
  return EROFS;
}

/** Regular files, directories, symlinks. */
export const cd9660_vnodeop_entries: readonly VnodeOpvEntry[] = [
  [vop_default_desc, vn_default_error],
  [vop_bwrite_desc, genfs_eopnotsupp],
  [vop_lookup_desc, cd9660_lookup],
  [vop_create_desc, cd9660_ronly_make],
  [vop_mknod_desc, cd9660_ronly_make],
  [vop_open_desc, cd9660_open],
  [vop_close_desc, genfs_nullop],
  [vop_access_desc, cd9660_access],
  [vop_getattr_desc, cd9660_getattr],
  [vop_setattr_desc, cd9660_setattr],
  [vop_read_desc, cd9660_read],
  [vop_write_desc, cd9660_erofs],
  [vop_fallocate_desc, genfs_eopnotsupp],
  [vop_fdiscard_desc, genfs_eopnotsupp],
  [vop_ioctl_desc, genfs_enoioctl],
  [vop_fcntl_desc, genfs_eopnotsupp],
  [vop_poll_desc, genfs_poll],
  [vop_kqfilter_desc, genfs_eopnotsupp],
  [vop_revoke_desc, cd9660_revoke],
  [vop_mmap_desc, genfs_eopnotsupp],
  [vop_fsync_desc, genfs_nullop],
  [vop_seek_desc, genfs_seek],
  [vop_remove_desc, cd9660_ronly_remove],
  [vop_link_desc, cd9660_ronly_link],
  [vop_rename_desc, cd9660_ronly_rename],
  [vop_mkdir_desc, cd9660_ronly_make],
  [vop_rmdir_desc, cd9660_ronly_remove],
  [vop_symlink_desc, cd9660_ronly_make],
  [vop_readdir_desc, cd9660_readdir],
  [vop_readlink_desc, cd9660_readlink],
  [vop_abortop_desc, genfs_abortop],
  [vop_inactive_desc, cd9660_inactive],
  [vop_reclaim_desc, cd9660_reclaim],
  [vop_lock_desc, genfs_lock],
  [vop_unlock_desc, genfs_unlock],
  [vop_bmap_desc, genfs_eopnotsupp],
  [vop_strategy_desc, genfs_eopnotsupp],
  [vop_print_desc, genfs_nullop],
  [vop_islocked_desc, genfs_islocked],
  [vop_pathconf_desc, cd9660_pathconf],
  [vop_advlock_desc, genfs_einval],
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

/** What a cd9660 node supplies on top of specfs or fifofs. */
const cd9660_node_entries = [
  [vop_access_desc, cd9660_access],
  [vop_getattr_desc, cd9660_getattr],
  [vop_setattr_desc, cd9660_setattr],
  [vop_inactive_desc, cd9660_inactive],
  [vop_reclaim_desc, cd9660_reclaim],
  [vop_lock_desc, genfs_lock],
  [vop_unlock_desc, genfs_unlock],
  [vop_islocked_desc, genfs_islocked],
] as unknown as readonly VnodeOpvEntry[];

/** Device nodes: specfs for the device, cd9660 for the node. */
export const cd9660_specop_entries: readonly VnodeOpvEntry[] = [
  [vop_default_desc, vn_default_error] as unknown as VnodeOpvEntry,
  ...spec_vnodeop_entries,
  ...cd9660_node_entries,
];

/** Fifos: fifofs for the data path, cd9660 for the node. */
export const cd9660_fifoop_entries: readonly VnodeOpvEntry[] = [
  [vop_default_desc, vn_default_error] as unknown as VnodeOpvEntry,
  ...fifo_vnodeop_entries,
  ...cd9660_node_entries,
];
