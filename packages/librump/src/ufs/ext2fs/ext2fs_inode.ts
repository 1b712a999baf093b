/**
 * Inodes and their blocks (ext2fs_inode.c, ext2fs_balloc.c): time stamps,
 * writing an inode back into its table block (with its checksum under
 * metadata_csum), allocating the blocks of a write (direct, single,
 * double and triple indirect; holes stay holes; extent-mapped inodes go
 * to ext2fs_extents.ts), and truncation, which gives back data and
 * indirect (or extent-tree) blocks past the new length. i_blocks counts
 * 512-byte units, tree blocks included; without huge_file it stays below
 * 2^32. An inline-data inode leaves inline storage before it changes.
 */
import { EFBIG, EINVAL, ENOMEM } from "../../gen/constants.js";
import { bread, brelse, getblkfresh } from "../../kern/vfs_bio.js";
import { BC_INVAL, BO_DONE, type Buf } from "../../sys/buf.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { Out } from "../../sys/out.js";
import type { Ext2Dinode } from "./ext2fs.js";
import {
  e2_rd32,
  e2_wr32,
  e2fs_dinode_serialize,
  e2fs_has_incompat,
  EXT2_EXTENTS,
  EXT2_INLINE_DATA,
  EXT2_NDADDR,
  EXT2_NIADDR,
  EXT2F_INCOMPAT_EXTENTS,
  EXT2F_ROCOMPAT_LARGEFILE,
} from "./ext2fs.js";
import { ext2fs_alloc, ext2fs_blkfree, ext2fs_dataok } from "./ext2fs_alloc.js";
import { ext2fs_bmap } from "./ext2fs_bmap.js";
import { ext2fs_ea_csum_set, ext2fs_inode_csum_set } from "./ext2fs_csum.js";
import {
  ext4_balloc,
  ext4_ext_init_root,
  ext4_ext_truncate,
  ext4_root_forget,
} from "./ext2fs_extents.js";
import { ext2fs_inline_drop } from "./ext2fs_inline.js";
import {
  e2_fsbtodb,
  ext2fs_corrupt,
  IN_ACCESS,
  IN_CHANGE,
  IN_MODIFIED,
  IN_UPDATE,
  type E2Inode,
  type Ext2Mount,
  e2_bdwrite,
} from "./ext2fs_extern.js";

/** Apply pending IN_ACCESS/IN_CHANGE/IN_UPDATE as times (EXT2FS_ITIMES). */
export function ext2fs_itimes(ip: E2Inode): void {
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
    din.e2di_atime = ts.tv_sec;
    din.e2di_atimensec = ts.tv_nsec;
  }
  if (f & IN_UPDATE) {
    din.e2di_mtime = ts.tv_sec;
    din.e2di_mtimensec = ts.tv_nsec;
  }
  if (f & IN_CHANGE) {
    din.e2di_ctime = ts.tv_sec;
    din.e2di_ctimensec = ts.tv_nsec;
  }
  ip.i_flag = (f & ~(IN_ACCESS | IN_CHANGE | IN_UPDATE)) | IN_MODIFIED;
}

/** The inode-table block of inode `ino` and its byte offset there. */
export function ext2fs_inoblk(ump: Ext2Mount, ino: number, offp: Out<number>): number {
  const fs = ump.um_e2fs;
  const cg = Math.floor((ino - 1) / fs.e2fs_ipg);
  const idx = (ino - 1) % fs.e2fs_ipg;
  offp.v = (idx % fs.e2fs_ipb) * fs.e2fs_isize;
  return ump.um_gd[cg]!.ext2bgd_i_tables + Math.floor(idx / fs.e2fs_ipb);
}

/** ext2fs_update: write the inode back into its table block (delayed). */
export function ext2fs_update(ip: E2Inode): number {
  ext2fs_itimes(ip);
  if ((ip.i_flag & IN_MODIFIED) === 0) return 0;
  const ump = ip.i_ump;
  if (ump.um_ronly) {
    ip.i_flag &= ~IN_MODIFIED;
    return 0;
  }
  const fs = ump.um_e2fs;
  const off = { v: 0 };
  const blk = ext2fs_inoblk(ump, ip.i_number, off);
  const bpp = ump.um_ibpp;
  const error = bread(ump.um_devvp, e2_fsbtodb(ump, blk), fs.e2fs_bsize, bpp);
  if (error !== 0) return error;
  ext2fs_dinode_store(ump, ip.i_number, ip.i_din, bpp.v!.b_data, off.v);
  e2_bdwrite(bpp.v!);
  bpp.v = null;
  ip.i_flag &= ~IN_MODIFIED;
  return 0;
}

/**
 * Inode `ino` (`din`) into its `isize` bytes at `off` of an inode-table
 * block `b`: the fields, then the checksum (metadata_csum). Every inode
 * write goes through here.
 */
export function ext2fs_dinode_store(
  ump: Ext2Mount,
  ino: number,
  din: Ext2Dinode,
  b: Uint8Array,
  off: number,
): void {
  const fs = ump.um_e2fs;
  e2fs_dinode_serialize(din, b, off, fs);
  ext2fs_inode_csum_set(fs, b, off, ino);
}

/**
 * New regular files, directories and slow symlinks of an extents file
 * system are extent-mapped (as Linux makes them): the flag and an empty
 * root in i_block.
 */
export function ext2fs_setextents(ip: E2Inode): void {
  const fs = ip.i_ump.um_e2fs;
  if (!e2fs_has_incompat(fs, EXT2F_INCOMPAT_EXTENTS)) return;
  ip.i_din.e2di_flags |= EXT2_EXTENTS;
  ext4_ext_init_root(ip.i_din.e2di_blocks);
  ext4_root_forget(ip);
  ip.i_flag |= IN_MODIFIED;
}

/**
 * Take `ip` out of inline storage: the system.data attribute leaves the
 * inode's tail, the flag goes, i_block becomes an empty extent root (or
 * no block pointers). ip.i_inline (the bytes) is the caller's to put back
 * in blocks; the size stays.
 */
export function ext2fs_inline_release(ip: E2Inode): number {
  const ump = ip.i_ump;
  const fs = ump.um_e2fs;
  const din = ip.i_din;
  if ((din.e2di_flags & EXT2_INLINE_DATA) === 0) return 0;
  const off = { v: 0 };
  const blk = ext2fs_inoblk(ump, ip.i_number, off);
  const bpp = ump.um_ibpp;
  const error = bread(ump.um_devvp, e2_fsbtodb(ump, blk), fs.e2fs_bsize, bpp);
  if (error !== 0) return error;
  ext2fs_inline_drop(fs, bpp.v!.b_data, off.v, din);
  din.e2di_flags &= ~EXT2_INLINE_DATA;
  din.e2di_blocks.fill(0);
  ip.i_inline = null;
  ext2fs_setextents(ip);
  ext2fs_itimes(ip);
  ext2fs_dinode_store(ump, ip.i_number, din, bpp.v!.b_data, off.v);
  e2_bdwrite(bpp.v!);
  bpp.v = null;
  ip.i_flag &= ~IN_MODIFIED;
  return 0;
}

/**
 * An inline file about to be written or truncated: its bytes go to block
 * 0 (if it has any), then it is an ordinary file.
 */
export function ext2fs_file_uninline(ip: E2Inode, cred: Kauth_cred | null): number {
  const data = ip.i_inline;
  if (data === null) return 0;
  let error = ext2fs_inline_release(ip);
  if (error !== 0 || data.length === 0) return error;
  const bpp = { v: null as Buf | null };
  error = ext2fs_balloc(ip, 0, false, cred, bpp);
  if (error !== 0) return error;
  bpp.v!.b_data.set(data.subarray(0, Math.min(data.length, ip.i_ump.um_e2fs.e2fs_bsize)));
  e2_bdwrite(bpp.v!);
  return 0;
}

/** The largest size `ip` may reach: what its block map addresses (2 GiB on revision 0). */
export function ext2fs_maxsize(ip: E2Inode): number {
  const ump = ip.i_ump;
  if (ip.i_din.e2di_flags & EXT2_EXTENTS) return ump.um_e2fs.e2fs_maxfilesize_ext;
  return ump.um_maxfilesize;
}

/** A file now larger than 2 GiB: the file system needs large_file. */
export function ext2fs_setlargefile(ump: Ext2Mount, size: number): void {
  const fs = ump.um_e2fs;
  if (size <= 0x7fffffff || fs.e2fs_features_rocompat & EXT2F_ROCOMPAT_LARGEFILE) return;
  fs.e2fs_features_rocompat |= EXT2F_ROCOMPAT_LARGEFILE;
  ump.um_fmod = true;
}

/** A fresh buffer for newly allocated block `bn`, zeroed unless `full`. */
function newbuf(ump: Ext2Mount, bn: number, full: boolean, bpp: Out<Buf | null>): number {
  const bsize = ump.um_e2fs.e2fs_bsize;
  // (zeroed here when not full: getblk need not zero it first)
  const bp = getblkfresh(ump.um_devvp, e2_fsbtodb(ump, bn), bsize);
  if (bp === null) return ENOMEM;
  if (!full) bp.b_data.fill(0, 0, bsize);
  bp.b_oflags |= BO_DONE;
  bp.b_private = null; // not a checked directory block any more (e2_bdwrite)
  bp.b_wrhook = null;
  bpp.v = bp;
  return 0;
}

/** Allocate one block for `ip` after its last one; counted in i_blocks. */
function allocOne(ip: E2Inode, cred: Kauth_cred | null, bnp: Out<number>): number {
  // i_blocks is 32 bits of 512-byte units without huge_file
  if (ip.i_din.e2di_nblock + ip.i_ump.um_e2fs.e2fs_bsize / 512 > ip.i_ump.um_maxnblock)
    return EFBIG;
  const pref = ip.i_lastalloc !== 0 ? ip.i_lastalloc + 1 : 0;
  const error = ext2fs_alloc(ip, pref, cred, bnp);
  if (error !== 0) return error;
  ip.i_lastalloc = bnp.v;
  ip.i_din.e2di_nblock += ip.i_ump.um_e2fs.e2fs_bsize / 512;
  ip.i_flag |= IN_CHANGE | IN_UPDATE;
  return 0;
}

/**
 * Allocate one block and get its fresh buffer (zeroed unless `full`);
 * bnp.v = the block. If no buffer can be had the block goes back, so no
 * pointer ever names a block whose contents were not set.
 */
function allocBuf(
  ip: E2Inode,
  full: boolean,
  cred: Kauth_cred | null,
  bnp: Out<number>,
  bpp: Out<Buf | null>,
): number {
  let error = allocOne(ip, cred, bnp);
  if (error !== 0) return error;
  error = newbuf(ip.i_ump, bnp.v, full, bpp);
  if (error !== 0) {
    ext2fs_blkfree(ip.i_ump, bnp.v, ip.i_number);
    ip.i_din.e2di_nblock -= ip.i_ump.um_e2fs.e2fs_bsize / 512;
    ip.i_lastalloc = 0;
    bnp.v = 0;
  }
  return error;
}

/** Is `b` a pointer no file may hold (0 is a hole)? See ext2fs_dataok. */
function badptr(ump: Ext2Mount, b: number): boolean {
  return b !== 0 && !ext2fs_dataok(ump, b);
}

/**
 * ext2fs_balloc: the buffer of logical block `lbn` of `ip`, allocating it
 * and the indirect blocks on its path as needed. bpp.v gets the buffer,
 * busy and valid; a new block is zeroed unless `full` (the caller
 * overwrites all of it), an existing one is read unless `full`.
 */
export function ext2fs_balloc(
  ip: E2Inode,
  lbn: number,
  full: boolean,
  cred: Kauth_cred | null,
  bpp: Out<Buf | null>,
): number {
  const ump = ip.i_ump;
  const fs = ump.um_e2fs;
  const din = ip.i_din;
  const devvp = ump.um_devvp;
  const bsize = fs.e2fs_bsize;
  const bn = ump.um_bn;
  bpp.v = null;
  if (lbn < 0) return EINVAL;
  ip.i_runlen = 0; // the block map may change
  if (din.e2di_flags & EXT2_EXTENTS) return ext4_balloc(ip, lbn, full, cred, bpp);
  if (lbn < EXT2_NDADDR) {
    const b = din.e2di_blocks[lbn]!;
    if (badptr(ump, b)) return ext2fs_corrupt(ump, `inode ${ip.i_number}: direct pointer ${b}`);
    if (b === 0) {
      const error = allocBuf(ip, full, cred, bn, bpp);
      if (error === 0) din.e2di_blocks[lbn] = bn.v;
      return error;
    }
    if (full) return newbuf(ump, b, true, bpp);
    return bread(devvp, e2_fsbtodb(ump, b), bsize, bpp);
  }
  // which indirect tree, and the index at each level
  const nindir = fs.e2fs_nindir;
  let rest = lbn - EXT2_NDADDR;
  let level = 0;
  let span = nindir;
  while (rest >= span) {
    rest -= span;
    level++;
    if (level >= EXT2_NIADDR) return EFBIG;
    span *= nindir;
  }
  let ib = din.e2di_blocks[EXT2_NDADDR + level]!;
  if (badptr(ump, ib)) return ext2fs_corrupt(ump, `inode ${ip.i_number}: indirect pointer ${ib}`);
  const ibpp = ump.um_ibpp;
  if (ib === 0) {
    // a new indirect block: zeroed before anything points at it
    const error = allocBuf(ip, false, cred, bn, ibpp);
    if (error !== 0) return error;
    ib = bn.v;
    e2_bdwrite(ibpp.v!);
    ibpp.v = null;
    din.e2di_blocks[EXT2_NDADDR + level] = ib;
  }
  for (let l = level; l >= 0; l--) {
    span /= nindir;
    const idx = Math.floor(rest / span);
    rest -= idx * span;
    let error = bread(devvp, e2_fsbtodb(ump, ib), bsize, ibpp);
    if (error !== 0) return error;
    const ibp = ibpp.v!;
    ibpp.v = null;
    let nb = e2_rd32(ibp.b_data, idx * 4);
    if (badptr(ump, nb)) {
      brelse(ibp, 0);
      return ext2fs_corrupt(ump, `inode ${ip.i_number}: pointer ${nb} in indirect block ${ib}`);
    }
    if (nb !== 0) {
      brelse(ibp, 0);
      if (l === 0) {
        if (full) return newbuf(ump, nb, true, bpp);
        return bread(devvp, e2_fsbtodb(ump, nb), bsize, bpp);
      }
      ib = nb;
      continue;
    }
    // the new block (data, or an indirect block zeroed), then the pointer to it
    const nbpp = l === 0 ? bpp : ibpp;
    error = allocBuf(ip, l === 0 && full, cred, bn, nbpp);
    if (error !== 0) {
      brelse(ibp, 0);
      return error;
    }
    nb = bn.v;
    if (l > 0) {
      e2_bdwrite(ibpp.v!);
      ibpp.v = null;
    }
    e2_wr32(ibp.b_data, idx * 4, nb);
    e2_bdwrite(ibp);
    if (l === 0) return 0;
    ib = nb;
  }
  return EINVAL; // not reached
}

/**
 * Free what indirect block `bn` (of `level`: 0 points at data) maps past
 * logical block `lastblock`; its entries cover logical blocks from `base`.
 * When nothing of it is kept the caller frees `bn` itself. The 512-byte
 * units freed are added to freed.v.
 */
function indirtrunc(
  ip: E2Inode,
  bn: number,
  level: number,
  base: number,
  lastblock: number,
  freed: Out<number>,
  up1: number,
  up2: number,
): number {
  const ump = ip.i_ump;
  const fs = ump.um_e2fs;
  const nindir = fs.e2fs_nindir;
  const bsize = fs.e2fs_bsize;
  let sub = 1;
  for (let i = 0; i < level; i++) sub *= nindir;
  const bpp = { v: null as Buf | null };
  let error = bread(ump.um_devvp, e2_fsbtodb(ump, bn), bsize, bpp);
  if (error !== 0) return error;
  const bp = bpp.v!;
  const buf = bp.b_data;
  const i0 = lastblock < base ? 0 : Math.floor((lastblock - base) / sub) + 1;
  for (let i = nindir - 1; i >= i0; i--) {
    const p = e2_rd32(buf, i * 4);
    if (p === 0) continue;
    e2_wr32(buf, i * 4, 0);
    if (badptr(ump, p) || p === bn || p === up1 || p === up2) {
      // outside the data area, or the chain loops back on a block held busy here
      if (error === 0)
        error = ext2fs_corrupt(ump, `inode ${ip.i_number}: pointer ${p} in indirect block ${bn}`);
      continue;
    }
    if (level > 0) {
      const e = indirtrunc(ip, p, level - 1, base + i * sub, lastblock, freed, bn, up1);
      if (e !== 0 && error === 0) error = e;
    }
    const e = ext2fs_blkfree(ump, p, ip.i_number);
    if (e !== 0 && error === 0) error = e;
    freed.v += bsize / 512;
  }
  // the entry that is kept in part
  if (level > 0 && i0 > 0 && i0 - 1 < nindir) {
    const i = i0 - 1;
    const p = e2_rd32(buf, i * 4);
    const loops = p !== 0 && (p === bn || p === up1 || p === up2);
    if (loops) {
      if (error === 0)
        error = ext2fs_corrupt(ump, `inode ${ip.i_number}: indirect block ${bn} loops`);
    } else if (p !== 0 && !badptr(ump, p) && base + (i + 1) * sub - 1 > lastblock) {
      const e = indirtrunc(ip, p, level - 1, base + i * sub, lastblock, freed, bn, up1);
      if (e !== 0 && error === 0) error = e;
    }
  }
  if (i0 === 0) brelse(bp, BC_INVAL);
  else e2_bdwrite(bp);
  return error;
}

/**
 * ext2fs_truncate: set the length of `ip`. Growing leaves a hole; a fast
 * symlink may only be emptied; shrinking zeroes the rest of the last block
 * kept and frees every data and indirect block past it. `force`: also
 * when the length does not change (an orphan whose truncate a crash
 * interrupted: blocks past its size go).
 */
export function ext2fs_truncate(
  ip: E2Inode,
  length: number,
  _cred: Kauth_cred | null,
  force = false,
): number {
  const ump = ip.i_ump;
  const fs = ump.um_e2fs;
  const din = ip.i_din;
  const vp = ip.i_vnode;
  if (length < 0) return EINVAL;
  if (length > ext2fs_maxsize(ip)) return EFBIG;
  const osize = din.e2di_size;
  ip.i_runlen = 0; // the block map changes
  if (ip.i_inline !== null) {
    const error = length === 0 ? ext2fs_inline_release(ip) : ext2fs_file_uninline(ip, _cred);
    if (error !== 0) return error;
  }
  if (ip.i_shortlink !== null) {
    if (length !== 0) return EINVAL;
    din.e2di_blocks.fill(0);
    ip.i_shortlink = null;
    din.e2di_size = 0;
    if (vp !== null) vp.v_size = 0;
    ip.i_flag |= IN_CHANGE | IN_UPDATE;
    return 0;
  }
  if (length > osize || (length === osize && !force)) {
    if (length > osize) {
      din.e2di_size = length;
      if (vp !== null) vp.v_size = length;
      ext2fs_setlargefile(ump, length);
    }
    ip.i_flag |= IN_CHANGE | IN_UPDATE;
    return 0;
  }
  const bsize = fs.e2fs_bsize;
  const devvp = ump.um_devvp;
  let error = 0;
  // the partial last block: zero its tail
  const boff = length % bsize;
  if (boff !== 0) {
    const tlbn = Math.floor(length / bsize);
    const bn = { v: 0 };
    error = ext2fs_bmap(ip, tlbn, bn);
    if (error !== 0) return error;
    if (bn.v !== 0) {
      const bpp = { v: null as Buf | null };
      error = bread(devvp, e2_fsbtodb(ump, bn.v), bsize, bpp);
      if (error !== 0) return error;
      bpp.v!.b_data.fill(0, boff, bsize);
      e2_bdwrite(bpp.v!);
    }
  }
  // the last block kept (−1: none)
  const lastblock = Math.ceil(length / bsize) - 1;
  if (din.e2di_flags & EXT2_EXTENTS) {
    const e = ext4_ext_truncate(ip, lastblock);
    if (e !== 0 && error === 0) error = e;
    din.e2di_size = length;
    if (vp !== null) vp.v_size = length;
    if (ip.i_lastalloc !== 0 && length === 0) ip.i_lastalloc = 0;
    ip.i_flag |= IN_CHANGE | IN_UPDATE;
    return error;
  }
  let freed = 0;
  const blocks = din.e2di_blocks;
  for (let i = EXT2_NDADDR - 1; i > lastblock && i >= 0; i--) {
    const b = blocks[i]!;
    if (b === 0) continue;
    blocks[i] = 0;
    if (badptr(ump, b)) {
      if (error === 0) error = ext2fs_corrupt(ump, `inode ${ip.i_number}: direct pointer ${b}`);
      continue;
    }
    const e = ext2fs_blkfree(ump, b, ip.i_number);
    if (e !== 0 && error === 0) error = e;
    freed += bsize / 512;
  }
  const fr = { v: 0 };
  let base = EXT2_NDADDR;
  let span = fs.e2fs_nindir;
  for (let level = 0; level < EXT2_NIADDR; level++) {
    const ib = blocks[EXT2_NDADDR + level]!;
    if (ib !== 0 && lastblock < base + span - 1) {
      if (badptr(ump, ib)) {
        blocks[EXT2_NDADDR + level] = 0;
        if (error === 0)
          error = ext2fs_corrupt(ump, `inode ${ip.i_number}: indirect pointer ${ib}`);
      } else {
        const e = indirtrunc(ip, ib, level, base, lastblock, fr, 0, 0);
        if (e !== 0 && error === 0) error = e;
        if (lastblock < base) {
          blocks[EXT2_NDADDR + level] = 0;
          const e2 = ext2fs_blkfree(ump, ib, ip.i_number);
          if (e2 !== 0 && error === 0) error = e2;
          freed += bsize / 512;
        }
      }
    }
    base += span;
    span *= fs.e2fs_nindir;
  }
  freed += fr.v;
  din.e2di_nblock = Math.max(0, din.e2di_nblock - freed);
  din.e2di_size = length;
  if (vp !== null) vp.v_size = length;
  if (ip.i_lastalloc !== 0 && length === 0) ip.i_lastalloc = 0;
  ip.i_flag |= IN_CHANGE | IN_UPDATE;
  return error;
}

/** EA block header: magic, refcount (struct ext2fs_ea_header). */
const EXT2_EA_MAGIC = 0xea020000;

/**
 * Drop `ip`'s reference to its extended-attribute block (i_file_acl): the
 * block is freed when no other inode shares it. A block that does not look
 * like an EA block is left alone (and reported).
 */
export function ext2fs_eadrop(ip: E2Inode): number {
  const ump = ip.i_ump;
  const din = ip.i_din;
  const b = din.e2di_facl;
  if (b === 0) return 0;
  din.e2di_facl = 0;
  ip.i_flag |= IN_CHANGE;
  if (badptr(ump, b)) return ext2fs_corrupt(ump, `inode ${ip.i_number}: EA block ${b}`);
  const bsize = ump.um_e2fs.e2fs_bsize;
  din.e2di_nblock = Math.max(0, din.e2di_nblock - bsize / 512);
  const bpp = { v: null as Buf | null };
  const error = bread(ump.um_devvp, e2_fsbtodb(ump, b), bsize, bpp);
  if (error !== 0) return error;
  const buf = bpp.v!.b_data;
  if (e2_rd32(buf, 0) !== EXT2_EA_MAGIC) {
    brelse(bpp.v!, 0);
    return ext2fs_corrupt(ump, `inode ${ip.i_number}: EA block ${b} has a bad magic`);
  }
  const refs = e2_rd32(buf, 4);
  if (refs > 1) {
    e2_wr32(buf, 4, refs - 1);
    ext2fs_ea_csum_set(ump.um_e2fs, buf, bsize, b);
    e2_bdwrite(bpp.v!);
    return 0;
  }
  brelse(bpp.v!, 0);
  return ext2fs_blkfree(ump, b, ip.i_number);
}
