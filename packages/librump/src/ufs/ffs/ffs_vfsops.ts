/**
 * FFS file-system operations (ffs_vfsops.c): mount from a block device
 * named by `{ fspec }`, superblock search and validation, unmount, root,
 * statvfs, sync, and loading inodes into vnodes.
 *
 * Read-write: a read-write mount clears fs_clean on disk at once and a
 * clean unmount sets it again; an image that was not unmounted cleanly is
 * mounted read-write only with MNT_FORCE. vfs_sync writes changed inodes,
 * then the summary area and superblock when they changed, then flushes
 * the device's buffers.
 */
import {
  EBUSY,
  EFTYPE,
  EINVAL,
  ENOENT,
  ENOTBLK,
  EROFS,
  ESTALE,
  MNT_FORCE,
  MNT_GETARGS,
  MNT_LOCAL,
  MNT_RDONLY,
  MNT_UPDATE,
} from "../../gen/constants.js";
import { ALLPERMS, MNT_WAIT } from "../../gen/constants.js";
import { VOP_CLOSE, VOP_OPEN, VOP_UNLOCK } from "../../gen/vnode_if.js";
import { FREAD, FWRITE } from "../../kern/sys_file.js";
import { bread, brelse, bwrite, getblk, vflushbuf, vinvalbuf } from "../../kern/vfs_bio.js";
import { vfs_opv_vectors } from "../../kern/vfs_init.js";
import { namei, Nameidata } from "../../kern/vfs_lookup.js";
import { vcache_get, vcache_vnodes, vflush, vn_lock, vput, vrele } from "../../kern/vfs_vnode.js";
import { genfs_dev_writable, genfs_mount_fspec } from "../../miscfs/genfs/genfs_mount.js";
import type { Kernel } from "../../kern/kernel.js";
import { BC_INVAL, DEV_BSIZE } from "../../sys/buf.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { Mount, Vfsops } from "../../sys/mount.js";
import { FOLLOW, LOCKLEAF, LOOKUP } from "../../sys/namei.js";
import type { Out } from "../../sys/out.js";
import type { Statvfs } from "../../sys/stat.js";
import { VNOVAL, type Vattr } from "../../sys/vattr.js";
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
  dinode_check,
  dinode_isshortlink,
  dinode_parse,
  dinode_rdev,
  dinode_set_rdev,
  dinode_shortlink_read,
  IFBLK,
  IFCHR,
  IFDIR,
  IFIFO,
  IFLNK,
  IFMT,
  IFREG,
  IFSOCK,
} from "../ufs/dinode.js";
import { IN_MODIFIED, Inode, ufs_corrupt, UfsMount, VFSTOUFS } from "../ufs/inode.js";
import { ufs_newmode } from "../ufs/ufs_vnops.js";
import { ffs_valloc, ffs_vfree } from "./ffs_alloc.js";
import { ffs_update, ffs_update_dirop } from "./ffs_inode.js";
import {
  cgdmin,
  DINODE_SIZE,
  ffs_csum_parse,
  ffs_csum_serialize,
  ffs_sb_parse,
  ffs_sb_serialize,
  FS_44INODEFMT,
  FS_DOWAPBL,
  FS_ISCLEAN,
  ffs_superblock_check,
  fsbtodb,
  ino_to_cg,
  ino_to_fsba,
  ino_to_fsbo,
  SBLOCK_UFS2,
  SBLOCKSEARCH,
  SBLOCKSIZE,
  UFS_ROOTINO,
  type Fs,
} from "./fs.js";
import { ffs_fifoop_entries, ffs_specop_entries, ffs_vnodeop_entries } from "./ffs_vnops.js";

/** Mount arguments (struct ufs_args). */
export interface UfsArgs {
  fspec: string | null;
}

/** sizeof(struct ufs_args) on LP64. */
export const UFS_ARGS_SIZE = 8;

/** VFS_MOUNT */
export function ffs_mount(mp: Mount, _path: string, data: unknown, _dataLen: number): number {
  if (mp.mnt_flag & MNT_GETARGS) {
    if (data === null || typeof data !== "object") return EINVAL;
    (data as UfsArgs).fspec = null;
    return 0;
  }
  if (mp.mnt_flag & MNT_UPDATE) {
    const ump = mp.mnt_data as UfsMount | null;
    if (ump === null) return EINVAL;
    const fs = ump.um_fs;
    const wantRo = (mp.mnt_flag & MNT_RDONLY) !== 0;
    if (wantRo && !ump.um_ronly) {
      // rw → ro: everything out, then the clean flag
      let error = ffs_sync(mp, MNT_WAIT, ump.um_kernel.lwp.l_cred);
      if (error !== 0) return error;
      fs.fs_clean = ump.um_wasclean ? FS_ISCLEAN : 0;
      error = ffs_sbupdate(ump);
      if (error === 0) error = vflushbuf(ump.um_devvp);
      if (error !== 0) return error;
      ump.um_ronly = true;
      fs.fs_ronly = 1;
    } else if (!wantRo && ump.um_ronly) {
      // ro → rw: only a clean image (or forced), and the device must take writes
      let error = ffs_checkrw(ump.um_kernel, fs, ump.um_fspec, (mp.mnt_flag & MNT_FORCE) !== 0);
      if (error !== 0) return error;
      // the device was opened read-only at mount: can it take writes?
      error = genfs_dev_writable(ump.um_kernel, ump.um_devvp, "ffs", ump.um_fspec);
      if (error !== 0) return error;
      ump.um_ronly = false;
      fs.fs_ronly = 0;
      ump.um_wasclean = (fs.fs_clean & FS_ISCLEAN) !== 0;
      fs.fs_clean = 0;
      const e = ffs_sbupdate(ump);
      if (e === 0) vflushbuf(ump.um_devvp);
    }
    return 0;
  }
  const k = mp.mnt_kernel as Kernel;
  const fspec = genfs_mount_fspec(data);
  if (fspec === null) return EINVAL;
  const ronly = (mp.mnt_flag & MNT_RDONLY) !== 0;
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
    const o = other.mnt_data;
    if (o instanceof UfsMount && o.um_devvp === devvp) {
      vput(devvp);
      return EBUSY;
    }
  }
  const fflag = FREAD | (ronly ? 0 : FWRITE);
  error = VOP_OPEN(devvp, fflag, l.l_cred);
  if (error !== 0) {
    vput(devvp);
    return error;
  }
  VOP_UNLOCK(devvp);
  error = ffs_mountfs(mp, k, devvp, fspec, ronly, (mp.mnt_flag & MNT_FORCE) !== 0);
  if (error !== 0) {
    vn_lock(devvp, LK_EXCLUSIVE | LK_RETRY);
    VOP_CLOSE(devvp, fflag, l.l_cred);
    VOP_UNLOCK(devvp);
    vrele(devvp);
  }
  return error;
}

/** Find, read and validate the superblock; set up the mount. */
function ffs_mountfs(
  mp: Mount,
  k: Kernel,
  devvp: Vnode,
  fspec: string,
  ronly: boolean,
  force: boolean,
): number {
  // forget anything cached from before (the image may have changed)
  vflushbuf(devvp);
  vinvalbuf(devvp);
  const bpp = { v: null as import("../../sys/buf.js").Buf | null };
  let fs: Fs | null = null;
  const mediasize = devvp.v_size;
  for (const loc of SBLOCKSEARCH) {
    if (mediasize > 0 && loc + SBLOCKSIZE > mediasize) continue;
    if (bread(devvp, loc / DEV_BSIZE, SBLOCKSIZE, bpp) !== 0) continue;
    const cand = ffs_sb_parse(bpp.v!.b_data, loc);
    brelse(bpp.v!, BC_INVAL);
    if (cand === null) continue;
    // a UFS2 superblock counts only where it says it lives; a UFS1 one at
    // the UFS2 offset is an alternate of a 64K-fragment file system
    if (cand.ufs2 && cand.fs_sblockloc !== loc) continue;
    if (!cand.ufs2 && loc === SBLOCK_UFS2) continue;
    const why = ffs_superblock_check(cand);
    if (why !== null) {
      k.printf(`ffs ${fspec}: superblock at ${loc}: ${why}\n`);
      continue;
    }
    fs = cand;
    break;
  }
  if (fs === null) {
    k.printf(`ffs ${fspec}: no valid FFS superblock found\n`);
    return EFTYPE;
  }
  if (mediasize > 0 && fs.fs_size * fs.fs_fsize > mediasize) {
    k.printf(
      `ffs ${fspec}: file system of ${fs.fs_size * fs.fs_fsize} bytes is larger than its device (${mediasize})\n`,
    );
    return EFTYPE;
  }
  // newfs may leave the last group exactly its metadata (no data blocks);
  // metadata running past the end is corrupt
  if (cgdmin(fs, fs.fs_ncg - 1) > fs.fs_size) {
    k.printf(`ffs ${fspec}: last cylinder group's metadata runs past the end\n`);
    return EFTYPE;
  }
  if (!ronly) {
    const e = ffs_checkrw(k, fs, fspec, force);
    if (e !== 0) return e;
  }
  // the summary area, in fragments of the device
  let error = bread(devvp, fsbtodb(fs, fs.fs_csaddr), fs.fs_cssize, bpp);
  if (error !== 0) return error;
  const csum = ffs_csum_parse(fs, bpp.v!.b_data);
  brelse(bpp.v!, 0);
  let ndir = 0;
  let nbfree = 0;
  let nifree = 0;
  let nffree = 0;
  for (let c = 0; c < fs.fs_ncg; c++) {
    const bf = csum.cs_nbfree[c]!;
    const ff = csum.cs_nffree[c]!;
    const fi = csum.cs_nifree[c]!;
    const nd = csum.cs_ndir[c]!;
    if (
      bf < 0 ||
      ff < 0 ||
      fi < 0 ||
      nd < 0 ||
      bf * fs.fs_frag > fs.fs_fpg ||
      ff > fs.fs_fpg ||
      fi > fs.fs_ipg
    ) {
      k.printf(`ffs ${fspec}: corrupt summary of cylinder group ${c}\n`);
      return EFTYPE;
    }
    ndir += nd;
    nbfree += bf;
    nifree += fi;
    nffree += ff;
  }
  fs.fs_cstotal_ndir = ndir;
  fs.fs_cstotal_nbfree = nbfree;
  fs.fs_cstotal_nifree = nifree;
  fs.fs_cstotal_nffree = nffree;
  fs.fs_ronly = ronly ? 1 : 0;
  fs.fs_fmod = 0;

  const [vnodeop, specop, fifoop] = vfs_opv_vectors(mp.mnt_op);
  const ump = new UfsMount(mp, k, devvp, fs, csum, vnodeop, specop, fifoop, fspec, ronly);
  mp.mnt_data = ump;
  mp.mnt_flag |= MNT_LOCAL;
  mp.mnt_namemax = 255;
  const st = mp.mnt_stat;
  st.f_mntfromname = fspec;
  st.f_namemax = 255;
  st.f_iosize = fs.fs_bsize;
  // the root must be a directory
  const rvp = { vp: null as Vnode | null };
  error = vcache_get(mp, UFS_ROOTINO, rvp);
  if (error === 0 && rvp.vp!.v_type !== VDIR) {
    k.printf(`ffs ${fspec}: root inode is not a directory\n`);
    error = EFTYPE;
  } else if (error === ENOENT) {
    k.printf(`ffs ${fspec}: root inode is not allocated (mode 0)\n`);
  }
  if (rvp.vp !== null) vrele(rvp.vp);
  if (error !== 0) {
    vflush(mp, null, true);
    mp.mnt_data = null;
    vinvalbuf(devvp);
    return error === ENOENT ? EFTYPE : error;
  }
  if (!ronly) {
    // mounted read-write: not clean until a clean unmount (and then only if it was clean)
    ump.um_wasclean = (fs.fs_clean & FS_ISCLEAN) !== 0;
    fs.fs_clean = 0;
    error = ffs_sbupdate(ump);
    if (error === 0) error = vflushbuf(devvp);
    if (error !== 0) {
      vflush(mp, null, true);
      mp.mnt_data = null;
      vinvalbuf(devvp);
      return error;
    }
  }
  return 0;
}

/** May this file system be written? EROFS with a console message if not. */
function ffs_checkrw(k: Kernel, fs: Fs, fspec: string, force: boolean): number {
  if (!fs.ufs2 && fs.fs_old_inodefmt < FS_44INODEFMT) {
    k.printf(`ffs ${fspec}: 4.2BSD inode format is supported read-only\n`);
    return EROFS;
  }
  if (fs.fs_flags & FS_DOWAPBL) {
    k.printf(`ffs ${fspec}: file system has a WAPBL log; mounting read-only only\n`);
    return EROFS;
  }
  if ((fs.fs_clean & FS_ISCLEAN) === 0) {
    if (!force) {
      k.printf(
        `ffs ${fspec}: file system not clean (fs_clean ${fs.fs_clean}); run fsck or mount with MNT_FORCE\n`,
      );
      return EROFS;
    }
    k.printf(
      `ffs ${fspec}: file system not clean; forced read-write mount (it stays not clean until fsck)\n`,
    );
  }
  return 0;
}

/**
 * ffs_sbupdate: write the summary area and the superblock (synchronously,
 * through the device's buffers).
 */
export function ffs_sbupdate(ump: UfsMount): number {
  const fs = ump.um_fs;
  const devvp = ump.um_devvp;
  fs.fs_time = ump.um_kernel.time_second();
  const cssize = fs.fs_cssize;
  const cbp = getblk(devvp, fsbtodb(fs, fs.fs_csaddr), cssize);
  if (cbp === null) return 12; // ENOMEM
  ffs_csum_serialize(fs, ump.um_csum, cbp.b_data.subarray(0, cssize));
  let error = bwrite(cbp);
  const bpp = ump.um_ibpp;
  const e = bread(devvp, fs.fs_sblockloc / DEV_BSIZE, SBLOCKSIZE, bpp);
  if (e !== 0) return e;
  ffs_sb_serialize(fs, bpp.v!.b_data);
  const e2 = bwrite(bpp.v!);
  bpp.v = null;
  if (error === 0) error = e2;
  if (error === 0) fs.fs_fmod = 0;
  return error;
}

/** VFS_START */
function ffs_start(_mp: Mount, _flags: number): number {
  return 0;
}

/** VFS_UNMOUNT: the vnodes are flushed already; close the device. */
export function ffs_unmount(mp: Mount, mntflags: number): number {
  const error = vflush(mp, null, (mntflags & MNT_FORCE) !== 0);
  if (error !== 0) return error;
  const ump = mp.mnt_data as UfsMount | null;
  if (ump === null) return 0;
  const devvp = ump.um_devvp;
  const k = ump.um_kernel;
  let werr = vflushbuf(devvp);
  if (!ump.um_ronly) {
    // everything is out: the image is clean again (unless it was dirty when forced read-write)
    const fs = ump.um_fs;
    if (werr === 0) {
      fs.fs_clean = ump.um_wasclean ? FS_ISCLEAN : 0;
      werr = ffs_sbupdate(ump);
      if (werr === 0) werr = vflushbuf(devvp);
    }
    if (werr !== 0) {
      k.printf(
        `ffs ${ump.um_fspec}: write error ${werr} at unmount; the image is left not clean\n`,
      );
      if ((mntflags & MNT_FORCE) === 0) return werr;
    }
  }
  vn_lock(devvp, LK_EXCLUSIVE | LK_RETRY);
  VOP_CLOSE(devvp, FREAD | (ump.um_ronly ? 0 : FWRITE), k.lwp.l_cred);
  VOP_UNLOCK(devvp);
  vinvalbuf(devvp);
  vrele(devvp);
  mp.mnt_data = null;
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
export function ffs_root(mp: Mount, lktype: number, vpp: VnodeOut): number {
  const error = vcache_get(mp, UFS_ROOTINO, vpp);
  if (error !== 0) return error;
  return lockIfAsked(vpp, lktype);
}

/** VFS_STATVFS */
export function ffs_statvfs(mp: Mount, sbp: Statvfs): number {
  const ump = VFSTOUFS(mp);
  const fs = ump.um_fs;
  sbp.f_bsize = fs.fs_bsize;
  sbp.f_frsize = fs.fs_fsize;
  sbp.f_iosize = fs.fs_bsize;
  sbp.f_blocks = fs.fs_dsize;
  const bfree = fs.fs_cstotal_nbfree * fs.fs_frag + fs.fs_cstotal_nffree;
  sbp.f_bfree = bfree;
  const resvd = Math.floor((fs.fs_dsize * fs.fs_minfree) / 100);
  sbp.f_bresvd = resvd;
  sbp.f_bavail = Math.max(0, bfree - resvd);
  sbp.f_files = fs.fs_ncg * fs.fs_ipg - UFS_ROOTINO;
  sbp.f_ffree = fs.fs_cstotal_nifree;
  sbp.f_favail = fs.fs_cstotal_nifree;
  sbp.f_fresvd = 0;
  sbp.f_namemax = 255;
  return 0;
}

/**
 * VFS_SYNC: write every changed inode, the summary area and superblock
 * when they changed, then every dirty buffer of the device.
 */
function ffs_sync(mp: Mount, _waitfor: number, _cred: Kauth_cred): number {
  const ump = mp.mnt_data as UfsMount | null;
  if (ump === null || ump.um_ronly) return 0;
  let error = 0;
  for (const vp of vcache_vnodes(mp)) {
    const ip = vp.v_data as Inode | null;
    if (ip === null || ip.i_flag === 0 || ip.i_din.di_mode === 0) continue;
    const e = ffs_update(ip);
    if (e !== 0 && error === 0) error = e;
  }
  if (ump.um_fs.fs_fmod !== 0) {
    const e = ffs_sbupdate(ump);
    if (e !== 0 && error === 0) error = e;
  }
  const e = vflushbuf(ump.um_devvp);
  return error !== 0 ? error : e;
}

/** VFS_VGET */
function ffs_vget(mp: Mount, ino: number, lktype: number, vpp: VnodeOut): number {
  const error = vcache_get(mp, ino, vpp);
  if (error !== 0) return error;
  return lockIfAsked(vpp, lktype);
}

/** enum vtype of an inode's mode. */
function iftovt(mode: number): number {
  switch (mode & IFMT) {
    case IFREG:
      return VREG;
    case IFDIR:
      return VDIR;
    case IFLNK:
      return VLNK;
    case IFBLK:
      return VBLK;
    case IFCHR:
      return VCHR;
    case IFIFO:
      return VFIFO;
    case IFSOCK:
      return VSOCK;
    default:
      return VNON;
  }
}

/**
 * VFS_LOADVNODE: read inode `key`, check it, attach it to `vp`. A free
 * inode (mode 0) is ENOENT; a corrupt one EIO with a console message.
 */
export function ffs_loadvnode(mp: Mount, vp: Vnode, key: number): number {
  const ump = VFSTOUFS(mp);
  const fs = ump.um_fs;
  if (!(Number.isInteger(key) && key >= UFS_ROOTINO && key < ump.um_maxino)) return ENOENT;
  const bpp = ump.um_bpp;
  const error = bread(ump.um_devvp, fsbtodb(fs, ino_to_fsba(fs, key)), fs.fs_bsize, bpp);
  if (error !== 0) return error;
  const bp = bpp.v!;
  const off = ino_to_fsbo(fs, key) * DINODE_SIZE(fs);
  const ip = new Inode(ump, key, vp);
  const din = ip.i_din;
  dinode_parse(bp.b_data, off, fs.ufs2, fs.le, din);
  if (din.di_mode === 0) {
    brelse(bp, 0);
    return ENOENT;
  }
  const why = dinode_check(din, ump.um_nfrags, fs.fs_maxsymlinklen, ump.um_maxfilesize);
  if (why !== null) {
    brelse(bp, 0);
    ump.um_kernel.printf(`ffs ${ump.um_fspec}: corrupt file system: inode ${key}: ${why}\n`);
    return 5; // EIO
  }
  if (dinode_isshortlink(din, fs.fs_maxsymlinklen)) {
    const n = Math.min(din.di_size, fs.fs_maxsymlinklen);
    ip.i_shortlink = dinode_shortlink_read(bp.b_data, off, fs.ufs2, n);
  }
  brelse(bp, 0);
  const type = iftovt(din.di_mode);
  vp.v_type = type;
  vp.v_data = ip;
  vp.v_size = din.di_size;
  if (type === VBLK || type === VCHR) {
    vp.v_op = ump.um_specop_p;
    vp.v_rdev = dinode_rdev(din);
    vp.v_size = 0;
  } else if (type === VFIFO) {
    vp.v_op = ump.um_fifoop_p;
  } else {
    vp.v_op = ump.um_vnodeop_p;
  }
  if (key === UFS_ROOTINO) vp.v_vflag |= VV_ROOT;
  return 0;
}

/**
 * VFS_NEWVNODE: allocate an inode for a new file of vap.va_type in dvp's
 * directory (ffs_valloc), initialise it (owner from the caller, group from
 * the directory, all four times now, a new generation) and attach it to vp.
 */
function ffs_newvnode(
  mp: Mount,
  dvp: Vnode,
  vp: Vnode,
  vap: Vattr,
  cred: Kauth_cred,
  newkey: Out<number>,
): number {
  const ump = VFSTOUFS(mp);
  const fs = ump.um_fs;
  if (ump.um_ronly) return EROFS;
  const type = vap.va_type;
  let ifmt: number;
  switch (type) {
    case VREG:
      ifmt = IFREG;
      break;
    case VDIR:
      ifmt = IFDIR;
      break;
    case VLNK:
      ifmt = IFLNK;
      break;
    case VSOCK:
      ifmt = IFSOCK;
      break;
    case VFIFO:
      ifmt = IFIFO;
      break;
    case VBLK:
      ifmt = IFBLK;
      break;
    case VCHR:
      ifmt = IFCHR;
      break;
    default:
      return EINVAL;
  }
  const pip = dvp.v_data as Inode;
  const inop = { v: 0 };
  let error = ffs_valloc(pip, type === VDIR, inop);
  if (error !== 0) return error;
  const ino = inop.v;
  if (mp.mnt_vcache.has(ino)) {
    // the map said free, yet the inode is in use in memory: leave both alone
    return ufs_corrupt(ump, `cg ${ino_to_cg(fs, ino)}: inode ${ino} in use but free in the map`);
  }
  const bpp = ump.um_ibpp;
  error = bread(ump.um_devvp, fsbtodb(fs, ino_to_fsba(fs, ino)), fs.fs_bsize, bpp);
  if (error !== 0) {
    ffs_vfree(ump, ino, type === VDIR);
    return error;
  }
  const ip = new Inode(ump, ino, vp);
  const din = ip.i_din;
  dinode_parse(bpp.v!.b_data, ino_to_fsbo(fs, ino) * DINODE_SIZE(fs), fs.ufs2, fs.le, din);
  brelse(bpp.v!, 0);
  bpp.v = null;
  if (din.di_mode !== 0) {
    // the map said free; the inode says otherwise: leave both alone
    return ufs_corrupt(
      ump,
      `inode ${ino} is free in the map but in use (mode ${din.di_mode.toString(8)})`,
    );
  }
  const gen = (din.di_gen + 1) >>> 0 || 1;
  din.clear();
  din.di_gen = gen;
  let mode = vap.va_mode === VNOVAL ? 0 : vap.va_mode & ALLPERMS;
  din.di_uid = cred.cr_euid >>> 0;
  din.di_gid = pip.i_din.di_gid >>> 0;
  mode = ufs_newmode(mode, din.di_gid, cred);
  din.di_mode = ifmt | mode;
  din.di_nlink = type === VDIR ? 2 : 1;
  if (fs.ufs2) din.di_blksize = fs.fs_bsize;
  const ts = ump.um_ts;
  ump.um_kernel.nanotime(ts);
  din.di_atime = din.di_mtime = din.di_ctime = ts.tv_sec;
  din.di_atimensec = din.di_mtimensec = din.di_ctimensec = ts.tv_nsec;
  if (fs.ufs2) {
    din.di_birthtime = ts.tv_sec;
    din.di_birthnsec = ts.tv_nsec;
  }
  vp.v_type = type;
  vp.v_data = ip;
  vp.v_size = 0;
  if (type === VBLK || type === VCHR) {
    const rdev = vap.va_rdev === VNOVAL ? 0 : vap.va_rdev >>> 0;
    dinode_set_rdev(din, rdev, fs.ufs2);
    vp.v_rdev = rdev;
    vp.v_op = ump.um_specop_p;
  } else if (type === VFIFO) {
    vp.v_op = ump.um_fifoop_p;
  } else {
    vp.v_op = ump.um_vnodeop_p;
  }
  ip.i_flag |= IN_MODIFIED;
  error = ffs_update_dirop(ip);
  if (error !== 0) return error;
  newkey.v = ino;
  return 0;
}

/** File handle: fid_len u16, pad u16, ino u32, gen u32, pad u32. */
const FFS_FID_SIZE = 16;

/** VFS_FHTOVP */
function ffs_fhtovp(mp: Mount, fid: Uint8Array, lktype: number, vpp: VnodeOut): number {
  vpp.vp = null;
  if (fid.length < FFS_FID_SIZE) return EINVAL;
  const dv = new DataView(fid.buffer, fid.byteOffset, fid.byteLength);
  if (dv.getUint16(0, true) !== FFS_FID_SIZE) return EINVAL;
  const ino = dv.getUint32(4, true);
  const gen = dv.getUint32(8, true);
  const error = vcache_get(mp, ino, vpp);
  if (error !== 0) return error === ENOENT ? ESTALE : error;
  const ip = vpp.vp!.v_data as Inode;
  if (ip.i_din.di_nlink <= 0 || ip.i_din.di_gen >>> 0 !== gen) {
    vrele(vpp.vp!);
    vpp.vp = null;
    return ESTALE;
  }
  return lockIfAsked(vpp, lktype);
}

/** VFS_VPTOFH */
function ffs_vptofh(vp: Vnode, fid: Out<Uint8Array | null>): number {
  const ip = vp.v_data as Inode;
  const b = new Uint8Array(FFS_FID_SIZE);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, FFS_FID_SIZE, true);
  dv.setUint32(4, ip.i_number >>> 0, true);
  dv.setUint32(8, ip.i_din.di_gen >>> 0, true);
  fid.v = b;
  return 0;
}

/** The "ffs" type (MOUNT_FFS). */
export const ffs_vfsops: Vfsops = {
  vfs_name: "ffs",
  vfs_min_mount_data: UFS_ARGS_SIZE,
  vfs_mount: ffs_mount,
  vfs_start: ffs_start,
  vfs_unmount: ffs_unmount,
  vfs_root: ffs_root,
  vfs_statvfs: ffs_statvfs,
  vfs_sync: ffs_sync,
  vfs_vget: ffs_vget,
  vfs_loadvnode: ffs_loadvnode,
  vfs_newvnode: ffs_newvnode,
  vfs_fhtovp: ffs_fhtovp,
  vfs_vptofh: ffs_vptofh,
  vfs_opv_descs: [
    { vector: [], entries: ffs_vnodeop_entries },
    { vector: [], entries: ffs_specop_entries },
    { vector: [], entries: ffs_fifoop_entries },
  ],
};
