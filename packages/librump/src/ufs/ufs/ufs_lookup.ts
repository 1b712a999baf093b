/**
 * Directory lookup and scanning (ufs_lookup.c): reading directory blocks
 * with every DIRBLKSIZ chunk checked (ufs_dirbadentry), finding a name,
 * VOP_LOOKUP with the name cache, and changing directories: entering
 * (split a record's slack, compact a chunk, or grow by a chunk), removing
 * (merge into the previous record), rewriting, emptiness and the ".."
 * walk that refuses moving a directory into its own subtree.
 */
import {
  EFBIG,
  EINVAL,
  EJUSTRETURN,
  EPERM,
  ENAMETOOLONG,
  ENOENT,
  ENOTDIR,
  EROFS,
  MNT_RDONLY,
} from "../../gen/constants.js";
import { bdwrite, bread, brelse, incore } from "../../kern/vfs_bio.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import { ffs_balloc } from "../ffs/ffs_balloc.js";
import { BC_INVAL, BO_DONE } from "../../sys/buf.js";
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
import { fsbtodb, sblksize, UFS_ROOTINO } from "../ffs/fs.js";
import {
  DIRBLKSIZ,
  direct_namecmp,
  direct_parse,
  direct_set_ino,
  direct_set_reclen,
  direct_write,
  dirchunk_check,
  dirchunk_empty,
  DIRECTSIZ,
  UFS_MAXNAMLEN,
} from "./dir.js";
import {
  IN_CHANGE,
  IN_UPDATE,
  ufs_access,
  ufs_corrupt,
  VFSTOUFS,
  VTOI,
  type Inode,
} from "./inode.js";
import { ufs_bmap } from "./ufs_bmap.js";
import {
  ufs_dirhash_build,
  ufs_dirhash_chunk,
  ufs_dirhash_free,
  ufs_dirhash_wanted,
} from "./ufs_dirhash.js";

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
  // a block already checked and kept valid in the cache since (all our
  // changes write sane entries) is not checked again
  const blkno = fsbtodb(fs, bn.v);
  const cached = incore(ump.um_devvp, blkno);
  const checked =
    cached !== null &&
    cached.b_private === ump &&
    (cached.b_oflags & BO_DONE) !== 0 &&
    cached.b_bcount >= size;
  error = bread(ump.um_devvp, blkno, size, bpp);
  if (error !== 0) return error;
  if (checked) return 0;
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
  bpp.v!.b_private = ump;
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
  if (ufs_dirhash_wanted(ip)) {
    const error = ufs_dirhash_build(ip, ufs_dirblk_read);
    if (error !== 0) return error;
  }
  const h = ip.i_dirhash;
  if (h !== null) {
    const at = h.get(name);
    if (at === undefined) return 0;
    const lbn = Math.floor(at / fs.fs_bsize);
    const error = ufs_dirblk_read(ip, lbn, bpp);
    if (error !== 0) return error;
    const bp = bpp.v!;
    bpp.v = null;
    const off = at - lbn * fs.fs_bsize;
    if (off + DIRECTSIZ(0) <= Math.min(bp.b_bcount, size - lbn * fs.fs_bsize)) {
      direct_parse(bp.b_data, off, fs.le, ump.um_oldfmt, d);
      if (d.d_ino !== 0 && direct_namecmp(bp.b_data, off, d.d_namlen, name)) {
        slot.ino = d.d_ino;
        slot.off = at;
        slot.type = d.d_type;
        brelse(bp, 0);
        return 0;
      }
    }
    // a stale hint: forget the hash and scan
    brelse(bp, 0);
    ufs_dirhash_free(ip);
  }
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

/* ------------------------------------------------------------------------ */
/* changing directories (ufs_direnter, ufs_dirremove, ufs_dirrewrite…)       */

/**
 * Put the entry (name → ino, d_type) into the first chunk with room: a
 * record with enough slack is split; a chunk whose slack adds up is
 * compacted first; else the directory grows by a chunk (a new fragment or
 * block through ffs_balloc).
 */
export function ufs_direnter(
  dp: Inode,
  name: string,
  ino: number,
  type: number,
  cred: Kauth_cred | null,
): number {
  const ump = dp.i_ump;
  const fs = ump.um_fs;
  const le = fs.le;
  const oldfmt = ump.um_oldfmt;
  const d = ump.um_direct;
  const need = DIRECTSIZ(name.length);
  const size = dp.i_din.di_size;
  const bsize = fs.fs_bsize;
  const bpp = ump.um_bpp;
  const nblk = Math.ceil(size / bsize);
  // chunks below i_diroff had no room at the last insertion
  const from = dp.i_diroff < size ? dp.i_diroff - (dp.i_diroff % DIRBLKSIZ) : 0;
  const first = Math.floor(from / bsize);
  for (let lbn = first; lbn < nblk; lbn++) {
    let error = ufs_dirblk_read(dp, lbn, bpp);
    if (error !== 0) return error;
    const bp = bpp.v!;
    const buf = bp.b_data;
    const valid = Math.min(bp.b_bcount, size - lbn * bsize);
    for (let c = lbn === first ? from - lbn * bsize : 0; c < valid; c += DIRBLKSIZ) {
      dp.i_diroff = lbn * bsize + c;
      let off = c;
      let slack = 0;
      while (off < c + DIRBLKSIZ) {
        direct_parse(buf, off, le, oldfmt, d);
        const used = d.d_ino !== 0 ? DIRECTSIZ(d.d_namlen) : 0;
        const free = d.d_reclen - used;
        if (free >= need) {
          if (used === 0) {
            direct_write(buf, off, le, oldfmt, ino, d.d_reclen, type, name);
          } else {
            direct_write(buf, off + used, le, oldfmt, ino, free, type, name);
            direct_set_reclen(buf, off, le, used);
          }
          dp.i_dirhash?.set(name, lbn * bsize + off + used);
          bdwrite(bp);
          bpp.v = null;
          dp.i_flag |= IN_CHANGE | IN_UPDATE;
          return 0;
        }
        slack += free;
        off += d.d_reclen;
      }
      if (slack >= need) {
        // compact the chunk, then append
        const tmp = ump.um_dirbuf;
        tmp.set(buf.subarray(c, c + DIRBLKSIZ));
        let r = 0;
        let w = c;
        while (r < DIRBLKSIZ) {
          direct_parse(tmp, r, le, oldfmt, d);
          if (d.d_ino !== 0) {
            const n = DIRECTSIZ(d.d_namlen);
            buf.set(tmp.subarray(r, r + n), w);
            direct_set_reclen(buf, w, le, n);
            w += n;
          }
          r += d.d_reclen;
        }
        buf.fill(0, w, c + DIRBLKSIZ);
        direct_write(buf, w, le, oldfmt, ino, c + DIRBLKSIZ - w, type, name);
        // the chunk's entries moved
        ufs_dirhash_chunk(dp, buf, lbn, c);
        bdwrite(bp);
        bpp.v = null;
        dp.i_flag |= IN_CHANGE | IN_UPDATE;
        return 0;
      }
    }
    brelse(bp, 0);
    bpp.v = null;
    error = 0;
  }
  // grow by one chunk
  if (size + DIRBLKSIZ > ump.um_maxfilesize) return EFBIG;
  dp.i_diroff = size;
  const error = ffs_balloc(dp, size, DIRBLKSIZ, cred, bpp);
  if (error !== 0) return error;
  const buf = bpp.v!.b_data;
  const o = size % bsize;
  dirchunk_empty(buf, o, le);
  direct_write(buf, o, le, oldfmt, ino, DIRBLKSIZ, type, name);
  dp.i_dirhash?.set(name, size);
  bdwrite(bpp.v!);
  bpp.v = null;
  dp.i_din.di_size = size + DIRBLKSIZ;
  if (dp.i_vnode !== null) dp.i_vnode.v_size = size + DIRBLKSIZ;
  dp.i_flag |= IN_CHANGE | IN_UPDATE;
  return 0;
}

/**
 * Remove the entry `name` (which must name `ino`) from `dp`: merged into
 * the previous record of its chunk, or marked unused when it starts one.
 */
export function ufs_dirremove(dp: Inode, name: string, ino: number): number {
  const ump = dp.i_ump;
  const fs = ump.um_fs;
  const slot = ump.um_slot;
  let error = ufs_dirlookup(dp, name, slot);
  if (error !== 0) return error;
  if (slot.ino === 0 || slot.ino !== ino) return ENOENT;
  dp.i_dirhash?.delete(name);
  const bsize = fs.fs_bsize;
  const lbn = Math.floor(slot.off / bsize);
  if (slot.off < dp.i_diroff) dp.i_diroff = slot.off - (slot.off % DIRBLKSIZ);
  const bpp = ump.um_bpp;
  error = ufs_dirblk_read(dp, lbn, bpp);
  if (error !== 0) return error;
  const buf = bpp.v!.b_data;
  const at = slot.off - lbn * bsize;
  const c = at - (at % DIRBLKSIZ);
  const d = ump.um_direct;
  if (at === c) {
    direct_set_ino(buf, at, fs.le, ump.um_oldfmt, 0, 0);
  } else {
    let prev = c;
    let off = c;
    while (off < at) {
      direct_parse(buf, off, fs.le, ump.um_oldfmt, d);
      prev = off;
      off += d.d_reclen;
    }
    if (off !== at) {
      brelse(bpp.v!, BC_INVAL);
      bpp.v = null;
      return ufs_corrupt(
        ump,
        `directory inode ${dp.i_number}: entry "${name}" not on a record boundary`,
      );
    }
    direct_parse(buf, at, fs.le, ump.um_oldfmt, d);
    const rl = d.d_reclen;
    direct_parse(buf, prev, fs.le, ump.um_oldfmt, d);
    direct_set_reclen(buf, prev, fs.le, d.d_reclen + rl);
  }
  bdwrite(bpp.v!);
  bpp.v = null;
  dp.i_flag |= IN_CHANGE | IN_UPDATE;
  return 0;
}

/** Point the entry `name` of `dp` at another inode (rename over, ".." of a moved directory). */
export function ufs_dirrewrite(dp: Inode, name: string, ino: number, type: number): number {
  const ump = dp.i_ump;
  const fs = ump.um_fs;
  const slot = ump.um_slot;
  let error = ufs_dirlookup(dp, name, slot);
  if (error !== 0) return error;
  if (slot.ino === 0) return ENOENT;
  const lbn = Math.floor(slot.off / fs.fs_bsize);
  const bpp = ump.um_bpp;
  error = ufs_dirblk_read(dp, lbn, bpp);
  if (error !== 0) return error;
  direct_set_ino(bpp.v!.b_data, slot.off - lbn * fs.fs_bsize, fs.le, ump.um_oldfmt, ino, type);
  bdwrite(bpp.v!);
  bpp.v = null;
  dp.i_flag |= IN_CHANGE | IN_UPDATE;
  return 0;
}

/** Does directory `ip` hold nothing but "." and ".."? (result in empty.v) */
export function ufs_dirempty(ip: Inode, empty: Out<boolean>): number {
  const ump = ip.i_ump;
  const fs = ump.um_fs;
  const size = ip.i_din.di_size;
  const d = ump.um_direct;
  const bpp = ump.um_bpp;
  empty.v = true;
  const nblk = Math.ceil(size / fs.fs_bsize);
  for (let lbn = 0; lbn < nblk && empty.v; lbn++) {
    const error = ufs_dirblk_read(ip, lbn, bpp);
    if (error !== 0) return error;
    const bp = bpp.v!;
    const buf = bp.b_data;
    const bsz = Math.min(bp.b_bcount, size - lbn * fs.fs_bsize);
    let off = 0;
    while (off < bsz) {
      direct_parse(buf, off, fs.le, ump.um_oldfmt, d);
      if (d.d_ino !== 0) {
        const n = d.d_namlen;
        const dot = n === 1 && buf[off + 8] === 0x2e;
        const dotdot = n === 2 && buf[off + 8] === 0x2e && buf[off + 9] === 0x2e;
        if (!dot && !dotdot) {
          empty.v = false;
          break;
        }
      }
      off += d.d_reclen;
    }
    brelse(bp, 0);
    bpp.v = null;
  }
  return 0;
}

/**
 * ufs_checkpath: would moving directory `source` under `target` put it
 * inside itself? Walks ".." up from target to the root: EINVAL if source
 * is met. Bounded by the number of inodes (a corrupt loop is EIO).
 */
export function ufs_checkpath(source: Inode, target: Inode): number {
  const ump = target.i_ump;
  const mp = ump.um_mountp;
  if (target.i_number === source.i_number) return EINVAL;
  if (target.i_number === UFS_ROOTINO) return 0;
  const slot = new DirSlot();
  let error = ufs_dirlookup(target, "..", slot);
  if (error !== 0) return error;
  let ino = slot.ino;
  const vpp: VnodeOut = { vp: null };
  for (let n = 0; n < ump.um_maxino; n++) {
    if (ino === source.i_number) return EINVAL;
    if (ino === UFS_ROOTINO || ino === 0) return 0;
    error = vcache_get(mp, ino, vpp);
    if (error !== 0)
      return error === ENOENT ? ufs_corrupt(ump, `".." names free inode ${ino}`) : error;
    const vp = vpp.vp!;
    if (vp.v_type !== VDIR) {
      vrele(vp);
      return ufs_corrupt(ump, `".." names inode ${ino}, not a directory`);
    }
    error = ufs_dirlookup(VTOI(vp), "..", slot);
    vrele(vp);
    if (error !== 0) return error;
    if (slot.ino === ino) return 0;
    ino = slot.ino;
  }
  return ufs_corrupt(ump, `directory loop above inode ${target.i_number}`);
}
