/**
 * The buffer cache (vfs_bio.c): blocks of devices and files kept in memory,
 * bounded (a share of RUMP_MEMLIMIT), least recently used first out,
 * write-back. Delayed writes (bdwrite) stay in memory until fsync, sync,
 * unmount, memory pressure or the syncer task flushes them; a flush sorts a
 * vnode's dirty blocks and writes runs of adjacent ones with one transfer.
 *
 * I/O is synchronous (DESIGN.md answer 1): VOP_STRATEGY completes the
 * transfer before it returns, so bread never waits.
 */
import { EIO, ENOMEM } from "../gen/constants.js";
import { VOP_STRATEGY } from "../gen/vnode_if.js";
import type { Kernel } from "./kernel.js";
import {
  B_READ,
  B_WRITE,
  BC_BUSY,
  BC_INVAL,
  BC_NOCACHE,
  BO_DELWRI,
  BO_DONE,
  Buf,
  type BufOverlay,
  DEV_BSHIFT,
} from "../sys/buf.js";
import type { Out } from "../sys/out.js";
import { uiomove, type Uio } from "../sys/uio.js";
import type { Vnode } from "../sys/vnode.js";
import { panic } from "./subr_prf.js";

/** Largest single transfer a flush builds from adjacent dirty blocks (MAXPHYS). */
export const MAXPHYS = 1 << 20;
/**
 * Bytes of one slab: a cluster read takes several. Below the host
 * allocator's mmap threshold (glibc: 128 KiB), so slabs come from, and go
 * back to, its heap: a slab of a whole 1 MiB cluster was a fresh mapping
 * each time, every page of it faulted in anew (dearer than the read).
 */
const SLAB_BYTES = 64 * 1024;
/** Default bound when RUMP_MEMLIMIT is not set. */
const DEFAULT_BUFMEM = 512 * 1024 * 1024;
/** Bytes of freed buffer storage kept for reuse (still counted in bufmem), at most a quarter of the cache. */
const POOL_MAX = 64 * 1024 * 1024;
/** Seconds a delayed write may wait for the syncer (syncdelay). */
export const SYNCDELAY_MS = 2000;

/** Per-kernel buffer-cache state. */
export class BufCache {
  /** LRU of buffers not in use: head = least recently used */
  lruHead: Buf | null = null;
  lruTail: Buf | null = null;
  /** bytes of buffer data held */
  bufmem = 0;
  /** bound on bufmem */
  bufmax: number;
  /** dirty buffers in the cache */
  ndirty = 0;
  /** vnodes that have dirty buffers */
  readonly dirtyVnodes = new Set<Vnode>();
  /** a syncer task is scheduled */
  syncerPending = false;
  /**
   * Storage of freed buffers by size, reused by the next buffer of that size
   * (a fresh Uint8Array per block is most of the cost of a small-file
   * workload); its bytes stay in bufmem until reclaimSpace drops them.
   */
  readonly pool = new Map<number, Uint8Array[]>();
  poolBytes = 0;
  readonly poolMax: number;
  /** the members of a cluster being read or written behind (emptied after each use) */
  readonly clusterRun: Buf[] = [];
  /** the run reclaimSpace writes: not clusterRun, since it may run inside breadcluster */
  readonly reclaimRun: Buf[] = [];
  /**
   * Slabs: one allocation holding a whole cluster read, its members' b_data
   * views of it (a fresh Uint8Array per 4 KiB block cost more than the host
   * read). Storage → how many of its views are still held (by a buffer or
   * the pool); the slab's bytes stay in bufmem until the last view goes, so
   * what is counted is what is really kept.
   */
  readonly slabs = new Map<ArrayBufferLike, number>();
  constructor(readonly kernel: Kernel) {
    const lim = kernel.params.memlimit;
    this.bufmax = Number.isFinite(lim)
      ? Math.max(4 * 1024 * 1024, Math.floor(lim / 2))
      : DEFAULT_BUFMEM;
    this.poolMax = Math.min(POOL_MAX, Math.floor(this.bufmax / 4));
  }
}

function bcOf(vp: Vnode): BufCache {
  return (vp.v_mount!.mnt_kernel as Kernel).bufcache;
}

function lruRemove(bc: BufCache, bp: Buf): void {
  const prev = bp.b_prev;
  const next = bp.b_next;
  if (prev !== null) prev.b_next = next;
  else if (bc.lruHead === bp) bc.lruHead = next;
  else return; // not on the list
  if (next !== null) next.b_prev = prev;
  else bc.lruTail = prev;
  bp.b_prev = bp.b_next = null;
}

function lruAppend(bc: BufCache, bp: Buf): void {
  bp.b_next = null;
  bp.b_prev = bc.lruTail;
  if (bc.lruTail !== null) bc.lruTail.b_next = bp;
  else bc.lruHead = bp;
  bc.lruTail = bp;
}

function setDirty(bc: BufCache, bp: Buf, dirty: boolean): void {
  const vp = bp.b_vp!;
  const was = (bp.b_oflags & BO_DELWRI) !== 0;
  if (was === dirty) return;
  if (dirty) {
    bp.b_oflags |= BO_DELWRI;
    bc.ndirty++;
    if (vp.v_ndirty++ === 0) bc.dirtyVnodes.add(vp);
    scheduleSyncer(bc);
  } else {
    bp.b_oflags &= ~BO_DELWRI;
    bc.ndirty--;
    if (--vp.v_ndirty === 0) bc.dirtyVnodes.delete(vp);
  }
}

/** Forget a buffer completely (it must not be busy elsewhere). */
function bufFree(bc: BufCache, bp: Buf): void {
  const vp = bp.b_vp!;
  lruRemove(bc, bp);
  setDirty(bc, bp, false);
  vp.v_bufs?.delete(bp.b_lblkno);
  dataFree(bc, bp.b_data);
  bp.b_cflags |= BC_INVAL;
}

/** Give back buffer storage: into the pool while it has room, else to the kernel. */
function dataFree(bc: BufCache, data: Uint8Array): void {
  const n = data.length;
  if (bc.poolBytes + n <= bc.poolMax) {
    let list = bc.pool.get(n);
    if (list === undefined) bc.pool.set(n, (list = []));
    list.push(data);
    bc.poolBytes += n;
    return;
  }
  dataDrop(bc, data);
}

/** Let storage go for good: a whole array at once, a slab with its last view. */
function dataDrop(bc: BufCache, data: Uint8Array): void {
  let n = data.length;
  const ab = data.buffer;
  if (n !== ab.byteLength) {
    const views = bc.slabs.get(ab);
    if (views !== undefined) {
      if (views > 1) {
        bc.slabs.set(ab, views - 1);
        return;
      }
      bc.slabs.delete(ab);
      n = ab.byteLength;
    }
  }
  bc.bufmem -= n;
  bc.kernel.memRelease(n);
}

/** Drop the pool (its bytes leave bufmem, a slab's with its last view). */
function poolDrain(bc: BufCache): void {
  if (bc.poolBytes === 0) return;
  if (bc.slabs.size === 0) {
    bc.bufmem -= bc.poolBytes;
    bc.kernel.memRelease(bc.poolBytes);
  } else {
    for (const list of bc.pool.values())
      for (let i = 0; i < list.length; i++) dataDrop(bc, list[i]!);
  }
  bc.poolBytes = 0;
  bc.pool.clear();
}

/**
 * Make room for `need` more bytes: drop clean buffers from the LRU head,
 * writing dirty ones first. Returns false when nothing more can go.
 */
function reclaimSpace(bc: BufCache, need: number): boolean {
  const k = bc.kernel;
  poolDrain(bc);
  let bp = bc.lruHead;
  while (bp !== null && (bc.bufmem + need > bc.bufmax || !k.memReserve(0))) {
    const next = bp.b_next;
    if (bp.b_oflags & BO_DELWRI) {
      if (writeNeighbours(bc, bp)) {
        // written with its dirty neighbours on the device: clean now, so it goes
        bufFree(bc, bp);
      } else {
        // write it now; a failed write stays dirty (no data loss) and is skipped
        lruRemove(bc, bp);
        bp.b_cflags |= BC_BUSY;
        bwrite(bp, true);
      }
    } else {
      bufFree(bc, bp);
    }
    bp = next;
    if (bc.bufmem + need <= bc.bufmax) break;
  }
  return bc.bufmem + need <= bc.bufmax;
}

/**
 * Write dirty idle buffer `bp` of a block device together with the dirty
 * idle buffers of the same size adjacent to it (up to MAXPHYS) in one
 * gather transfer, as vflushbuf would: a cache full of a writer's blocks
 * drains in clusters, not a block per hypercall. False when there is no
 * neighbour to write with it or the transfer failed (all stay dirty).
 */
function writeNeighbours(bc: BufCache, bp: Buf): boolean {
  const vp = bp.b_vp!;
  const m = vp.v_bufs;
  const size = bp.b_bcount;
  if (m === null || vp.v_type !== 3 /* VBLK */ || (size & ((1 << DEV_BSHIFT) - 1)) !== 0)
    return false;
  const step = size >> DEV_BSHIFT;
  const max = Math.floor(MAXPHYS / size);
  let lo = bp.b_lblkno;
  let n = 1;
  while (n < max && writable(m.get(lo - step), size)) {
    lo -= step;
    n++;
  }
  while (n < max && writable(m.get(lo + n * step), size)) n++;
  if (n === 1) return false;
  const run = bc.reclaimRun;
  run.length = 0;
  for (let i = 0; i < n; i++) run.push(m.get(lo + i * step)!);
  const error = writeRun(bc, vp, run, 0, n, n * size);
  run.length = 0;
  return error === 0;
}

function writable(bp: Buf | undefined, size: number): boolean {
  return (
    bp !== undefined &&
    bp.b_bcount === size &&
    bp.b_data.length >= size &&
    (bp.b_oflags & BO_DELWRI) !== 0 &&
    (bp.b_cflags & BC_BUSY) === 0
  );
}

/**
 * allocbuf: data storage of `size` bytes, accounted against the limits.
 * Zeroed unless `zero` is false: a buffer about to be read into needs no
 * clearing (reused storage is filled by the transfer; memset of every block
 * read was a tenth of a bulk read's instructions).
 */
function allocData(bc: BufCache, size: number, zero = true): Uint8Array | null {
  const list = bc.pool.get(size);
  if (list !== undefined && list.length > 0) {
    const data = list.pop()!;
    bc.poolBytes -= size;
    if (zero) data.fill(0); // as fresh as a new array: callers may rely on zeros
    return data;
  }
  if (bc.bufmem + size > bc.bufmax) reclaimSpace(bc, size);
  if (!bc.kernel.memReserve(size)) {
    reclaimSpace(bc, bc.bufmax); // give back everything clean
    if (!bc.kernel.memReserve(size)) return null;
  }
  bc.bufmem += size;
  return new Uint8Array(size);
}

/** Storage for `bytes` accounted against the limits, not zeroed by us (a read fills it), or null. */
function allocSlab(bc: BufCache, bytes: number, views: number): Uint8Array | null {
  if (bc.bufmem + bytes > bc.bufmax) reclaimSpace(bc, bytes);
  if (bc.bufmem + bytes > bc.bufmax || !bc.kernel.memReserve(bytes)) return null;
  bc.bufmem += bytes;
  const data = new Uint8Array(bytes);
  bc.slabs.set(data.buffer, views);
  return data;
}

/** incore: the cached buffer of (vp, lblkno), busy or not, or null. */
export function incore(vp: Vnode, lblkno: number): Buf | null {
  const m = vp.v_bufs;
  if (m === null) return null;
  return m.get(lblkno) ?? null;
}

/**
 * getblk: the buffer for block `lblkno` of `vp`, `size` bytes, marked busy.
 * Its contents are valid only if BO_DONE is set. Returns null when memory
 * is exhausted (the caller answers ENOMEM).
 */
export function getblk(vp: Vnode, lblkno: number, size: number): Buf | null {
  return getblk1(vp, lblkno, size, true);
}

/**
 * getblk for a new block the caller sets all of itself (a block just
 * allocated: written whole, or zeroed by the caller): its storage is not
 * zeroed here as well. Only a file system's newbuf uses it.
 */
export function getblkfresh(vp: Vnode, lblkno: number, size: number): Buf | null {
  return getblk1(vp, lblkno, size, false);
}

/**
 * getblk for a read (bread, breadcluster, breadn): new storage is not
 * zeroed, since a successful transfer fills all of it and a short one is
 * zero-filled after it (readOne); a failed one leaves the buffer invalid.
 */
function getblkRead(vp: Vnode, lblkno: number, size: number): Buf | null {
  return getblk1(vp, lblkno, size, false);
}

function getblk1(vp: Vnode, lblkno: number, size: number, zero: boolean): Buf | null {
  const bc = bcOf(vp);
  let m = vp.v_bufs;
  if (m === null) {
    m = new Map();
    vp.v_bufs = m;
  }
  let bp = m.get(lblkno);
  if (bp !== undefined) {
    if (bp.b_cflags & BC_BUSY)
      panic(`getblk: block ${lblkno} already busy (vnode key ${vp.v_key})`);
    lruRemove(bc, bp);
    bp.b_cflags = BC_BUSY;
    bp.b_error = 0;
    bc.kernel.evcnt.buf_hits++;
    if (bp.b_bcount !== size) {
      if (!resize(bc, bp, size)) {
        lruAppend(bc, bp);
        bp.b_cflags = 0;
        return null;
      }
    }
    return bp;
  }
  bc.kernel.evcnt.buf_misses++;
  const data = allocData(bc, size, zero);
  if (data === null) return null;
  bp = new Buf(vp, lblkno, size, data);
  bp.b_blkno = vp.v_type === 3 /* VBLK */ ? lblkno : -1;
  bp.b_cflags = BC_BUSY;
  m.set(lblkno, bp);
  return bp;
}

/** Change a buffer's size, keeping what fits (allocbuf). */
function resize(bc: BufCache, bp: Buf, size: number): boolean {
  const old = bp.b_data;
  if (size <= old.length) {
    bp.b_bcount = size;
    return true;
  }
  const data = allocData(bc, size);
  if (data === null) return false;
  data.set(old.subarray(0, bp.b_bcount));
  dataFree(bc, old);
  bp.b_data = data;
  // the part beyond the old size was never read
  if (bp.b_bcount < size) bp.b_oflags &= ~BO_DONE;
  bp.b_bcount = size;
  return true;
}

/** Do the transfer of a busy buffer through its vnode's strategy routine. */
function strategy(bp: Buf, read: boolean): number {
  const vp = bp.b_vp!;
  if (!read && bp.b_wrhook !== null) bp.b_wrhook.bw_prewrite(bp);
  bp.b_flags = read ? B_READ : B_WRITE;
  bp.b_error = 0;
  bp.b_resid = bp.b_bcount;
  const error = VOP_STRATEGY(vp, bp);
  if (error !== 0 && bp.b_error === 0) bp.b_error = error;
  const ov = vp.v_overlay;
  if (ov !== null && bp.b_error === 0) overlay(ov, bp, read);
  const k = vp.v_mount!.mnt_kernel as Kernel;
  if (read) k.evcnt.buf_reads++;
  else k.evcnt.buf_writes++;
  return bp.b_error;
}

/**
 * The overlay's part of a finished transfer of device vnode data: a read
 * gets the overlaid bytes it covers, a write leaves its bytes in the
 * overlaid blocks it covers. The transfer is b_data, or b_iov's members in
 * order for a cluster.
 */
function overlay(ov: BufOverlay, bp: Buf, read: boolean): void {
  const bs = ov.ov_bsize;
  const off = bp.b_blkno * (1 << DEV_BSHIFT);
  const len = bp.b_bcount - bp.b_resid;
  if (len <= 0) return;
  const first = Math.max(Math.floor(off / bs), ov.ov_min);
  const last = Math.min(Math.floor((off + len - 1) / bs), ov.ov_max);
  for (let blk = first; blk <= last; blk++) {
    const data = ov.ov_blocks.get(blk);
    if (data === undefined) continue;
    // the bytes [from, to) of the transfer lie in this block
    const from = Math.max(off, blk * bs) - off;
    const to = Math.min(off + len, (blk + 1) * bs) - off;
    const iov = bp.b_iov;
    if (iov === null) {
      copyPart(data, blk * bs - off, bp.b_data, 0, from, to, read);
      continue;
    }
    let base = 0;
    for (let i = 0; i < iov.length && base < to; i++) {
      const seg = iov[i]!;
      const end = base + seg.length;
      if (end > from)
        copyPart(data, blk * bs - off, seg, base, Math.max(from, base), Math.min(to, end), read);
      base = end;
    }
  }
}

/**
 * Copy transfer bytes [from, to) between overlay block `data` (which starts
 * at transfer position `dpos`) and buffer piece `seg` (at position `spos`).
 */
function copyPart(
  data: Uint8Array,
  dpos: number,
  seg: Uint8Array,
  spos: number,
  from: number,
  to: number,
  read: boolean,
): void {
  if (read) seg.set(data.subarray(from - dpos, to - dpos), from - spos);
  else data.set(seg.subarray(from - spos, to - spos), from - dpos);
}

/**
 * bread: block `lblkno` of `vp` with valid contents, busy, in bpp.v. On
 * error the buffer is released and bpp.v is null.
 */
export function bread(vp: Vnode, lblkno: number, size: number, bpp: Out<Buf | null>): number {
  const bp = getblkRead(vp, lblkno, size);
  bpp.v = null;
  if (bp === null) return ENOMEM;
  if ((bp.b_oflags & BO_DONE) === 0) {
    const error = readOne(bp);
    if (error !== 0) return error;
  }
  bpp.v = bp;
  return 0;
}

/**
 * Read busy buffer `bp` from its device, zero-filling a short read, and
 * mark it valid; on error it is released (invalid) and the errno returned.
 */
function readOne(bp: Buf): number {
  const error = strategy(bp, true);
  if (error !== 0) {
    brelse(bp, BC_INVAL);
    return error;
  }
  if (bp.b_resid > 0) bp.b_data.fill(0, bp.b_bcount - bp.b_resid, bp.b_bcount);
  bp.b_oflags |= BO_DONE;
  return 0;
}

/**
 * breadcluster: bread of block `blkno` of device vnode `vp`; when it is not
 * cached, the `n - 1` blocks that follow it on the device (each `size`
 * bytes, contiguous) come in with the same transfer, up to the first one
 * already cached and at most MAXPHYS bytes: one scatter/gather hypercall
 * into the members' own buffers. A failed or short cluster read falls back
 * to reading the one block asked for.
 */
export function breadcluster(
  vp: Vnode,
  blkno: number,
  size: number,
  n: number,
  bpp: Out<Buf | null>,
): number {
  bpp.v = null;
  const hit = vp.v_bufs === null ? undefined : vp.v_bufs.get(blkno);
  if (hit === undefined) {
    if (n > 1 && vp.v_type === 3 /* VBLK */) {
      const sbp = readSlab(bcOf(vp), vp, blkno, size, n);
      if (sbp !== null) {
        bpp.v = sbp;
        return 0;
      }
    }
  } else if (
    (hit.b_cflags & BC_BUSY) === 0 &&
    (hit.b_oflags & BO_DONE) !== 0 &&
    hit.b_bcount === size
  ) {
    // cached and valid (a sequential reread): getblk's hit without its second lookup
    const bc = bcOf(vp);
    lruRemove(bc, hit);
    hit.b_cflags = BC_BUSY;
    hit.b_error = 0;
    bc.kernel.evcnt.buf_hits++;
    bpp.v = hit;
    return 0;
  }
  const bp = getblkRead(vp, blkno, size);
  if (bp === null) return ENOMEM;
  if ((bp.b_oflags & BO_DONE) === 0) {
    const step = size >> DEV_BSHIFT;
    const max = Math.min(n, Math.floor(MAXPHYS / size));
    const members = bcOf(vp).clusterRun;
    members.length = 0;
    for (let i = 1; i < max; i++) {
      const b = blkno + i * step;
      if (incore(vp, b) !== null) break;
      const mbp = getblkRead(vp, b, size);
      if (mbp === null) break;
      members.push(mbp);
    }
    let ok = false;
    if (members.length > 0 && (size & ((1 << DEV_BSHIFT) - 1)) === 0) {
      const iov: Uint8Array[] = [
        bp.b_data.length === size ? bp.b_data : bp.b_data.subarray(0, size),
      ];
      for (const m of members)
        iov.push(m.b_data.length === size ? m.b_data : m.b_data.subarray(0, size));
      const cbp = new Buf(vp, blkno, size * iov.length, bp.b_data);
      cbp.b_iov = iov;
      cbp.b_blkno = blkno;
      cbp.b_cflags = BC_BUSY;
      ok = strategy(cbp, true) === 0 && cbp.b_resid === 0;
    }
    for (const m of members) {
      if (ok) {
        m.b_oflags |= BO_DONE;
        brelse(m, 0);
      } else {
        brelse(m, BC_INVAL);
      }
    }
    members.length = 0;
    if (ok) {
      bp.b_oflags |= BO_DONE;
    } else {
      const error = readOne(bp);
      if (error !== 0) return error;
    }
  }
  bpp.v = bp;
  return 0;
}

/**
 * breadcluster's way when the pool cannot supply the cluster's buffers:
 * blocks blkno… (none cached, up to the first cached one, `n` and MAXPHYS)
 * read with one scatter transfer into new slabs (SLAB_BYTES each), each
 * block a buffer over its part of one. Returns the first, busy and valid, the others released
 * into the cache; null when there is no cluster to read this way, no
 * memory, or the transfer failed or came short (the caller then reads the
 * ordinary way, which reports the error of the block asked for).
 */
function readSlab(bc: BufCache, vp: Vnode, blkno: number, size: number, n: number): Buf | null {
  const per = Math.floor(SLAB_BYTES / size);
  if ((size & ((1 << DEV_BSHIFT) - 1)) !== 0 || per < 2) return null;
  const step = size >> DEV_BSHIFT;
  const max = Math.min(n, Math.floor(MAXPHYS / size));
  let k = 1;
  while (k < max && incore(vp, blkno + k * step) === null) k++;
  const pooled = bc.pool.get(size);
  if (k < 2 || (pooled !== undefined && pooled.length >= k)) return null;
  // the slabs, `per` blocks each (the last one fewer), read with one scatter transfer
  const slabs: Uint8Array[] = [];
  for (let i = 0; i < k; i += per) {
    const count = Math.min(per, k - i);
    const slab = allocSlab(bc, count * size, count);
    if (slab === null) {
      dropSlabs(bc, slabs);
      return null;
    }
    slabs.push(slab);
  }
  const cbp = new Buf(vp, blkno, k * size, slabs[0]!);
  cbp.b_iov = slabs;
  cbp.b_blkno = blkno;
  cbp.b_cflags = BC_BUSY;
  if (strategy(cbp, true) !== 0 || cbp.b_resid !== 0) {
    dropSlabs(bc, slabs);
    return null;
  }
  let m = vp.v_bufs;
  if (m === null) {
    m = new Map();
    vp.v_bufs = m;
  }
  // reclaimSpace may have dropped cached blocks, never added any: still none of them is cached
  let first: Buf | null = null;
  for (let i = 0; i < k; i++) {
    const b = blkno + i * step;
    const slab = slabs[Math.floor(i / per)]!;
    const at = (i % per) * size;
    const bp = new Buf(vp, b, size, slab.subarray(at, at + size));
    bp.b_blkno = b;
    bp.b_oflags = BO_DONE;
    m.set(b, bp);
    if (i === 0) {
      bp.b_cflags = BC_BUSY;
      first = bp;
    } else {
      lruAppend(bc, bp);
    }
  }
  bc.kernel.evcnt.buf_misses += k;
  return first;
}

/** Give back slabs none of whose views were handed out. */
function dropSlabs(bc: BufCache, slabs: Uint8Array[]): void {
  for (const slab of slabs) {
    bc.slabs.delete(slab.buffer);
    bc.bufmem -= slab.length;
    bc.kernel.memRelease(slab.length);
  }
}

/**
 * A cached sequential reread: up to `len` bytes from byte `on` of device
 * block `blkno` of `vp` and the blocks after it (`size` bytes each), as far
 * as they are cached, valid, idle and lie one after the other in one slab,
 * moved into `uio` with one copy. Each block counts as used (LRU, hits), as
 * a getblk and brelse of it would. Returns the bytes moved; 0 when the
 * first two blocks are not such a run (the caller goes block by block).
 */
export function bcopyrun(
  vp: Vnode,
  blkno: number,
  size: number,
  on: number,
  len: number,
  uio: Uio,
): number {
  const m = vp.v_bufs;
  if (m === null || on + len <= size) return 0;
  const step = size >> DEV_BSHIFT;
  const first = m.get(blkno);
  if (first === undefined || !idleValid(first, size)) return 0;
  const data = first.b_data;
  const ab = data.buffer;
  if (data.length === ab.byteLength) return 0; // not a slab
  const base = data.byteOffset;
  const want = Math.ceil((on + len) / size);
  let k = 1;
  while (k < want) {
    const bp = m.get(blkno + k * step);
    if (bp === undefined || !idleValid(bp, size)) break;
    const d = bp.b_data;
    if (d.buffer !== ab || d.byteOffset !== base + k * size) break;
    k++;
  }
  if (k < 2) return 0;
  const bc = bcOf(vp);
  for (let i = 0; i < k; i++) {
    const bp = m.get(blkno + i * step)!;
    lruRemove(bc, bp);
    lruAppend(bc, bp);
  }
  bc.kernel.evcnt.buf_hits += k;
  const n = Math.min(len, k * size - on);
  return uiomove(new Uint8Array(ab, base + on, n), 0, n, uio);
}

function idleValid(bp: Buf, size: number): boolean {
  return (
    (bp.b_cflags & BC_BUSY) === 0 &&
    (bp.b_oflags & BO_DONE) !== 0 &&
    bp.b_bcount === size &&
    bp.b_data.length === size
  );
}

/**
 * Direct read (IO_DIRECT) of device vnode `vp`: blocks blkno… of `size`
 * bytes each, at most `n`, straight into `dst` at `off` with one transfer
 * and no buffer, stopping before the first block the cache holds (its
 * cached contents are the truth: the caller reads that one through the
 * cache). Returns the number of blocks read (0 when the first is cached),
 * or -errno. A transfer cut short by the end of the medium reads as zeros,
 * as bread's does.
 */
export function breaddirect(
  vp: Vnode,
  blkno: number,
  size: number,
  n: number,
  dst: Uint8Array,
  off: number,
): number {
  if ((size & ((1 << DEV_BSHIFT) - 1)) !== 0) return 0;
  const step = size >> DEV_BSHIFT;
  const max = Math.min(n, Math.floor(MAXPHYS / size), Math.floor((dst.length - off) / size));
  let k = 0;
  while (k < max && incore(vp, blkno + k * step) === null) k++;
  if (k === 0) return 0;
  const len = k * size;
  const bp = new Buf(vp, blkno, len, dst.subarray(off, off + len));
  bp.b_blkno = blkno;
  bp.b_cflags = BC_BUSY;
  const error = strategy(bp, true);
  if (error !== 0) return -error;
  if (bp.b_resid > 0) bp.b_data.fill(0, len - bp.b_resid, len);
  return k;
}

/**
 * breadn: bread plus read-ahead of the blocks in `rablks` (sizes in
 * `rasizes`) that are not cached yet; read-ahead failures are ignored.
 */
export function breadn(
  vp: Vnode,
  lblkno: number,
  size: number,
  rablks: readonly number[],
  rasizes: readonly number[],
  bpp: Out<Buf | null>,
): number {
  const error = bread(vp, lblkno, size, bpp);
  if (error !== 0) return error;
  for (let i = 0; i < rablks.length; i++) {
    const b = rablks[i]!;
    if (incore(vp, b) !== null) continue;
    const rbp = getblkRead(vp, b, rasizes[i]!);
    if (rbp === null) break;
    if (strategy(rbp, true) === 0) {
      rbp.b_oflags |= BO_DONE;
      brelse(rbp, 0);
    } else {
      brelse(rbp, BC_INVAL);
    }
  }
  return 0;
}

/**
 * bwrite: write a busy buffer now and release it. A failed write keeps the
 * buffer dirty so nothing is lost; the error is returned. `keepBusy`:
 * internal, the caller releases.
 */
export function bwrite(bp: Buf, internal = false): number {
  const bc = bcOf(bp.b_vp!);
  const error = strategy(bp, false);
  if (error === 0) {
    setDirty(bc, bp, false);
    bp.b_oflags |= BO_DONE;
  } else {
    setDirty(bc, bp, true);
  }
  if (internal) {
    bp.b_cflags &= ~BC_BUSY;
    if ((bp.b_cflags & BC_INVAL) === 0) lruAppend(bc, bp);
    return error;
  }
  brelse(bp, 0);
  return error;
}

/** bawrite: start the write now; errors leave the buffer dirty for later. */
export function bawrite(bp: Buf): void {
  bwrite(bp);
}

/** bdwrite: mark dirty and release; the data goes out later (write-behind). */
export function bdwrite(bp: Buf): void {
  const bc = bcOf(bp.b_vp!);
  bp.b_oflags |= BO_DONE;
  setDirty(bc, bp, true);
  brelse(bp, 0);
}

/** brelse: release a busy buffer; BC_INVAL drops it (and any pending write). */
export function brelse(bp: Buf, set: number): void {
  const bc = bcOf(bp.b_vp!);
  if (!(bp.b_cflags & BC_BUSY)) panic("brelse: buffer not busy");
  bp.b_cflags &= ~BC_BUSY;
  if (set & BC_INVAL || (set & BC_NOCACHE && !(bp.b_oflags & BO_DELWRI))) {
    bufFree(bc, bp);
    return;
  }
  lruAppend(bc, bp);
}

/** Drop every cached buffer of `vp` at or beyond logical block `from` (truncate, reclaim). */
export function vinvalbuf(vp: Vnode, from = 0): void {
  const m = vp.v_bufs;
  if (m === null) return;
  const bc = bcOf(vp);
  for (const bp of [...m.values()]) {
    if (bp.b_lblkno < from) continue;
    if (bp.b_cflags & BC_BUSY) panic("vinvalbuf: busy buffer");
    bufFree(bc, bp);
  }
  if (m.size === 0) vp.v_bufs = null;
}

/** Forget one block of `vp` (a freed disk block whose delayed write must not land). */
export function binvalblk(vp: Vnode, lblkno: number): void {
  const bp = incore(vp, lblkno);
  if (bp === null || bp.b_cflags & BC_BUSY) return;
  bufFree(bcOf(vp), bp);
}

/**
 * vflushbuf: write every dirty buffer of `vp`. Buffers are sorted by disk
 * address and runs of adjacent ones go out as one transfer. Returns the
 * first error (the failed buffers stay dirty).
 */
export function vflushbuf(vp: Vnode): number {
  const m = vp.v_bufs;
  if (m === null || vp.v_ndirty === 0) return 0;
  const bc = bcOf(vp);
  const dirty: Buf[] = [];
  for (const bp of m.values()) {
    if (bp.b_oflags & BO_DELWRI && !(bp.b_cflags & BC_BUSY)) dirty.push(bp);
  }
  dirty.sort((a, b) => a.b_lblkno - b.b_lblkno);
  let first = 0;
  let i = 0;
  while (i < dirty.length) {
    // a run: each next buffer starts where the previous ended
    let j = i + 1;
    let bytes = dirty[i]!.b_bcount;
    while (
      j < dirty.length &&
      vp.v_type === 3 /* VBLK */ &&
      dirty[j]!.b_lblkno === dirty[j - 1]!.b_lblkno + (dirty[j - 1]!.b_bcount >> DEV_BSHIFT) &&
      (dirty[j - 1]!.b_bcount & ((1 << DEV_BSHIFT) - 1)) === 0 &&
      bytes + dirty[j]!.b_bcount <= MAXPHYS
    ) {
      bytes += dirty[j]!.b_bcount;
      j++;
    }
    const error = j - i === 1 ? writeOne(bc, dirty[i]!) : writeRun(bc, vp, dirty, i, j, bytes);
    if (error !== 0 && first === 0) first = error;
    i = j;
  }
  return first;
}

function writeOne(bc: BufCache, bp: Buf): number {
  lruRemove(bc, bp);
  bp.b_cflags |= BC_BUSY;
  return bwrite(bp, true);
}

/**
 * Write dirty[i..j) of a device vnode with one transfer: a cluster buffer
 * whose b_iov lists the members' data (gathered by the host, not copied here).
 */
function writeRun(
  bc: BufCache,
  vp: Vnode,
  dirty: Buf[],
  i: number,
  j: number,
  bytes: number,
): number {
  const iov: Uint8Array[] = [];
  for (let n = i; n < j; n++) {
    const bp = dirty[n]!;
    if (bp.b_wrhook !== null) bp.b_wrhook.bw_prewrite(bp);
    iov.push(bp.b_bcount === bp.b_data.length ? bp.b_data : bp.b_data.subarray(0, bp.b_bcount));
  }
  const cbp = new Buf(vp, dirty[i]!.b_lblkno, bytes, iov[0]!);
  cbp.b_iov = iov;
  cbp.b_blkno = cbp.b_lblkno;
  cbp.b_cflags = BC_BUSY;
  let error = strategy(cbp, false);
  if (error === 0 && cbp.b_resid !== 0) error = EIO;
  if (error !== 0) return error; // the members stay dirty
  for (let n = i; n < j; n++) {
    const bp = dirty[n]!;
    setDirty(bc, bp, false);
    bp.b_oflags |= BO_DONE;
  }
  return 0;
}

/**
 * Write-behind: the `n` blocks of device vnode `vp` at `blkno`, `size`
 * bytes each and adjacent (one per `size` bytes), go out now with one
 * gather transfer when all of them are cached, dirty and idle; then they
 * leave the cache, their storage going back to the pool for the writer's
 * next blocks (a big sequential write recycles a few clusters' worth of
 * memory instead of holding the whole file until fsync). Nothing happens
 * otherwise: fsync and the syncer write whatever is left. Returns the
 * error of the transfer (the blocks then stay dirty and cached).
 */
export function vwritebehind(vp: Vnode, blkno: number, size: number, n: number): number {
  const m = vp.v_bufs;
  if (m === null || n < 2 || n * size > MAXPHYS || (size & ((1 << DEV_BSHIFT) - 1)) !== 0) return 0;
  const step = size >> DEV_BSHIFT;
  const run = bcOf(vp).clusterRun;
  run.length = 0;
  for (let i = 0; i < n; i++) {
    const bp = m.get(blkno + i * step);
    if (
      bp === undefined ||
      bp.b_bcount !== size ||
      (bp.b_oflags & BO_DELWRI) === 0 ||
      (bp.b_cflags & BC_BUSY) !== 0
    ) {
      run.length = 0;
      return 0;
    }
    run.push(bp);
  }
  const bc = bcOf(vp);
  const error = writeRun(bc, vp, run, 0, n, n * size);
  if (error === 0) for (let i = 0; i < n; i++) bufFree(bc, run[i]!);
  run.length = 0;
  return error;
}

/** Write every dirty buffer of every vnode (sync). */
export function bufcache_flushall(bc: BufCache): number {
  let first = 0;
  for (const vp of [...bc.dirtyVnodes]) {
    const e = vflushbuf(vp);
    if (e !== 0 && first === 0) first = e;
  }
  return first;
}

/**
 * The syncer (ioflush): a host task, unref'd, that enters the kernel when it
 * is idle and writes delayed blocks that have waited SYNCDELAY.
 */
function scheduleSyncer(bc: BufCache): void {
  if (bc.syncerPending) return;
  const k = bc.kernel;
  if (!k.booted || k.dead !== null) return;
  bc.syncerPending = true;
  k.host.task_schedule(() => {
    bc.syncerPending = false;
    if (k.dead !== null || !k.booted) return;
    k.syncerRun();
  }, SYNCDELAY_MS);
}

/** DEV_BSIZE block number of byte offset `off` (for device buffers). */
export function btodb(off: number): number {
  return Math.floor(off / 512);
}
