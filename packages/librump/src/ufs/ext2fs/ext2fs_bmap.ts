/**
 * Logical → physical block mapping (ext2fs_bmap.c), the one place that
 * maps a block of any inode: an extent tree (ext4_bmap, ext2fs_extents.ts)
 * for an inode with EXT2_EXTENTS, else 12 direct pointers, then single,
 * double and triple indirect blocks, read through the buffer cache of the
 * device. Every pointer read from disk is checked to lie inside the file
 * system before it is used. The inode may be one no vnode holds (the
 * journal's): only ip.i_ump, ip.i_number and ip.i_din are looked at.
 */
import { bread, brelse } from "../../kern/vfs_bio.js";
import type { Out } from "../../sys/out.js";
import { e2_rd32, EXT2_EXTENTS, EXT2_INLINE_DATA, EXT2_NDADDR, type Ext2Fs } from "./ext2fs.js";
import { ext4_bmap } from "./ext2fs_extents.js";
import { e2_fsbtodb, ext2fs_corrupt, type E2Inode } from "./ext2fs_extern.js";

/** A nonzero block pointer outside the file system's data blocks. */
function badptr(fs: Ext2Fs, b: number): boolean {
  return b !== 0 && (b < fs.e2fs_first_dblock || b >= fs.e2fs_bcount);
}

/**
 * ext2fs_bmaparray: the block number of logical block `lbn` of `ip` (0 for
 * a hole) into `bnp.v`. Returns 0 or an errno (EIO on a pointer outside
 * the file system, or a read error). With `runp`, also how many logical
 * blocks from `lbn` on (at most `maxrun`, at least 1) lie at consecutive
 * block numbers, as far as the same pointer block (the inode's direct
 * pointers or one indirect block) tells: `runp.v` (1 for a hole).
 */
export function ext2fs_bmap(
  ip: E2Inode,
  lbn: number,
  bnp: Out<number>,
  runp: Out<number> | null = null,
  maxrun = 1,
): number {
  const ump = ip.i_ump;
  const fs = ump.um_e2fs;
  const blocks = ip.i_din.e2di_blocks;
  bnp.v = 0;
  if (runp !== null) runp.v = 1;
  if (!(lbn >= 0)) return ext2fs_corrupt(ump, `inode ${ip.i_number}: negative logical block`);
  const flags = ip.i_din.e2di_flags;
  if (flags & EXT2_EXTENTS) return ext4_bmap(ip, lbn, bnp, runp, maxrun);
  if (flags & EXT2_INLINE_DATA)
    return ext2fs_corrupt(ump, `inode ${ip.i_number}: inline data has no blocks to map`);
  if (lbn < EXT2_NDADDR) {
    const b = blocks[lbn]!;
    if (badptr(fs, b)) return ext2fs_corrupt(ump, `inode ${ip.i_number}: direct pointer ${b}`);
    bnp.v = b;
    if (runp !== null && b !== 0) {
      const last = Math.min(EXT2_NDADDR, lbn + maxrun);
      let n = 1;
      while (lbn + n < last && blocks[lbn + n] === b + n && !badptr(fs, b + n)) n++;
      runp.v = n;
    }
    return 0;
  }
  const nindir = fs.e2fs_nindir;
  let rest = lbn - EXT2_NDADDR;
  let level = 0;
  let span = nindir;
  while (rest >= span) {
    rest -= span;
    level++;
    if (level >= 3)
      return ext2fs_corrupt(ump, `inode ${ip.i_number}: block ${lbn} beyond triple indirect`);
    span *= nindir;
  }
  let b = blocks[EXT2_NDADDR + level]!;
  if (badptr(fs, b)) return ext2fs_corrupt(ump, `inode ${ip.i_number}: indirect pointer ${b}`);
  const bpp = ump.um_bpp;
  // walk down: at each level the index is rest / (span / nindir)
  for (let l = level; l >= 0; l--) {
    if (b === 0) return 0; // a hole
    span /= nindir;
    const idx = Math.floor(rest / span);
    rest -= idx * span;
    const error = bread(ump.um_devvp, e2_fsbtodb(ump, b), fs.e2fs_bsize, bpp);
    if (error !== 0) return error;
    const bp = bpp.v!;
    const data = bp.b_data;
    const nb = e2_rd32(data, idx * 4);
    if (l === 0 && runp !== null && nb !== 0 && !badptr(fs, nb)) {
      // the pointers that follow in this indirect block
      const last = Math.min(nindir, idx + maxrun);
      let n = 1;
      while (idx + n < last && e2_rd32(data, (idx + n) * 4) === nb + n && !badptr(fs, nb + n)) n++;
      runp.v = n;
    }
    brelse(bp, 0);
    if (badptr(fs, nb))
      return ext2fs_corrupt(ump, `inode ${ip.i_number}: pointer ${nb} in indirect block ${b}`);
    b = nb;
  }
  bnp.v = b;
  return 0;
}
