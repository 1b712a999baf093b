/**
 * Allocating the blocks of a write (ffs_balloc.c): direct blocks (with
 * fragments for a short last block, grown in place or moved when the file
 * grows), and single, double and triple indirect blocks. Returns the data
 * buffer (a device buffer keyed in DEV_BSIZE units), busy and valid.
 */
import { EFBIG } from "../../gen/constants.js";
import { bread, bdwrite, brelse, getblk, getblkfresh } from "../../kern/vfs_bio.js";
import { BC_INVAL, BO_DONE, type Buf } from "../../sys/buf.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { Out } from "../../sys/out.js";
import { NDADDR } from "../ufs/dinode.js";
import { IN_CHANGE, IN_UPDATE, ufs_corrupt, type Inode } from "../ufs/inode.js";
import { ufs_dv, ufs_rd64, ufs_wr64 } from "../ufs/ufs_bswap.js";
import { ffs_alloc, ffs_blkfree, ffs_fragextend } from "./ffs_alloc.js";
import {
  blkoff,
  cgdmin,
  dtog,
  fragroundup,
  fsbtodb,
  ino_to_cg,
  lblkno,
  numfrags,
  sblksize,
} from "./fs.js";

const ENOMEM = 12;

/** Read pointer `idx` of an indirect block. */
export function ffs_indir_get(ip: Inode, buf: Uint8Array, idx: number): number {
  const fs = ip.i_ump.um_fs;
  return fs.ufs2 ? ufs_rd64(ufs_dv(buf), idx * 8, fs.le) : ufs_dv(buf).getInt32(idx * 4, fs.le);
}

/** Write pointer `idx` of an indirect block. */
export function ffs_indir_set(ip: Inode, buf: Uint8Array, idx: number, v: number): void {
  const fs = ip.i_ump.um_fs;
  if (fs.ufs2) ufs_wr64(ufs_dv(buf), idx * 8, v, fs.le);
  else ufs_dv(buf).setInt32(idx * 4, v, fs.le);
}

/** A fresh buffer for newly allocated block `bn` of `size` bytes, zeroed unless `full`. */
function newbuf(ip: Inode, bn: number, size: number, full: boolean, bpp: Out<Buf | null>): number {
  const fs = ip.i_ump.um_fs;
  // (zeroed here when not full: getblk need not zero it first)
  const bp = getblkfresh(ip.i_ump.um_devvp, fsbtodb(fs, bn), size);
  if (bp === null) return ENOMEM;
  if (!full) bp.b_data.fill(0, 0, size);
  bp.b_oflags |= BO_DONE;
  // not a checked directory block (ufs_dirblk_read) any more, whatever it was
  bp.b_private = null;
  bpp.v = bp;
  return 0;
}

/**
 * Grow the fragment run of direct block `lbn` from `osize` to `nsize`
 * bytes: in place when the next fragments are free, else at a new place
 * with the data copied through the buffer and the old run freed.
 */
function growfrag(
  ip: Inode,
  lbn: number,
  osize: number,
  nsize: number,
  cred: Kauth_cred | null,
  bpp: Out<Buf | null>,
): number {
  const ump = ip.i_ump;
  const fs = ump.um_fs;
  const devvp = ump.um_devvp;
  const din = ip.i_din;
  const bprev = din.di_db[lbn]!;
  const err = ump.um_err;
  const r = ffs_fragextend(ip, bprev, osize, nsize, err);
  if (r < 0) return err.v;
  let error: number;
  if (r === 1) {
    error = bread(devvp, fsbtodb(fs, bprev), osize, bpp);
    if (error !== 0) return error;
    brelse(bpp.v!, 0);
    const bp = getblk(devvp, fsbtodb(fs, bprev), nsize);
    if (bp === null) return ENOMEM;
    bp.b_data.fill(0, osize, nsize);
    bp.b_oflags |= BO_DONE;
    bpp.v = bp;
  } else {
    const bn = ump.um_bn;
    error = ffs_alloc(ip, bprev, nsize, cred, bn);
    if (error !== 0) return error;
    if (bn.v < bprev + numfrags(fs, osize) && bprev < bn.v + numfrags(fs, nsize)) {
      // the group's free map handed out fragments this file holds (leave them allocated)
      return ufs_corrupt(
        ump,
        `cg ${dtog(fs, bprev)}: fragments ${bprev}+${numfrags(fs, osize)} of inode ${ip.i_number} free in the map`,
      );
    }
    const obpp = ump.um_ibpp;
    error = bread(devvp, fsbtodb(fs, bprev), osize, obpp);
    if (error !== 0) {
      ffs_blkfree(ump, bn.v, nsize, ip.i_number);
      return error;
    }
    const nb = bn.v;
    error = newbuf(ip, nb, nsize, true, bpp);
    if (error !== 0) {
      brelse(obpp.v!, 0);
      ffs_blkfree(ump, nb, nsize, ip.i_number);
      return error;
    }
    const nbp = bpp.v!;
    nbp.b_data.set(obpp.v!.b_data.subarray(0, osize), 0);
    nbp.b_data.fill(0, osize, nsize);
    brelse(obpp.v!, BC_INVAL);
    obpp.v = null;
    din.di_db[lbn] = nb;
    error = ffs_blkfree(ump, bprev, osize, ip.i_number);
    if (error !== 0) {
      brelse(nbp, 0);
      bpp.v = null;
      return error;
    }
  }
  din.di_blocks += (nsize - osize) / 512;
  ip.i_flag |= IN_CHANGE | IN_UPDATE;
  return 0;
}

/**
 * ffs_balloc: make sure the bytes [off, off+len) (inside one block) have
 * disk space; bpp.v gets the block's buffer, busy and valid (new space is
 * zeroed unless the write covers it). The caller updates di_size.
 */
export function ffs_balloc(
  ip: Inode,
  off: number,
  len: number,
  cred: Kauth_cred | null,
  bpp: Out<Buf | null>,
): number {
  const error = balloc1(ip, off, len, cred, bpp);
  // The caller is about to change the block: a mark that it holds checked
  // directory entries (ufs_dirblk_read) no longer holds. On a damaged image
  // the block may also belong to a directory (a cross-link through a bad
  // free map), whose next read must check it again.
  if (error === 0 && bpp.v !== null) bpp.v.b_private = null;
  return error;
}

function balloc1(
  ip: Inode,
  off: number,
  len: number,
  cred: Kauth_cred | null,
  bpp: Out<Buf | null>,
): number {
  const ump = ip.i_ump;
  const fs = ump.um_fs;
  const din = ip.i_din;
  const devvp = ump.um_devvp;
  const bsize = fs.fs_bsize;
  const lbn = lblkno(fs, off);
  const boff = blkoff(fs, off);
  bpp.v = null;
  let error: number;
  // a short last block that is no longer the last grows to a full block
  const size = din.di_size;
  const lastlbn = lblkno(fs, size);
  if (lastlbn < NDADDR && lastlbn < lbn && din.di_db[lastlbn] !== 0) {
    const osize = sblksize(fs, size, lastlbn);
    if (osize < bsize) {
      error = growfrag(ip, lastlbn, osize, bsize, cred, bpp);
      if (error !== 0) return error;
      bdwrite(bpp.v!);
      bpp.v = null;
      din.di_size = (lastlbn + 1) * bsize;
      if (ip.i_vnode !== null) ip.i_vnode.v_size = din.di_size;
    }
  }
  const bn = ump.um_bn;
  if (lbn < NDADDR) {
    const nb = din.di_db[lbn]!;
    const end = (lbn + 1) * bsize;
    if (nb !== 0) {
      if (!ump.um_dataok(nb)) return ufs_corrupt(ump, `inode ${ip.i_number}: direct pointer ${nb}`);
      const cur = din.di_size;
      if (cur >= end) {
        if (boff === 0 && len === bsize) {
          const bp = getblk(devvp, fsbtodb(fs, nb), bsize);
          if (bp === null) return ENOMEM;
          bpp.v = bp;
          return 0;
        }
        return bread(devvp, fsbtodb(fs, nb), bsize, bpp);
      }
      const osize = fragroundup(fs, blkoff(fs, cur));
      const nsize = fragroundup(fs, boff + len);
      if (nsize <= osize) return bread(devvp, fsbtodb(fs, nb), osize, bpp);
      return growfrag(ip, lbn, osize, nsize, cred, bpp);
    }
    // a hole: a whole block unless this becomes the last block
    let nsize = bsize;
    const newend = Math.max(din.di_size, off + len);
    if (newend < end) nsize = fragroundup(fs, newend - lbn * bsize);
    const pref =
      lbn > 0 && din.di_db[lbn - 1]! > 0
        ? din.di_db[lbn - 1]! + fs.fs_frag
        : cgdmin(fs, ino_to_cg(fs, ip.i_number));
    error = ffs_alloc(ip, pref, nsize, cred, bn);
    if (error !== 0) return error;
    error = newbuf(ip, bn.v, nsize, boff === 0 && len >= nsize, bpp);
    if (error !== 0) {
      ffs_blkfree(ump, bn.v, nsize, ip.i_number);
      return error;
    }
    din.di_db[lbn] = bn.v;
    din.di_blocks += nsize / 512;
    ip.i_flag |= IN_CHANGE | IN_UPDATE;
    return 0;
  }
  // indirect: which tree, and the index at each level
  const nindir = fs.fs_nindir;
  let rest = lbn - NDADDR;
  let level = 0;
  let span = nindir;
  while (rest >= span) {
    rest -= span;
    level++;
    if (level >= 3) return EFBIG;
    span *= nindir;
  }
  let cur = din.di_ib[level]!;
  if (cur === 0) {
    const pref =
      din.di_db[NDADDR - 1]! > 0
        ? din.di_db[NDADDR - 1]! + fs.fs_frag
        : cgdmin(fs, ino_to_cg(fs, ip.i_number));
    error = ffs_alloc(ip, pref, bsize, cred, bn);
    if (error !== 0) return error;
    error = newbuf(ip, bn.v, bsize, false, bpp);
    if (error !== 0) {
      ffs_blkfree(ump, bn.v, bsize, ip.i_number);
      return error;
    }
    bdwrite(bpp.v!);
    bpp.v = null;
    cur = bn.v;
    din.di_ib[level] = cur;
    din.di_blocks += bsize / 512;
    ip.i_flag |= IN_CHANGE | IN_UPDATE;
  } else if (!ump.um_dataok(cur)) {
    return ufs_corrupt(ump, `inode ${ip.i_number}: indirect pointer ${cur}`);
  }
  const ibpp = ump.um_ibpp;
  for (let l = level; l >= 0; l--) {
    span /= nindir;
    const idx = Math.floor(rest / span);
    rest -= idx * span;
    error = bread(devvp, fsbtodb(fs, cur), bsize, ibpp);
    if (error !== 0) return error;
    const ibp = ibpp.v!;
    const ptr = ffs_indir_get(ip, ibp.b_data, idx);
    if (ptr !== 0) {
      brelse(ibp, 0);
      ibpp.v = null;
      if (!ump.um_dataok(ptr))
        return ufs_corrupt(ump, `inode ${ip.i_number}: pointer ${ptr} in indirect block ${cur}`);
      if (l === 0) {
        if (boff === 0 && len === bsize) {
          const bp = getblk(devvp, fsbtodb(fs, ptr), bsize);
          if (bp === null) return ENOMEM;
          bpp.v = bp;
          return 0;
        }
        return bread(devvp, fsbtodb(fs, ptr), bsize, bpp);
      }
      cur = ptr;
      continue;
    }
    let pref = idx > 0 ? ffs_indir_get(ip, ibp.b_data, idx - 1) : 0;
    pref = pref > 0 && pref + fs.fs_frag < fs.fs_size ? pref + fs.fs_frag : cur + fs.fs_frag;
    error = ffs_alloc(ip, pref, bsize, cred, bn);
    if (error !== 0) {
      brelse(ibp, 0);
      ibpp.v = null;
      return error;
    }
    const nb = bn.v;
    if (nb === cur) {
      // the group's free map handed out this very indirect block (leave it allocated)
      brelse(ibp, 0);
      ibpp.v = null;
      return ufs_corrupt(
        ump,
        `cg ${dtog(fs, cur)}: indirect block ${cur} of inode ${ip.i_number} free in the map`,
      );
    }
    error = newbuf(ip, nb, bsize, l === 0 && boff === 0 && len === bsize, bpp);
    if (error !== 0) {
      brelse(ibp, 0);
      ibpp.v = null;
      ffs_blkfree(ump, nb, bsize, ip.i_number);
      return error;
    }
    ffs_indir_set(ip, ibp.b_data, idx, nb);
    ibp.b_private = null; // see newbuf
    bdwrite(ibp);
    ibpp.v = null;
    din.di_blocks += bsize / 512;
    ip.i_flag |= IN_CHANGE | IN_UPDATE;
    if (l === 0) return 0;
    bdwrite(bpp.v!);
    bpp.v = null;
    cur = nb;
  }
  return 0;
}
