/**
 * Block, fragment and inode allocation (ffs_alloc.c), in the spirit of
 * NetBSD's policies: directories go to cylinder groups with many free
 * inodes and few directories, files near their directory; blocks near the
 * previous block of the file, else in the inode's group; small tails get
 * fragments, extended in place when the next fragments are free.
 *
 * Every change keeps the group's maps, its cg_cs and cg_frsum, the cluster
 * map and summary, the in-core summary area (fs_cs) and the superblock's
 * cstotal exact. Nothing read from disk is trusted: a map that contradicts
 * its counts is corruption (EIO and a console message), never a loop.
 */
import { ENOSPC } from "../../gen/constants.js";
import { binvalblk, bread, bdwrite, brelse, getblk } from "../../kern/vfs_bio.js";
import { BC_INVAL } from "../../sys/buf.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { Out } from "../../sys/out.js";
import { ufs_dv } from "../ufs/ufs_bswap.js";
import { ufs_corrupt, type Inode, type UfsMount } from "../ufs/inode.js";
import {
  blkmap,
  type Cg,
  cg_check,
  cg_fix_rotors,
  cg_nfrags,
  cg_parse,
  cg_serialize,
  clrbit,
  ffs_clrblock,
  ffs_fragacct,
  ffs_isblock,
  ffs_isfreeblock,
  ffs_setblock,
  isset,
  setbit,
} from "./ffs_cg.js";
import {
  cgbase,
  cgtod,
  dtog,
  dtogd,
  fragnum,
  freespace,
  fsbtodb,
  ino_to_cg,
  ino_to_fsba,
  numfrags,
  UFS_ROOTINO,
  type Fs,
} from "./fs.js";

/**
 * Read and check the block of group `cgx`; on success bpp.v is busy and
 * the returned Cg is parsed. null + errno in err.v on failure.
 */
function ffs_getcg(ump: UfsMount, cgx: number, err: Out<number>): Cg | null {
  const fs = ump.um_fs;
  const bpp = ump.um_cgbpp;
  err.v = bread(ump.um_devvp, fsbtodb(fs, cgtod(fs, cgx)), fs.fs_cgsize, bpp);
  if (err.v !== 0) return null;
  const cg = cg_parse(bpp.v!.b_data, fs.le, ump.um_cg);
  const why = cg_check(fs, cg, cgx);
  if (why !== null) {
    brelse(bpp.v!, BC_INVAL);
    bpp.v = null;
    err.v = ufs_corrupt(ump, why);
    return null;
  }
  cg_fix_rotors(fs, cg, cgx);
  return cg;
}

/** Write the header back and queue the group block (bdwrite). */
function ffs_putcg(ump: UfsMount, cg: Cg, buf: Uint8Array): void {
  const fs = ump.um_fs;
  cg.cg_time = ump.um_kernel.time_second();
  if (!fs.ufs2) cg.cg_old_time = cg.cg_time | 0;
  cg_serialize(cg, buf, fs.le);
  bdwrite(ump.um_cgbpp.v!);
  ump.um_cgbpp.v = null;
  fs.fs_fmod = 1;
}

/** Count one change of the four summaries in the group, fs_cs and cstotal. */
function csAdjust(
  ump: UfsMount,
  cg: Cg,
  cgx: number,
  ndir: number,
  nbfree: number,
  nifree: number,
  nffree: number,
): void {
  const fs = ump.um_fs;
  const cs = ump.um_csum;
  cg.cs_ndir += ndir;
  cg.cs_nbfree += nbfree;
  cg.cs_nifree += nifree;
  cg.cs_nffree += nffree;
  cs.cs_ndir[cgx] = cs.cs_ndir[cgx]! + ndir;
  cs.cs_nbfree[cgx] = cs.cs_nbfree[cgx]! + nbfree;
  cs.cs_nifree[cgx] = cs.cs_nifree[cgx]! + nifree;
  cs.cs_nffree[cgx] = cs.cs_nffree[cgx]! + nffree;
  fs.fs_cstotal_ndir += ndir;
  fs.fs_cstotal_nbfree += nbfree;
  fs.fs_cstotal_nifree += nifree;
  fs.fs_cstotal_nffree += nffree;
}

/**
 * ffs_clusteracct: block `blkno` of the group became free (cnt 1) or used
 * (cnt -1); keep the cluster map and the cluster-size summary.
 */
function ffs_clusteracct(fs: Fs, cg: Cg, buf: Uint8Array, blkno: number, cnt: number): void {
  if (fs.fs_contigsumsize <= 0) return;
  const map = cg.cg_clusteroff;
  if (cnt > 0) setbit(buf, map, blkno);
  else clrbit(buf, map, blkno);
  const nblks = cg.cg_nclusterblks;
  let end = blkno + 1 + fs.fs_contigsumsize;
  if (end > nblks) end = nblks;
  let i = blkno + 1;
  while (i < end && isset(buf, map, i)) i++;
  const forw = i - (blkno + 1);
  let stop = blkno - 1 - fs.fs_contigsumsize;
  if (stop < -1) stop = -1;
  i = blkno - 1;
  while (i > stop && isset(buf, map, i)) i--;
  const back = blkno - 1 - i;
  let len = back + forw + 1;
  if (len > fs.fs_contigsumsize) len = fs.fs_contigsumsize;
  const dv = ufs_dv(buf);
  const sum = cg.cg_clustersumoff;
  const le = fs.le;
  dv.setInt32(sum + 4 * len, dv.getInt32(sum + 4 * len, le) + cnt, le);
  if (back > 0) {
    const b = back > fs.fs_contigsumsize ? fs.fs_contigsumsize : back;
    dv.setInt32(sum + 4 * b, dv.getInt32(sum + 4 * b, le) - cnt, le);
  }
  if (forw > 0) {
    const f = forw > fs.fs_contigsumsize ? fs.fs_contigsumsize : forw;
    dv.setInt32(sum + 4 * f, dv.getInt32(sum + 4 * f, le) - cnt, le);
  }
}

/* ------------------------------------------------------------------------ */
/* blocks and fragments                                                      */

/**
 * A run of `want` free fragments inside one block of the group, starting
 * the search at block `startblk`; prefer a run of exactly `exact` (the
 * smallest run cg_frsum promises), else any run ≥ want. −1 if none.
 */
function mapsearch(
  fs: Fs,
  cg: Cg,
  buf: Uint8Array,
  startblk: number,
  want: number,
  exact: number,
): number {
  const nblks = Math.floor(cg.cg_ndblk / fs.fs_frag);
  const frag = fs.fs_frag;
  const free = cg.cg_freeoff;
  // blocks per byte of the free map (frag divides 8): a zero byte is that many full blocks
  const bpb = 8 / frag;
  let any = -1;
  for (let n = 0; n < nblks; n++) {
    let h = startblk + n;
    if (h >= nblks) h -= nblks;
    if (h % bpb === 0) {
      // skip whole bytes of the map at once: zero bytes (full blocks: a group holding a
      // big file is mostly these) and, when a shorter run is wanted, all-ones bytes (free
      // blocks, whose only run is a whole block: the first one is remembered)
      const limit = Math.min(nblks, h + (nblks - n));
      let i = h;
      let at = free + ((h * frag) >>> 3);
      for (; i + bpb <= limit; i += bpb, at++) {
        const byte = buf[at]!;
        if (byte === 0) continue;
        if (byte !== 0xff || exact >= frag) break;
        if (any < 0) any = i * frag;
      }
      if (i !== h) {
        n += i - h - 1;
        continue;
      }
    }
    const m = blkmap(fs, buf, free, h);
    if (m === 0) continue;
    let run = 0;
    for (let i = 0; i <= frag; i++) {
      if (i < frag && m & (1 << i)) {
        run++;
        continue;
      }
      if (run >= want) {
        const at = h * frag + i - run;
        if (run === exact) return at;
        if (any < 0) any = at;
      }
      run = 0;
    }
  }
  return any;
}

/** Take whole block near `bpref` (group-relative fragment) in group `cgx`; −1 when none. */
function alloccgblk(ump: UfsMount, cg: Cg, buf: Uint8Array, cgx: number, bpref: number): number {
  const fs = ump.um_fs;
  const nblks = Math.floor(cg.cg_ndblk / fs.fs_frag);
  let h = bpref >= 0 ? Math.floor(bpref / fs.fs_frag) : Math.floor(cg.cg_rotor / fs.fs_frag);
  if (!(h >= 0 && h < nblks)) h = 0;
  if (!ffs_isblock(fs, buf, cg.cg_freeoff, h)) {
    const at = mapsearch(fs, cg, buf, h, fs.fs_frag, fs.fs_frag);
    if (at < 0) return -1;
    h = at / fs.fs_frag;
  }
  ffs_clrblock(fs, buf, cg.cg_freeoff, h);
  ffs_clusteracct(fs, cg, buf, h, -1);
  csAdjust(ump, cg, cgx, 0, -1, 0, 0);
  cg.cg_rotor = h * fs.fs_frag;
  return h * fs.fs_frag;
}

/**
 * Allocate `frags` fragments (a whole block when frags = fs_frag) in group
 * `cgx`, near group-relative fragment `bpref` (−1: the rotor). Returns
 * the absolute fragment, 0 when the group has no room, −1 (err set) on error.
 */
function alloccg(
  ump: UfsMount,
  cgx: number,
  bpref: number,
  frags: number,
  err: Out<number>,
): number {
  const fs = ump.um_fs;
  const cs = ump.um_csum;
  err.v = 0;
  if (cs.cs_nbfree[cgx] === 0 && (frags === fs.fs_frag || cs.cs_nffree[cgx]! < frags)) return 0;
  const cg = ffs_getcg(ump, cgx, err);
  if (cg === null) return -1;
  const bp = ump.um_cgbpp.v!;
  const buf = bp.b_data;
  const frag = fs.fs_frag;
  let bno: number;
  if (frags === frag) {
    bno = cg.cs_nbfree > 0 ? alloccgblk(ump, cg, buf, cgx, bpref) : -1;
    if (bno < 0) {
      if (cg.cs_nbfree > 0) {
        brelse(bp, BC_INVAL);
        err.v = ufs_corrupt(
          ump,
          `cg ${cgx}: free block count ${cg.cs_nbfree} but no free block in the map`,
        );
        return -1;
      }
      brelse(bp, 0);
      return 0;
    }
  } else {
    // the smallest run the summary promises
    let exact = frags;
    while (exact < frag && cg.cg_frsum[exact] === 0) exact++;
    let startblk = Math.floor((bpref >= 0 ? bpref : cg.cg_frotor) / frag);
    // the preferred block is full: search from the rotor (where the last partial
    // block was cut: its rest is the likeliest exact run) instead of scanning every
    // full block after bpref again for each small file
    const nblks = Math.floor(cg.cg_ndblk / frag);
    if (
      bpref >= 0 &&
      startblk < nblks &&
      blkmap(fs, buf, cg.cg_freeoff, startblk) === 0 &&
      cg.cg_frotor < cg.cg_ndblk
    )
      startblk = Math.floor(cg.cg_frotor / frag);
    bno = exact < frag ? mapsearch(fs, cg, buf, startblk, frags, exact) : -1;
    if (bno < 0) {
      // split a whole block
      if (cg.cs_nbfree === 0) {
        brelse(bp, 0);
        return 0;
      }
      bno = alloccgblk(ump, cg, buf, cgx, bpref);
      if (bno < 0) {
        brelse(bp, BC_INVAL);
        err.v = ufs_corrupt(
          ump,
          `cg ${cgx}: free block count ${cg.cs_nbfree} but no free block in the map`,
        );
        return -1;
      }
      for (let i = frags; i < frag; i++) setbit(buf, cg.cg_freeoff, bno + i);
      const rest = frag - frags;
      csAdjust(ump, cg, cgx, 0, 0, 0, rest);
      cg.cg_frsum[rest] = cg.cg_frsum[rest]! + 1;
    } else {
      const h = Math.floor(bno / frag);
      ffs_fragacct(fs, blkmap(fs, buf, cg.cg_freeoff, h), cg.cg_frsum, -1);
      for (let i = 0; i < frags; i++) clrbit(buf, cg.cg_freeoff, bno + i);
      ffs_fragacct(fs, blkmap(fs, buf, cg.cg_freeoff, h), cg.cg_frsum, 1);
      csAdjust(ump, cg, cgx, 0, 0, 0, -frags);
      cg.cg_frotor = bno;
    }
  }
  ffs_putcg(ump, cg, buf);
  return cgbase(fs, cgx) + bno;
}

/** May `cred` take `frags` more fragments (the minfree reserve is root's)? */
function spaceFor(fs: Fs, frags: number, cred: Kauth_cred | null): boolean {
  const reserve = cred === null || cred.cr_euid === 0 ? 0 : fs.fs_minfree;
  return freespace(fs, reserve) - frags >= 0;
}

/**
 * ffs_alloc: `size` bytes (a block or a run of fragments) for inode `ip`,
 * near absolute fragment `bpref` (0: the inode's group). Into bnp.v.
 */
export function ffs_alloc(
  ip: Inode,
  bpref: number,
  size: number,
  cred: Kauth_cred | null,
  bnp: Out<number>,
): number {
  const ump = ip.i_ump;
  const fs = ump.um_fs;
  bnp.v = 0;
  const frags = numfrags(fs, size);
  if (!spaceFor(fs, frags, cred)) return ENOSPC;
  let cgx: number;
  let rel: number;
  if (bpref > 0 && bpref < fs.fs_size) {
    cgx = dtog(fs, bpref);
    rel = dtogd(fs, bpref);
  } else {
    cgx = ino_to_cg(fs, ip.i_number);
    rel = -1;
  }
  const err = ump.um_err;
  const ncg = fs.fs_ncg;
  // the preferred group, then quadratic rehash, then brute force (ffs_hashalloc)
  let b = alloccg(ump, cgx, rel, frags, err);
  if (b !== 0) return b < 0 ? err.v : ((bnp.v = b), 0);
  let c = cgx;
  for (let i = 1; i < ncg; i *= 2) {
    c += i;
    if (c >= ncg) c -= ncg;
    b = alloccg(ump, c, -1, frags, err);
    if (b !== 0) return b < 0 ? err.v : ((bnp.v = b), 0);
  }
  c = (cgx + 2) % ncg;
  for (let i = 2; i < ncg; i++) {
    b = alloccg(ump, c, -1, frags, err);
    if (b !== 0) return b < 0 ? err.v : ((bnp.v = b), 0);
    c++;
    if (c === ncg) c = 0;
  }
  return ENOSPC;
}

/**
 * ffs_fragextend: grow the fragment run at `bprev` from `osize` to `nsize`
 * bytes in place when the following fragments of its block are free.
 * Returns 1 when done, 0 when not possible, −1 (err) on error.
 */
export function ffs_fragextend(
  ip: Inode,
  bprev: number,
  osize: number,
  nsize: number,
  err: Out<number>,
): number {
  const ump = ip.i_ump;
  const fs = ump.um_fs;
  err.v = 0;
  const ofrags = numfrags(fs, osize);
  const frags = numfrags(fs, nsize);
  if (fragnum(fs, bprev) + frags > fs.fs_frag) return 0;
  const cgx = dtog(fs, bprev);
  if (ump.um_csum.cs_nffree[cgx]! < frags - ofrags) return 0;
  const cg = ffs_getcg(ump, cgx, err);
  if (cg === null) return -1;
  const bp = ump.um_cgbpp.v!;
  const buf = bp.b_data;
  const bno = dtogd(fs, bprev);
  if (bno + frags > cg.cg_ndblk) {
    brelse(bp, 0);
    return 0;
  }
  for (let i = ofrags; i < frags; i++) {
    if (!isset(buf, cg.cg_freeoff, bno + i)) {
      brelse(bp, 0);
      return 0;
    }
  }
  const h = Math.floor(bno / fs.fs_frag);
  ffs_fragacct(fs, blkmap(fs, buf, cg.cg_freeoff, h), cg.cg_frsum, -1);
  for (let i = ofrags; i < frags; i++) clrbit(buf, cg.cg_freeoff, bno + i);
  ffs_fragacct(fs, blkmap(fs, buf, cg.cg_freeoff, h), cg.cg_frsum, 1);
  csAdjust(ump, cg, cgx, 0, 0, 0, -(frags - ofrags));
  ffs_putcg(ump, cg, buf);
  return 1;
}

/**
 * ffs_blkfree: return `size` bytes at fragment `bno` (inside one block) to
 * the free maps, and forget any cached buffer of them (binvalblk).
 */
export function ffs_blkfree(ump: UfsMount, bno: number, size: number, inum: number): number {
  const fs = ump.um_fs;
  const frags = numfrags(fs, size);
  if (
    !(bno > 0 && bno + frags <= fs.fs_size) ||
    frags <= 0 ||
    fragnum(fs, bno) + frags > fs.fs_frag
  ) {
    return ufs_corrupt(ump, `inode ${inum}: freeing bad block ${bno} (${size} bytes)`);
  }
  const cgx = dtog(fs, bno);
  // a group's superblock copy, group block and inodes (in groups past the
  // first, the fragments before the superblock copy are data)
  if (!ump.um_dataok(bno) || !ump.um_dataok(bno + frags - 1)) {
    return ufs_corrupt(ump, `inode ${inum}: freeing metadata block ${bno}`);
  }
  const err = ump.um_err;
  const cg = ffs_getcg(ump, cgx, err);
  if (cg === null) return err.v;
  const bp = ump.um_cgbpp.v!;
  const buf = bp.b_data;
  const cgbno = dtogd(fs, bno);
  if (cgbno + frags > cg_nfrags(fs, cgx) || cgbno + frags > cg.cg_ndblk) {
    brelse(bp, 0);
    return ufs_corrupt(ump, `inode ${inum}: freeing block ${bno} beyond its group`);
  }
  const h = Math.floor(cgbno / fs.fs_frag);
  if (frags === fs.fs_frag) {
    if (!ffs_isfreeblock(fs, buf, cg.cg_freeoff, h)) {
      brelse(bp, 0);
      return ufs_corrupt(ump, `inode ${inum}: freeing free block ${bno}`);
    }
    ffs_setblock(fs, buf, cg.cg_freeoff, h);
    ffs_clusteracct(fs, cg, buf, h, 1);
    csAdjust(ump, cg, cgx, 0, 1, 0, 0);
  } else {
    for (let i = 0; i < frags; i++) {
      if (isset(buf, cg.cg_freeoff, cgbno + i)) {
        brelse(bp, 0);
        return ufs_corrupt(ump, `inode ${inum}: freeing free fragment ${bno + i}`);
      }
    }
    ffs_fragacct(fs, blkmap(fs, buf, cg.cg_freeoff, h), cg.cg_frsum, -1);
    for (let i = 0; i < frags; i++) setbit(buf, cg.cg_freeoff, cgbno + i);
    csAdjust(ump, cg, cgx, 0, 0, 0, frags);
    if (ffs_isblock(fs, buf, cg.cg_freeoff, h)) {
      // the whole block is free again
      csAdjust(ump, cg, cgx, 0, 1, 0, -fs.fs_frag);
      ffs_clusteracct(fs, cg, buf, h, 1);
    } else {
      ffs_fragacct(fs, blkmap(fs, buf, cg.cg_freeoff, h), cg.cg_frsum, 1);
    }
  }
  ffs_putcg(ump, cg, buf);
  const devvp = ump.um_devvp;
  for (let i = 0; i < frags; i++) binvalblk(devvp, fsbtodb(fs, bno + i));
  return 0;
}

/* ------------------------------------------------------------------------ */
/* inodes                                                                     */

/** ffs_dirpref: a group with ≥ average free inodes and blocks and the fewest directories. */
function ffs_dirpref(ump: UfsMount): number {
  const fs = ump.um_fs;
  const cs = ump.um_csum;
  const ncg = fs.fs_ncg;
  const avgifree = fs.fs_cstotal_nifree / ncg;
  const avgbfree = fs.fs_cstotal_nbfree / ncg;
  let best = -1;
  let mindirs = Infinity;
  for (let c = 0; c < ncg; c++) {
    if (cs.cs_nifree[c]! >= avgifree && cs.cs_nbfree[c]! >= avgbfree && cs.cs_ndir[c]! < mindirs) {
      best = c;
      mindirs = cs.cs_ndir[c]!;
    }
  }
  if (best >= 0) return best;
  for (let c = 0; c < ncg; c++) if (cs.cs_nifree[c]! > 0) return c;
  return 0;
}

/**
 * Take a free inode in group `cgx`: its number, 0 when the group has
 * none, −1 (err) on error. UFS2 groups get their next inode block zeroed
 * when the inode lies beyond cg_initediblk.
 */
function nodealloccg(ump: UfsMount, cgx: number, isdir: boolean, err: Out<number>): number {
  const fs = ump.um_fs;
  err.v = 0;
  if (ump.um_csum.cs_nifree[cgx] === 0) return 0;
  const cg = ffs_getcg(ump, cgx, err);
  if (cg === null) return -1;
  const bp = ump.um_cgbpp.v!;
  const buf = bp.b_data;
  if (cg.cs_nifree === 0) {
    brelse(bp, 0);
    return 0;
  }
  const ipg = fs.fs_ipg;
  let found = -1;
  for (let n = 0; n < ipg; n++) {
    let i = cg.cg_irotor + n;
    if (i >= ipg) i -= ipg;
    if (cgx === 0 && i < UFS_ROOTINO) continue;
    if (!isset(buf, cg.cg_iusedoff, i)) {
      found = i;
      break;
    }
  }
  if (found < 0) {
    brelse(bp, BC_INVAL);
    err.v = ufs_corrupt(
      ump,
      `cg ${cgx}: free inode count ${cg.cs_nifree} but no free inode in the map`,
    );
    return -1;
  }
  setbit(buf, cg.cg_iusedoff, found);
  cg.cg_irotor = found;
  csAdjust(ump, cg, cgx, isdir ? 1 : 0, 0, -1, 0);
  const ino = cgx * ipg + found;
  let zeroFrom = -1;
  if (fs.ufs2 && found >= cg.cg_initediblk) {
    // inode blocks past cg_initediblk were never written: zero whole ones
    cg.cg_initediblk = Math.ceil(cg.cg_initediblk / fs.fs_inopb) * fs.fs_inopb;
    zeroFrom = cg.cg_initediblk;
    while (cg.cg_initediblk <= found && cg.cg_initediblk < ipg) cg.cg_initediblk += fs.fs_inopb;
    if (cg.cg_initediblk > ipg) cg.cg_initediblk = ipg;
  }
  const upto = cg.cg_initediblk;
  ffs_putcg(ump, cg, buf);
  if (zeroFrom >= 0) {
    // fresh inode blocks are zero on disk (each gets a generation later)
    for (let i = zeroFrom; i < upto; i += fs.fs_inopb) {
      const ibp = getblk(ump.um_devvp, fsbtodb(fs, ino_to_fsba(fs, cgx * ipg + i)), fs.fs_bsize);
      if (ibp === null) break;
      ibp.b_data.fill(0, 0, fs.fs_bsize);
      bdwrite(ibp);
    }
  }
  return ino;
}

/** ffs_valloc: a free inode for a new file of `mode` made in directory `pip`. */
export function ffs_valloc(pip: Inode, isdir: boolean, inop: Out<number>): number {
  const ump = pip.i_ump;
  const fs = ump.um_fs;
  inop.v = 0;
  if (fs.fs_cstotal_nifree <= 0) return ENOSPC;
  const ncg = fs.fs_ncg;
  const cgx = isdir ? ffs_dirpref(ump) : ino_to_cg(fs, pip.i_number);
  const err = ump.um_err;
  for (let n = 0; n < ncg; n++) {
    let c = cgx + n;
    if (c >= ncg) c -= ncg;
    const ino = nodealloccg(ump, c, isdir, err);
    if (ino < 0) return err.v;
    if (ino > 0) {
      inop.v = ino;
      return 0;
    }
  }
  return ENOSPC;
}

/** ffs_vfree: inode `ino` (a directory if `isdir`) is free again. */
export function ffs_vfree(ump: UfsMount, ino: number, isdir: boolean): number {
  const fs = ump.um_fs;
  if (!(ino >= UFS_ROOTINO && ino < ump.um_maxino))
    return ufs_corrupt(ump, `freeing bad inode ${ino}`);
  const cgx = ino_to_cg(fs, ino);
  const err = ump.um_err;
  const cg = ffs_getcg(ump, cgx, err);
  if (cg === null) return err.v;
  const bp = ump.um_cgbpp.v!;
  const buf = bp.b_data;
  const i = ino % fs.fs_ipg;
  if (!isset(buf, cg.cg_iusedoff, i)) {
    brelse(bp, 0);
    return ufs_corrupt(ump, `freeing free inode ${ino}`);
  }
  clrbit(buf, cg.cg_iusedoff, i);
  if (i < cg.cg_irotor) cg.cg_irotor = i;
  csAdjust(ump, cg, cgx, isdir ? -1 : 0, 0, 1, 0);
  ffs_putcg(ump, cg, buf);
  return 0;
}
