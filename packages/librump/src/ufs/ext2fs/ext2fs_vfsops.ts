/**
 * ext2fs file-system operations (ext2fs_vfsops.c): mount from a block
 * device named by `{ fspec }`, superblock validation (ext2fs_sbcheck) and
 * feature flags, group descriptors, unmount, root, statvfs, and loading
 * inodes into vnodes.
 *
 * Read-only for now: a mount without MNT_RDONLY answers EROFS with a
 * console message, so nothing is ever half-written.
 */
import {
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
} from "../../gen/constants.js";
import { VOP_CLOSE, VOP_OPEN, VOP_UNLOCK } from "../../gen/vnode_if.js";
import { FREAD, FWRITE } from "../../kern/sys_file.js";
import { bread, brelse, vflushbuf, vinvalbuf } from "../../kern/vfs_bio.js";
import { vfs_opv_build } from "../../kern/vfs_init.js";
import { namei, Nameidata } from "../../kern/vfs_lookup.js";
import { vcache_get, vflush, vn_lock, vput, vrele } from "../../kern/vfs_vnode.js";
import type { Kernel } from "../../rump/kernel.js";
import { BC_INVAL, DEV_BSIZE, type Buf } from "../../sys/buf.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { Mount, Vfsops, VnodeOpvDesc } from "../../sys/mount.js";
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
  type VnodeOpVector,
  type VnodeOut,
} from "../../sys/vnode.js";
import {
  e2fs_dinode_check,
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
  type Ext2Gd,
} from "./ext2fs.js";
import { E2Inode, Ext2Mount, VFSTOE2MP, e2_fsbtodb } from "./ext2fs_extern.js";
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

/** The three vectors, built on first use if vfs_attach did not. */
function vectorsOf(ops: Vfsops): [VnodeOpVector, VnodeOpVector, VnodeOpVector] {
  const d = ops.vfs_opv_descs as VnodeOpvDesc[];
  for (const opv of d) if (opv.vector.length === 0) opv.vector = vfs_opv_build(opv.entries);
  return [d[0]!.vector, d[1]!.vector, d[2]!.vector];
}

function fspecOf(data: unknown): string | null {
  if (data === null || typeof data !== "object") return null;
  const f = (data as { fspec?: unknown }).fspec;
  if (typeof f === "string") return f;
  if (f instanceof Uint8Array) {
    let s = "";
    for (let i = 0; i < f.length && f[i] !== 0; i++) s += String.fromCharCode(f[i]!);
    return s;
  }
  return null;
}

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
    if ((mp.mnt_flag & MNT_RDONLY) === 0) {
      ump.um_kernel.printf(`ext2fs ${ump.um_fspec}: read-write mounts are not supported yet\n`);
      return EROFS;
    }
    return 0;
  }
  const k = mp.mnt_kernel as Kernel;
  const fspec = fspecOf(data);
  if (fspec === null) return EINVAL;
  const ronly = (mp.mnt_flag & MNT_RDONLY) !== 0;
  if (!ronly) {
    k.printf(`ext2fs ${fspec}: read-write mounts are not supported yet; mount with MNT_RDONLY\n`);
    return EROFS;
  }
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
  const fflag = FREAD;
  error = VOP_OPEN(devvp, fflag, l.l_cred);
  if (error !== 0) {
    vput(devvp);
    return error;
  }
  VOP_UNLOCK(devvp);
  error = ext2fs_mountfs(mp, k, devvp, fspec, ronly);
  if (error !== 0) {
    vn_lock(devvp, LK_EXCLUSIVE | LK_RETRY);
    VOP_CLOSE(devvp, fflag, l.l_cred);
    VOP_UNLOCK(devvp);
    vrele(devvp);
  }
  return error;
}

/** Read and validate the superblock and group descriptors; set up the mount. */
function ext2fs_mountfs(mp: Mount, k: Kernel, devvp: Vnode, fspec: string, ronly: boolean): number {
  // forget anything cached from before (the image may have changed)
  vflushbuf(devvp);
  vinvalbuf(devvp);
  const bpp = { v: null as Buf | null };
  const mediasize = devvp.v_size;
  if (mediasize > 0 && SBOFF + SBSIZE > mediasize) {
    k.printf(`ext2fs ${fspec}: device too small for an ext2 superblock\n`);
    return EFTYPE;
  }
  let error = bread(devvp, SBOFF / DEV_BSIZE, SBSIZE, bpp);
  if (error !== 0) return error;
  const fs = ext2fs_sbparse(bpp.v!.b_data, 0);
  brelse(bpp.v!, BC_INVAL);
  const why = ext2fs_sbcheck(fs);
  if (why !== null) {
    k.printf(`ext2fs ${fspec}: bad superblock: ${why}\n`);
    return EFTYPE;
  }
  const notes: string[] = [];
  const refuse = ext2fs_features_check(fs, ronly, notes);
  if (refuse !== null) {
    k.printf(`ext2fs ${fspec}: mount refused: ${refuse}\n`);
    return EINVAL;
  }
  for (const n of notes) k.printf(`ext2fs ${fspec}: ${n}\n`);
  if (mediasize > 0 && fs.e2fs_bcount * fs.e2fs_bsize > mediasize) {
    k.printf(
      `ext2fs ${fspec}: file system of ${fs.e2fs_bcount * fs.e2fs_bsize} bytes is larger than its device (${mediasize})\n`,
    );
    return EFTYPE;
  }
  // the group descriptors follow the superblock's block
  const gds: Ext2Gd[] = [];
  const bsize = fs.e2fs_bsize;
  const perblk = bsize / 32;
  for (let i = 0; i < fs.e2fs_ngdb; i++) {
    const blk = fs.e2fs_first_dblock + 1 + i;
    error = bread(devvp, blk * fs.e2fs_fsbtodb, bsize, bpp);
    if (error !== 0) return error;
    const b = bpp.v!.b_data;
    for (let j = 0; j < perblk && gds.length < fs.e2fs_ncg; j++) {
      const g = e2fs_gd_parse(b, j);
      const bad = e2fs_gd_check(fs, g, gds.length);
      if (bad !== null) {
        brelse(bpp.v!, BC_INVAL);
        k.printf(`ext2fs ${fspec}: bad group descriptor: ${bad}\n`);
        return EFTYPE;
      }
      gds.push(g);
    }
    brelse(bpp.v!, 0);
  }

  const [vnodeop, specop, fifoop] = vectorsOf(mp.mnt_op);
  const ump = new Ext2Mount(mp, k, devvp, fs, gds, vnodeop, specop, fifoop, fspec, ronly);
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
  }
  if (rvp.vp !== null) vrele(rvp.vp);
  if (error !== 0) {
    vflush(mp, null, true);
    mp.mnt_data = null;
    vinvalbuf(devvp);
    return error === ENOENT ? EFTYPE : error;
  }
  return 0;
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
  vflushbuf(devvp);
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

/** VFS_SYNC: nothing to write on a read-only mount. */
function ext2fs_sync(_mp: Mount, _waitfor: number, _cred: Kauth_cred): number {
  return 0;
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
  const blk = ump.um_gd[cg]!.ext2bgd_i_tables + Math.floor(idx / fs.e2fs_ipb);
  const bpp = ump.um_bpp;
  const error = bread(ump.um_devvp, e2_fsbtodb(ump, blk), fs.e2fs_bsize, bpp);
  if (error !== 0) return error;
  const bp = bpp.v!;
  const off = (idx % fs.e2fs_ipb) * fs.e2fs_isize;
  const ip = new E2Inode(ump, key, vp);
  const din: Ext2Dinode = ip.i_din;
  e2fs_dinode_parse(bp.b_data, off, fs, din);
  if (din.e2di_mode === 0 || din.e2di_nlink === 0) {
    brelse(bp, 0);
    return ENOENT;
  }
  const why = e2fs_dinode_check(fs, din);
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
    // old encoding in i_block[0], the new (large) one in i_block[1]
    const b = din.e2di_blocks;
    vp.v_rdev = b[0] !== 0 ? b[0]! : b[1]!;
    vp.v_size = 0;
  } else if (type === VFIFO) {
    vp.v_op = ump.um_fifoop_p;
  } else {
    vp.v_op = ump.um_vnodeop_p;
  }
  if (key === EXT2_ROOTINO) vp.v_vflag |= VV_ROOT;
  return 0;
}

/** VFS_NEWVNODE: no inode allocation on a read-only mount. */
function ext2fs_newvnode(
  _mp: Mount,
  _dvp: Vnode,
  _vp: Vnode,
  _vap: Vattr,
  _cred: Kauth_cred,
  _newkey: Out<number>,
): number {
  return EROFS;
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
