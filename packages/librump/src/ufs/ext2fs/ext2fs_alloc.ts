/**
 * Block and inode allocation (ext2fs_alloc.c): the bitmaps of each block
 * group, read and written through the device's buffer cache, with the
 * group descriptors' and the superblock's free counts kept in step (both
 * are written back by ext2fs_sbupdate).
 *
 * Placement: a file's blocks follow the block allocated last to it (or
 * start in its inode's group); a file's inode goes to its directory's
 * group; a new directory to a group with more free inodes than average and
 * the fewest directories (ext2fs_dirpref), so trees spread out.
 *
 * Distrust the disk: a bitmap that has no free bit where its descriptor
 * counts some, a free bit on a group's own metadata, or freeing what is
 * already free, is reported as corruption (EIO with a console message).
 */
import { ENOSPC } from "../../gen/constants.js";
import { binvalblk, bread, brelse } from "../../kern/vfs_bio.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { Out } from "../../sys/out.js";
import { e2fs_cg_has_sb, type Ext2Fs, type Ext2Gd } from "./ext2fs.js";
import {
  e2_bdwrite,
  e2_fsbtodb,
  ext2fs_corrupt,
  type E2Inode,
  type Ext2Mount,
} from "./ext2fs_extern.js";

/** The group of block `b`. */
export function e2_dtog(fs: Ext2Fs, b: number): number {
  return Math.floor((b - fs.e2fs_first_dblock) / fs.e2fs_bpg);
}

/** The group of inode `ino`. */
export function e2_ino_to_cg(fs: Ext2Fs, ino: number): number {
  return Math.floor((ino - 1) / fs.e2fs_ipg);
}

/** Blocks in group `g` (the last one may be short). */
export function e2_cg_nblocks(fs: Ext2Fs, g: number): number {
  const start = fs.e2fs_first_dblock + g * fs.e2fs_bpg;
  return Math.min(fs.e2fs_bpg, fs.e2fs_bcount - start);
}

/** Is block `b` part of group `g`'s own metadata (bitmaps, inode table)? */
function isGroupMeta(fs: Ext2Fs, gd: Ext2Gd, b: number): boolean {
  return (
    b === gd.ext2bgd_b_bitmap ||
    b === gd.ext2bgd_i_bitmap ||
    (b >= gd.ext2bgd_i_tables && b < gd.ext2bgd_i_tables + fs.e2fs_itpg)
  );
}

/**
 * May block `b`, read from disk as a file's block pointer, be a file's
 * block? Not outside the file system, not a group's bitmaps or inode table,
 * and not a superblock copy or the (reserved) group-descriptor blocks after
 * it: freeing or writing through such a pointer would corrupt metadata.
 */
export function ext2fs_dataok(ump: Ext2Mount, b: number): boolean {
  const fs = ump.um_e2fs;
  if (!(b >= fs.e2fs_first_dblock && b < fs.e2fs_bcount)) return false;
  const g = e2_dtog(fs, b);
  if (isGroupMeta(fs, ump.um_gd[g]!, b)) return false;
  if (!e2fs_cg_has_sb(fs, g)) return true;
  const sb = fs.e2fs_first_dblock + g * fs.e2fs_bpg;
  return !(b >= sb && b <= sb + fs.e2fs_ngdb + fs.e2fs_reserved_ngdb);
}

/**
 * Find a clear bit in map[lo…nbits) from `start` on, wrapping once to
 * `lo`; -1 if none.
 */
function findClear(map: Uint8Array, nbits: number, start: number, lo0 = 0): number {
  if (start >= nbits || start < lo0) start = lo0;
  // the rest of start's byte bit by bit, then whole bytes, then wrap
  for (let pass = 0; pass < 2; pass++) {
    const lo = pass === 0 ? start : lo0;
    const hi = pass === 0 ? nbits : Math.min(start + 8, nbits);
    let i = lo;
    while (i < hi && i & 7) {
      if ((map[i >>> 3]! & (1 << (i & 7))) === 0) return i;
      i++;
    }
    while (i < hi) {
      const byte = map[i >>> 3]!;
      if (byte !== 0xff) {
        for (let j = 0; j < 8 && i + j < hi; j++) if ((byte & (1 << j)) === 0) return i + j;
      }
      i += 8;
    }
  }
  return -1;
}

/**
 * Take a free block of group `g` (at or after `pref` when it lies in g).
 * Returns the block number, 0 when the group turned out full, or -errno.
 */
function alloccg(ump: Ext2Mount, g: number, pref: number): number {
  const fs = ump.um_e2fs;
  const gd = ump.um_gd[g]!;
  if (gd.ext2bgd_nbfree === 0) return 0;
  const bpp = ump.um_cgbpp;
  const error = bread(ump.um_devvp, e2_fsbtodb(ump, gd.ext2bgd_b_bitmap), fs.e2fs_bsize, bpp);
  if (error !== 0) return -error;
  const bp = bpp.v!;
  bpp.v = null;
  const map = bp.b_data;
  const start = fs.e2fs_first_dblock + g * fs.e2fs_bpg;
  const nbits = e2_cg_nblocks(fs, g);
  const at = pref >= start && pref < start + nbits ? pref - start : 0;
  const i = findClear(map, nbits, at);
  if (i < 0) {
    brelse(bp, 0);
    return -ext2fs_corrupt(
      ump,
      `group ${g}: block bitmap is full but its descriptor counts ${gd.ext2bgd_nbfree} free blocks`,
    );
  }
  const b = start + i;
  if (isGroupMeta(fs, gd, b)) {
    brelse(bp, 0);
    return -ext2fs_corrupt(ump, `group ${g}: block ${b} of its own metadata is marked free`);
  }
  map[i >>> 3]! |= 1 << (i & 7);
  e2_bdwrite(bp);
  gd.ext2bgd_nbfree--;
  fs.e2fs_fbcount--;
  ump.um_fmod = true;
  return b;
}

/**
 * ext2fs_alloc: a free block for `ip`, near `bpref` (0: the inode's
 * group). ENOSPC when none is left (for non-root callers, when only the
 * reserved blocks are left).
 */
export function ext2fs_alloc(
  ip: E2Inode,
  bpref: number,
  cred: Kauth_cred | null,
  bnp: Out<number>,
): number {
  const ump = ip.i_ump;
  const fs = ump.um_e2fs;
  bnp.v = 0;
  if (fs.e2fs_fbcount === 0) return ENOSPC;
  if (cred !== null && cred.cr_euid !== 0 && fs.e2fs_fbcount <= fs.e2fs_rbcount) return ENOSPC;
  const ncg = fs.e2fs_ncg;
  let g0: number;
  if (bpref >= fs.e2fs_first_dblock && bpref < fs.e2fs_bcount) g0 = e2_dtog(fs, bpref);
  else {
    g0 = e2_ino_to_cg(fs, ip.i_number);
    bpref = 0;
  }
  for (let n = 0; n < ncg; n++) {
    const g = (g0 + n) % ncg;
    const r = alloccg(ump, g, n === 0 ? bpref : 0);
    if (r < 0) return -r;
    if (r > 0) {
      bnp.v = r;
      return 0;
    }
  }
  // the counts said there was room; the descriptors did not
  return ext2fs_corrupt(ump, `superblock counts ${fs.e2fs_fbcount} free blocks, groups none`);
}

/** ext2fs_blkfree: give block `bn` back (and forget any buffer of it). */
export function ext2fs_blkfree(ump: Ext2Mount, bn: number, inum: number): number {
  const fs = ump.um_e2fs;
  if (!(bn >= fs.e2fs_first_dblock && bn < fs.e2fs_bcount))
    return ext2fs_corrupt(ump, `inode ${inum}: freeing block ${bn} outside the file system`);
  const g = e2_dtog(fs, bn);
  const gd = ump.um_gd[g]!;
  if (!ext2fs_dataok(ump, bn))
    return ext2fs_corrupt(ump, `inode ${inum}: freeing metadata block ${bn} of group ${g}`);
  binvalblk(ump.um_devvp, e2_fsbtodb(ump, bn));
  const bpp = ump.um_cgbpp;
  const error = bread(ump.um_devvp, e2_fsbtodb(ump, gd.ext2bgd_b_bitmap), fs.e2fs_bsize, bpp);
  if (error !== 0) return error;
  const bp = bpp.v!;
  bpp.v = null;
  const i = bn - (fs.e2fs_first_dblock + g * fs.e2fs_bpg);
  const map = bp.b_data;
  if ((map[i >>> 3]! & (1 << (i & 7))) === 0) {
    brelse(bp, 0);
    return ext2fs_corrupt(ump, `inode ${inum}: freeing free block ${bn}`);
  }
  map[i >>> 3]! &= ~(1 << (i & 7));
  e2_bdwrite(bp);
  gd.ext2bgd_nbfree++;
  fs.e2fs_fbcount++;
  ump.um_fmod = true;
  return 0;
}

/**
 * ext2fs_dirpref: the group for a new directory — more free inodes than
 * the average and, among those, the fewest directories (most free blocks
 * breaking ties).
 */
function ext2fs_dirpref(ump: Ext2Mount): number {
  const fs = ump.um_e2fs;
  const avg = fs.e2fs_ficount / fs.e2fs_ncg;
  let best = -1;
  for (let g = 0; g < fs.e2fs_ncg; g++) {
    const gd = ump.um_gd[g]!;
    if (gd.ext2bgd_nifree === 0 || gd.ext2bgd_nifree < avg) continue;
    if (best < 0) {
      best = g;
      continue;
    }
    const b = ump.um_gd[best]!;
    if (
      gd.ext2bgd_ndirs < b.ext2bgd_ndirs ||
      (gd.ext2bgd_ndirs === b.ext2bgd_ndirs && gd.ext2bgd_nbfree > b.ext2bgd_nbfree)
    )
      best = g;
  }
  return best < 0 ? 0 : best;
}

/**
 * Take a free inode of group `g`. Returns the inode number, 0 when the
 * group turned out full, or -errno.
 */
function nodealloccg(ump: Ext2Mount, g: number, isdir: boolean): number {
  const fs = ump.um_e2fs;
  const gd = ump.um_gd[g]!;
  if (gd.ext2bgd_nifree === 0) return 0;
  const bpp = ump.um_cgbpp;
  const error = bread(ump.um_devvp, e2_fsbtodb(ump, gd.ext2bgd_i_bitmap), fs.e2fs_bsize, bpp);
  if (error !== 0) return -error;
  const bp = bpp.v!;
  bpp.v = null;
  const map = bp.b_data;
  const ipg = fs.e2fs_ipg;
  // the reserved inodes below first_ino are never handed out
  const lo = Math.max(0, Math.min(fs.e2fs_first_ino - 1 - g * ipg, ipg));
  const i = findClear(map, ipg, lo, lo);
  if (i < 0) {
    brelse(bp, 0);
    return -ext2fs_corrupt(
      ump,
      `group ${g}: inode bitmap is full but its descriptor counts ${gd.ext2bgd_nifree} free inodes`,
    );
  }
  map[i >>> 3]! |= 1 << (i & 7);
  e2_bdwrite(bp);
  gd.ext2bgd_nifree--;
  if (isdir) gd.ext2bgd_ndirs++;
  fs.e2fs_ficount--;
  ump.um_fmod = true;
  return g * ipg + i + 1;
}

/**
 * ext2fs_valloc: a free inode for a new file in directory `pip`: files in
 * the directory's group (then a quadratic rehash, then every group),
 * directories where ext2fs_dirpref says.
 */
export function ext2fs_valloc(pip: E2Inode, isdir: boolean, inop: Out<number>): number {
  const ump = pip.i_ump;
  const fs = ump.um_e2fs;
  inop.v = 0;
  if (fs.e2fs_ficount === 0) return ENOSPC;
  const ncg = fs.e2fs_ncg;
  const g0 = isdir ? ext2fs_dirpref(ump) : e2_ino_to_cg(fs, pip.i_number);
  const tried = (g: number): number => {
    const r = nodealloccg(ump, g, isdir);
    if (r > 0) inop.v = r;
    return r;
  };
  let r = tried(g0);
  if (r !== 0) return r < 0 ? -r : 0;
  for (let step = 1, g = g0; step < ncg; step *= 2) {
    g = (g + step) % ncg;
    r = tried(g);
    if (r !== 0) return r < 0 ? -r : 0;
  }
  for (let n = 1; n < ncg; n++) {
    r = tried((g0 + n) % ncg);
    if (r !== 0) return r < 0 ? -r : 0;
  }
  return ext2fs_corrupt(ump, `superblock counts ${fs.e2fs_ficount} free inodes, groups none`);
}

/** ext2fs_vfree: give inode `ino` back. */
export function ext2fs_vfree(ump: Ext2Mount, ino: number, isdir: boolean): number {
  const fs = ump.um_e2fs;
  if (!(ino >= fs.e2fs_first_ino && ino <= fs.e2fs_icount))
    return ext2fs_corrupt(ump, `freeing reserved or impossible inode ${ino}`);
  const g = e2_ino_to_cg(fs, ino);
  const gd = ump.um_gd[g]!;
  const bpp = ump.um_cgbpp;
  const error = bread(ump.um_devvp, e2_fsbtodb(ump, gd.ext2bgd_i_bitmap), fs.e2fs_bsize, bpp);
  if (error !== 0) return error;
  const bp = bpp.v!;
  bpp.v = null;
  const i = (ino - 1) % fs.e2fs_ipg;
  const map = bp.b_data;
  if ((map[i >>> 3]! & (1 << (i & 7))) === 0) {
    brelse(bp, 0);
    return ext2fs_corrupt(ump, `freeing free inode ${ino}`);
  }
  map[i >>> 3]! &= ~(1 << (i & 7));
  e2_bdwrite(bp);
  gd.ext2bgd_nifree++;
  if (isdir && gd.ext2bgd_ndirs > 0) gd.ext2bgd_ndirs--;
  fs.e2fs_ficount++;
  ump.um_fmod = true;
  return 0;
}
