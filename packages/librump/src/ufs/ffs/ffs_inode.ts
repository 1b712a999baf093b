/**
 * Inode write-back and truncation (ffs_inode.c): ffs_update writes the
 * in-core dinode into its inode block (bdwrite); ffs_truncate frees the
 * data and indirect blocks past a new length, zeroes the partial tail and
 * shrinks a last fragment run; growing allocates the block of the new last
 * byte, as NetBSD does.
 */
import { EFBIG, EINVAL, MNT_ASYNC } from "../../gen/constants.js";
import { bread, bdwrite, brelse, getblk } from "../../kern/vfs_bio.js";
import { BC_INVAL } from "../../sys/buf.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { Out } from "../../sys/out.js";
import { dinode_serialize, IFDIR, IFLNK, IFMT, IFREG, NDADDR, NIADDR } from "../ufs/dinode.js";
import {
  IN_ACCESS,
  IN_CHANGE,
  IN_MODIFIED,
  IN_UPDATE,
  ufs_corrupt,
  type Inode,
} from "../ufs/inode.js";
import { ufs_bmap } from "../ufs/ufs_bmap.js";
import { ufs_dirhash_free } from "../ufs/ufs_dirhash.js";
import { ffs_blkfree } from "./ffs_alloc.js";
import { ffs_balloc, ffs_indir_get, ffs_indir_set } from "./ffs_balloc.js";
import {
  blkoff,
  DINODE_SIZE,
  fragroundup,
  fsbtodb,
  ino_to_fsba,
  ino_to_fsbo,
  lblkno,
  numfrags,
  sblksize,
} from "./fs.js";

const ENOMEM = 12;

/** Apply pending IN_ACCESS/IN_CHANGE/IN_UPDATE as times (ITIMES). */
export function ufs_itimes(ip: Inode): void {
  const f = ip.i_flag;
  if ((f & (IN_ACCESS | IN_CHANGE | IN_UPDATE)) === 0) return;
  const ump = ip.i_ump;
  if (ump.um_ronly) {
    ip.i_flag &= ~(IN_ACCESS | IN_CHANGE | IN_UPDATE);
    return;
  }
  const ts = ump.um_ts;
  ump.um_kernel.nanotime(ts);
  const din = ip.i_din;
  if (f & IN_ACCESS) {
    din.di_atime = ts.tv_sec;
    din.di_atimensec = ts.tv_nsec;
  }
  if (f & IN_UPDATE) {
    din.di_mtime = ts.tv_sec;
    din.di_mtimensec = ts.tv_nsec;
    din.di_modrev++;
  }
  if (f & IN_CHANGE) {
    din.di_ctime = ts.tv_sec;
    din.di_ctimensec = ts.tv_nsec;
  }
  ip.i_flag = (f & ~(IN_ACCESS | IN_CHANGE | IN_UPDATE)) | IN_MODIFIED;
}

/** ffs_update: write the inode back into its block (delayed). */
export function ffs_update(ip: Inode): number {
  ufs_itimes(ip);
  if ((ip.i_flag & IN_MODIFIED) === 0) return 0;
  const ump = ip.i_ump;
  if (ump.um_ronly) {
    ip.i_flag &= ~IN_MODIFIED;
    return 0;
  }
  const fs = ump.um_fs;
  const bpp = ump.um_ibpp;
  const error = bread(ump.um_devvp, fsbtodb(fs, ino_to_fsba(fs, ip.i_number)), fs.fs_bsize, bpp);
  if (error !== 0) return error;
  dinode_serialize(
    ip.i_din,
    bpp.v!.b_data,
    ino_to_fsbo(fs, ip.i_number) * DINODE_SIZE(fs),
    fs.ufs2,
    fs.le,
  );
  bdwrite(bpp.v!);
  bpp.v = null;
  ip.i_flag &= ~IN_MODIFIED;
  return 0;
}

/**
 * The inode update of a directory operation (create, link, remove,
 * rename). On an MNT_ASYNC mount it is left to the next sync, fsync,
 * inactive or reclaim, which write every inode whose flags are set: the
 * inode block would reach the disk only then anyway, and a create no
 * longer serializes the same inode three times.
 */
export function ffs_update_dirop(ip: Inode): number {
  if ((ip.i_ump.um_mountp.mnt_flag & MNT_ASYNC) !== 0) {
    ufs_itimes(ip); // the times are the operation's, not the later write's
    ip.i_flag |= IN_MODIFIED;
    return 0;
  }
  return ffs_update(ip);
}

/**
 * Free what indirect block `bn` (of `level`: 0 points at data) maps past
 * logical block `lastblock`; its entries cover logical blocks from `base`.
 * When nothing of it is kept (lastblock < base) the caller frees `bn`
 * itself. Sectors freed are added to freed.v.
 */
function indirtrunc(
  ip: Inode,
  bn: number,
  level: number,
  base: number,
  lastblock: number,
  freed: Out<number>,
  up1: number,
  up2: number,
): number {
  const ump = ip.i_ump;
  const fs = ump.um_fs;
  const nindir = fs.fs_nindir;
  const bsize = fs.fs_bsize;
  let sub = 1;
  for (let i = 0; i < level; i++) sub *= nindir;
  const bpp = { v: null as import("../../sys/buf.js").Buf | null };
  let error = bread(ump.um_devvp, fsbtodb(fs, bn), bsize, bpp);
  if (error !== 0) return error;
  const bp = bpp.v!;
  const buf = bp.b_data;
  const i0 = lastblock < base ? 0 : Math.floor((lastblock - base) / sub) + 1;
  for (let i = nindir - 1; i >= i0; i--) {
    const p = ffs_indir_get(ip, buf, i);
    if (p === 0) continue;
    if (!ump.um_dataok(p) || p === bn || p === up1 || p === up2) {
      // outside the data area, or the indirect chain loops back on a block held busy here
      error = ufs_corrupt(ump, `inode ${ip.i_number}: pointer ${p} in indirect block ${bn}`);
      continue;
    }
    if (level > 0) {
      const e = indirtrunc(ip, p, level - 1, base + i * sub, lastblock, freed, bn, up1);
      if (e !== 0 && error === 0) error = e;
    }
    const e = ffs_blkfree(ump, p, bsize, ip.i_number);
    if (e !== 0 && error === 0) error = e;
    freed.v += bsize / 512;
    ffs_indir_set(ip, buf, i, 0);
  }
  // the entry that is kept in part
  if (level > 0 && i0 > 0 && i0 - 1 < nindir) {
    const i = i0 - 1;
    const p = ffs_indir_get(ip, buf, i);
    const loops = p !== 0 && (p === bn || p === up1 || p === up2);
    if (loops) error = ufs_corrupt(ump, `inode ${ip.i_number}: indirect block ${bn} loops`);
    else if (ump.um_dataok(p) && base + (i + 1) * sub - 1 > lastblock) {
      const e = indirtrunc(ip, p, level - 1, base + i * sub, lastblock, freed, bn, up1);
      if (e !== 0 && error === 0) error = e;
    }
  }
  bp.b_private = null; // changed: no longer a checked directory block (ufs_dirblk_read)
  if (i0 === 0) brelse(bp, BC_INVAL);
  else bdwrite(bp);
  return error;
}

/**
 * ffs_truncate: set the length of `ip` (regular file, directory or long
 * symlink; a short symlink may only be emptied). Frees blocks past the
 * end (binvalblk through ffs_blkfree), zeroes the rest of the last block.
 */
export function ffs_truncate(ip: Inode, length: number, cred: Kauth_cred | null): number {
  const ump = ip.i_ump;
  const fs = ump.um_fs;
  const din = ip.i_din;
  const vp = ip.i_vnode;
  if (length < 0) return EINVAL;
  if (length > ump.um_maxfilesize) return EFBIG;
  // devices, fifos and sockets hold no blocks: di_db[0] of a device is its number
  const type = din.di_mode & IFMT;
  if (type !== IFREG && type !== IFDIR && type !== IFLNK) return length === 0 ? 0 : EINVAL;
  const osize = din.di_size;
  if (length < osize) ufs_dirhash_free(ip);
  ip.i_runlen = 0; // the block map changes
  if (ip.i_shortlink !== null) {
    if (length !== 0) return EINVAL;
    din.di_db.fill(0);
    din.di_ib.fill(0);
    din.di_shortlink = null;
    ip.i_shortlink = null;
    din.di_size = 0;
    if (vp !== null) vp.v_size = 0;
    ip.i_flag |= IN_CHANGE | IN_UPDATE;
    return 0;
  }
  if (length === osize) {
    ip.i_flag |= IN_CHANGE | IN_UPDATE;
    return 0;
  }
  const bpp = { v: null as import("../../sys/buf.js").Buf | null };
  let error: number;
  if (length > osize) {
    error = ffs_balloc(ip, length - 1, 1, cred, bpp);
    if (error !== 0) return error;
    bdwrite(bpp.v!);
    din.di_size = length;
    if (vp !== null) vp.v_size = length;
    ip.i_flag |= IN_CHANGE | IN_UPDATE;
    return 0;
  }
  const bsize = fs.fs_bsize;
  const devvp = ump.um_devvp;
  // the partial last block: zero its tail, shrink a fragment run
  const boff = blkoff(fs, length);
  const tlbn = lblkno(fs, length);
  if (boff !== 0) {
    const bn = { v: 0 };
    error = ufs_bmap(ip, tlbn, bn);
    if (error !== 0) return error;
    if (bn.v !== 0) {
      const obsz = sblksize(fs, osize, tlbn);
      error = bread(devvp, fsbtodb(fs, bn.v), obsz, bpp);
      if (error !== 0) return error;
      bpp.v!.b_data.fill(0, boff, obsz);
      bpp.v!.b_private = null; // changed: no longer a checked directory block (ufs_dirblk_read)
      const nbsz = tlbn < NDADDR ? fragroundup(fs, boff) : obsz;
      if (nbsz < obsz) {
        brelse(bpp.v!, 0);
        const bp = getblk(devvp, fsbtodb(fs, bn.v), nbsz);
        if (bp === null) return ENOMEM;
        bdwrite(bp);
        error = ffs_blkfree(ump, bn.v + numfrags(fs, nbsz), obsz - nbsz, ip.i_number);
        din.di_blocks -= (obsz - nbsz) / 512;
        if (error !== 0) return error;
      } else {
        bdwrite(bpp.v!);
      }
    }
  }
  // the last block kept (−1: none)
  const lastblock = lblkno(fs, length + bsize - 1) - 1;
  let freed = 0;
  error = 0;
  for (let i = NDADDR - 1; i > lastblock && i >= 0; i--) {
    const b = din.di_db[i]!;
    if (b === 0) continue;
    const sz = sblksize(fs, osize, i);
    din.di_db[i] = 0;
    const e = ffs_blkfree(ump, b, sz, ip.i_number);
    if (e !== 0 && error === 0) error = e;
    freed += sz / 512;
  }
  const fr = { v: 0 };
  let base = NDADDR;
  let span = fs.fs_nindir;
  for (let level = 0; level < NIADDR; level++) {
    const ib = din.di_ib[level]!;
    if (ib !== 0 && lastblock < base + span - 1) {
      if (!ump.um_dataok(ib)) {
        error = ufs_corrupt(ump, `inode ${ip.i_number}: indirect pointer ${ib}`);
      } else {
        const e = indirtrunc(ip, ib, level, base, lastblock, fr, 0, 0);
        if (e !== 0 && error === 0) error = e;
        if (lastblock < base) {
          din.di_ib[level] = 0;
          const e2 = ffs_blkfree(ump, ib, bsize, ip.i_number);
          if (e2 !== 0 && error === 0) error = e2;
          freed += bsize / 512;
        }
      }
    }
    base += span;
    span *= fs.fs_nindir;
  }
  freed += fr.v;
  din.di_blocks = Math.max(0, din.di_blocks - freed);
  din.di_size = length;
  if (vp !== null) vp.v_size = length;
  ip.i_flag |= IN_CHANGE | IN_UPDATE;
  return error;
}
