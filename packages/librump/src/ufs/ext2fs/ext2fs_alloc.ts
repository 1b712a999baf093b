/**
 * Block and inode allocation (ext2fs_alloc.c): the bitmaps of each block
 * group, read and written through the device's buffer cache, with the
 * group descriptors' and the superblock's free counts kept in step (both
 * are written back by ext2fs_sbupdate).
 *
 * Placement: a file's blocks follow the block allocated last to it (or
 * start in its inode's group, with flex_bg its flex group); a file's inode
 * goes to its directory's group; a new directory to a (flex) group with
 * more free inodes than average and the fewest directories
 * (ext2fs_dirpref), so trees spread out.
 *
 * ext4 (gdt_csum, metadata_csum): a group whose bitmap was never written
 * (BLOCK_UNINIT / INODE_UNINIT) gets it built on first use; the unused
 * tail of each inode table (bg_itable_unused) shrinks as inodes are
 * taken; the bitmaps' checksums are verified when read from the disk and
 * set once per descriptor write (ext2fs_bitmap_csums).
 *
 * Distrust the disk: a bitmap that has no free bit where its descriptor
 * counts some, a free bit on metadata (um_meta: wherever flex_bg put it),
 * or freeing what is already free, is reported as corruption (EIO with a
 * console message).
 */
import { ENOMEM, ENOSPC } from "../../gen/constants.js";
import { binvalblk, bread, brelse, getblk, incore } from "../../kern/vfs_bio.js";
import { BC_INVAL, BO_DONE, type Buf } from "../../sys/buf.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { Out } from "../../sys/out.js";
import {
  e2fs_cg_has_sb,
  EXT2_BG_BLOCK_UNINIT,
  EXT2_BG_INODE_UNINIT,
  type Ext2Fs,
} from "./ext2fs.js";
import { ext2fs_bitmap_csum, ext2fs_bitmap_csum_verify } from "./ext2fs_csum.js";
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

/**
 * Build ump.um_meta: every group's superblock copy with its descriptors
 * and their reserve, bitmaps and inode table, as sorted disjoint ranges.
 * With flex_bg a group's bitmaps and table live in another group, so no
 * per-group rule can say what is metadata; this list can.
 */
export function ext2fs_meta_build(ump: Ext2Mount): void {
  const fs = ump.um_e2fs;
  const r: number[] = [];
  for (let g = 0; g < fs.e2fs_ncg; g++) {
    if (e2fs_cg_has_sb(fs, g)) {
      const sb = fs.e2fs_first_dblock + g * fs.e2fs_bpg;
      r.push(sb, sb + 1 + fs.e2fs_ngdb + fs.e2fs_reserved_ngdb);
    }
    const gd = ump.um_gd[g]!;
    r.push(gd.ext2bgd_b_bitmap, gd.ext2bgd_b_bitmap + 1);
    r.push(gd.ext2bgd_i_bitmap, gd.ext2bgd_i_bitmap + 1);
    r.push(gd.ext2bgd_i_tables, gd.ext2bgd_i_tables + fs.e2fs_itpg);
  }
  const idx = Array.from({ length: r.length / 2 }, (_, i) => i);
  idx.sort((a, b) => r[2 * a]! - r[2 * b]!);
  const out: number[] = [];
  for (const i of idx) {
    const a = r[2 * i]!;
    const b = r[2 * i + 1]!;
    const n = out.length;
    if (n > 0 && a <= out[n - 1]!) out[n - 1] = Math.max(out[n - 1]!, b);
    else out.push(a, b);
  }
  ump.um_meta = Float64Array.from(out);
}

/** Do blocks [b, b + n) meet any group's metadata (ump.um_meta)? */
export function ext2fs_meta_overlap(ump: Ext2Mount, b: number, n: number): boolean {
  const m = ump.um_meta;
  const end = b + n;
  // the last range starting before `end`
  let lo = 0;
  let hi = m.length / 2 - 1;
  let k = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (m[2 * mid]! < end) {
      k = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return k >= 0 && m[2 * k + 1]! > b;
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
  return !ext2fs_meta_overlap(ump, b, 1);
}

/** May blocks [b, b + n) (an extent) be a file's? See ext2fs_dataok. */
export function ext2fs_dataok_run(ump: Ext2Mount, b: number, n: number): boolean {
  const fs = ump.um_e2fs;
  if (!(n >= 1 && b >= fs.e2fs_first_dblock && b + n <= fs.e2fs_bcount)) return false;
  return !ext2fs_meta_overlap(ump, b, n);
}

/** Bytes of a group's block / inode bitmap that its checksum covers. */
function bitmapBytes(fs: Ext2Fs, block: boolean): number {
  return (block ? fs.e2fs_bpg : fs.e2fs_ipg) >>> 3;
}

/**
 * The block (`block`) or inode bitmap of group `g`, busy, into bpp.v, to
 * be changed. A group whose descriptor says the bitmap was never written
 * (BLOCK_UNINIT / INODE_UNINIT, with gdt_csum or metadata_csum) gets it
 * made now, as Linux does: its own metadata (and nothing else) in use.
 * A bitmap read from the disk is checked against its checksum.
 */
export function ext2fs_bitmap_read(
  ump: Ext2Mount,
  g: number,
  block: boolean,
  bpp: Out<Buf | null>,
): number {
  const fs = ump.um_e2fs;
  const gd = ump.um_gd[g]!;
  const blk = block ? gd.ext2bgd_b_bitmap : gd.ext2bgd_i_bitmap;
  const bsize = fs.e2fs_bsize;
  const uninit = block ? EXT2_BG_BLOCK_UNINIT : EXT2_BG_INODE_UNINIT;
  bpp.v = null;
  if (fs.e2fs_gdcsum && gd.ext2bgd_flags & uninit) {
    const bp = getblk(ump.um_devvp, e2_fsbtodb(ump, blk), bsize);
    if (bp === null) return ENOMEM;
    const map = bp.b_data;
    map.fill(0, 0, bsize);
    const nbits = block ? e2_cg_nblocks(fs, g) : fs.e2fs_ipg;
    for (let i = nbits; i < bsize * 8; i++) map[i >>> 3]! |= 1 << (i & 7);
    if (block) {
      // the metadata ranges inside this group
      const start = fs.e2fs_first_dblock + g * fs.e2fs_bpg;
      const m = ump.um_meta;
      let used = 0;
      for (let k = 0; k < m.length; k += 2) {
        const a = Math.max(m[k]!, start);
        const e = Math.min(m[k + 1]!, start + nbits);
        for (let b = a; b < e; b++) {
          const i = b - start;
          map[i >>> 3]! |= 1 << (i & 7);
          used++;
        }
      }
      if (nbits - used !== gd.ext2bgd_nbfree) {
        brelse(bp, BC_INVAL);
        return ext2fs_corrupt(
          ump,
          `group ${g}: uninitialised block bitmap would leave ${nbits - used} blocks free, its descriptor counts ${gd.ext2bgd_nbfree}`,
        );
      }
    } else if (gd.ext2bgd_nifree !== fs.e2fs_ipg) {
      brelse(bp, BC_INVAL);
      return ext2fs_corrupt(
        ump,
        `group ${g}: uninitialised inode bitmap but ${fs.e2fs_ipg - gd.ext2bgd_nifree} inodes in use`,
      );
    }
    bp.b_oflags |= BO_DONE;
    gd.ext2bgd_flags &= ~uninit;
    if (block) ump.um_bbdirty[g] = 1;
    else ump.um_ibdirty[g] = 1;
    ump.um_fmod = true;
    bpp.v = bp;
    return 0;
  }
  const blkno = e2_fsbtodb(ump, blk);
  const cached = incore(ump.um_devvp, blkno);
  const fresh = cached === null || (cached.b_oflags & BO_DONE) === 0;
  const error = bread(ump.um_devvp, blkno, bsize, bpp);
  if (error !== 0) return error;
  if (fresh && fs.e2fs_metacsum) {
    const bp = bpp.v!;
    const stored = block ? gd.ext2bgd_b_bitmap_csum : gd.ext2bgd_i_bitmap_csum;
    if (!ext2fs_bitmap_csum_verify(fs, bp.b_data, bitmapBytes(fs, block), stored)) {
      brelse(bp, BC_INVAL);
      bpp.v = null;
      return ext2fs_corrupt(
        ump,
        `group ${g}: ${block ? "block" : "inode"} bitmap at ${blk} fails its checksum`,
      );
    }
  }
  return 0;
}

/**
 * The bitmaps that changed since their checksums were set get them now
 * (from the cache, or the disk): sbupdate calls this before it writes the
 * descriptors that hold them.
 */
export function ext2fs_bitmap_csums(ump: Ext2Mount): number {
  const fs = ump.um_e2fs;
  if (!fs.e2fs_metacsum) {
    ump.um_bbdirty.fill(0);
    ump.um_ibdirty.fill(0);
    return 0;
  }
  const bpp = ump.um_cgbpp;
  for (let g = 0; g < fs.e2fs_ncg; g++) {
    for (const block of [true, false]) {
      const dirty = block ? ump.um_bbdirty : ump.um_ibdirty;
      if (dirty[g] === 0) continue;
      const gd = ump.um_gd[g]!;
      const blk = block ? gd.ext2bgd_b_bitmap : gd.ext2bgd_i_bitmap;
      const error = bread(ump.um_devvp, e2_fsbtodb(ump, blk), fs.e2fs_bsize, bpp);
      if (error !== 0) return error;
      const c = ext2fs_bitmap_csum(fs, bpp.v!.b_data, bitmapBytes(fs, block));
      brelse(bpp.v!, 0);
      bpp.v = null;
      if (block) gd.ext2bgd_b_bitmap_csum = c;
      else gd.ext2bgd_i_bitmap_csum = c;
      dirty[g] = 0;
    }
  }
  return 0;
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
  const error = ext2fs_bitmap_read(ump, g, true, bpp);
  if (error !== 0) return -error;
  const bp = bpp.v!;
  bpp.v = null;
  const map = bp.b_data;
  const start = fs.e2fs_first_dblock + g * fs.e2fs_bpg;
  const nbits = e2_cg_nblocks(fs, g);
  // every bit below the hint is in use: a search starts there at the
  // earliest (a group filling up is not rescanned from its start for
  // every block)
  const hint = ump.um_bhint[g]!;
  const at = pref >= start && pref < start + nbits ? Math.max(pref - start, hint) : hint;
  const i = findClear(map, nbits, at);
  if (i < 0) {
    brelse(bp, 0);
    return -ext2fs_corrupt(
      ump,
      `group ${g}: block bitmap is full but its descriptor counts ${gd.ext2bgd_nbfree} free blocks`,
    );
  }
  const b = start + i;
  if (ext2fs_meta_overlap(ump, b, 1)) {
    brelse(bp, 0);
    return -ext2fs_corrupt(ump, `group ${g}: metadata block ${b} is marked free`);
  }
  map[i >>> 3]! |= 1 << (i & 7);
  e2_bdwrite(bp);
  if (i === hint) ump.um_bhint[g] = i + 1;
  gd.ext2bgd_nbfree--;
  fs.e2fs_fbcount--;
  ump.um_bbdirty[g] = 1;
  ump.um_fmod = true;
  return b;
}

/**
 * Where a file with no blocks yet starts (ext4_inode_to_goal_block): its
 * inode's group; with flex_bg the first group of that flex group, and for
 * regular files of large flex groups the one after it (the first keeps
 * room for directories next to the metadata, as Linux does).
 */
export function ext2fs_inode_goal(ip: E2Inode): number {
  const fs = ip.i_ump.um_e2fs;
  let g = e2_ino_to_cg(fs, ip.i_number);
  const gpf = fs.e2fs_gpf;
  if (gpf > 1) {
    g -= g % gpf;
    if (gpf >= 4 && (ip.i_din.e2di_mode & 0o170000) === 0o100000 && g + 1 < fs.e2fs_ncg) g++;
  }
  return fs.e2fs_first_dblock + g * fs.e2fs_bpg;
}

/**
 * ext2fs_alloc: a free block for `ip`, near `bpref` (0: where the inode's
 * files start, ext2fs_inode_goal). ENOSPC when none is left (for non-root
 * callers, when only the reserved blocks are left).
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
  // 0 is "no preference" (block 0 is a real block with 4 KiB blocks)
  if (!(bpref > 0 && bpref >= fs.e2fs_first_dblock && bpref < fs.e2fs_bcount))
    bpref = ext2fs_inode_goal(ip);
  const g0 = e2_dtog(fs, bpref);
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
  return ext2fs_blkfree_run(ump, bn, 1, inum);
}

/**
 * Give blocks [bn, bn + n) back (an extent, or one block), a bitmap read
 * per group they touch; their buffers are forgotten. Every block must be
 * a data block in use.
 */
export function ext2fs_blkfree_run(ump: Ext2Mount, bn: number, n: number, inum: number): number {
  const fs = ump.um_e2fs;
  if (!(n >= 1 && bn >= fs.e2fs_first_dblock && bn + n <= fs.e2fs_bcount))
    return ext2fs_corrupt(
      ump,
      `inode ${inum}: freeing block${n > 1 ? `s ${bn}+${n}` : ` ${bn}`} outside the file system`,
    );
  if (ext2fs_meta_overlap(ump, bn, n))
    return ext2fs_corrupt(
      ump,
      `inode ${inum}: freeing metadata block${n > 1 ? `s in ${bn}+${n}` : ` ${bn}`} of group ${e2_dtog(fs, bn)}`,
    );
  const devvp = ump.um_devvp;
  const bpp = ump.um_cgbpp;
  let b = bn;
  const end = bn + n;
  while (b < end) {
    const g = e2_dtog(fs, b);
    const gstart = fs.e2fs_first_dblock + g * fs.e2fs_bpg;
    const gend = Math.min(end, gstart + fs.e2fs_bpg);
    const error = ext2fs_bitmap_read(ump, g, true, bpp);
    if (error !== 0) return error;
    const bp = bpp.v!;
    bpp.v = null;
    const map = bp.b_data;
    for (let x = b; x < gend; x++) {
      const i = x - gstart;
      if ((map[i >>> 3]! & (1 << (i & 7))) === 0) {
        // what was cleared so far stays freed and counted
        const done = x - b;
        const gd = ump.um_gd[g]!;
        gd.ext2bgd_nbfree += done;
        fs.e2fs_fbcount += done;
        if (done > 0) {
          ump.um_bbdirty[g] = 1;
          ump.um_fmod = true;
          e2_bdwrite(bp);
        } else brelse(bp, 0);
        return ext2fs_corrupt(ump, `inode ${inum}: freeing free block ${x}`);
      }
      map[i >>> 3]! &= ~(1 << (i & 7));
      if (i < ump.um_bhint[g]!) ump.um_bhint[g] = i;
      binvalblk(devvp, e2_fsbtodb(ump, x));
    }
    e2_bdwrite(bp);
    const gd = ump.um_gd[g]!;
    gd.ext2bgd_nbfree += gend - b;
    fs.e2fs_fbcount += gend - b;
    ump.um_bbdirty[g] = 1;
    ump.um_fmod = true;
    b = gend;
  }
  return 0;
}

/**
 * ext2fs_dirpref: the group for a new directory — more free inodes than
 * the average and, among those, the fewest directories (most free blocks
 * breaking ties). With flex_bg the choice is made between flex groups (so
 * a tree spreads over them, as Linux's Orlov allocator does), then the
 * first group of the chosen one with a free inode.
 */
function ext2fs_dirpref(ump: Ext2Mount): number {
  const fs = ump.um_e2fs;
  const gpf = fs.e2fs_gpf;
  const nflex = Math.ceil(fs.e2fs_ncg / gpf);
  const avg = fs.e2fs_ficount / nflex;
  let best = -1;
  let bestDirs = 0;
  let bestFree = 0;
  for (let f = 0; f < nflex; f++) {
    let nifree = 0;
    let ndirs = 0;
    let nbfree = 0;
    for (let g = f * gpf; g < Math.min(fs.e2fs_ncg, (f + 1) * gpf); g++) {
      const gd = ump.um_gd[g]!;
      nifree += gd.ext2bgd_nifree;
      ndirs += gd.ext2bgd_ndirs;
      nbfree += gd.ext2bgd_nbfree;
    }
    if (nifree === 0 || nifree < avg) continue;
    if (best < 0 || ndirs < bestDirs || (ndirs === bestDirs && nbfree > bestFree)) {
      best = f;
      bestDirs = ndirs;
      bestFree = nbfree;
    }
  }
  if (best < 0) return 0;
  for (let g = best * gpf; g < Math.min(fs.e2fs_ncg, (best + 1) * gpf); g++)
    if (ump.um_gd[g]!.ext2bgd_nifree > 0) return g;
  return best * gpf;
}

/**
 * Take a free inode of group `g`. Returns the inode number, 0 when the
 * group turned out full, or -errno. With gdt_csum / metadata_csum the
 * group's count of never-used inodes at the end of its table shrinks to
 * leave the new one out; ump.um_ifresh says whether the inode came from
 * there (its bytes on disk may never have been written).
 */
function nodealloccg(ump: Ext2Mount, g: number, isdir: boolean): number {
  const fs = ump.um_e2fs;
  const gd = ump.um_gd[g]!;
  if (gd.ext2bgd_nifree === 0) return 0;
  const bpp = ump.um_cgbpp;
  const error = ext2fs_bitmap_read(ump, g, false, bpp);
  if (error !== 0) return -error;
  const bp = bpp.v!;
  bpp.v = null;
  const map = bp.b_data;
  const ipg = fs.e2fs_ipg;
  // the reserved inodes below first_ino are never handed out; the search
  // starts at the lowest that may be free
  const lo = Math.max(0, Math.min(fs.e2fs_first_ino - 1 - g * ipg, ipg));
  const i = findClear(map, ipg, Math.max(lo, ump.um_ihint[g]!), lo);
  if (i < 0) {
    brelse(bp, 0);
    return -ext2fs_corrupt(
      ump,
      `group ${g}: inode bitmap is full but its descriptor counts ${gd.ext2bgd_nifree} free inodes`,
    );
  }
  map[i >>> 3]! |= 1 << (i & 7);
  e2_bdwrite(bp);
  ump.um_ihint[g] = i + 1;
  gd.ext2bgd_nifree--;
  if (isdir) gd.ext2bgd_ndirs++;
  ump.um_ifresh = false;
  if (fs.e2fs_gdcsum && i >= ipg - gd.ext2bgd_itable_unused) {
    gd.ext2bgd_itable_unused = ipg - i - 1;
    ump.um_ifresh = true;
  }
  fs.e2fs_ficount--;
  ump.um_ibdirty[g] = 1;
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
  const error = ext2fs_bitmap_read(ump, g, false, bpp);
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
  if (i < ump.um_ihint[g]!) ump.um_ihint[g] = i;
  gd.ext2bgd_nifree++;
  if (isdir && gd.ext2bgd_ndirs > 0) gd.ext2bgd_ndirs--;
  fs.e2fs_ficount++;
  ump.um_ibdirty[g] = 1;
  ump.um_fmod = true;
  return 0;
}
