/**
 * Directory lookup and scanning (ufs_lookup.c): reading directory blocks
 * with every DIRBLKSIZ chunk checked (ufs_dirbadentry), finding a name,
 * and VOP_LOOKUP with the name cache.
 */
import {
  EINVAL,
  EJUSTRETURN,
  EPERM,
  ENAMETOOLONG,
  ENOENT,
  ENOTDIR,
  EROFS,
  MNT_RDONLY,
} from "../../gen/constants.js";
import { bread, brelse } from "../../kern/vfs_bio.js";
import { BC_INVAL } from "../../sys/buf.js";
import { cache_enter, cache_lookup, CACHE_HIT, CACHE_NEGATIVE } from "../../kern/vfs_cache.js";
import { vcache_get, vref, vrele } from "../../kern/vfs_vnode.js";
import { VEXEC, VWRITE, genfs_can_sticky } from "../../miscfs/genfs/genfs_vnops.js";
import type { Buf } from "../../sys/buf.js";
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
import { VDIR, VLNK, type Vnode, type VnodeOut } from "../../sys/vnode.js";
import { S_ISTXT } from "../../gen/constants.js";
import { fsbtodb, sblksize } from "../ffs/fs.js";
import { DIRBLKSIZ, direct_namecmp, direct_parse, dirchunk_check, UFS_MAXNAMLEN } from "./dir.js";
import { ufs_corrupt, VFSTOUFS, VTOI, type Inode } from "./inode.js";
import { ufs_bmap } from "./ufs_bmap.js";
import { ufs_access } from "./ufs_vnops.js";

/**
 * Read logical block `lbn` of directory `ip` (its size is sblksize) with
 * every chunk checked. On success bpp.v holds the busy buffer.
 */
export function ufs_dirblk_read(ip: Inode, lbn: number, bpp: Out<Buf | null>): number {
  const ump = ip.i_ump;
  const fs = ump.um_fs;
  bpp.v = null;
  const bn = { v: 0 };
  let error = ufs_bmap(ip, lbn, bn);
  if (error !== 0) return error;
  if (bn.v === 0) return ufs_corrupt(ump, `directory inode ${ip.i_number}: hole at block ${lbn}`);
  const size = sblksize(fs, ip.i_din.di_size, lbn);
  error = bread(ump.um_devvp, fsbtodb(fs, bn.v), size, bpp);
  if (error !== 0) return error;
  const buf = bpp.v!.b_data;
  // a last block of fragments may extend past the directory's size
  const valid = Math.min(size, ip.i_din.di_size - lbn * fs.fs_bsize);
  for (let c = 0; c < valid; c += DIRBLKSIZ) {
    const why = dirchunk_check(buf, c, fs.le, ump.um_oldfmt, ump.um_maxino, ump.um_direct);
    if (why !== null) {
      // a corrupt block is not kept: a later read sees the disk again
      brelse(bpp.v!, BC_INVAL);
      bpp.v = null;
      return ufs_corrupt(ump, `directory inode ${ip.i_number} block ${lbn}: ${why}`);
    }
  }
  return 0;
}

/** Result of ufs_dirlookup. */
export class DirSlot {
  /** inode the name maps to (0: not found) */
  ino = 0;
  /** byte offset of the entry in the directory */
  off = 0;
  /** its d_type */
  type = 0;
}

/**
 * Find `name` in directory `ip`: slot.ino = its inode (0 when absent).
 * Bounded by the directory's size; every chunk is checked on the way.
 */
export function ufs_dirlookup(ip: Inode, name: string, slot: DirSlot): number {
  const ump = ip.i_ump;
  const fs = ump.um_fs;
  const size = ip.i_din.di_size;
  const d = ump.um_direct;
  const bpp = ump.um_bpp;
  slot.ino = 0;
  const nblk = Math.ceil(size / fs.fs_bsize);
  for (let lbn = 0; lbn < nblk; lbn++) {
    const error = ufs_dirblk_read(ip, lbn, bpp);
    if (error !== 0) return error;
    const bp = bpp.v!;
    const buf = bp.b_data;
    const bsz = Math.min(bp.b_bcount, size - lbn * fs.fs_bsize);
    let off = 0;
    while (off < bsz) {
      direct_parse(buf, off, fs.le, ump.um_oldfmt, d);
      if (d.d_ino !== 0 && direct_namecmp(buf, off, d.d_namlen, name)) {
        slot.ino = d.d_ino;
        slot.off = lbn * fs.fs_bsize + off;
        slot.type = d.d_type;
        brelse(bp, 0);
        return 0;
      }
      off += d.d_reclen; // checked: ≥ 8, inside the chunk
    }
    brelse(bp, 0);
  }
  return 0;
}

/**
 * VOP_LOOKUP: dvp locked; on success *vpp referenced and unlocked (dvp
 * itself for "."). A missing last component of CREATE/RENAME answers
 * EJUSTRETURN (or EROFS on a read-only mount).
 */
export function ufs_lookup(dvp: Vnode, vpp: VnodeOut, cnp: ComponentName): number {
  vpp.vp = null;
  if (dvp.v_type !== VDIR) return ENOTDIR;
  const mp = dvp.v_mount!;
  const dp = VTOI(dvp);
  const ump = VFSTOUFS(mp);
  const name = cnp.cn_nameptr;
  const op = cnp.cn_nameiop & OPMASK;
  const lastcn = (cnp.cn_flags & ISLASTCN) !== 0;
  const cred = cnp.cn_cred;
  const rdonly = (mp.mnt_flag & MNT_RDONLY) !== 0;

  let error = ufs_access(dvp, VEXEC, cred);
  if (error !== 0) return error;
  if (lastcn && rdonly && (op === DELETE || op === RENAME)) return EROFS;
  if (name.length > UFS_MAXNAMLEN) return ENAMETOOLONG;

  const modifying = lastcn && op !== LOOKUP;
  if (!(lastcn && (op === DELETE || op === RENAME))) {
    const c = cache_lookup(dvp, name, vpp, ump.um_kernel.evcnt);
    if (c === CACHE_HIT) return 0;
    if (c === CACHE_NEGATIVE && !(lastcn && op === CREATE)) return ENOENT;
  }
  // a removed directory is empty
  if (dp.i_din.di_nlink <= 0) return ENOENT;

  if (name === ".") {
    if (lastcn && op === RENAME) return EINVAL;
    vref(dvp);
    vpp.vp = dvp;
    return 0;
  }
  if (lastcn && op === RENAME && name === "..") return EINVAL;

  const slot = new DirSlot();
  error = ufs_dirlookup(dp, name, slot);
  if (error !== 0) return error;
  if (slot.ino === 0) {
    if (lastcn && (op === CREATE || op === RENAME)) {
      if (rdonly) return EROFS;
      error = ufs_access(dvp, VWRITE, cred);
      return error !== 0 ? error : EJUSTRETURN;
    }
    if (!modifying) cache_enter(dvp, null, name);
    return ENOENT;
  }
  if (slot.ino === dp.i_number && name !== ".") {
    if (name !== "..")
      return ufs_corrupt(ump, `directory inode ${dp.i_number}: entry "${name}" names itself`);
    // ".." of the root is the root
  }
  if (lastcn && (op === DELETE || op === RENAME)) {
    error = ufs_access(dvp, VWRITE, cred);
    if (error !== 0) return error;
  }
  error = vcache_get(mp, slot.ino, vpp);
  if (error === ENOENT) {
    return ufs_corrupt(
      ump,
      `directory inode ${dp.i_number}: entry "${name}" names unallocated inode ${slot.ino}`,
    );
  }
  if (error !== 0) return error;
  const vp = vpp.vp!;
  if (name === ".." && vp.v_type !== VDIR) {
    vpp.vp = null;
    vrele(vp);
    return ufs_corrupt(ump, `directory inode ${dp.i_number}: ".." is not a directory`);
  }
  if (lastcn && (op === DELETE || op === RENAME) && dp.i_din.di_mode & S_ISTXT) {
    const ip = VTOI(vp);
    if (genfs_can_sticky(cred, dp.i_din.di_uid, ip.i_din.di_uid) !== 0) {
      vpp.vp = null;
      vrele(vp);
      return EPERM;
    }
  }
  if (!lastcn && vp.v_type !== VDIR && vp.v_type !== VLNK) {
    vpp.vp = null;
    vrele(vp);
    return ENOTDIR;
  }
  if (!modifying) cache_enter(dvp, vp, name);
  return 0;
}
