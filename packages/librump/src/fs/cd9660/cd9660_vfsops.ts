/**
 * cd9660 file-system operations (cd9660_vfsops.c): mount from a block
 * device named by struct iso_args (read-only: a mount without MNT_RDONLY
 * is EROFS), the volume descriptors of the last session, the choice
 * between Rock Ridge, Joliet and plain ISO 9660 (NetBSD's: Rock Ridge on
 * the primary tree when its root has it; else Joliet's tree when there is
 * a Joliet descriptor and NOJOLIET is not asked; else the primary tree),
 * and loading nodes from their directory records.
 */
import {
  EBUSY,
  EFTYPE,
  EINVAL,
  ENOENT,
  ENOTBLK,
  EROFS,
  ESTALE,
  MNT_GETARGS,
  MNT_LOCAL,
  MNT_RDONLY,
  MNT_UPDATE,
  MNT_FORCE,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
} from "../../gen/constants.js";
import { VOP_CLOSE, VOP_OPEN, VOP_UNLOCK } from "../../gen/vnode_if.js";
import type { Kernel } from "../../kern/kernel.js";
import { FREAD } from "../../kern/sys_file.js";
import { bread, brelse, vinvalbuf } from "../../kern/vfs_bio.js";
import { vfs_opv_vectors } from "../../kern/vfs_init.js";
import { namei, Nameidata } from "../../kern/vfs_lookup.js";
import { vcache_get, vflush, vn_lock, vput, vrele } from "../../kern/vfs_vnode.js";
import { genfs_mount_fspec } from "../../miscfs/genfs/genfs_mount.js";
import { DEV_BSIZE, type Buf } from "../../sys/buf.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { Mount, Vfsops } from "../../sys/mount.js";
import { FOLLOW, LOCKLEAF, LOOKUP } from "../../sys/namei.js";
import type { Out } from "../../sys/out.js";
import type { Statvfs } from "../../sys/stat.js";
import type { Vattr } from "../../sys/vattr.js";
import {
  LK_EXCLUSIVE,
  LK_RETRY,
  VBLK,
  VCHR,
  VDIR,
  VFIFO,
  VLNK,
  VNON,
  VREG,
  VSOCK,
  VV_ROOT,
  type Vnode,
  type VnodeOut,
} from "../../sys/vnode.js";
import {
  cd9660_corrupt,
  iso_bread,
  iso_chunkdblk,
  iso_inrange,
  ISO_FTYPE_9660,
  ISO_FTYPE_DEFAULT,
  ISO_FTYPE_RRIP,
  IsoMount,
  VFSTOISOFS,
} from "./cd9660_extern.js";
import {
  ISO_ARGS_SIZE,
  ISOFSMNT_EXTATT,
  ISOFSMNT_GENS,
  ISOFSMNT_NOCASETRANS,
  ISOFSMNT_NOJOLIET,
  ISOFSMNT_NORRIP,
  ISOFSMNT_RRCASEINS,
  type IsoArgs,
} from "./cd9660_mount.js";
import { cd9660_defattr, cd9660_rrip_apply, IsoNode } from "./cd9660_node.js";
import { cd9660_rrip_offset, cd9660_rrip_walk } from "./cd9660_rrip.js";
import {
  cd9660_fifoop_entries,
  cd9660_specop_entries,
  cd9660_vnodeop_entries,
} from "./cd9660_vnops.js";
import {
  DR_NAME,
  ISO_DEFAULT_BLOCK_SIZE,
  ISO_FLAG_DIRECTORY,
  ISO_FLAG_MULTIEXTENT,
  iso_dirent_dot,
  iso_dirent_parse,
  iso_sessions,
  iso_vd_parse,
  iso_vd_scan,
  iso_vd_validate,
  IsoDirent,
  IsoVd,
  type IsoReadFn,
} from "./iso.js";
import { RR_ATTR, RR_SL } from "./iso_rrip.js";

/** A multi-extent file has at most this many extents (NetBSD has none: 65,536 × 4 GiB is plenty). */
export const ISO_MAXEXTENTS = 65536;

/** VFS_MOUNT */
export function cd9660_mount(mp: Mount, _path: string, data: unknown, _dataLen: number): number {
  const imp = mp.mnt_data as IsoMount | null;
  if (mp.mnt_flag & MNT_GETARGS) {
    if (imp === null || data === null || typeof data !== "object") return EINVAL;
    const args = data as IsoArgs;
    args.fspec = null;
    args.flags = imp.im_flags;
    return 0;
  }
  if (data === null || typeof data !== "object") return EINVAL;
  const k = mp.mnt_kernel as Kernel;
  const fspec = genfs_mount_fspec(data);
  if ((mp.mnt_flag & MNT_RDONLY) === 0) {
    k.printf(
      `cd9660 ${fspec ?? imp?.im_fspec ?? ""}: ISO 9660 is read-only (a mount needs MNT_RDONLY)\n`,
    );
    return EROFS;
  }
  if (mp.mnt_flag & MNT_UPDATE) {
    // read-only to read-only: nothing changes
    return fspec === null ? EINVAL : 0;
  }
  if (fspec === null) return EINVAL;
  const flags = Number((data as IsoArgs).flags ?? 0) | 0;
  const l = k.lwp;
  const nd = new Nameidata(fspec, LOOKUP, FOLLOW | LOCKLEAF, l.l_cred);
  let error = namei(l, nd);
  if (error !== 0) return error;
  const devvp = nd.ni_vp!;
  if (devvp.v_type !== VBLK) {
    vput(devvp);
    return ENOTBLK;
  }
  for (const other of k.vfs.mountlist) {
    const o = other.mnt_data as { um_devvp?: unknown } | null;
    if (o !== null && typeof o === "object" && o.um_devvp === devvp) {
      vput(devvp);
      return EBUSY;
    }
  }
  error = VOP_OPEN(devvp, FREAD, l.l_cred);
  if (error !== 0) {
    vput(devvp);
    return error;
  }
  VOP_UNLOCK(devvp);
  error = iso_mountfs(mp, k, devvp, fspec, flags);
  if (error !== 0) {
    vinvalbuf(devvp);
    vn_lock(devvp, LK_EXCLUSIVE | LK_RETRY);
    VOP_CLOSE(devvp, FREAD, l.l_cred);
    VOP_UNLOCK(devvp);
    vrele(devvp);
  }
  return error;
}

/** 2048-byte block reads of the device for the descriptor scan (copied out of the cache). */
function devReader(devvp: Vnode): IsoReadFn {
  const bpp = { v: null as Buf | null };
  const per = ISO_DEFAULT_BLOCK_SIZE / DEV_BSIZE;
  return (blk, buf) => {
    if (bread(devvp, blk * per, ISO_DEFAULT_BLOCK_SIZE, bpp) !== 0) return false;
    buf.set(bpp.v!.b_data.subarray(0, ISO_DEFAULT_BLOCK_SIZE));
    brelse(bpp.v!, 0);
    bpp.v = null;
    return true;
  };
}

/**
 * iso_mountfs: the descriptors of the last session, Rock Ridge or Joliet
 * or neither, and the root.
 */
function iso_mountfs(mp: Mount, k: Kernel, devvp: Vnode, fspec: string, argflags: number): number {
  vinvalbuf(devvp);
  const devsize = devvp.v_size;
  const devblocks = Math.floor(devsize / ISO_DEFAULT_BLOCK_SIZE);
  if (devsize > 0 && devblocks < 17) {
    k.printf(`cd9660 ${fspec}: device of ${devsize} bytes is too small for ISO 9660\n`);
    return EFTYPE;
  }
  const read = devReader(devvp);
  const sessions = iso_sessions(read, devblocks);
  const buf = new Uint8Array(ISO_DEFAULT_BLOCK_SIZE);
  if (sessions.length === 0) {
    const why = { v: "" };
    iso_vd_scan(read, 0, buf, why);
    k.printf(`cd9660 ${fspec}: not an ISO 9660 file system: ${why.v}\n`);
    return EFTYPE;
  }
  const sess = sessions[sessions.length - 1]!;
  const pvd = new IsoVd();
  if (!read(sess.pvd, buf)) return EFTYPE;
  iso_vd_parse(buf, 0, pvd);
  const bad = iso_vd_validate(pvd, devblocks);
  if (bad !== null) {
    k.printf(`cd9660 ${fspec}: primary volume descriptor at block ${sess.pvd}: ${bad}\n`);
    return EFTYPE;
  }

  const [vnodeop, specop, fifoop] = vfs_opv_vectors(mp.mnt_op);
  const imp = new IsoMount(mp, k, devvp, fspec, vnodeop, specop, fifoop);
  iso_makemp(imp, pvd, sess.start, devsize);
  mp.mnt_data = imp;

  // Rock Ridge: the root's "." record starts with SP, and ER names it
  let flags = argflags;
  if ((flags & ISOFSMNT_NORRIP) === 0) {
    const skip = iso_rootdot_rrip(imp);
    if (skip < -1) {
      mp.mnt_data = null;
      return -(skip + 2);
    }
    if (skip < 0) flags |= ISOFSMNT_NORRIP;
    else {
      imp.rr_skip = skip;
      flags &= ~ISOFSMNT_GENS;
    }
  }
  imp.im_flags =
    flags &
    (ISOFSMNT_NORRIP | ISOFSMNT_GENS | ISOFSMNT_EXTATT | ISOFSMNT_NOJOLIET | ISOFSMNT_RRCASEINS);
  if (imp.im_flags & ISOFSMNT_GENS) imp.iso_ftype = ISO_FTYPE_9660;
  else if (imp.im_flags & ISOFSMNT_NORRIP) {
    imp.iso_ftype = ISO_FTYPE_DEFAULT;
    if (flags & ISOFSMNT_NOCASETRANS) imp.im_flags |= ISOFSMNT_NOCASETRANS;
  } else imp.iso_ftype = ISO_FTYPE_RRIP;

  // Joliet, only without Rock Ridge (NetBSD's choice)
  if ((flags & ISOFSMNT_NORRIP) !== 0 && (flags & ISOFSMNT_NOJOLIET) === 0 && sess.svd >= 0) {
    const svd = new IsoVd();
    if (read(sess.svd, buf)) {
      iso_vd_parse(buf, 0, svd);
      const sbad = iso_vd_validate(svd, devblocks);
      if (sbad !== null)
        k.printf(
          `cd9660 ${fspec}: Joliet volume descriptor at block ${sess.svd}: ${sbad}; using the primary tree\n`,
        );
      else if (svd.joliet_level > 0) {
        iso_makemp(imp, svd, sess.start, devsize);
        imp.im_joliet_level = svd.joliet_level;
      }
    }
  }

  mp.mnt_flag |= MNT_LOCAL;
  mp.mnt_namemax = 255;
  const st = mp.mnt_stat;
  st.f_mntfromname = fspec;
  st.f_namemax = 255;
  st.f_iosize = imp.logical_block_size;

  // the root must load and be a directory
  const rvp = { vp: null as Vnode | null };
  let error = vcache_get(mp, imp.root_extent * imp.logical_block_size, rvp);
  if (error === 0 && rvp.vp!.v_type !== VDIR) {
    k.printf(`cd9660 ${fspec}: the root is not a directory\n`);
    error = EFTYPE;
  }
  if (rvp.vp !== null) vrele(rvp.vp);
  if (error !== 0) {
    vflush(mp, null, true);
    mp.mnt_data = null;
    return error === ENOENT ? EFTYPE : error;
  }
  return 0;
}

/** iso_makemp: the mount's geometry and root from a volume descriptor. */
function iso_makemp(imp: IsoMount, vd: IsoVd, sess: number, devsize: number): void {
  imp.setGeometry(vd.logical_block_size, devsize);
  const bs = vd.logical_block_size;
  imp.im_sess = sess;
  // NetBSD counts the session's start into the volume's size
  imp.volume_space_size = vd.volume_space_size + Math.floor((sess * ISO_DEFAULT_BLOCK_SIZE) / bs);
  imp.root_extent = vd.root_extent + vd.root_ext_attr_length;
  imp.root_size = vd.root_size;
  imp.im_volid = vd.volume_id;
  imp.im_joliet_level = 0;
}

/**
 * Rock Ridge on the root's "." record: SP's skip (≥ 0), -1 when there is
 * none, or -(errno + 2).
 */
function iso_rootdot_rrip(imp: IsoMount): number {
  const bpp = imp.im_bpp;
  if (!iso_inrange(imp, imp.root_extent, 1)) return -1;
  const error = iso_bread(imp, imp.root_extent, bpp);
  if (error !== 0) return -(error + 2);
  const bp = bpp.v!;
  bpp.v = null;
  const base = imp.im_cbase;
  const d = imp.im_dirent;
  let r = -1;
  if (
    bp.b_data[base] !== 0 &&
    iso_dirent_parse(bp.b_data, base, base + imp.logical_block_size, d) === null &&
    iso_dirent_dot(bp.b_data, d) === 0
  )
    r = cd9660_rrip_offset(imp, bp.b_data, d, bp);
  brelse(bp, 0);
  return r;
}

/** VFS_START */
function cd9660_start(_mp: Mount, _flags: number): number {
  return 0;
}

/** VFS_UNMOUNT: flush the vnodes, close the device. */
export function cd9660_unmount(mp: Mount, mntflags: number): number {
  const error = vflush(mp, null, (mntflags & MNT_FORCE) !== 0);
  if (error !== 0) return error;
  const imp = mp.mnt_data as IsoMount | null;
  if (imp === null) return 0;
  const devvp = imp.im_devvp;
  vn_lock(devvp, LK_EXCLUSIVE | LK_RETRY);
  VOP_CLOSE(devvp, FREAD, imp.im_kernel.lwp.l_cred);
  VOP_UNLOCK(devvp);
  vinvalbuf(devvp);
  vrele(devvp);
  mp.mnt_data = null;
  mp.mnt_flag &= ~MNT_LOCAL;
  return 0;
}

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
export function cd9660_root(mp: Mount, lktype: number, vpp: VnodeOut): number {
  const imp = VFSTOISOFS(mp);
  const error = vcache_get(mp, imp.root_extent * imp.logical_block_size, vpp);
  if (error !== 0) return error;
  return lockIfAsked(vpp, lktype);
}

/** VFS_STATVFS: the volume's size; nothing is free on a read-only medium. */
export function cd9660_statvfs(mp: Mount, sbp: Statvfs): number {
  const imp = VFSTOISOFS(mp);
  sbp.f_bsize = imp.logical_block_size;
  sbp.f_frsize = imp.logical_block_size;
  sbp.f_iosize = imp.logical_block_size;
  sbp.f_blocks = imp.volume_space_size;
  sbp.f_bfree = 0;
  sbp.f_bavail = 0;
  sbp.f_bresvd = 0;
  sbp.f_files = 0;
  sbp.f_ffree = 0;
  sbp.f_favail = 0;
  sbp.f_fresvd = 0;
  sbp.f_namemax = 255;
  return 0;
}

/** VFS_SYNC: nothing is ever written. */
function cd9660_sync(_mp: Mount, _waitfor: number, _cred: Kauth_cred): number {
  return 0;
}

/** VFS_VGET */
function cd9660_vget(mp: Mount, ino: number, lktype: number, vpp: VnodeOut): number {
  const error = vcache_get(mp, ino, vpp);
  if (error !== 0) return error;
  return lockIfAsked(vpp, lktype);
}

/** enum vtype of a mode's type bits (VNON for none). */
function iftovt(mode: number): number {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return VREG;
    case S_IFDIR:
      return VDIR;
    case S_IFLNK:
      return VLNK;
    case S_IFBLK:
      return VBLK;
    case S_IFCHR:
      return VCHR;
    case S_IFIFO:
      return VFIFO;
    case S_IFSOCK:
      return VSOCK;
    default:
      return VNON;
  }
}

/**
 * The record at byte `key` and, for a multi-extent file, the records that
 * continue it (in the rest of the block and the blocks after, each named
 * as the first): a copy of the first record into imp.im_rec, its extents
 * into `exts` as (block, bytes) pairs. 0 or EIO.
 */
function iso_loadrec(imp: IsoMount, key: number, d: IsoDirent, exts: number[]): number {
  const bs = imp.logical_block_size;
  let blk = Math.floor(key / bs);
  const boff = key - blk * bs;
  if (!iso_inrange(imp, blk, 1) || boff + 34 > bs)
    return cd9660_corrupt(imp, `node ${key} is not a directory record on the device`);
  const bpp = imp.im_bpp;
  let error = iso_bread(imp, blk, bpp);
  if (error !== 0) return error;
  let bp = bpp.v!;
  bpp.v = null;
  // positions in the chunk: the block starts at `base`
  let base = imp.im_cbase;
  let off = base + boff;
  const why =
    bp.b_data[off] === 0 ? "no record there" : iso_dirent_parse(bp.b_data, off, base + bs, d);
  if (why !== null) {
    brelse(bp, 0);
    return cd9660_corrupt(imp, `the directory record of node ${key}: ${why}`);
  }
  const rec = imp.im_rec;
  rec.set(bp.b_data.subarray(off, off + d.reclen));
  const namelen = d.namelen;
  exts.length = 0;
  exts.push(d.extent + d.ext_attr_length, d.size);
  let flags = d.flags;
  const c = imp.im_ldirent;
  while ((flags & (ISO_FLAG_MULTIEXTENT | ISO_FLAG_DIRECTORY)) === ISO_FLAG_MULTIEXTENT) {
    off += bp.b_data[off]!;
    if (off >= base + bs || bp.b_data[off] === 0) {
      // the next record is at the start of the next block
      blk++;
      if (!iso_inrange(imp, blk, 1)) {
        brelse(bp, 0);
        return cd9660_corrupt(imp, `multi-extent file ${key} runs off the device`);
      }
      if (base + bs < bp.b_data.length && iso_chunkdblk(imp, blk) === bp.b_lblkno) base += bs;
      else {
        brelse(bp, 0);
        error = iso_bread(imp, blk, bpp);
        if (error !== 0) return error;
        bp = bpp.v!;
        bpp.v = null;
        base = imp.im_cbase;
      }
      off = base;
    }
    const b = bp.b_data;
    let bad = b[off] === 0 ? "no record" : iso_dirent_parse(b, off, base + bs, c);
    if (bad === null && (c.namelen !== namelen || (c.flags & ISO_FLAG_DIRECTORY) !== 0))
      bad = "a record of another file";
    for (let i = 0; bad === null && i < namelen; i++)
      if (b[off + DR_NAME + i] !== rec[DR_NAME + i]) bad = "a record of another file";
    if (bad === null && exts.length >= 2 * ISO_MAXEXTENTS)
      bad = `more than ${ISO_MAXEXTENTS} extents`;
    if (bad !== null) {
      brelse(bp, 0);
      return cd9660_corrupt(
        imp,
        `multi-extent file ${key}: where its next extent should be, ${bad}`,
      );
    }
    exts.push(c.extent + c.ext_attr_length, c.size);
    flags = c.flags;
  }
  brelse(bp, 0);
  // the copy's own parse (positions in im_rec)
  iso_dirent_parse(rec, 0, d.reclen, d);
  return 0;
}

/**
 * VFS_LOADVNODE: read the directory record at byte `key` (a directory's
 * "." record, or a file's record), check it and its extents, gather its
 * attributes (Rock Ridge, or the ISO 9660 defaults), attach it to `vp`.
 */
export function cd9660_loadvnode(mp: Mount, vp: Vnode, key: number): number {
  const imp = VFSTOISOFS(mp);
  if (!Number.isSafeInteger(key) || key < 0) return ENOENT;
  const bs = imp.logical_block_size;
  const d = new IsoDirent();
  const exts: number[] = [];
  let error = iso_loadrec(imp, key, d, exts);
  if (error !== 0) return error;
  const rec = imp.im_rec;
  const isdir = (d.flags & ISO_FLAG_DIRECTORY) !== 0;
  const ip = new IsoNode(imp, key, vp);
  if (isdir) {
    // a directory is known by its extent, where its "." record is
    if (key % bs !== 0 || iso_dirent_dot(rec, d) !== 0)
      return cd9660_corrupt(imp, `node ${key}: a directory record that is not a directory's "."`);
    ip.iso_start = key / bs;
    ip.i_size = d.size;
    ip.i_exts = [ip.iso_start, d.size];
    if (d.size > 0 && !iso_inrange(imp, ip.iso_start, Math.ceil(d.size / bs)))
      return cd9660_corrupt(
        imp,
        `directory ${key}: ${d.size} bytes at block ${ip.iso_start} run past the end of the device`,
      );
  } else {
    let total = 0;
    for (let i = 0; i < exts.length; i += 2) {
      const start = exts[i]!;
      const bytes = exts[i + 1]!;
      if (bytes > 0 && !iso_inrange(imp, start, Math.ceil(bytes / bs)))
        return cd9660_corrupt(
          imp,
          `file ${key}: ${bytes} bytes at block ${start} run past the end of the device`,
        );
      total += bytes;
    }
    ip.iso_start = exts[0]!;
    ip.i_size = total;
    ip.i_exts = exts;
  }
  if (imp.iso_ftype === ISO_FTYPE_RRIP) {
    const rr = imp.im_rrip;
    error = cd9660_rrip_walk(imp, rec, d, null, RR_ATTR | RR_SL, rr);
    if (error !== 0) return error;
    cd9660_rrip_apply(ip, rr, rec, d);
    if (rr.found & RR_SL) ip.i_symlink = rr.symlink;
  } else {
    cd9660_defattr(ip, rec, d);
  }
  const type = iftovt(ip.iso_mode);
  if ((type === VDIR) !== isdir)
    return cd9660_corrupt(
      imp,
      `node ${key}: Rock Ridge mode ${ip.iso_mode.toString(8)} and the record's directory flag disagree`,
    );
  // the names of a hard-linked file share its data: so they share a file id
  ip.i_fileid = type === VREG && ip.iso_links > 1 && ip.i_size > 0 ? ip.iso_start * bs : key;
  if (ip.i_zf !== "" && type !== VREG) ip.i_zf = "";
  vp.v_type = type;
  vp.v_data = ip;
  vp.v_size = ip.i_size;
  if (type === VBLK || type === VCHR) {
    vp.v_op = imp.im_specop_p;
    vp.v_rdev = ip.iso_rdev;
    vp.v_size = 0;
  } else if (type === VFIFO) {
    vp.v_op = imp.im_fifoop_p;
  } else {
    vp.v_op = imp.im_vnodeop_p;
  }
  if (key === imp.root_extent * bs) vp.v_vflag |= VV_ROOT;
  return 0;
}

/** VFS_NEWVNODE: nothing is created on a read-only file system. */
function cd9660_newvnode(
  _mp: Mount,
  _dvp: Vnode,
  _vp: Vnode,
  _vap: Vattr,
  _cred: Kauth_cred,
  _newkey: Out<number>,
): number {
  return EROFS;
}

/** File handle: fid_len u16, pad u16 and u32, the node number as u64. */
const CD9660_FID_SIZE = 16;

/** VFS_FHTOVP */
function cd9660_fhtovp(mp: Mount, fid: Uint8Array, lktype: number, vpp: VnodeOut): number {
  vpp.vp = null;
  if (fid.length < CD9660_FID_SIZE) return EINVAL;
  const dv = new DataView(fid.buffer, fid.byteOffset, fid.byteLength);
  if (dv.getUint16(0, true) !== CD9660_FID_SIZE) return EINVAL;
  const ino = dv.getUint32(8, true) + dv.getUint32(12, true) * 2 ** 32;
  const imp = VFSTOISOFS(mp);
  if (!iso_inrange(imp, Math.floor(ino / imp.logical_block_size), 1)) return ESTALE;
  const error = vcache_get(mp, ino, vpp);
  if (error !== 0) return error === ENOENT ? ESTALE : error;
  return lockIfAsked(vpp, lktype);
}

/** VFS_VPTOFH */
function cd9660_vptofh(vp: Vnode, fid: Out<Uint8Array | null>): number {
  const ip = vp.v_data as IsoNode;
  const b = new Uint8Array(CD9660_FID_SIZE);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, CD9660_FID_SIZE, true);
  dv.setUint32(8, ip.i_number >>> 0, true);
  dv.setUint32(12, Math.floor(ip.i_number / 2 ** 32), true);
  fid.v = b;
  return 0;
}

/** The "cd9660" type (MOUNT_CD9660). */
export const cd9660_vfsops: Vfsops = {
  vfs_name: "cd9660",
  vfs_min_mount_data: ISO_ARGS_SIZE,
  vfs_mount: cd9660_mount,
  vfs_start: cd9660_start,
  vfs_unmount: cd9660_unmount,
  vfs_root: cd9660_root,
  vfs_statvfs: cd9660_statvfs,
  vfs_sync: cd9660_sync,
  vfs_vget: cd9660_vget,
  vfs_loadvnode: cd9660_loadvnode,
  vfs_newvnode: cd9660_newvnode,
  vfs_fhtovp: cd9660_fhtovp,
  vfs_vptofh: cd9660_vptofh,
  vfs_opv_descs: [
    { vector: [], entries: cd9660_vnodeop_entries },
    { vector: [], entries: cd9660_specop_entries },
    { vector: [], entries: cd9660_fifoop_entries },
  ],
};
