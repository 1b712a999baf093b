/**
 * The file allocation table (msdosfs_fat.c): reading and writing entries
 * through the buffer cache of the device, the map of clusters in use and
 * the free count, allocation (contiguous runs, after the file's last
 * cluster when it can), freeing a chain, the chain map of a denode
 * (pcbmap), the FAT copies, the clean-shutdown bit and FSInfo.
 *
 * Every value read from the FAT is checked before it is followed: a chain
 * that points outside the data clusters, into a reserved or bad value, or
 * runs longer than the volume has clusters, is reported on the console and
 * answers EIO whenever it is met; freeing stops at the first value
 * that is not a cluster of the chain, so a loop cannot hang it.
 *
 * The FAT copies: writes go to the active FAT (the first, or the one
 * FAT32's ExtFlags names when mirroring is off); the blocks written are
 * remembered and copied to the other FATs at every sync, fsync and
 * unmount, so on disk the copies agree whenever the volume is consistent.
 */
import { E2BIG, ENOMEM, ENOSPC } from "../../gen/constants.js";
import { binvalblk, bread, brelse, bwrite, bdwrite, getblk, incore } from "../../kern/vfs_bio.js";
import { BC_BUSY, BO_DONE, DEV_BSIZE, type Buf } from "../../sys/buf.js";
import type { Out } from "../../sys/out.js";
import { fsinfo_valid, FSI_FREECOUNT, FSI_NXTFREE } from "./bootsect.js";
import { rd16, rd32, wr32 } from "./direntry.js";
import { CLUST_EOFE, CLUST_EOFS, CLUST_FIRST, FAT16_CLEAN, FAT32_CLEAN } from "./fat.js";
import type { Denode } from "./denode.js";
import type { MsdosfsMount } from "./msdosfsmount.js";

/* ------------------------------------------------------------------------ */
/* FAT blocks                                                                */

/** Byte offset of entry `cn` in a FAT. */
function fatoff(pmp: MsdosfsMount, cn: number): number {
  const bits = pmp.pm_geom.fatbits;
  return bits === 12 ? cn + (cn >>> 1) : bits === 16 ? cn * 2 : cn * 4;
}

/** Bytes of FAT block `i` (the last one of a FAT may be short). */
function fatblksize(pmp: MsdosfsMount, i: number): number {
  const fatbytes = pmp.pm_geom.fatsecs * pmp.pm_geom.bps;
  const fbs = pmp.pm_fatblocksize;
  return Math.min(fbs, fatbytes - i * fbs);
}

/** DEV_BSIZE block of FAT block `i` of FAT copy `copy`. */
function fatdevblk(pmp: MsdosfsMount, copy: number, i: number): number {
  const g = pmp.pm_geom;
  return pmp.secblk(g.rsvd + copy * g.fatsecs) + (i * pmp.pm_fatblocksize) / DEV_BSIZE;
}

/** The FAT the kernel reads and writes. */
function activefat(pmp: MsdosfsMount): number {
  return pmp.pm_geom.mirror ? 0 : pmp.pm_geom.curfat;
}

function decode(pmp: MsdosfsMount, b: Uint8Array, o: number, cn: number): number {
  const bits = pmp.pm_geom.fatbits;
  if (bits === 12) {
    const v = b[o]! | (b[o + 1]! << 8);
    return cn & 1 ? v >>> 4 : v & 0xfff;
  }
  return bits === 16 ? rd16(b, o) : rd32(b, o) & 0x0fffffff;
}

function encode(pmp: MsdosfsMount, b: Uint8Array, o: number, cn: number, v: number): void {
  const bits = pmp.pm_geom.fatbits;
  if (bits === 12) {
    v &= 0xfff;
    if (cn & 1) {
      b[o] = (b[o]! & 0x0f) | ((v << 4) & 0xf0);
      b[o + 1] = v >>> 4;
    } else {
      b[o] = v & 0xff;
      b[o + 1] = (b[o + 1]! & 0xf0) | (v >>> 8);
    }
  } else if (bits === 16) {
    b[o] = v & 0xff;
    b[o + 1] = (v >>> 8) & 0xff;
  } else {
    // the top four bits of a FAT32 entry are reserved: kept as they are
    wr32(b, o, ((rd32(b, o) & 0xf0000000) | (v & 0x0fffffff)) >>> 0);
  }
}

/**
 * fatentry(FAT_GET): entry `cn` (0 … maxcluster) of the active FAT into
 * `out.v`, masked to the FAT width. Returns 0 or the I/O error.
 */
export function fat_get(pmp: MsdosfsMount, cn: number, out: Out<number>): number {
  const off = fatoff(pmp, cn);
  const fbs = pmp.pm_fatblocksize;
  const i = Math.floor(off / fbs);
  const o = off - i * fbs;
  const blk = fatdevblk(pmp, activefat(pmp), i);
  const size = fatblksize(pmp, i);
  // the common case: the block is cached and idle, read it in place
  const cached = incore(pmp.pm_devvp, blk);
  if (
    cached !== null &&
    (cached.b_oflags & BO_DONE) !== 0 &&
    (cached.b_cflags & BC_BUSY) === 0 &&
    cached.b_bcount === size
  ) {
    out.v = decode(pmp, cached.b_data, o, cn);
    return 0;
  }
  const bpp = pmp.pm_bpp2;
  const error = bread(pmp.pm_devvp, blk, size, bpp);
  if (error !== 0) return error;
  out.v = decode(pmp, bpp.v!.b_data, o, cn);
  brelse(bpp.v!, 0);
  bpp.v = null;
  return 0;
}

/**
 * Set entries first … first+count−1 of the active FAT: each to the next
 * cluster, the last to `last` (a cluster, CLUST_EOFE, or 0 when count is
 * 1 and the entry is being freed). A block is read and written once for
 * all the entries it holds. Returns 0 or the I/O error.
 */
export function fat_setrun(pmp: MsdosfsMount, first: number, count: number, last: number): number {
  const fbs = pmp.pm_fatblocksize;
  const copy = activefat(pmp);
  const bpp = pmp.pm_bpp2;
  let cn = first;
  const end = first + count;
  while (cn < end) {
    const i = Math.floor(fatoff(pmp, cn) / fbs);
    const base = i * fbs;
    const size = fatblksize(pmp, i);
    const error = bread(pmp.pm_devvp, fatdevblk(pmp, copy, i), size, bpp);
    if (error !== 0) return error;
    const b = bpp.v!.b_data;
    for (; cn < end; cn++) {
      const o = fatoff(pmp, cn) - base;
      if (o + (pmp.pm_geom.fatbits === 32 ? 4 : 2) > size) break;
      encode(pmp, b, o, cn, cn + 1 === end ? last : cn + 1);
    }
    bdwrite(bpp.v!);
    bpp.v = null;
    pmp.pm_fatdirty.add(i);
  }
  return 0;
}

/** Set entry `cn` of the active FAT to `v`. */
export function fat_set(pmp: MsdosfsMount, cn: number, v: number): number {
  return fat_setrun(pmp, cn, 1, v);
}

/** The end-of-chain test of the FAT width (MSDOSFSEOF). */
export function fat_iseof(pmp: MsdosfsMount, v: number): boolean {
  return v >= (CLUST_EOFS & pmp.pm_fatmask);
}

/** Is `v` a data cluster of this volume? */
export function fat_iscluster(pmp: MsdosfsMount, v: number): boolean {
  return v >= CLUST_FIRST && v <= pmp.pm_geom.maxcluster;
}

/**
 * Copy every FAT block written since the last call to the other FATs (when
 * mirroring is on), delayed or (`sync`) at once. Returns the first error.
 */
export function fat_mirror(pmp: MsdosfsMount, sync: boolean): number {
  const g = pmp.pm_geom;
  if (pmp.pm_fatdirty.size === 0) return 0;
  if (!g.mirror || g.nfats < 2) {
    pmp.pm_fatdirty.clear();
    return 0;
  }
  let first = 0;
  const bpp = pmp.pm_bpp2;
  const blocks = [...pmp.pm_fatdirty].sort((a, b) => a - b);
  pmp.pm_fatdirty.clear();
  for (const i of blocks) {
    const size = fatblksize(pmp, i);
    let error = bread(pmp.pm_devvp, fatdevblk(pmp, 0, i), size, bpp);
    if (error !== 0) {
      if (first === 0) first = error;
      pmp.pm_fatdirty.add(i);
      continue;
    }
    const src = bpp.v!.b_data;
    for (let k = 1; k < g.nfats; k++) {
      const bp = getblk(pmp.pm_devvp, fatdevblk(pmp, k, i), size);
      if (bp === null) {
        error = ENOMEM;
        break;
      }
      bp.b_data.set(src.subarray(0, size));
      bp.b_oflags |= BO_DONE;
      if (sync) {
        const e = bwrite(bp);
        if (e !== 0 && error === 0) error = e;
      } else bdwrite(bp);
    }
    brelse(bpp.v!, 0);
    bpp.v = null;
    if (error !== 0) {
      if (first === 0) first = error;
      pmp.pm_fatdirty.add(i);
    }
  }
  return first;
}

/**
 * The clean-shutdown bit of FAT16 and FAT32 (entry 1): cleared while the
 * volume is mounted read-write, set again at a clean unmount; written to
 * every FAT at once. FAT12 has none. `wasclean` gets what it was.
 */
export function fat_setclean(
  pmp: MsdosfsMount,
  clean: boolean,
  wasclean: Out<boolean> | null,
): number {
  const bits = pmp.pm_geom.fatbits;
  if (bits === 12) {
    if (wasclean !== null) wasclean.v = true;
    return 0;
  }
  const bit = bits === 16 ? FAT16_CLEAN : FAT32_CLEAN;
  const cur = pmp.pm_cn;
  let error = fat_get(pmp, 1, cur);
  if (error !== 0) return error;
  if (wasclean !== null) wasclean.v = (cur.v & bit) !== 0;
  const v = clean ? cur.v | bit : cur.v & ~bit;
  if (v === cur.v) return 0;
  error = fat_set(pmp, 1, v >>> 0);
  if (error !== 0) return error;
  // the block holding entry 1, in every copy, now
  const size = fatblksize(pmp, 0);
  const bpp = pmp.pm_bpp2;
  error = bread(pmp.pm_devvp, fatdevblk(pmp, activefat(pmp), 0), size, bpp);
  if (error !== 0) return error;
  const src = bpp.v!.b_data.slice(0, size);
  error = bwrite(bpp.v!);
  bpp.v = null;
  if (error !== 0) return error;
  pmp.pm_fatdirty.delete(0);
  const g = pmp.pm_geom;
  if (g.mirror) {
    for (let k = 1; k < g.nfats; k++) {
      const bp = getblk(pmp.pm_devvp, fatdevblk(pmp, k, 0), size);
      if (bp === null) return ENOMEM;
      bp.b_data.set(src);
      bp.b_oflags |= BO_DONE;
      const e = bwrite(bp);
      if (e !== 0) return e;
    }
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* the map of clusters in use                                                */

function inuse(pmp: MsdosfsMount, cn: number): boolean {
  return (pmp.pm_inusemap[cn >>> 5]! & (1 << (cn & 31))) !== 0;
}
function setinuse(pmp: MsdosfsMount, cn: number): void {
  pmp.pm_inusemap[cn >>> 5]! |= 1 << (cn & 31);
}
function clearinuse(pmp: MsdosfsMount, cn: number): void {
  pmp.pm_inusemap[cn >>> 5]! &= ~(1 << (cn & 31));
}

/**
 * fillinusemap: read the whole active FAT (large sequential reads) into
 * the map of clusters in use and count the free ones. The map is charged to
 * RUMP_MEMLIMIT (ENOMEM beyond it).
 */
export function fillinusemap(pmp: MsdosfsMount): number {
  const g = pmp.pm_geom;
  const words = (g.maxcluster >>> 5) + 1;
  const bytes = words * 4;
  if (!pmp.pm_kernel.memReserve(bytes)) {
    pmp.pm_kernel.printf(
      `msdosfs ${pmp.pm_fspec}: no memory for the map of ${g.nclusters} clusters (RUMP_MEMLIMIT)\n`,
    );
    return ENOMEM;
  }
  pmp.pm_charged += bytes;
  const map = new Uint32Array(words);
  pmp.pm_inusemap = map;
  // clusters 0 and 1 are not data clusters; bits past maxcluster never free
  map[0]! |= 3;
  for (let cn = g.maxcluster + 1; cn < words * 32; cn++) map[cn >>> 5]! |= 1 << (cn & 31);
  const fbs = pmp.pm_fatblocksize;
  const copy = activefat(pmp);
  const nblk = Math.ceil((g.fatsecs * g.bps) / fbs);
  const lastoff = fatoff(pmp, g.maxcluster);
  const bpp = pmp.pm_bpp2;
  let free = 0;
  let cn = CLUST_FIRST;
  for (let i = 0; i < nblk && cn <= g.maxcluster; i++) {
    const size = fatblksize(pmp, i);
    const error = bread(pmp.pm_devvp, fatdevblk(pmp, copy, i), size, bpp);
    if (error !== 0) return error;
    const b = bpp.v!.b_data;
    const base = i * fbs;
    const step = g.fatbits === 32 ? 4 : 2;
    for (; cn <= g.maxcluster; cn++) {
      const off = fatoff(pmp, cn);
      if (off + step > base + size || off > lastoff) break;
      if (decode(pmp, b, off - base, cn) === 0) free++;
      else setinuse(pmp, cn);
    }
    // the sequential pass keeps nothing it does not need
    brelse(bpp.v!, 0);
    bpp.v = null;
  }
  pmp.pm_freeclustercount = free;
  return 0;
}

/** Give back the map's memory (unmount). */
export function freeinusemap(pmp: MsdosfsMount): void {
  if (pmp.pm_charged > 0) pmp.pm_kernel.memRelease(pmp.pm_charged);
  pmp.pm_charged = 0;
  pmp.pm_inusemap = new Uint32Array(0);
}

/** The first free cluster at or after `from` (≤ maxcluster), or −1. */
function nextfree(pmp: MsdosfsMount, from: number): number {
  const map = pmp.pm_inusemap;
  const max = pmp.pm_geom.maxcluster;
  let cn = from;
  while (cn <= max) {
    const w = map[cn >>> 5]!;
    if (w === 0xffffffff) {
      cn = ((cn >>> 5) + 1) << 5;
      continue;
    }
    if ((w & (1 << (cn & 31))) === 0) return cn;
    cn++;
  }
  return -1;
}

/** Free clusters from `cn` on, up to `max` of them. */
function runlen(pmp: MsdosfsMount, cn: number, max: number): number {
  const top = pmp.pm_geom.maxcluster;
  let n = 0;
  while (n < max && cn + n <= top && !inuse(pmp, cn + n)) n++;
  return n;
}

/**
 * clusteralloc: up to `count` free clusters in one contiguous run —
 * starting at `hint` when it is free (a file grows in place), else the
 * first run of the full length from the next-free hint on, else the
 * longest run there is — marked in use and chained in the FAT with an
 * end-of-chain mark. `cnp` gets the first, `gotp` how many. ENOSPC when
 * no cluster is free.
 */
export function clusteralloc(
  pmp: MsdosfsMount,
  hint: number,
  count: number,
  cnp: Out<number>,
  gotp: Out<number>,
): number {
  const g = pmp.pm_geom;
  if (pmp.pm_freeclustercount === 0 || count <= 0) return ENOSPC;
  let start = -1;
  let len = 0;
  if (fat_iscluster(pmp, hint) && !inuse(pmp, hint)) {
    start = hint;
    len = runlen(pmp, hint, count);
  } else {
    let pos = fat_iscluster(pmp, pmp.pm_nxtfree) ? pmp.pm_nxtfree : CLUST_FIRST;
    const begin = pos;
    let wrapped = false;
    for (;;) {
      const f = nextfree(pmp, pos);
      if (f < 0 || (wrapped && f >= begin)) {
        if (wrapped || begin === CLUST_FIRST) break;
        wrapped = true;
        pos = CLUST_FIRST;
        continue;
      }
      const l = runlen(pmp, f, count);
      if (l > len) {
        start = f;
        len = l;
      }
      if (l >= count) break;
      pos = f + l;
    }
  }
  if (start < 0 || len === 0) return ENOSPC;
  const error = fat_setrun(pmp, start, len, CLUST_EOFE);
  if (error !== 0) return error;
  for (let i = 0; i < len; i++) setinuse(pmp, start + i);
  pmp.pm_freeclustercount -= len;
  pmp.pm_nxtfree = start + len > g.maxcluster ? CLUST_FIRST : start + len;
  pmp.pm_fsinfo_dirty = true;
  cnp.v = start;
  gotp.v = len;
  return 0;
}

/**
 * freeclusterchain: give back the chain starting at `cn`. It ends at the
 * end-of-chain mark — or at the first value that is not a cluster in use
 * (a damaged chain, or one that loops back to a cluster just freed), so it
 * always ends. Cached buffers of the freed clusters are dropped.
 */
export function freeclusterchain(pmp: MsdosfsMount, cn: number): number {
  const next = pmp.pm_cn;
  let steps = 0;
  while (fat_iscluster(pmp, cn) && inuse(pmp, cn) && steps++ <= pmp.pm_geom.nclusters) {
    const error = fat_get(pmp, cn, next);
    if (error !== 0) return error;
    const nv = next.v;
    const e2 = fat_set(pmp, cn, 0);
    if (e2 !== 0) return e2;
    clearinuse(pmp, cn);
    pmp.pm_freeclustercount++;
    // a delayed write of a freed cluster need not land (a block of its own only)
    if (pmp.pm_dblkcl === 1) binvalblk(pmp.pm_devvp, pmp.clblk(cn));
    if (fat_iseof(pmp, nv)) break;
    cn = nv;
  }
  if (cn < pmp.pm_nxtfree) pmp.pm_nxtfree = cn >= CLUST_FIRST ? cn : CLUST_FIRST;
  pmp.pm_fsinfo_dirty = true;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* the chain map of a denode                                                 */

function runappend(dep: Denode, cn: number): void {
  const r = dep.de_runs;
  const n = r.length;
  if (n > 0 && r[n - 2]! + r[n - 1]! === cn) r[n - 1]!++;
  else r.push(dep.de_nclust, cn, 1);
  dep.de_nclust++;
}

/** Add a run of `len` clusters from `cn` at the end of the map (an allocation). */
export function de_mapappend(dep: Denode, cn: number, len: number): void {
  const r = dep.de_runs;
  const n = r.length;
  if (n > 0 && r[n - 2]! + r[n - 1]! === cn) r[n - 1]! += len;
  else r.push(dep.de_nclust, cn, len);
  dep.de_nclust += len;
}

/** Cut the map to its first `n` clusters (a truncation). */
export function de_maptrunc(dep: Denode, n: number): void {
  const r = dep.de_runs;
  while (r.length > 0 && r[r.length - 3]! >= n) r.length -= 3;
  if (r.length > 0) {
    const k = r.length - 3;
    const end = r[k]! + r[k + 2]!;
    if (end > n) r[k + 2] = n - r[k]!;
  }
  dep.de_nclust = Math.min(dep.de_nclust, n);
  dep.de_eoc = true;
  dep.de_runhint = 0;
}

/**
 * Report a damaged chain (each time it is met: the map keeps what was
 * found before the damage, so meeting it again costs one FAT read).
 */
function chaincorrupt(dep: Denode, what: string): number {
  const where = dep.isdir
    ? `directory at cluster ${dep.de_StartCluster}`
    : `file at cluster ${dep.de_StartCluster}`;
  return dep.de_pmp.corrupt(`${where}: ${what}`);
}

/**
 * Map the chain of `dep` until cluster index `upto` is known or the chain
 * ends. Returns 0, the I/O error, or EIO (reported) for a damaged chain.
 */
export function de_mapto(dep: Denode, upto: number): number {
  const pmp = dep.de_pmp;
  let cn: number;
  if (dep.de_nclust === 0) {
    if (dep.de_eoc) return 0;
    cn = dep.de_StartCluster;
    if (cn === 0) {
      dep.de_eoc = true;
      return 0;
    }
    if (!fat_iscluster(pmp, cn)) return chaincorrupt(dep, `starts at ${cn}, not a data cluster`);
    runappend(dep, cn);
  } else {
    const r = dep.de_runs;
    cn = r[r.length - 2]! + r[r.length - 1]! - 1;
  }
  const next = pmp.pm_cn;
  const limit = pmp.pm_geom.nclusters;
  while (!dep.de_eoc && dep.de_nclust <= upto) {
    const error = fat_get(pmp, cn, next);
    if (error !== 0) return error;
    const v = next.v;
    if (fat_iseof(pmp, v)) {
      dep.de_eoc = true;
      break;
    }
    if (!fat_iscluster(pmp, v))
      return chaincorrupt(
        dep,
        `cluster ${cn} is followed by ${v === 0 ? "a free cluster" : `0x${v.toString(16)}`}`,
      );
    if (dep.de_nclust >= limit) return chaincorrupt(dep, "the cluster chain loops");
    runappend(dep, v);
    cn = v;
  }
  return 0;
}

/**
 * pcbmap: the disk cluster of cluster index `fcn` of `dep` into `cnp`, and
 * into `runp` (if given) how many clusters from it on are contiguous on
 * disk, looking up to `want` ahead. E2BIG past the end of the chain.
 */
export function pcbmap(
  dep: Denode,
  fcn: number,
  cnp: Out<number>,
  runp: Out<number> | null,
  want: number,
): number {
  if (fcn + want > dep.de_nclust && !dep.de_eoc) {
    const error = de_mapto(dep, fcn + Math.max(0, want - 1));
    if (error !== 0) return error;
  }
  if (fcn >= dep.de_nclust) return E2BIG;
  const r = dep.de_runs;
  let k = dep.de_runhint;
  if (k >= r.length || r[k]! > fcn || r[k]! + r[k + 2]! <= fcn) {
    // binary search over the runs
    let lo = 0;
    let hi = r.length / 3 - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (r[mid * 3]! <= fcn) lo = mid;
      else hi = mid - 1;
    }
    k = lo * 3;
    dep.de_runhint = k;
  }
  const delta = fcn - r[k]!;
  cnp.v = r[k + 1]! + delta;
  if (runp !== null) runp.v = Math.min(want, r[k + 2]! - delta);
  return 0;
}

/** The last cluster of the chain of `dep` (0: none) into `cnp`; maps all of it. */
export function de_lastcluster(dep: Denode, cnp: Out<number>): number {
  const error = de_mapto(dep, Number.MAX_SAFE_INTEGER);
  if (error !== 0) return error;
  if (dep.de_nclust === 0) {
    cnp.v = 0;
    return 0;
  }
  const r = dep.de_runs;
  cnp.v = r[r.length - 2]! + r[r.length - 1]! - 1;
  return 0;
}

/**
 * extendfile: give `dep` `count` more clusters at the end of its chain
 * (contiguous with its last one when free). `gotp` gets how many it got:
 * fewer than `count` only with ENOSPC. `firstp` gets the first new one.
 * The directory entry is not written (the caller updates it).
 */
export function extendfile(
  dep: Denode,
  count: number,
  firstp: Out<number> | null,
  gotp: Out<number>,
): number {
  const pmp = dep.de_pmp;
  gotp.v = 0;
  if (firstp !== null) firstp.v = 0;
  const lastp = { v: 0 };
  let error = de_lastcluster(dep, lastp);
  if (error !== 0) return error;
  let last = lastp.v;
  const cnp = { v: 0 };
  const lenp = { v: 0 };
  while (gotp.v < count) {
    error = clusteralloc(pmp, last === 0 ? pmp.pm_nxtfree : last + 1, count - gotp.v, cnp, lenp);
    if (error !== 0) return error;
    if (last === 0) {
      dep.de_StartCluster = cnp.v;
      dep.de_flag |= 0x0020; // DE_MODIFIED
    } else {
      error = fat_set(pmp, last, cnp.v);
      if (error !== 0) {
        freeclusterchain(pmp, cnp.v);
        return error;
      }
    }
    if (firstp !== null && gotp.v === 0) firstp.v = cnp.v;
    de_mapappend(dep, cnp.v, lenp.v);
    dep.de_eoc = true;
    gotp.v += lenp.v;
    last = cnp.v + lenp.v - 1;
  }
  return 0;
}

/** Zero cluster `cn` in the cache (a new directory cluster), written later. */
export function clearcluster(pmp: MsdosfsMount, cn: number): number {
  pmp.dblk(cn);
  const bpc = pmp.pm_geom.bpcluster;
  const o = pmp.pm_db_off;
  let bp: Buf | null;
  if (pmp.pm_db_size === bpc) {
    bp = getblk(pmp.pm_devvp, pmp.pm_db_blk, bpc);
    if (bp === null) return ENOMEM;
  } else {
    const bpp = pmp.pm_bpp2;
    const error = bread(pmp.pm_devvp, pmp.pm_db_blk, pmp.pm_db_size, bpp);
    if (error !== 0) return error;
    bp = bpp.v!;
    bpp.v = null;
  }
  bp.b_data.fill(0, o, o + bpc);
  bdwrite(bp);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* FSInfo                                                                    */

/**
 * Write FAT32's FSInfo hints (free clusters, next free) when they changed:
 * the count is the true one, from the map of clusters in use.
 */
export function msdosfs_fsinfo_update(pmp: MsdosfsMount, sync: boolean): number {
  if (!pmp.pm_fsinfo_ok || !pmp.pm_fsinfo_dirty || pmp.pm_ronly) return 0;
  const g = pmp.pm_geom;
  const bpp = pmp.pm_bpp2;
  let error = bread(pmp.pm_devvp, pmp.secblk(g.fsinfo), g.bps, bpp);
  if (error !== 0) return error;
  const b = bpp.v!.b_data;
  if (!fsinfo_valid(b)) {
    brelse(bpp.v!, 0);
    bpp.v = null;
    pmp.pm_fsinfo_ok = false;
    return 0;
  }
  wr32(b, FSI_FREECOUNT, pmp.pm_freeclustercount);
  wr32(b, FSI_NXTFREE, pmp.pm_nxtfree);
  if (sync) error = bwrite(bpp.v!);
  else bdwrite(bpp.v!);
  bpp.v = null;
  if (error === 0) pmp.pm_fsinfo_dirty = false;
  return error;
}
