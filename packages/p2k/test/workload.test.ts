/**
 * A seeded random workload of reads, writes, truncates, reopens and fsyncs
 * on files of the mount, checked against shadow copies in memory after
 * every read and at the end; then the image is unmounted, checked and read
 * back. Once through the host's page cache (ext2fs) and once with direct
 * I/O (FFS, nocache_page: every read reaches the kernel).
 */
import { spawnSync } from "node:child_process";
import {
  closeSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  cleanupAll,
  FSU,
  fuseSkipReason,
  mkExt2,
  mkFfs,
  removeScratch,
  RUMP,
  scratchDir,
  startServer,
} from "./helpers.js";

const skip = fuseSkipReason();
if (skip !== null) console.warn(`p2k workload: skipped: ${skip}`);

/** xorshift32: the same sequence everywhere for a seed. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

const OPS = 2000;
const FILES = 6;
const MAX = 768 << 10;

interface Shadow {
  data: Uint8Array;
  size: number;
  fd: number;
}

function grow(s: Shadow, size: number): void {
  if (size > s.data.length) {
    const d = new Uint8Array(Math.max(size, s.data.length * 2));
    d.set(s.data.subarray(0, s.size));
    s.data = d;
  }
}

function workload(dir: string, seed: number): { ops: number; checks: number } {
  const r = rng(seed);
  const files: Shadow[] = [];
  for (let i = 0; i < FILES; i++)
    files.push({ data: new Uint8Array(0), size: 0, fd: openSync(join(dir, `w${i}`), "w+") });
  const buf = new Uint8Array(96 << 10);
  const got = new Uint8Array(96 << 10);
  let checks = 0;
  for (let op = 0; op < OPS; op++) {
    const s = files[r(FILES)]!;
    const k = r(100);
    if (k < 45) {
      // write a patterned run at a random offset (possibly past the end: a hole)
      const len = 1 + r(buf.length);
      const off = r(MAX - len);
      for (let i = 0; i < len; i++) buf[i] = (op * 131 + i * 7 + (i >> 9)) & 0xff;
      expect(writeSync(s.fd, buf, 0, len, off)).toBe(len);
      grow(s, off + len);
      if (off > s.size) s.data.fill(0, s.size, off);
      s.data.set(buf.subarray(0, len), off);
      s.size = Math.max(s.size, off + len);
    } else if (k < 80) {
      const len = 1 + r(got.length);
      const off = r(MAX);
      const n = readSync(s.fd, got, 0, len, off);
      const want = Math.max(0, Math.min(len, s.size - off));
      expect(n).toBe(want);
      for (let i = 0; i < n; i++)
        if (got[i] !== s.data[off + i])
          throw new Error(`op ${op}: byte ${off + i} is ${got[i]}, want ${s.data[off + i]}`);
      checks++;
    } else if (k < 92) {
      const size = r(MAX);
      ftruncateSync(s.fd, size);
      grow(s, size);
      if (size > s.size) s.data.fill(0, s.size, size);
      s.size = size;
    } else if (k < 97) {
      closeSync(s.fd);
      s.fd = openSync(join(dir, `w${files.indexOf(s)}`), "r+");
    } else fsyncSync(s.fd);
  }
  for (let i = 0; i < FILES; i++) {
    const s = files[i]!;
    closeSync(s.fd);
    const all = readFileSync(join(dir, `w${i}`));
    expect(all.length).toBe(s.size);
    expect(Buffer.compare(all, Buffer.from(s.data.buffer, 0, s.size))).toBe(0);
  }
  return { ops: OPS, checks };
}

describe.skipIf(skip !== null).each([
  { fs: "ext2fs", seed: 0x2545f491, opts: [] as string[] },
  { fs: "ffs", seed: 0x9e3779b9, opts: ["-o", "nocache_page"] },
])("seeded workload on $fs $opts", ({ fs, seed, opts }) => {
  const dir = scratchDir(`work-${fs}`);
  afterAll(async () => {
    await cleanupAll();
    removeScratch(dir);
  });

  it(`${OPS} operations match the shadow copies; the image stays clean`, async () => {
    const img = join(dir, "w.img");
    const mnt = join(dir, "mnt");
    if (fs === "ext2fs") mkExt2(img, 64);
    else mkFfs(img, 64);
    const s = await startServer([RUMP(fs as "ffs" | "ext2fs"), "-f", ...opts, img, mnt], mnt);
    const res = workload(mnt, seed);
    expect(res.checks).toBeGreaterThan(OPS / 4);
    const want = readFileSync(join(mnt, "w0"));
    expect(await s.stop()).toBe(0);
    if (fs === "ext2fs") expect(spawnSync("e2fsck", ["-fn", img]).status).toBe(0);
    else
      expect(spawnSync(process.execPath, [FSU, "fsck", img], { encoding: "utf8" }).stdout).toMatch(
        /no problems found/,
      );
    const back = spawnSync(process.execPath, [FSU, "cat", img, "/w0"], { maxBuffer: 8 << 20 });
    expect(Buffer.compare(back.stdout, want)).toBe(0);
  });
});
