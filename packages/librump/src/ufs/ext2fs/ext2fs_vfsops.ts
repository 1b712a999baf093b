/**
 * ext2fs file-system operations (ext2fs_vfsops.c): mount from a block
 * device named by `{ fspec }`, superblock validation (ext2fs_sbcheck) and
 * feature flags, group descriptors, unmount, root, statvfs, and loading
 * inodes into vnodes.
 *
 * Read-write: the state is "not clean" while mounted read-write and clean
 * again after a clean unmount; a dirty image is refused read-write unless
 * MNT_FORCE; MNT_UPDATE switches between read-only and read-write as FFS
 * does. Superblock and descriptor backups are rewritten with the primary.
 */
import {
  ALLPERMS,
  EBUSY,
  EFTYPE,
  EINVAL,
  EIO,
  ENOENT,
  ENOTBLK,
  EROFS,
  ESTALE,
  MNT_FORCE,
  MNT_GETARGS,
  MNT_LOCAL,
  MNT_RDONLY,
  MNT_UPDATE,
  MNT_WAIT,
  ENOMEM,
  S_ISGID,
} from "../../gen/constants.js";
import { VOP_CLOSE, VOP_OPEN, VOP_UNLOCK } from "../../gen/vnode_if.js";
import { FREAD, FWRITE } from "../../kern/sys_file.js";
import { bread, brelse, getblk, vflushbuf, vinvalbuf } from "../../kern/vfs_bio.js";
import { vfs_opv_vectors } from "../../kern/vfs_init.js";
import { namei, Nameidata } from "../../kern/vfs_lookup.js";
import { vcache_get, vcache_vnodes, vflush, vn_lock, vput, vrele } from "../../kern/vfs_vnode.js";
import { genfs_dev_writable, genfs_mount_fspec } from "../../miscfs/genfs/genfs_mount.js";
import type { Kernel } from "../../kern/kernel.js";
import { BC_INVAL, DEV_BSIZE, type Buf } from "../../sys/buf.js";
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
  e2fs_dinode_check,
  e2fs_dinode_rdev,
  e2fs_dinode_set_rdev,
  e2fs_dinode_isfastlink,
  e2fs_dinode_parse,
  e2fs_gd_check,
  e2fs_gd_parse,
  Ext2Dinode,
  ext2fs_features_check,
  ext2fs_sbcheck,
  ext2fs_sbparse,
  EXT2_IFBLK,
  EXT2_IFCHR,
  EXT2_IFDIR,
  EXT2_IFIFO,
  EXT2_IFLNK,
  EXT2_IFMT,
  EXT2_IFREG,
  EXT2_IFSOCK,
  EXT2_ROOTINO,
  SBOFF,
  SBSIZE,
  E2FS_ERRORS,
  E2FS_ISCLEAN,
  e2_wr16,
  e2fs_cg_has_sb,
  e2fs_dinode_blank,
  e2fs_gd_serialize,
  EXT2F_INCOMPAT_RECOVER,
  ext2fs_rw_check,
  ext2fs_sbserialize,
  EXT2_BG_INODE_UNINIT,
  EXT2_EXTENTS,
  EXT2_INLINE_DATA,
  type Ext2Fs,
  type Ext2Gd,
} from "./ext2fs.js";
import {
  ext2fs_csum_seed,
  ext2fs_gd_csum_set,
  ext2fs_gd_csum_verify,
  ext2fs_inode_csum_verify,
  ext2fs_sb_csum_set,
  ext2fs_sb_csum_verify,
} from "./ext2fs_csum.js";
import { ext4_ext_check_root } from "./ext2fs_extents.js";
import { ext2fs_orphan_cleanup } from "./ext2fs_orphan.js";
import { ext2fs_inline_load } from "./ext2fs_inline.js";
import {
  E2Inode,
  Ext2Mount,
  VFSTOE2MP,
  e2_bdwrite,
  e2_bwrite,
  e2_fsbtodb,
  ext2fs_corrupt,
} from "./ext2fs_extern.js";
import {
  ext2fs_bitmap_csums,
  ext2fs_meta_build,
  ext2fs_valloc,
  ext2fs_vfree,
} from "./ext2fs_alloc.js";
import {
  ext2fs_dinode_store,
  ext2fs_inoblk,
  ext2fs_setextents,
  ext2fs_update,
} from "./ext2fs_inode.js";
import {
  ext2fs_journal_commit,
  ext2fs_journal_drop,
  ext2fs_journal_recover,
} from "./ext2fs_recovery.js";
import {
  ext2fs_fifoop_entries,
  ext2fs_specop_entries,
  ext2fs_vnodeop_entries,
} from "./ext2fs_vnops.js";

/** Mount arguments (struct ufs_args). */
export interface Ext2fsArgs {
  fspec: string | null;
}

/** sizeof(struct ufs_args) on LP64. */
export const EXT2FS_ARGS_SIZE = 8;

/** VFS_MOUNT */
export function ext2fs_mount(mp: Mount, _path: string, data: unknown, _dataLen: number): number {
  if (mp.mnt_flag & MNT_GETARGS) {
    if (data === null || typeof data !== "object") return EINVAL;
    (data as Ext2fsArgs).fspec = null;
    return 0;
  }
  if (mp.mnt_flag & MNT_UPDATE) {
    const ump = mp.mnt_data as Ext2Mount | null;
    if (ump === null) return EINVAL;
    const fs = ump.um_e2fs;
    const wantRo = (mp.mnt_flag & MNT_RDONLY) !== 0;
    if (wantRo && !ump.um_ronly) {
      // rw → ro: everything out, then the clean state
      let error = ext2fs_sync(mp, MNT_WAIT, ump.um_kernel.lwp.l_cred);
      if (error !== 0) return error;
      fs.e2fs_state |= E2FS_ISCLEAN;
      error = ext2fs_sbupdate(ump);
      if (error === 0) error = vflushbuf(ump.um_devvp);
      if (error !== 0) return error;
      ump.um_ronly = true;
    } else if (!wantRo && ump.um_ronly) {
      let error = ext2fs_checkrw(ump.um_kernel, fs, ump.um_fspec, (mp.mnt_flag & MNT_FORCE) !== 0);
      if (error !== 0) return error;
      // the device was opened read-only at mount: can it take writes?
      error = genfs_dev_writable(ump.um_kernel, ump.um_devvp, "ext2fs", ump.um_fspec);
      if (error !== 0) return error;
      // a journal recovered in memory at the read-only mount goes to the image now
      error = ext2fs_journal_commit(ump);
      if (error !== 0) return error;
      ump.um_ronly = false;
      error = ext2fs_markdirty(ump);
      if (error === 0) error = ext2fs_orphan_cleanup(ump);
      if (error !== 0) return error;
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
    const o = other.mnt_data as { um_devvp?: unknown } | null;
    if (o !== null && typeof o === "object" && o.um_devvp === devvp) {
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
  error = ext2fs_mountfs(mp, k, devvp, fspec, ronly, (mp.mnt_flag & MNT_FORCE) !== 0);
  if (error !== 0) {
    ext2fs_journal_drop(k, devvp);
    vn_lock(devvp, LK_EXCLUSIVE | LK_RETRY);
    VOP_CLOSE(devvp, fflag, l.l_cred);
    VOP_UNLOCK(devvp);
    vrele(devvp);
  }
  return error;
}

/**
 * Read and validate the superblock and group descriptors; set up the mount.
 * A journal that needs recovery is replayed first (with the descriptors
 * as they were, as Linux and e2fsck do), then everything is read again
 * (`recovered`).
 */
function ext2fs_mountfs(
  mp: Mount,
  k: Kernel,
  devvp: Vnode,
  fspec: string,
  ronly: boolean,
  force: boolean,
  recovered = false,
): number {
  // forget anything cached from before (the image may have changed)
  vflushbuf(devvp);
  vinvalbuf(devvp);
  if (!recovered) ext2fs_journal_drop(k, devvp);
  const bpp = { v: null as Buf | null };
  const mediasize = devvp.v_size;
  if (mediasize > 0 && SBOFF + SBSIZE > mediasize) {
    k.printf(`ext2fs ${fspec}: device too small for an ext2 superblock\n`);
    return EFTYPE;
  }
  let error = bread(devvp, SBOFF / DEV_BSIZE, SBSIZE, bpp);
  if (error !== 0) return error;
  const fs = ext2fs_sbparse(bpp.v!.b_data, 0);
  const sbraw = bpp.v!.b_data.slice(0, SBSIZE);
  brelse(bpp.v!, BC_INVAL);
  const why = ext2fs_sbcheck(fs);
  if (why !== null) {
    k.printf(`ext2fs ${fspec}: bad superblock: ${why}\n`);
    return EFTYPE;
  }
  if (!ext2fs_sb_csum_verify(fs, sbraw, 0)) {
    k.printf(`ext2fs ${fspec}: corrupt file system: the superblock fails its checksum\n`);
    return EIO;
  }
  fs.e2fs_csum_seed = ext2fs_csum_seed(fs);
  const notes: string[] = [];
  const refuse = ext2fs_features_check(fs, true, notes);
  if (refuse !== null) {
    k.printf(`ext2fs ${fspec}: mount refused: ${refuse}\n`);
    return EINVAL;
  }
  if (!ronly) {
    const e = ext2fs_checkrw(k, fs, fspec, force);
    if (e !== 0) return e;
    notes.length = 0;
    ext2fs_features_check(fs, false, notes);
  }
  const recovering =
    !recovered && fs.e2fs_rev >= 1 && (fs.e2fs_features_incompat & EXT2F_INCOMPAT_RECOVER) !== 0;
  if (!recovering) for (const n of notes) k.printf(`ext2fs ${fspec}: ${n}\n`);
  if (mediasize > 0 && fs.e2fs_bcount * fs.e2fs_bsize > mediasize) {
    k.printf(
      `ext2fs ${fspec}: file system of ${fs.e2fs_bcount * fs.e2fs_bsize} bytes is larger than its device (${mediasize})\n`,
    );
    return EFTYPE;
  }
  // the group descriptors follow the superblock's block
  const gds: Ext2Gd[] = [];
  const bsize = fs.e2fs_bsize;
  const gdsize = fs.e2fs_gdsize;
  const perblk = bsize / gdsize;
  const gdraw = new Uint8Array(fs.e2fs_ngdb * bsize);
  for (let i = 0; i < fs.e2fs_ngdb; i++) {
    const blk = fs.e2fs_first_dblock + 1 + i;
    error = bread(devvp, blk * fs.e2fs_fsbtodb, bsize, bpp);
    if (error !== 0) return error;
    const b = bpp.v!.b_data;
    gdraw.set(b.subarray(0, bsize), i * bsize);
    brelse(bpp.v!, 0);
    for (let j = 0; j < perblk && gds.length < fs.e2fs_ncg; j++) {
      const c = gds.length;
      const g = e2fs_gd_parse(gdraw, c, gdsize);
      const bad = e2fs_gd_check(fs, g, c);
      if (bad !== null) {
        k.printf(`ext2fs ${fspec}: bad group descriptor: ${bad}\n`);
        return EFTYPE;
      }
      if (!ext2fs_gd_csum_verify(fs, gdraw, c * gdsize, c)) {
        k.printf(
          `ext2fs ${fspec}: corrupt file system: group descriptor ${c} fails its checksum\n`,
        );
        return EIO;
      }
      gds.push(g);
    }
  }
  // the superblock's free counts are a summary Linux lets go stale: the
  // descriptors' counts are the truth (as e2fsck and Linux take them)
  let nbfree = 0;
  let nifree = 0;
  for (const g of gds) {
    nbfree += g.ext2bgd_nbfree;
    nifree += g.ext2bgd_nifree;
  }
  if (nbfree > fs.e2fs_bcount || nifree > fs.e2fs_icount) {
    k.printf(`ext2fs ${fspec}: group descriptors count more free blocks or inodes than exist\n`);
    return EFTYPE;
  }
  fs.e2fs_fbcount = nbfree;
  fs.e2fs_ficount = nifree;

  const [vnodeop, specop, fifoop] = vfs_opv_vectors(mp.mnt_op);
  const ump = new Ext2Mount(mp, k, devvp, fs, gds, vnodeop, specop, fifoop, fspec, ronly);
  ump.um_sbraw = sbraw;
  ump.um_gdraw = gdraw;
  ext2fs_meta_build(ump);
  if (recovering) {
    error = ext2fs_journal_recover(ump, ronly);
    vinvalbuf(devvp);
    if (error !== 0) return error;
    return ext2fs_mountfs(mp, k, devvp, fspec, ronly, force, true);
  }
  // read-only: the recovered superblock (a logged copy) may still say so
  if (recovered) fs.e2fs_features_incompat &= ~EXT2F_INCOMPAT_RECOVER;
  mp.mnt_data = ump;
  mp.mnt_flag |= MNT_LOCAL;
  mp.mnt_namemax = 255;
  const st = mp.mnt_stat;
  st.f_mntfromname = fspec;
  st.f_namemax = 255;
  st.f_iosize = bsize;
  // the root must be a directory
  const rvp = { vp: null as Vnode | null };
  error = vcache_get(mp, EXT2_ROOTINO, rvp);
  if (error === 0 && rvp.vp!.v_type !== VDIR) {
    k.printf(`ext2fs ${fspec}: root inode is not a directory\n`);
    error = EFTYPE;
  } else if (error === ENOENT) {
    // loadvnode answers ENOENT, silently, for an inode not in use
    k.printf(`ext2fs ${fspec}: root inode is not in use\n`);
  }
  if (rvp.vp !== null) vrele(rvp.vp);
  if (error !== 0) {
    vflush(mp, null, true);
    mp.mnt_data = null;
    vinvalbuf(devvp);
    return error === ENOENT ? EFTYPE : error;
  }
  if (!ronly) {
    error = ext2fs_markdirty(ump);
    if (error === 0) error = ext2fs_orphan_cleanup(ump);
    if (error !== 0) {
      vflush(mp, null, true);
      mp.mnt_data = null;
      vinvalbuf(devvp);
      return error;
    }
  }
  return 0;
}

/**
 * May this file system be written? EROFS with a console message if not:
 * features we do not write, or a state that is not clean (unless forced,
 * as FFS does).
 */
function ext2fs_checkrw(k: Kernel, fs: Ext2Fs, fspec: string, force: boolean): number {
  const why = ext2fs_rw_check(fs);
  if (why !== null) {
    k.printf(`ext2fs ${fspec}: ${why}; mount read-only\n`);
    return EROFS;
  }
  if ((fs.e2fs_state & E2FS_ISCLEAN) === 0 || fs.e2fs_state & E2FS_ERRORS) {
    if (!force) {
      k.printf(
        `ext2fs ${fspec}: file system not clean (state ${fs.e2fs_state}); run e2fsck or mount with MNT_FORCE\n`,
      );
      return EROFS;
    }
    k.printf(`ext2fs ${fspec}: file system not clean; forced read-write mount\n`);
  }
  return 0;
}

/**
 * A read-write mount begins: the state is "not clean" until a clean
 * unmount, the mount count goes up, the mount time is now; written at once.
 */
function ext2fs_markdirty(ump: Ext2Mount): number {
  const fs = ump.um_e2fs;
  fs.e2fs_state &= ~E2FS_ISCLEAN;
  fs.e2fs_mnt_count = (fs.e2fs_mnt_count + 1) & 0xffff;
  fs.e2fs_mtime = ump.um_kernel.time_second() >>> 0;
  if (
    fs.e2fs_max_mnt_count > 0 &&
    fs.e2fs_max_mnt_count < 0x8000 &&
    fs.e2fs_mnt_count >= fs.e2fs_max_mnt_count
  )
    ump.um_kernel.printf(
      `ext2fs ${ump.um_fspec}: mounted ${fs.e2fs_mnt_count} times without a check; run e2fsck\n`,
    );
  const error = ext2fs_sbupdate(ump);
  return error !== 0 ? error : vflushbuf(ump.um_devvp);
}

/**
 * ext2fs_sbupdate: write the superblock and the group descriptors, then
 * their backups in every group that keeps one (all, or with sparse_super
 * groups 0, 1 and the powers of 3, 5 and 7). The superblock keeps the
 * bytes we do not model; a backup says which group it lives in.
 */
export function ext2fs_sbupdate(ump: Ext2Mount): number {
  const fs = ump.um_e2fs;
  const devvp = ump.um_devvp;
  const bsize = fs.e2fs_bsize;
  let error = ext2fs_bitmap_csums(ump);
  if (error !== 0) return error;
  fs.e2fs_wtime = ump.um_kernel.time_second() >>> 0;
  const raw = ump.um_sbraw;
  fs.e2fs_block_group_nr = 0;
  ext2fs_sbserialize(fs, raw, 0);
  ext2fs_sb_csum_set(fs, raw, 0);
  const bpp = ump.um_ibpp;
  // the primary: its own 1024-byte buffer at byte 1024
  const bp = getblk(devvp, SBOFF / DEV_BSIZE, SBSIZE);
  if (bp === null) return ENOMEM;
  bp.b_data.set(raw);
  error = e2_bwrite(bp);
  // the descriptors (with their checksums), block by block, in group 0 and every backup group
  const gdsize = fs.e2fs_gdsize;
  const gdbuf = ump.um_gdraw;
  for (let i = 0; i < fs.e2fs_ncg; i++) {
    e2fs_gd_serialize(ump.um_gd[i]!, gdbuf, i, gdsize);
    ext2fs_gd_csum_set(fs, gdbuf, i * gdsize, i);
  }
  const backup = new Uint8Array(SBSIZE);
  for (let g = 0; g < fs.e2fs_ncg; g++) {
    if (!e2fs_cg_has_sb(fs, g)) continue;
    const start = fs.e2fs_first_dblock + g * fs.e2fs_bpg;
    if (g > 0) {
      // the backup superblock starts its group's first block
      backup.set(raw);
      if (fs.e2fs_rev >= 1) e2_wr16(backup, 90, g); // s_block_group_nr
      ext2fs_sb_csum_set(fs, backup, 0);
      const e = bread(devvp, e2_fsbtodb(ump, start), bsize, bpp);
      if (e !== 0) {
        if (error === 0) error = e;
        continue;
      }
      bpp.v!.b_data.set(backup, 0);
      const e2 = e2_bwrite(bpp.v!);
      bpp.v = null;
      if (e2 !== 0 && error === 0) error = e2;
    }
    for (let i = 0; i < fs.e2fs_ngdb; i++) {
      const e = bread(devvp, e2_fsbtodb(ump, start + 1 + i), bsize, bpp);
      if (e !== 0) {
        if (error === 0) error = e;
        continue;
      }
      bpp.v!.b_data.set(gdbuf.subarray(i * bsize, (i + 1) * bsize), 0);
      const e2 = g === 0 ? e2_bwrite(bpp.v!) : (e2_bdwrite(bpp.v!), 0);
      bpp.v = null;
      if (e2 !== 0 && error === 0) error = e2;
    }
  }
  if (error === 0) ump.um_fmod = false;
  return error;
}

/** VFS_START */
function ext2fs_start(_mp: Mount, _flags: number): number {
  return 0;
}

/** VFS_UNMOUNT: flush the vnodes, close the device. */
export function ext2fs_unmount(mp: Mount, mntflags: number): number {
  const error = vflush(mp, null, (mntflags & MNT_FORCE) !== 0);
  if (error !== 0) return error;
  const ump = mp.mnt_data as Ext2Mount | null;
  if (ump === null) return 0;
  const devvp = ump.um_devvp;
  const k = ump.um_kernel;
  let werr = vflushbuf(devvp);
  if (!ump.um_ronly) {
    // everything is out: the image is clean again
    const fs = ump.um_e2fs;
    if (werr === 0) {
      fs.e2fs_state |= E2FS_ISCLEAN;
      werr = ext2fs_sbupdate(ump);
      if (werr === 0) werr = vflushbuf(devvp);
    }
    if (werr !== 0) {
      k.printf(
        `ext2fs ${ump.um_fspec}: write error ${werr} at unmount; the image is left not clean\n`,
      );
      if ((mntflags & MNT_FORCE) === 0) return werr;
    }
  }
  vn_lock(devvp, LK_EXCLUSIVE | LK_RETRY);
  VOP_CLOSE(devvp, FREAD | (ump.um_ronly ? 0 : FWRITE), k.lwp.l_cred);
  VOP_UNLOCK(devvp);
  vinvalbuf(devvp);
  ext2fs_journal_drop(k, devvp);
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
export function ext2fs_root(mp: Mount, lktype: number, vpp: VnodeOut): number {
  const error = vcache_get(mp, EXT2_ROOTINO, vpp);
  if (error !== 0) return error;
  return lockIfAsked(vpp, lktype);
}

/** VFS_STATVFS */
export function ext2fs_statvfs(mp: Mount, sbp: Statvfs): number {
  const fs = VFSTOE2MP(mp).um_e2fs;
  // the overhead: everything before the first data block
  sbp.f_bsize = fs.e2fs_bsize;
  sbp.f_frsize = fs.e2fs_bsize;
  sbp.f_iosize = fs.e2fs_bsize;
  sbp.f_blocks = fs.e2fs_bcount - fs.e2fs_first_dblock;
  sbp.f_bfree = fs.e2fs_fbcount;
  sbp.f_bresvd = fs.e2fs_rbcount;
  sbp.f_bavail = Math.max(0, fs.e2fs_fbcount - fs.e2fs_rbcount);
  sbp.f_files = fs.e2fs_icount;
  sbp.f_ffree = fs.e2fs_ficount;
  sbp.f_favail = fs.e2fs_ficount;
  sbp.f_fresvd = 0;
  sbp.f_namemax = 255;
  return 0;
}

/**
 * VFS_SYNC: write every changed inode, the superblock and descriptors (and
 * their backups) when they changed, then every dirty buffer of the device.
 */
function ext2fs_sync(mp: Mount, _waitfor: number, _cred: Kauth_cred): number {
  const ump = mp.mnt_data as Ext2Mount | null;
  if (ump === null || ump.um_ronly) return 0;
  let error = 0;
  for (const vp of vcache_vnodes(mp)) {
    const ip = vp.v_data as E2Inode | null;
    if (ip === null || ip.i_flag === 0 || ip.i_din.e2di_mode === 0) continue;
    const e = ext2fs_update(ip);
    if (e !== 0 && error === 0) error = e;
  }
  if (ump.um_fmod) {
    const e = ext2fs_sbupdate(ump);
    if (e !== 0 && error === 0) error = e;
  }
  const e = vflushbuf(ump.um_devvp);
  return error !== 0 ? error : e;
}

/** VFS_VGET */
function ext2fs_vget(mp: Mount, ino: number, lktype: number, vpp: VnodeOut): number {
  const error = vcache_get(mp, ino, vpp);
  if (error !== 0) return error;
  return lockIfAsked(vpp, lktype);
}

/** enum vtype of an inode's mode. */
function iftovt(mode: number): number {
  switch (mode & EXT2_IFMT) {
    case EXT2_IFREG:
      return VREG;
    case EXT2_IFDIR:
      return VDIR;
    case EXT2_IFLNK:
      return VLNK;
    case EXT2_IFBLK:
      return VBLK;
    case EXT2_IFCHR:
      return VCHR;
    case EXT2_IFIFO:
      return VFIFO;
    case EXT2_IFSOCK:
      return VSOCK;
    default:
      return VNON;
  }
}

/**
 * VFS_LOADVNODE: read inode `key`, check it, attach it to `vp`. A free
 * inode (mode 0 or no links), or a reserved one other than the root, is
 * ENOENT; a corrupt one EIO with a console message.
 */
export function ext2fs_loadvnode(mp: Mount, vp: Vnode, key: number): number {
  const ump = VFSTOE2MP(mp);
  const fs = ump.um_e2fs;
  if (!(Number.isInteger(key) && key >= 1 && key <= fs.e2fs_icount)) return ENOENT;
  if (key !== EXT2_ROOTINO && key < fs.e2fs_first_ino) return ENOENT;
  const cg = Math.floor((key - 1) / fs.e2fs_ipg);
  const idx = (key - 1) % fs.e2fs_ipg;
  const gd = ump.um_gd[cg]!;
  // inodes a group never used may be garbage on disk: they are free
  if (
    fs.e2fs_gdcsum &&
    (gd.ext2bgd_flags & EXT2_BG_INODE_UNINIT || idx >= fs.e2fs_ipg - gd.ext2bgd_itable_unused)
  )
    return ENOENT;
  const blk = gd.ext2bgd_i_tables + Math.floor(idx / fs.e2fs_ipb);
  const bpp = ump.um_bpp;
  const error = bread(ump.um_devvp, e2_fsbtodb(ump, blk), fs.e2fs_bsize, bpp);
  if (error !== 0) return error;
  const bp = bpp.v!;
  const off = (idx % fs.e2fs_ipb) * fs.e2fs_isize;
  const ip = new E2Inode(ump, key, vp);
  const din: Ext2Dinode = ip.i_din;
  e2fs_dinode_parse(bp.b_data, off, fs, din);
  if (din.e2di_mode === 0 || (din.e2di_nlink === 0 && !ump.um_orphanscan)) {
    brelse(bp, 0);
    return ENOENT;
  }
  let why = ext2fs_inode_csum_verify(fs, bp.b_data, off, key)
    ? e2fs_dinode_check(fs, din)
    : "fails its checksum";
  const t = din.e2di_mode & EXT2_IFMT;
  const mapped = t === EXT2_IFREG || t === EXT2_IFDIR || t === EXT2_IFLNK;
  if (why === null && mapped && din.e2di_flags & EXT2_INLINE_DATA) {
    const w = { v: "" };
    ip.i_inline = ext2fs_inline_load(fs, bp.b_data, off, din, key, ump.um_ftype, ump.um_direct, w);
    if (ip.i_inline === null) why = w.v;
  } else if (why === null && mapped && din.e2di_flags & EXT2_EXTENTS) {
    why = ext4_ext_check_root(ip);
  }
  if (why !== null) {
    brelse(bp, 0);
    ump.um_kernel.printf(`ext2fs ${ump.um_fspec}: corrupt file system: inode ${key}: ${why}\n`);
    return EIO;
  }
  if (e2fs_dinode_isfastlink(fs, din)) {
    ip.i_shortlink = bp.b_data.slice(
      off + Ext2Dinode.I_BLOCK,
      off + Ext2Dinode.I_BLOCK + din.e2di_size,
    );
  }
  brelse(bp, 0);
  const type = iftovt(din.e2di_mode);
  vp.v_type = type;
  vp.v_data = ip;
  vp.v_size = din.e2di_size;
  if (type === VBLK || type === VCHR) {
    vp.v_op = ump.um_specop_p;
    vp.v_rdev = e2fs_dinode_rdev(din);
    vp.v_size = 0;
  } else if (type === VFIFO) {
    vp.v_op = ump.um_fifoop_p;
  } else {
    vp.v_op = ump.um_vnodeop_p;
  }
  if (key === EXT2_ROOTINO) vp.v_vflag |= VV_ROOT;
  return 0;
}

/**
 * VFS_NEWVNODE: allocate an inode for a new file of vap.va_type in dvp's
 * directory (ext2fs_valloc), initialise it (owner from the caller, group
 * from the directory, the times now, a new generation, a valid
 * i_extra_isize for large inodes) and attach it to vp.
 */
function ext2fs_newvnode(
  mp: Mount,
  dvp: Vnode,
  vp: Vnode,
  vap: Vattr,
  cred: Kauth_cred,
  newkey: Out<number>,
): number {
  const ump = VFSTOE2MP(mp);
  const fs = ump.um_e2fs;
  if (ump.um_ronly) return EROFS;
  const type = vap.va_type;
  let ifmt: number;
  switch (type) {
    case VREG:
      ifmt = EXT2_IFREG;
      break;
    case VDIR:
      ifmt = EXT2_IFDIR;
      break;
    case VLNK:
      ifmt = EXT2_IFLNK;
      break;
    case VSOCK:
      ifmt = EXT2_IFSOCK;
      break;
    case VFIFO:
      ifmt = EXT2_IFIFO;
      break;
    case VBLK:
      ifmt = EXT2_IFBLK;
      break;
    case VCHR:
      ifmt = EXT2_IFCHR;
      break;
    default:
      return EINVAL;
  }
  const pip = dvp.v_data as E2Inode;
  const inop = { v: 0 };
  let error = ext2fs_valloc(pip, type === VDIR, inop);
  if (error !== 0) return error;
  const ino = inop.v;
  const off = { v: 0 };
  const blk = ext2fs_inoblk(ump, ino, off);
  const bpp = ump.um_ibpp;
  error = bread(ump.um_devvp, e2_fsbtodb(ump, blk), fs.e2fs_bsize, bpp);
  if (error !== 0) {
    ext2fs_vfree(ump, ino, type === VDIR);
    return error;
  }
  const ip = new E2Inode(ump, ino, vp);
  const din = ip.i_din;
  const buf = bpp.v!.b_data;
  e2fs_dinode_parse(buf, off.v, fs, din);
  // an inode from the never-used end of a table may hold anything
  if (!ump.um_ifresh && din.e2di_mode !== 0 && din.e2di_nlink !== 0) {
    brelse(bpp.v!, 0);
    bpp.v = null;
    // the map said free; the inode says otherwise: leave both alone
    return ext2fs_corrupt(
      ump,
      `inode ${ino} is free in the bitmap but in use (mode ${din.e2di_mode.toString(8)}, ${din.e2di_nlink} links)`,
    );
  }
  const gen = (din.e2di_gen + 1) >>> 0 || 1;
  // a blank inode on disk, then the new one over it
  e2fs_dinode_blank(buf, off.v, fs);
  e2fs_dinode_parse(buf, off.v, fs, din);
  din.e2di_gen = gen;
  let mode = vap.va_mode === VNOVAL ? 0 : vap.va_mode & ALLPERMS;
  din.e2di_uid = cred.cr_euid >>> 0;
  din.e2di_gid = pip.i_din.e2di_gid >>> 0;
  mode = ext2fs_newmode(mode, din.e2di_gid, cred);
  din.e2di_mode = ifmt | mode;
  din.e2di_nlink = type === VDIR ? 2 : 1;
  const ts = ump.um_ts;
  ump.um_kernel.nanotime(ts);
  din.e2di_atime = din.e2di_mtime = din.e2di_ctime = din.e2di_crtime = ts.tv_sec;
  din.e2di_atimensec = din.e2di_mtimensec = din.e2di_ctimensec = din.e2di_crtimensec = ts.tv_nsec;
  vp.v_type = type;
  vp.v_data = ip;
  vp.v_size = 0;
  if (type === VBLK || type === VCHR) {
    const rdev = vap.va_rdev === VNOVAL ? 0 : vap.va_rdev >>> 0;
    e2fs_dinode_set_rdev(din, rdev);
    vp.v_rdev = rdev;
    vp.v_op = ump.um_specop_p;
  } else if (type === VFIFO) {
    vp.v_op = ump.um_fifoop_p;
  } else {
    vp.v_op = ump.um_vnodeop_p;
    ext2fs_setextents(ip);
  }
  ext2fs_dinode_store(ump, ino, din, buf, off.v);
  e2_bdwrite(bpp.v!);
  bpp.v = null;
  newkey.v = ino;
  return 0;
}

/** The setgid bit is dropped for a creator outside the file's group. */
function ext2fs_newmode(mode: number, gid: number, cred: Kauth_cred): number {
  if (mode & S_ISGID && cred.cr_euid !== 0 && !cred.ismember_gid(gid)) return mode & ~S_ISGID;
  return mode;
}

/** File handle: fid_len u16, pad u16, ino u32, gen u32, pad u32. */
const EXT2FS_FID_SIZE = 16;

/** VFS_FHTOVP */
function ext2fs_fhtovp(mp: Mount, fid: Uint8Array, lktype: number, vpp: VnodeOut): number {
  vpp.vp = null;
  if (fid.length < EXT2FS_FID_SIZE) return EINVAL;
  const dv = new DataView(fid.buffer, fid.byteOffset, fid.byteLength);
  if (dv.getUint16(0, true) !== EXT2FS_FID_SIZE) return EINVAL;
  const ino = dv.getUint32(4, true);
  const gen = dv.getUint32(8, true);
  const error = vcache_get(mp, ino, vpp);
  if (error !== 0) return error === ENOENT ? ESTALE : error;
  const ip = vpp.vp!.v_data as E2Inode;
  if (ip.i_din.e2di_nlink <= 0 || ip.i_din.e2di_gen >>> 0 !== gen) {
    vrele(vpp.vp!);
    vpp.vp = null;
    return ESTALE;
  }
  return lockIfAsked(vpp, lktype);
}

/** VFS_VPTOFH */
function ext2fs_vptofh(vp: Vnode, fid: Out<Uint8Array | null>): number {
  const ip = vp.v_data as E2Inode;
  const b = new Uint8Array(EXT2FS_FID_SIZE);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, EXT2FS_FID_SIZE, true);
  dv.setUint32(4, ip.i_number >>> 0, true);
  dv.setUint32(8, ip.i_din.e2di_gen >>> 0, true);
  fid.v = b;
  return 0;
}

/** The "ext2fs" type (MOUNT_EXT2FS). */
export const ext2fs_vfsops: Vfsops = {
  vfs_name: "ext2fs",
  vfs_min_mount_data: EXT2FS_ARGS_SIZE,
  vfs_mount: ext2fs_mount,
  vfs_start: ext2fs_start,
  vfs_unmount: ext2fs_unmount,
  vfs_root: ext2fs_root,
  vfs_statvfs: ext2fs_statvfs,
  vfs_sync: ext2fs_sync,
  vfs_vget: ext2fs_vget,
  vfs_loadvnode: ext2fs_loadvnode,
  vfs_newvnode: ext2fs_newvnode,
  vfs_fhtovp: ext2fs_fhtovp,
  vfs_vptofh: ext2fs_vptofh,
  vfs_opv_descs: [
    { vector: [], entries: ext2fs_vnodeop_entries },
    { vector: [], entries: ext2fs_specop_entries },
    { vector: [], entries: ext2fs_fifoop_entries },
  ],
};
