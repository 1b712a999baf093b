/**
 * Logical → physical block mapping (ufs_bmap.c): direct pointers, then
 * single, double and triple indirect blocks, read through the buffer cache
 * of the device. Every pointer read from disk is checked to lie inside the
 * file system and outside its metadata before it is used.
 */
import { bread, brelse } from "../../kern/vfs_bio.js";
import { fsbtodb } from "../ffs/fs.js";
import { NDADDR } from "./dinode.js";
import { ufs_corrupt, type Inode } from "./inode.js";
import { ufs_dv, ufs_rd64 } from "./ufs_bswap.js";
import type { Out } from "../../sys/out.js";

/**
 * ufs_bmaparray: the fragment address of logical block `lbn` of `ip`
 * (0 for a hole) into `bnp.v`. Returns 0 or an errno (EIO on a pointer
 * outside the file system, or a read error).
 */
export function ufs_bmap(ip: Inode, lbn: number, bnp: Out<number>): number {
  const ump = ip.i_ump;
  const fs = ump.um_fs;
  const din = ip.i_din;
  bnp.v = 0;
  if (lbn < 0) return ufs_corrupt(ump, `inode ${ip.i_number}: negative logical block`);
  if (lbn < NDADDR) {
    const b = din.di_db[lbn]!;
    if (b !== 0 && !ump.um_dataok(b))
      return ufs_corrupt(ump, `inode ${ip.i_number}: direct pointer ${b}`);
    bnp.v = b;
    return 0;
  }
  const nindir = fs.fs_nindir;
  let rest = lbn - NDADDR;
  let level = 0;
  let span = nindir;
  while (rest >= span) {
    rest -= span;
    level++;
    if (level >= 3)
      return ufs_corrupt(ump, `inode ${ip.i_number}: block ${lbn} beyond triple indirect`);
    span *= nindir;
  }
  let b = din.di_ib[level]!;
  if (b !== 0 && !ump.um_dataok(b))
    return ufs_corrupt(ump, `inode ${ip.i_number}: indirect pointer ${b}`);
  const ufs2 = fs.ufs2;
  const le = fs.le;
  const bpp = ump.um_bpp;
  // walk down: at each level the index is rest / (span / nindir)
  for (let l = level; l >= 0; l--) {
    if (b === 0) return 0; // a hole
    span /= nindir;
    const idx = Math.floor(rest / span);
    rest -= idx * span;
    const error = bread(ump.um_devvp, fsbtodb(fs, b), fs.fs_bsize, bpp);
    if (error !== 0) return error;
    const bp = bpp.v!;
    const dv = ufs_dv(bp.b_data);
    const nb = ufs2 ? ufs_rd64(dv, idx * 8, le) : dv.getInt32(idx * 4, le);
    brelse(bp, 0);
    if (nb !== 0 && !ump.um_dataok(nb))
      return ufs_corrupt(ump, `inode ${ip.i_number}: pointer ${nb} in indirect block ${b}`);
    b = nb;
  }
  bnp.v = b;
  return 0;
}
