/**
 * ext2fs clustered I/O: a sequential writer's full clusters go out behind it
 * (and a file's last partial cluster at close), a sequential reader gets
 * contiguous blocks in a few large transfers (both counted by the buffer
 * cache's evcnt), and every byte read — sequentially, across a hole, at
 * random offsets, after an overwrite, of many small files — is the byte
 * written. The image is then checked by e2fsck -fn when it is installed.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it, onTestFinished } from "vitest";
import { NodeHost } from "@rump/rumpuser";
import { createSyscalls, O_CREAT, O_RDONLY, O_RDWR, type RumpSyscalls } from "@rump/syscalls";
import { memBlockDev } from "../src/dev/blockdev.js";
import { createKernel } from "../src/rump/rump.js";
import type { Kernel } from "../src/rump/kernel.js";
import { RUMP_ETFS_BLK } from "../src/rump/etfs.js";
import { newfs_ext2fs } from "../src/ufs/ext2fs/ext2fs_newfs.js";
import { release } from "./helpers/kernel.js";
import { E2FSCK, e2fsck } from "./helpers/ext2fs_images.js";

const dir = mkdtempSync(join(tmpdir(), "ext2-cluster-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function mount(image: string): { k: Kernel; sys: RumpSyscalls } {
  const k = createKernel({ host: new NodeHost({ env: false, console: () => {} }) });
  onTestFinished(() => release(k));
  k.rump_pub_etfs_register("/dev/e2c0", image, RUMP_ETFS_BLK);
  const sys = createSyscalls(k);
  sys.rump_sys_mkdir("/mnt", 0o755);
  sys.rump_sys_mount("ext2fs", "/mnt", 0, { fspec: "/dev/e2c0" });
  return { k, sys };
}

/** Byte `i` of file `seed`: differs per position and per file. */
function byteAt(seed: number, i: number): number {
  return (Math.imul(i + 1, 2654435761) >>> 24) ^ seed;
}

/** Index of the first differing byte, or -1 (vitest's deep equality is slow on megabytes). */
function firstDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function expected(seed: number, off: number, n: number, hole?: [number, number]): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = off + i;
    b[i] = hole && p >= hole[0] && p < hole[1] ? 0 : byteAt(seed, p);
  }
  return b;
}

it("writes and reads contiguous files in few transfers and returns exactly what was written", () => {
  const image = join(dir, "c.img");
  const img = new Uint8Array(48 << 20);
  expect(newfs_ext2fs(memBlockDev(img), { bsize: 4096 })).toBe(0);
  writeFileSync(image, img);
  const SIZE = 6 * 1024 * 1024 + 5000; // a partial last block
  const HOLE: [number, number] = [2 * 1024 * 1024, 2 * 1024 * 1024 + 3 * 4096];
  const small = (i: number): Uint8Array => expected(i & 0xff, i, 1000 + ((i * 7919) % 60000));
  {
    const { k, sys } = mount(image);
    // a: contiguous; b: written around a hole
    for (const [name, seed] of [
      ["a", 1],
      ["b", 2],
    ] as const) {
      const fd = sys.rump_sys_open(`/mnt/${name}`, O_RDWR | O_CREAT, 0o644);
      const writes = k.evcnt.buf_writes;
      for (let off = 0; off < SIZE; off += 65536) {
        const n = Math.min(65536, SIZE - off);
        if (name === "b" && off + n > HOLE[0] && off < HOLE[1]) continue;
        sys.rump_sys_pwrite(fd, expected(seed, off, n), n, off);
      }
      // write-behind: the full 1 MiB clusters went out before any fsync, a few
      // transfers each (an indirect block among the data splits a cluster)
      const behind = k.evcnt.buf_writes - writes;
      if (name === "a") {
        expect(behind, "clusters written behind").toBeGreaterThanOrEqual(6);
        expect(behind, "clusters written behind").toBeLessThan(20);
      }
      if (name === "b") sys.rump_sys_ftruncate(fd, SIZE);
      sys.rump_sys_fsync(fd);
      sys.rump_sys_close(fd);
    }
    // small files written whole and closed: their blocks go out at close
    sys.rump_sys_mkdir("/mnt/s", 0o755);
    for (let i = 0; i < 150; i++) {
      const f = sys.rump_sys_open(`/mnt/s/f${i}`, O_RDWR | O_CREAT, 0o644);
      const d = small(i);
      expect(sys.rump_sys_write(f, d, d.length)).toBe(d.length);
      const before = k.evcnt.buf_writes;
      sys.rump_sys_close(f);
      if (d.length > 2 * 4096) expect(k.evcnt.buf_writes, `f${i} at close`).toBeGreaterThan(before);
      if (i % 3 === 0 && i > 0) sys.rump_sys_unlink(`/mnt/s/f${i - 1}`);
    }
    sys.rump_sys_unmount("/mnt", 0);
  }
  const holeB: [number, number] = [Math.floor(HOLE[0] / 65536) * 65536, HOLE[1]];
  // a fresh kernel reads both back sequentially
  const { k, sys } = mount(image);
  const buf = new Uint8Array(65536);
  for (const [name, seed, hole] of [
    ["a", 1, undefined],
    ["b", 2, [holeB[0], Math.ceil(holeB[1] / 65536) * 65536]],
  ] as const) {
    const before = k.evcnt.buf_reads;
    const fd = sys.rump_sys_open(`/mnt/${name}`, O_RDONLY);
    let off = 0;
    for (;;) {
      const n = sys.rump_sys_read(fd, buf, buf.length);
      if (n === 0) break;
      const want = expected(seed, off, n, hole as [number, number] | undefined);
      expect(firstDiff(buf.subarray(0, n), want), `${name} at ${off}`).toBe(-1);
      off += n;
    }
    sys.rump_sys_close(fd);
    expect(off).toBe(SIZE);
    // 4 KiB blocks: one transfer per block would be ~1,540; clusters are up to 1 MiB
    const reads = k.evcnt.buf_reads - before;
    expect(reads, `${name}: transfers`).toBeLessThan(60);
  }
  // random preads (not sequential: single blocks) see the same bytes
  const fd = sys.rump_sys_open("/mnt/a", O_RDWR);
  let x = 12345;
  for (let i = 0; i < 300; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const off = x % (SIZE - 100);
    const n = 1 + (x % 9000);
    const want = Math.min(n, SIZE - off);
    const got = new Uint8Array(n);
    expect(sys.rump_sys_pread(fd, got, n, off)).toBe(want);
    expect(firstDiff(got.subarray(0, want), expected(1, off, want)), `at ${off}`).toBe(-1);
  }
  // an overwrite in the middle is seen by the next sequential read (the cached run is dropped)
  const patch = new Uint8Array(40000).fill(0xa5);
  sys.rump_sys_pwrite(fd, patch, patch.length, 1_000_000);
  const all = new Uint8Array(SIZE);
  expect(sys.rump_sys_pread(fd, all, SIZE, 0)).toBe(SIZE);
  const want = expected(1, 0, SIZE);
  want.set(patch, 1_000_000);
  expect(firstDiff(all, want)).toBe(-1);
  sys.rump_sys_close(fd);
  for (let i = 0; i < 150; i++) {
    if (i % 3 === 2 && i < 149) continue; // unlinked
    const d = small(i);
    const got = new Uint8Array(d.length + 1);
    const f = sys.rump_sys_open(`/mnt/s/f${i}`, O_RDONLY);
    expect(sys.rump_sys_read(f, got, got.length), `f${i}`).toBe(d.length);
    sys.rump_sys_close(f);
    expect(firstDiff(got.subarray(0, d.length), d), `f${i}`).toBe(-1);
  }
  sys.rump_sys_unmount("/mnt", 0);
  if (!existsSync(E2FSCK)) {
    console.log(`ext2fs_cluster.test.ts: e2fsck check skipped: ${E2FSCK} is not installed`);
    return;
  }
  const r = e2fsck(image);
  expect(r.status, r.output).toBe(0);
});
