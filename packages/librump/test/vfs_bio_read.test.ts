/**
 * The buffer cache's read paths on ext2fs.
 *
 * Cluster reads into slabs (vfs_bio readSlab): a sequential reader's
 * uncached clusters come in as one allocation each, their blocks views of
 * it. What must hold whatever the mix of slabs, pooled views and ordinary
 * buffers: the bytes are right (also after a write into a slab's block
 * and after eviction has recycled slab views for other blocks), the cache
 * stays within its bound under a small RUMP_MEMLIMIT, and what is counted
 * is what is kept — a slab's bytes stay in bufmem until its last view
 * goes, and then they leave it.
 *
 * A reread of cached clusters (bcopyrun) copies a run of blocks that lie
 * one after the other in a slab at once; a block written since is seen.
 *
 * O_DIRECT (breaddirect): whole blocks go from the image into the caller's
 * buffer without a buffer, yet a block the cache holds (written and not
 * yet on the image) is read from the cache; partial blocks, holes and the
 * end of the file read as without O_DIRECT.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it, onTestFinished } from "vitest";
import { NodeHost } from "@rump/rumpuser";
import {
  createSyscalls,
  O_CREAT,
  O_DIRECT,
  O_RDONLY,
  O_RDWR,
  type RumpSyscalls,
} from "@rump/syscalls";
import { memBlockDev } from "../src/dev/blockdev.js";
import type { BufCache } from "../src/kern/vfs_bio.js";
import { createKernel } from "../src/rump/rump.js";
import type { Kernel } from "../src/rump/kernel.js";
import { RUMP_ETFS_BLK } from "../src/rump/etfs.js";
import { newfs_ext2fs } from "../src/ufs/ext2fs/ext2fs_newfs.js";
import { newfs_ffs } from "../src/ufs/ffs/ffs_newfs.js";
import { release } from "./helpers/kernel.js";

const dir = mkdtempSync(join(tmpdir(), "bio-slab-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function mount(
  image: string,
  memlimit?: number,
  fstype = "ext2fs",
): { k: Kernel; sys: RumpSyscalls } {
  const k = createKernel({
    host: new NodeHost({ env: false, console: () => {} }),
    ...(memlimit === undefined ? {} : { params: { RUMP_MEMLIMIT: memlimit } }),
  });
  onTestFinished(() => release(k));
  k.rump_pub_etfs_register("/dev/slab0", image, RUMP_ETFS_BLK);
  const sys = createSyscalls(k);
  sys.rump_sys_mkdir("/mnt", 0o755);
  sys.rump_sys_mount(fstype, "/mnt", 0, { fspec: "/dev/slab0" });
  return { k, sys };
}

const byteAt = (seed: number, i: number): number => (Math.imul(i + 1, 2654435761) >>> 24) ^ seed;

function pattern(seed: number, off: number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = byteAt(seed, off + i);
  return b;
}

function firstDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** bufmem as it should be with no buffer left: every pooled whole array, every slab with a pooled view once. */
function accounted(bc: BufCache): number {
  let bytes = 0;
  const slabs = new Set<ArrayBufferLike>();
  const add = (d: Uint8Array): void => {
    if (d.length === d.buffer.byteLength) bytes += d.length;
    else slabs.add(d.buffer);
  };
  for (const list of bc.pool.values()) for (const d of list) add(d);
  expect(
    [...slabs].every((s) => bc.slabs.has(s)),
    "every live view's slab is known",
  ).toBe(true);
  expect(bc.slabs.size, "no slab outlives its views").toBe(slabs.size);
  for (const s of slabs) bytes += s.byteLength;
  return bytes;
}

it("reads clusters into slabs within the cache's bound, and counts exactly what it keeps", () => {
  const image = join(dir, "s.img");
  const img = new Uint8Array(48 << 20);
  expect(newfs_ext2fs(memBlockDev(img), { bsize: 4096 })).toBe(0);
  writeFileSync(image, img);
  const SIZE = 9 * 1024 * 1024 + 3000;
  {
    const { sys } = mount(image);
    for (const [name, seed] of [
      ["a", 1],
      ["b", 2],
    ] as const) {
      const fd = sys.rump_sys_open(`/mnt/${name}`, O_RDWR | O_CREAT, 0o644);
      for (let off = 0; off < SIZE; off += 65536) {
        const n = Math.min(65536, SIZE - off);
        sys.rump_sys_pwrite(fd, pattern(seed, off, n), n, off);
      }
      sys.rump_sys_close(fd);
    }
    sys.rump_sys_unmount("/mnt", 0);
  }
  // 8 MiB of kernel memory: a 4 MiB cache, less than one file
  const LIMIT = 8 << 20;
  const { k, sys } = mount(image, LIMIT);
  const bc = k.bufcache;
  const buf = new Uint8Array(65536);
  let sawSlab = false;
  for (let pass = 0; pass < 2; pass++) {
    for (const [name, seed] of [
      ["a", 1],
      ["b", 2],
    ] as const) {
      const fd = sys.rump_sys_open(`/mnt/${name}`, O_RDONLY);
      let off = 0;
      for (;;) {
        const n = sys.rump_sys_read(fd, buf, buf.length);
        if (n === 0) break;
        expect(firstDiff(buf.subarray(0, n), pattern(seed, off, n)), `${name} at ${off}`).toBe(-1);
        off += n;
        if (bc.slabs.size > 0) sawSlab = true;
        expect(bc.bufmem).toBeLessThanOrEqual(bc.bufmax);
        expect(k.memused).toBeLessThanOrEqual(LIMIT);
      }
      sys.rump_sys_close(fd);
      expect(off).toBe(SIZE);
    }
  }
  expect(sawSlab, "sequential reads of uncached clusters use slabs").toBe(true);
  // writes into blocks that may live in slabs, then rereads (cached and not)
  const fd = sys.rump_sys_open("/mnt/a", O_RDWR);
  const patch = new Uint8Array(70000).fill(0x5a);
  sys.rump_sys_pwrite(fd, patch, patch.length, 8 * 1024 * 1024 + 100);
  sys.rump_sys_pwrite(fd, patch, patch.length, 100);
  sys.rump_sys_fsync(fd);
  const all = new Uint8Array(SIZE);
  expect(sys.rump_sys_pread(fd, all, SIZE, 0)).toBe(SIZE);
  const want = pattern(1, 0, SIZE);
  want.set(patch, 100);
  want.set(patch, 8 * 1024 * 1024 + 100);
  expect(firstDiff(all, want)).toBe(-1);
  sys.rump_sys_close(fd);
  // the accounting: with every buffer gone, what is left is the pool, and bufmem says exactly that
  sys.rump_sys_unmount("/mnt", 0);
  expect(bc.bufmem).toBe(accounted(bc));
  expect(bc.bufmem).toBeLessThanOrEqual(bc.bufmax);
});

it("a reread of cached clusters copies runs of a slab at once and reads nothing from the image", () => {
  const image = join(dir, "r.img");
  const img = new Uint8Array(32 << 20);
  expect(newfs_ext2fs(memBlockDev(img), { bsize: 4096 })).toBe(0);
  writeFileSync(image, img);
  const SIZE = 5 * 1024 * 1024 + 777;
  const want = pattern(3, 0, SIZE);
  {
    const { sys } = mount(image);
    const fd = sys.rump_sys_open("/mnt/f", O_RDWR | O_CREAT, 0o644);
    sys.rump_sys_pwrite(fd, want, SIZE, 0);
    sys.rump_sys_close(fd);
    sys.rump_sys_unmount("/mnt", 0);
  }
  const { k, sys } = mount(image);
  const fd = sys.rump_sys_open("/mnt/f", O_RDWR);
  const all = new Uint8Array(SIZE);
  expect(sys.rump_sys_read(fd, all, SIZE)).toBe(SIZE);
  expect(firstDiff(all, want)).toBe(-1);
  // a block changed in the cache: the rereads see it
  const patch = new Uint8Array(5000).fill(0x11);
  sys.rump_sys_pwrite(fd, patch, patch.length, 3 * 1024 * 1024 - 1000);
  want.set(patch, 3 * 1024 * 1024 - 1000);
  const reads = k.evcnt.buf_reads;
  for (const chunk of [65536, 10000, 1 << 20]) {
    const buf = new Uint8Array(chunk);
    let off = 0;
    for (;;) {
      const n = sys.rump_sys_pread(fd, buf, chunk, off);
      if (n === 0) break;
      expect(firstDiff(buf.subarray(0, n), want.subarray(off, off + n)), `${chunk} at ${off}`).toBe(
        -1,
      );
      off += n;
    }
    expect(off).toBe(SIZE);
  }
  expect(k.evcnt.buf_reads - reads, "all from the cache").toBe(0);
  sys.rump_sys_close(fd);
  sys.rump_sys_unmount("/mnt", 0);
});

it.each(["ext2fs", "ffs"])(
  "O_DIRECT on %s reads whole blocks past the cache, and a cached block from the cache",
  (fstype) => {
    const image = join(dir, `d-${fstype}.img`);
    const img = new Uint8Array(32 << 20);
    if (fstype === "ffs")
      expect(newfs_ffs(memBlockDev(img), { version: 2, bsize: 16384, fsize: 2048 })).toBe(0);
    else expect(newfs_ext2fs(memBlockDev(img), { bsize: 4096 })).toBe(0);
    writeFileSync(image, img);
    const SIZE = 3 * 1024 * 1024 + 1234;
    const HOLE: [number, number] = [1024 * 1024, 1024 * 1024 + 5 * 16384];
    const want = pattern(7, 0, SIZE);
    want.fill(0, HOLE[0], HOLE[1]);
    {
      const { sys } = mount(image, undefined, fstype);
      const fd = sys.rump_sys_open("/mnt/f", O_RDWR | O_CREAT, 0o644);
      sys.rump_sys_pwrite(fd, want.subarray(0, HOLE[0]), HOLE[0], 0);
      sys.rump_sys_pwrite(fd, want.subarray(HOLE[1]), SIZE - HOLE[1], HOLE[1]);
      sys.rump_sys_close(fd);
      sys.rump_sys_unmount("/mnt", 0);
    }
    const { k, sys } = mount(image, undefined, fstype);
    // a block changed in the cache only (no fsync): O_DIRECT must see it
    const w = sys.rump_sys_open("/mnt/f", O_RDWR);
    const patch = new Uint8Array(4096 + 300).fill(0xc3);
    sys.rump_sys_pwrite(w, patch, patch.length, 2 * 1024 * 1024 - 100);
    want.set(patch, 2 * 1024 * 1024 - 100);
    const fd = sys.rump_sys_open("/mnt/f", O_RDONLY | O_DIRECT);
    const misses = k.evcnt.buf_misses;
    for (const chunk of [1 << 20, 65536, 10000]) {
      const buf = new Uint8Array(chunk);
      let off = 0;
      for (;;) {
        const n = sys.rump_sys_pread(fd, buf, chunk, off);
        if (n === 0) break;
        expect(
          firstDiff(buf.subarray(0, n), want.subarray(off, off + n)),
          `${chunk} at ${off}`,
        ).toBe(-1);
        off += n;
      }
      expect(off).toBe(SIZE);
      // aligned reads: whole blocks past the cache (a buffer for the last partial block, the indirect ones)
      if (chunk === 65536) expect(k.evcnt.buf_misses - misses).toBeLessThan(10);
    }
    // an unaligned read: partial blocks through the cache, whole ones direct
    const odd = new Uint8Array(300000);
    expect(sys.rump_sys_pread(fd, odd, odd.length, 777)).toBe(odd.length);
    expect(firstDiff(odd, want.subarray(777, 777 + odd.length))).toBe(-1);
    sys.rump_sys_close(fd);
    sys.rump_sys_close(w);
    sys.rump_sys_unmount("/mnt", 0);
  },
);
