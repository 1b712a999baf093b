/**
 * tmpfs file data (tmpfs_mem.c + the aobj of NetBSD): a per-mount page
 * allocator over slabs, a per-file sparse page table, and the copy loops of
 * read, write and truncate.
 *
 * Why 4 KiB pages in slabs:
 * - 4 KiB is the unit of sparseness and of accounting (statvfs blocks,
 *   RUMP_MEMLIMIT, ta_size_max): a 1-byte file costs one page, not a large
 *   one, and holes cost nothing.
 * - A page is not an object: it is a number `pn` naming 4 KiB inside a slab
 *   (one ArrayBuffer of 16…256 pages; slab `pn >>> 8`, page `pn & 255`).
 *   That keeps per-page overhead at 4 bytes of page table instead of a
 *   typed-array object each, and lets runs of consecutive pages be copied
 *   with one uiomove (sequential writes take consecutive pages).
 * - Slabs start small (16 pages) and double up to 256 pages (1 MiB), so a
 *   mount with a few small files stays small.
 * - Freed pages go on a LIFO free list and are reused without zeroing;
 *   only the part of a reused page that a write does not cover is zeroed.
 *   Slabs that become entirely free are released when free pages pile up
 *   (amortised: a sweep happens only after many frees).
 *
 * Invariant: bytes of an allocated page beyond end of file are zero, so
 * extending a file (write past EOF, truncate up) never exposes old data.
 */
import { uiomove, uiozero, type Uio } from "../../sys/uio.js";
import { PAGE_SHIFT, PAGE_SIZE } from "./tmpfs.js";

/** pn → slab index is pn >>> SLAB_SHIFT (so a slab holds at most 256 pages). */
const SLAB_SHIFT = 8;
const SLAB_MASK = (1 << SLAB_SHIFT) - 1;
const SLAB_MAX_PAGES = 1 << SLAB_SHIFT;
const SLAB_MIN_PAGES = 16;
/**
 * Free pages kept for reuse when empty slabs are released (64 MiB by
 * default): refilling memory the process already touched is several times
 * cheaper than faulting in fresh memory (measured: 256 MiB of fresh slabs
 * cost ~0.7 s of page faults in a VM, reused ones ~0.05 s).
 */
export const TMPFS_RETAIN_PAGES = 16384;
/** free pages beyond `retain` that trigger a sweep for empty slabs */
const SWEEP_MIN = 1024;

/** The page allocator of one mount. */
export class TmpfsPages {
  /** slab data, null for released slab indices */
  slabs: (Uint8Array | null)[] = [];
  /** pages in each slab (0: released) */
  slabCap: number[] = [];
  /** pages in use in each slab */
  slabUsed: number[] = [];
  /** stack of free page numbers */
  freeStack = new Int32Array(256);
  nfree = 0;
  /** slab whose pages past bumpNext were never handed out (still zero) */
  bumpSlab = -1;
  bumpNext = 0;
  releasedSlabs: number[] = [];
  /** pages in live slabs */
  capacity = 0;
  /** pages handed out */
  used = 0;
  /** the last alloc() returned a never-used (all-zero) page */
  fresh = false;
  sweepAt: number;

  constructor(
    /** free pages to keep when releasing empty slabs */
    readonly retain: number = TMPFS_RETAIN_PAGES,
  ) {
    this.sweepAt = retain + SWEEP_MIN;
  }

  /** Allocate a page; `fresh` tells whether it is known to be zero. */
  alloc(): number {
    let pn: number;
    if (this.nfree > 0) {
      pn = this.freeStack[--this.nfree]!;
      this.fresh = false;
    } else {
      if (this.bumpSlab < 0 || this.bumpNext >= this.slabCap[this.bumpSlab]!) this.newSlab();
      pn = (this.bumpSlab << SLAB_SHIFT) | this.bumpNext++;
      this.fresh = true;
    }
    this.slabUsed[pn >>> SLAB_SHIFT]!++;
    this.used++;
    return pn;
  }

  /** Return a page. */
  free(pn: number): void {
    this.slabUsed[pn >>> SLAB_SHIFT]!--;
    this.used--;
    if (this.nfree === this.freeStack.length) {
      const n = new Int32Array(this.freeStack.length * 2);
      n.set(this.freeStack);
      this.freeStack = n;
    }
    this.freeStack[this.nfree++] = pn;
    if (this.nfree >= this.sweepAt) this.sweep();
  }

  /** The slab holding page `pn`. */
  data(pn: number): Uint8Array {
    return this.slabs[pn >>> SLAB_SHIFT]!;
  }

  /** Byte offset of page `pn` in its slab. */
  offset(pn: number): number {
    return (pn & SLAB_MASK) << PAGE_SHIFT;
  }

  /** Drop everything (unmount). */
  clear(): void {
    this.slabs = [];
    this.slabCap = [];
    this.slabUsed = [];
    this.freeStack = new Int32Array(16);
    this.nfree = 0;
    this.bumpSlab = -1;
    this.bumpNext = 0;
    this.releasedSlabs = [];
    this.capacity = 0;
    this.used = 0;
    this.sweepAt = this.retain + SWEEP_MIN;
  }

  private newSlab(): void {
    let pages = this.capacity < SLAB_MIN_PAGES ? SLAB_MIN_PAGES : this.capacity;
    if (pages > SLAB_MAX_PAGES) pages = SLAB_MAX_PAGES;
    const s = this.releasedSlabs.length > 0 ? this.releasedSlabs.pop()! : this.slabs.length;
    this.slabs[s] = new Uint8Array(pages << PAGE_SHIFT);
    this.slabCap[s] = pages;
    this.slabUsed[s] = 0;
    this.capacity += pages;
    this.bumpSlab = s;
    this.bumpNext = 0;
  }

  /**
   * Release slabs with no page in use, keeping `retain` free pages, and
   * forget the free pages of the released ones.
   */
  private sweep(): void {
    let released = 0;
    let keep = this.nfree;
    for (let s = 0; s < this.slabs.length && keep > this.retain; s++) {
      if (this.slabCap[s]! > 0 && this.slabUsed[s] === 0 && s !== this.bumpSlab) {
        keep -= this.slabCap[s]!;
        this.capacity -= this.slabCap[s]!;
        this.slabCap[s] = 0;
        this.slabs[s] = null;
        this.releasedSlabs.push(s);
        released++;
      }
    }
    if (released > 0) {
      const st = this.freeStack;
      let j = 0;
      for (let i = 0; i < this.nfree; i++) {
        const pn = st[i]!;
        if (this.slabCap[pn >>> SLAB_SHIFT]! > 0) st[j++] = pn;
      }
      this.nfree = j;
    }
    const slack = this.capacity >>> 1;
    this.sweepAt =
      (this.nfree > this.retain ? this.nfree : this.retain) +
      (slack > SWEEP_MIN ? slack : SWEEP_MIN);
  }
}

/** Longest dense part of a page table (entries; 2^26 pages = 256 GiB of file). */
const FLAT_MAX = 1 << 26;

/**
 * A file's page table: file page index → pn + 1 (0 = hole). Dense files use
 * a flat Int32Array grown by doubling; pages far beyond what the file has
 * allocated (sparse files) go to a Map, so a byte at offset 1 TiB costs one
 * entry, not a table of 2^28.
 */
export class TmpfsPageTable {
  flat: Int32Array;
  far: Map<number, number> | null = null;
  /** pages allocated */
  npages = 0;

  constructor() {
    this.flat = new Int32Array(4);
  }

  get(pi: number): number {
    if (pi < this.flat.length) return this.flat[pi]!;
    if (this.far === null) return 0;
    return this.far.get(pi) ?? 0;
  }

  set(pi: number, v: number): void {
    const flat = this.flat;
    if (pi < flat.length) {
      flat[pi] = v;
      return;
    }
    if (v !== 0) {
      let n = flat.length;
      while (n <= pi) n *= 2;
      // grow only while the table stays dense enough to pay for itself
      if (n <= FLAT_MAX && n <= 4 * this.npages + 64) {
        this.grow(n);
        this.flat[pi] = v;
        return;
      }
      if (this.far === null) this.far = new Map();
      this.far.set(pi, v);
    } else if (this.far !== null) {
      this.far.delete(pi);
    }
  }

  private grow(n: number): void {
    const nf = new Int32Array(n);
    nf.set(this.flat);
    this.flat = nf;
    const far = this.far;
    if (far !== null) {
      for (const [pi, v] of far) {
        if (pi < n) {
          nf[pi] = v;
          far.delete(pi);
        }
      }
      if (far.size === 0) this.far = null;
    }
  }

  /**
   * Free every page with index ≥ `from`, highest first (so the LIFO free
   * list hands them out again in ascending order, keeping runs contiguous).
   * Returns the number of pages freed.
   */
  truncate(from: number, pages: TmpfsPages): number {
    let freed = 0;
    const far = this.far;
    if (far !== null) {
      const keys: number[] = [];
      for (const pi of far.keys()) if (pi >= from) keys.push(pi);
      keys.sort((a, b) => b - a);
      for (const pi of keys) {
        pages.free(far.get(pi)! - 1);
        far.delete(pi);
        freed++;
      }
      if (far.size === 0) this.far = null;
    }
    const flat = this.flat;
    for (let pi = flat.length - 1; pi >= from; pi--) {
      const v = flat[pi]!;
      if (v !== 0) {
        pages.free(v - 1);
        flat[pi] = 0;
        freed++;
      }
    }
    this.npages -= freed;
    return freed;
  }
}

/** Number of holes (unallocated pages) among the pages of [off, off + len). */
export function tmpfs_pages_holes(pt: TmpfsPageTable | null, off: number, len: number): number {
  const first = Math.floor(off / PAGE_SIZE);
  const last = Math.floor((off + len - 1) / PAGE_SIZE);
  if (pt === null) return last - first + 1;
  let holes = 0;
  for (let pi = first; pi <= last; pi++) if (pt.get(pi) === 0) holes++;
  return holes;
}

/**
 * Copy [off, off + len) of the file to the uio (UIO_READ); holes read as
 * zeros. The caller has clipped len to the file size.
 */
export function tmpfs_pages_read(
  pt: TmpfsPageTable | null,
  pages: TmpfsPages,
  off: number,
  len: number,
  uio: Uio,
): void {
  while (len > 0) {
    const pi = Math.floor(off / PAGE_SIZE);
    const po = off - pi * PAGE_SIZE;
    const v = pt === null ? 0 : pt.get(pi);
    let n = PAGE_SIZE - po;
    if (v === 0) {
      if (n > len) n = len;
      uiozero(n, uio);
    } else {
      // extend over following pages that sit right after this one in the same slab
      const pn = v - 1;
      let k = 1;
      while (n < len && ((pn + k) & SLAB_MASK) !== 0 && pt!.get(pi + k) === v + k) {
        n += PAGE_SIZE;
        k++;
      }
      if (n > len) n = len;
      uiomove(pages.data(pn), pages.offset(pn) + po, n, uio);
    }
    off += n;
    len -= n;
  }
}

/**
 * Write [off, off + len) of the file from the uio (UIO_WRITE), allocating
 * the holes in the range. The caller has reserved those pages (count from
 * tmpfs_pages_holes), so this cannot fail. Returns the page table (created
 * if the file had none).
 */
export function tmpfs_pages_write(
  pt: TmpfsPageTable | null,
  pages: TmpfsPages,
  off: number,
  len: number,
  uio: Uio,
): TmpfsPageTable {
  const end = off + len;
  const first = Math.floor(off / PAGE_SIZE);
  const last = Math.floor((end - 1) / PAGE_SIZE);
  if (pt === null) pt = new TmpfsPageTable();
  // 1: allocate holes; zero what this write will not cover of reused pages
  for (let pi = first; pi <= last; pi++) {
    if (pt.get(pi) !== 0) continue;
    const pn = pages.alloc();
    pt.npages++;
    pt.set(pi, pn + 1);
    if (!pages.fresh) {
      const base = pi * PAGE_SIZE;
      const from = off > base ? off - base : 0;
      const to = end < base + PAGE_SIZE ? end - base : PAGE_SIZE;
      const buf = pages.data(pn);
      const o = pages.offset(pn);
      if (from > 0) buf.fill(0, o, o + from);
      if (to < PAGE_SIZE) buf.fill(0, o + to, o + PAGE_SIZE);
    }
  }
  // 2: copy, one uiomove per run of consecutive pages
  while (len > 0) {
    const pi = Math.floor(off / PAGE_SIZE);
    const po = off - pi * PAGE_SIZE;
    const v = pt.get(pi);
    const pn = v - 1;
    let n = PAGE_SIZE - po;
    let k = 1;
    while (n < len && ((pn + k) & SLAB_MASK) !== 0 && pt.get(pi + k) === v + k) {
      n += PAGE_SIZE;
      k++;
    }
    if (n > len) n = len;
    uiomove(pages.data(pn), pages.offset(pn) + po, n, uio);
    off += n;
    len -= n;
  }
  return pt;
}

/**
 * Zero the bytes of the page holding offset `size` from there to the end of
 * the page (keeps the invariant after a shrink).
 */
export function tmpfs_pages_zerotail(pt: TmpfsPageTable, pages: TmpfsPages, size: number): void {
  const pi = Math.floor(size / PAGE_SIZE);
  const po = size - pi * PAGE_SIZE;
  if (po === 0) return;
  const v = pt.get(pi);
  if (v === 0) return;
  const o = pages.offset(v - 1);
  pages.data(v - 1).fill(0, o + po, o + PAGE_SIZE);
}
