/**
 * ext4 read-write on images made by mkfs.ext4 (four feature sets:
 * Debian's defaults, ^metadata_csum, ^64bit, 1 KiB blocks): the seeded
 * random workload of the ext2 tests compared with a shadow tree, then
 * `e2fsck -fn` clean, a remount in a fresh kernel and debugfs agreeing;
 * extent trees that grow, split and deepen and give every block back on
 * truncate; writes into uninitialised extents; inline data taken out of
 * the inode when it changes; hashed directories taking entries;
 * dir_nlink past 65,000 subdirectories; the orphan list (an open unlinked
 * file, and a crashed system's list processed at mount); checksums that
 * stay right and a bad bitmap checksum refused.
 */
import { execFileSync } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { NodeHost } from "@rump/rumpuser";
import {
  createSyscalls,
  EIO,
  MNT_FORCE,
  MNT_RDONLY,
  O_CREAT,
  O_RDWR,
  RumpError,
  type RumpSyscalls,
} from "@rump/syscalls";
import { createKernel } from "../src/rump/rump.js";
import type { Kernel } from "../src/rump/kernel.js";
import { RUMP_ETFS_BLK } from "../src/rump/etfs.js";
import { ext2fs_sbparse } from "../src/ufs/ext2fs/ext2fs.js";
import { listdir, readFile, release, writeFile } from "./helpers/kernel.js";
import { DEBUGFS, e2fsck, e2pattern as pattern } from "./helpers/ext2fs_images.js";
import { attrsOf, debugfsTree } from "./helpers/ext2fs_debugfs.js";
import { EXT4_CAPS, mountShadow, randomWorkload, wsnapshot } from "./helpers/fs_workload.js";
import { e2fsckIndex, fileBlockDev, mkfsExt4, mkfsExt4Missing } from "./helpers/ext4_images.js";
import { newfs_ext2fs } from "../src/ufs/ext2fs/ext2fs_newfs.js";

vi.setConfig({ testTimeout: 60_000 });

const missing = mkfsExt4Missing();
if (missing !== null) console.log(`ext4_write.test.ts: skipped: ${missing}`);

let dir = "";

/** The mkfs.ext4 feature sets (small groups so that several exist). */
const SPECS: { name: string; args: string[]; size: string }[] = [
  { name: "defaults", args: ["-b", "4096", "-g", "8192"], size: "128M" },
  { name: "no-csum", args: ["-b", "4096", "-g", "8192", "-O", "^metadata_csum"], size: "128M" },
  { name: "no-64bit", args: ["-b", "4096", "-g", "8192", "-O", "^64bit"], size: "128M" },
  { name: "1k", args: ["-b", "1024"], size: "64M" },
];

/** Images made by our own newfs_ext2fs -t ext4 (1 KiB and 4 KiB blocks). */
const NEWFS: { name: string; bytes: number }[] = [
  { name: "newfs-1k", bytes: 64 << 20 },
  { name: "newfs-4k", bytes: 600 << 20 },
];

function buildSmallTree(root: string): void {
  mkdirSync(join(root, "d"), { recursive: true });
  for (const n of [0, 1, 1000, 4096, 70000, 300_000])
    writeFileSync(join(root, `f${n}`), pattern(n, n + 5));
  writeFileSync(join(root, "d", "inner"), pattern(300, 1));
  symlinkSync("f4096", join(root, "fast-link"));
  symlinkSync("x/".repeat(60), join(root, "slow-link"));
}

beforeAll(async () => {
  if (missing !== null) return;
  dir = mkdtempSync(join(tmpdir(), "rump-ext4-write-"));
  const src = join(dir, "src");
  buildSmallTree(src);
  for (const s of SPECS) {
    mkfsExt4(join(dir, `${s.name}.img`), src, s.args, s.size);
    await breathe();
  }
  for (const n of NEWFS) {
    const dev = fileBlockDev(join(dir, `${n.name}.img`), n.bytes);
    const why = { v: "" };
    try {
      if (newfs_ext2fs(dev, { type: "ext4", time: 1_700_000_000, seed: 99 }, why) !== 0)
        throw new Error(`newfs ${n.name}: ${why.v}`);
    } finally {
      dev.close();
    }
  }
}, 120_000);

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

interface T {
  k: Kernel;
  sys: RumpSyscalls;
  console: string[];
}

let serial = 0;
/** A private, sparse copy of image `name`. */
function copyOf(name: string): string {
  const p = join(dir, `${name}-${serial++}.img`);
  execFileSync("cp", ["--sparse=always", join(dir, `${name}.img`), p]);
  onTestFinished(() => rmSync(p, { force: true }));
  return p;
}

function mountAt(image: string, flags = 0, params?: Record<string, string>): T {
  const lines: string[] = [];
  const k = createKernel({
    host: new NodeHost({ env: false, console: (s: string) => void lines.push(s) }),
    params,
  });
  onTestFinished(() => release(k));
  const sys = createSyscalls(k);
  k.rump_pub_etfs_register("/dev/e4", image, RUMP_ETFS_BLK);
  sys.rump_sys_mkdir("/mnt", 0o755);
  sys.rump_sys_mount("ext2fs", "/mnt", flags, { fspec: "/dev/e4" });
  return { k, sys, console: lines };
}

/** Unmount and require `e2fsck -fn` to find nothing. */
function unmountAndCheck(t: T, image: string): void {
  t.sys.rump_sys_unmount("/mnt", 0);
  const r = e2fsck(image);
  expect(r.output).toBe(r.status === 0 ? r.output : "(e2fsck clean)");
  expect(r.status).toBe(0);
}

function bfree(sys: RumpSyscalls): number {
  return sys.rump_sys_statvfs1("/mnt", 1).f_bfree;
}

const d = missing === null ? describe : describe.skip;

d.each([...SPECS.map((s) => s.name), ...NEWFS.map((n) => n.name)])(
  "ext4 read-write on %s",
  (name) => {
    it("seeded random workload: e2fsck -fn clean, a fresh kernel and debugfs agree", () => {
      const image = copyOf(name);
      const t = mountAt(image);
      mountShadow(t.sys);
      const shadow = randomWorkload(t.sys, "/mnt", "/shadow", EXT4_CAPS, {
        seed: 4242 + name.length,
        steps: 300,
        maxWrite: 400_000,
      });
      unmountAndCheck(t, image);
      const t2 = mountAt(image, MNT_RDONLY);
      expect(wsnapshot(t2.sys, "/mnt/w", EXT4_CAPS)).toEqual(shadow);
      t2.sys.rump_sys_unmount("/mnt", 0);
      expect(debugfsTree(image, shadow, dir)).toEqual(attrsOf(shadow));
    }, 120_000);
  },
);

/** `debugfs [-w] -R cmd image`'s output. */
function debugfs(image: string, cmd: string, write = false): string {
  return execFileSync(DEBUGFS, [...(write ? ["-w"] : []), "-R", cmd, image], {
    encoding: "utf8",
    stdio: "pipe",
    maxBuffer: 64 << 20,
  });
}

/** The extents of `path` as debugfs lists them: leaves and the tree's depth. */
function extents(image: string, path: string): { depth: number; leaves: string[] } {
  const lines = debugfs(image, `ex ${path}`).split("\n").slice(1);
  let depth = 0;
  const leaves: string[] = [];
  for (const l of lines) {
    const m = /^\s*(\d+)\/\s*(\d+)/.exec(l);
    if (m === null) continue;
    depth = Number(m[2]);
    if (m[1] === m[2]) leaves.push(l.trim());
  }
  return { depth, leaves };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.length === b.length &&
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.length),
      Buffer.from(b.buffer, b.byteOffset, b.length),
    ) === 0
  );
}

d("ext4 extent trees, uninitialised extents, inline data", () => {
  it.each(["1k", "defaults"])(
    "%s: interleaved writes grow, split and deepen extent trees; truncate gives every block back",
    (name) => {
      const image = copyOf(name);
      const t = mountAt(image);
      const s = t.sys;
      const free0 = bfree(s);
      const bsize = s.rump_sys_statvfs1("/mnt", 1).f_bsize;
      // sequential: merges into one long extent
      writeFile(s, "/mnt/seq", pattern(3 << 20, 9));
      const N = 3;
      const B = name === "1k" ? 1200 : 800;
      const fds = Array.from({ length: N }, (_, i) =>
        s.rump_sys_open(`/mnt/frag${i}`, O_RDWR | O_CREAT, 0o644),
      );
      const buf = new Uint8Array(bsize);
      // one block of each file in turn: every extent is one block long
      for (let b = 0; b < B; b++)
        for (let i = 0; i < N; i++) {
          buf.fill((b * 7 + i) & 0xff);
          s.rump_sys_pwrite(fds[i]!, buf, bsize, b * bsize);
        }
      // a block in the middle of a hole, and one before the first: inserts, index keys move
      s.rump_sys_pwrite(fds[0]!, pattern(bsize, 1), bsize, (B + 50) * bsize);
      s.rump_sys_pwrite(fds[0]!, pattern(bsize, 2), bsize, (B + 20) * bsize);
      for (const fd of fds) s.rump_sys_close(fd);
      unmountAndCheck(t, image);
      const ex = extents(image, "/frag1");
      expect(ex.leaves.length).toBe(B);
      expect(ex.depth).toBeGreaterThanOrEqual(name === "1k" ? 2 : 1);
      expect(extents(image, "/seq").leaves.length).toBe(1);
      const t2 = mountAt(image);
      const s2 = t2.sys;
      for (let i = 0; i < N; i++) {
        const back = readFile(s2, `/mnt/frag${i}`);
        for (const b of [0, 1, B >> 1, B - 1])
          expect(back[b * bsize + 5], `frag${i}@${b}`).toBe((b * 7 + i) & 0xff);
      }
      const f0 = readFile(s2, "/mnt/frag0");
      expect(sameBytes(f0.subarray((B + 20) * bsize, (B + 21) * bsize), pattern(bsize, 2))).toBe(
        true,
      );
      expect(sameBytes(f0.subarray((B + 50) * bsize), pattern(bsize, 1))).toBe(true);
      expect(f0.subarray((B + 21) * bsize, (B + 50) * bsize).every((x) => x === 0)).toBe(true);
      expect(sameBytes(readFile(s2, "/mnt/seq"), pattern(3 << 20, 9))).toBe(true);
      // partial truncates cut extents and free emptied leaves; to zero frees the whole tree
      s2.rump_sys_truncate("/mnt/frag1", Math.floor(B / 3) * bsize + 100);
      s2.rump_sys_truncate("/mnt/frag2", 0);
      s2.rump_sys_unlink("/mnt/frag0");
      expect(s2.rump_sys_stat("/mnt/frag2").st_blocks).toBe(0);
      unmountAndCheck(t2, image);
      expect(extents(image, "/frag2")).toEqual({ depth: 0, leaves: [] });
      expect(extents(image, "/frag1").leaves.length).toBe(Math.floor(B / 3) + 1);
      const t3 = mountAt(image);
      t3.sys.rump_sys_unlink("/mnt/frag1");
      t3.sys.rump_sys_unlink("/mnt/frag2");
      t3.sys.rump_sys_unlink("/mnt/seq");
      expect(bfree(t3.sys)).toBe(free0);
      unmountAndCheck(t3, image);
    },
  );

  it("a write into an uninitialised extent splits it; the rest still reads as zeros", () => {
    const image = copyOf("defaults");
    debugfs(image, "write /etc/hostname /u", true);
    execFileSync(DEBUGFS, ["-w", "-f", "-", image], {
      input: "fallocate /u 0 99\nsif /u size 409600\n",
      stdio: "pipe",
    });
    expect(extents(image, "/u").leaves.some((l) => l.endsWith("Uninit"))).toBe(true);
    const t = mountAt(image);
    const s = t.sys;
    const fd = s.rump_sys_open("/mnt/u", O_RDWR);
    const back = new Uint8Array(409600);
    s.rump_sys_pread(fd, back, back.length, 0);
    expect(back.subarray(4096).every((x) => x === 0)).toBe(true);
    s.rump_sys_pwrite(fd, pattern(5000, 3), 5000, 50 * 4096 + 100);
    s.rump_sys_pwrite(fd, pattern(100, 4), 100, 99 * 4096);
    s.rump_sys_pwrite(fd, pattern(100, 5), 100, 1 * 4096);
    s.rump_sys_close(fd);
    unmountAndCheck(t, image);
    const t2 = mountAt(image, MNT_RDONLY);
    const got = readFile(t2.sys, "/mnt/u");
    const want = new Uint8Array(409600);
    want.set(back.subarray(0, 4096));
    want.set(pattern(5000, 3), 50 * 4096 + 100);
    want.set(pattern(100, 4), 99 * 4096);
    want.set(pattern(100, 5), 4096);
    expect(sameBytes(got, want)).toBe(true);
    t2.sys.rump_sys_unmount("/mnt", 0);
    const leaves = extents(image, "/u").leaves;
    expect(leaves.filter((l) => l.endsWith("Uninit")).length).toBeGreaterThanOrEqual(2);
  });

  it("inline data: files and directories leave the inode when they change; e2fsck -fn clean", () => {
    const src = join(dir, `inl-${serial++}`);
    mkdirSync(join(src, "small/sub"), { recursive: true });
    mkdirSync(join(src, "other"), { recursive: true });
    mkdirSync(join(src, "empty"), { recursive: true });
    writeFileSync(join(src, "tiny"), "hello");
    writeFileSync(join(src, "mid"), pattern(100, 1));
    writeFileSync(join(src, "small", "a"), "a");
    writeFileSync(join(src, "small", "sub", "b"), "b");
    const image = join(dir, `inl-${serial++}.img`);
    onTestFinished(() => rmSync(image, { force: true }));
    mkfsExt4(image, src, ["-b", "4096", "-O", "inline_data"], "32M");
    const t = mountAt(image);
    const s = t.sys;
    const free0 = bfree(s);
    // append past what the inode holds; truncate another to nothing; rewrite in place
    writeFile(s, "/mnt/mid", pattern(5000, 2), 0x8 /* O_APPEND */);
    s.rump_sys_truncate("/mnt/tiny", 0);
    writeFile(s, "/mnt/tiny", pattern(3, 7));
    // entries into an inline directory, one out, a rename of it (its ".." changes)
    for (let i = 0; i < 30; i++) writeFile(s, `/mnt/small/new-${i}`, pattern(i, i));
    s.rump_sys_unlink("/mnt/small/a");
    s.rump_sys_rename("/mnt/small/sub", "/mnt/other/sub");
    // an inline directory goes, and its parent's entry with it
    s.rump_sys_rmdir("/mnt/empty");
    expect(bfree(s)).toBeLessThan(free0);
    unmountAndCheck(t, image);
    const t2 = mountAt(image, MNT_RDONLY);
    const s2 = t2.sys;
    const mid = new Uint8Array(5100);
    mid.set(pattern(100, 1));
    mid.set(pattern(5000, 2), 100);
    expect(sameBytes(readFile(s2, "/mnt/mid"), mid)).toBe(true);
    expect(sameBytes(readFile(s2, "/mnt/tiny"), pattern(3, 7))).toBe(true);
    expect(listdir(s2, "/mnt/small").length).toBe(2 + 30);
    expect(readFile(s2, "/mnt/other/sub/b")[0]).toBe(0x62);
    expect(s2.rump_sys_stat("/mnt/other/sub/..").st_ino).toBe(
      s2.rump_sys_stat("/mnt/other").st_ino,
    );
    t2.sys.rump_sys_unmount("/mnt", 0);
  });
});

/** Let vitest's worker answer its RPCs during a long synchronous loop. */
function breathe(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** `n` bytes of `image` at `off`. */
function pread(image: string, off: number, n: number): Uint8Array {
  const fd = openSync(image, "r");
  try {
    const b = new Uint8Array(n);
    readSync(fd, b, 0, n, off);
    return b;
  } finally {
    closeSync(fd);
  }
}

/** s_last_orphan of the image's superblock. */
function lastOrphan(image: string): number {
  return ext2fs_sbparse(pread(image, 1024, 1024), 0).e2fs_last_orphan;
}

d("ext4 directories: hashed directories taking entries, dir_nlink", () => {
  it("a 20,000-entry directory indexed by e2fsck -D: found through the index, then written", async () => {
    const image = copyOf("defaults");
    const N = 20_000;
    const nm = (i: number): string => `file-${i}-${"q".repeat(i % 17)}`;
    const t = mountAt(image);
    t.sys.rump_sys_mkdir("/mnt/big", 0o755);
    for (let i = 0; i < N; i++) {
      t.sys.rump_sys_close(t.sys.rump_sys_open(`/mnt/big/${nm(i)}`, O_CREAT | O_RDWR, 0o644));
      if (i % 2000 === 0) await breathe();
    }
    unmountAndCheck(t, image);
    e2fsckIndex(image);
    expect(debugfs(image, "htree /big")).toMatch(/Number of entries \(count\)/);
    // a fresh kernel finds every name through the index
    const t2 = mountAt(image);
    const s = t2.sys;
    for (let i = 0; i < N; i++) expect(s.rump_sys_stat(`/mnt/big/${nm(i)}`).st_size).toBe(0);
    expect(listdir(s, "/mnt/big").length).toBe(N + 2);
    // removals keep the index; an insertion drops it (metadata_csum: its blocks become leaves)
    for (let i = 0; i < N; i += 10) s.rump_sys_unlink(`/mnt/big/${nm(i)}`);
    for (let i = 0; i < 50; i++) writeFile(s, `/mnt/big/added-${i}`, pattern(i, i));
    s.rump_sys_rename(`/mnt/big/${nm(1)}`, "/mnt/big/renamed");
    unmountAndCheck(t2, image);
    // ls -p: /inode/mode/uid/gid/name/size/ (an emptied first entry of a block shows inode 0)
    const names = debugfs(image, "ls -p /big")
      .split("\n")
      .map((l) => l.split("/"))
      .filter((f) => f.length === 8 && f[1] !== "0" && f[5] !== "." && f[5] !== "..")
      .map((f) => f[5]!);
    const want = new Set<string>(["renamed"]);
    for (let i = 0; i < N; i++) if (i % 10 !== 0 && i !== 1) want.add(nm(i));
    for (let i = 0; i < 50; i++) want.add(`added-${i}`);
    expect(names.filter((n) => !want.has(n))).toEqual([]);
    expect(names.length).toBe(want.size);
  }, 120_000);

  it("dir_nlink: past 65,000 subdirectories the count is 1; below again it is exact", async () => {
    const image = join(dir, `nlink-${serial++}.img`);
    onTestFinished(() => rmSync(image, { force: true }));
    mkfsExt4(image, null, ["-b", "1024", "-N", "67000", "-O", "^has_journal"], "100M");
    // a small buffer cache: 65,000 directories' blocks need not stay in memory
    const t = mountAt(image, 0, { RUMP_MEMLIMIT: "32m" });
    const s = t.sys;
    s.rump_sys_mkdir("/mnt/p", 0o755);
    const N = 65_010;
    for (let i = 0; i < N; i++) {
      s.rump_sys_mkdir(`/mnt/p/${i}`, 0o755);
      if (i % 2000 === 0) await breathe();
    }
    expect(s.rump_sys_stat("/mnt/p").st_nlink).toBe(1);
    unmountAndCheck(t, image);
    const t2 = mountAt(image);
    for (let i = 0; i < 20; i++) t2.sys.rump_sys_rmdir(`/mnt/p/${i}`);
    expect(t2.sys.rump_sys_stat("/mnt/p").st_nlink).toBe(N - 20 + 2);
    unmountAndCheck(t2, image);
  }, 120_000);
});

d("ext4 orphans and bad bitmaps", () => {
  it("an open unlinked file is on the orphan list until its last close; a crashed image's list is processed at mount", () => {
    const image = copyOf("defaults");
    const t = mountAt(image);
    const s = t.sys;
    const free0 = bfree(s);
    const fd = s.rump_sys_open("/mnt/tmp", O_RDWR | O_CREAT, 0o600);
    s.rump_sys_write(fd, pattern(300_000, 5));
    const ino = s.rump_sys_fstat(fd).st_ino;
    s.rump_sys_unlink("/mnt/tmp");
    s.rump_sys_fsync(fd);
    s.rump_sys_sync();
    expect(lastOrphan(image)).toBe(ino);
    // what a crash now would leave
    const crashed = join(dir, `crashed-${serial++}.img`);
    execFileSync("cp", ["--sparse=always", image, crashed]);
    onTestFinished(() => rmSync(crashed, { force: true }));
    s.rump_sys_close(fd);
    expect(bfree(s)).toBe(free0);
    unmountAndCheck(t, image);
    expect(lastOrphan(image)).toBe(0);
    // the crashed copy: not clean, so a forced read-write mount, which frees the orphan
    const t2 = mountAt(crashed, MNT_FORCE);
    expect(t2.console.join("")).toMatch(/orphan list processed: 1 inode\(s\) freed/);
    expect(bfree(t2.sys)).toBe(free0);
    unmountAndCheck(t2, crashed);
    expect(lastOrphan(crashed)).toBe(0);
  });

  it("an orphan with links (a truncate a crash interrupted) loses the blocks past its size", () => {
    const image = copyOf("1k");
    const ino = Number(/Inode:\s+(\d+)/.exec(debugfs(image, "stat /f300000"))![1]);
    debugfs(image, "sif /f300000 size 5000", true);
    debugfs(image, `ssv last_orphan ${ino}`, true);
    const t = mountAt(image);
    expect(t.console.join("")).toMatch(/orphan list processed: 0 inode\(s\) freed, 1 truncated/);
    expect(t.sys.rump_sys_stat("/mnt/f300000").st_blocks).toBeLessThanOrEqual(12);
    expect(
      sameBytes(readFile(t.sys, "/mnt/f300000"), pattern(300_000, 300_005).subarray(0, 5000)),
    ).toBe(true);
    unmountAndCheck(t, image);
  });

  it("a block bitmap that fails its checksum is EIO when allocation reads it, with a console line", () => {
    const image = copyOf("defaults");
    const bb = Number(/block bitmap at (\d+)/i.exec(debugfs(image, "stats"))![1]);
    // a bit inside the 8192 the checksum covers
    const at = bb * 4096 + 1000;
    const fd = openSync(image, "r+");
    writeSync(fd, Uint8Array.of(pread(image, at, 1)[0]! ^ 0x01), 0, 1, at);
    closeSync(fd);
    const t = mountAt(image);
    let e = 0;
    try {
      t.sys.rump_sys_mkdir("/mnt/newdir", 0o755);
    } catch (x) {
      if (!(x instanceof RumpError)) throw x;
      e = x.errno;
    }
    expect(e).toBe(EIO);
    expect(t.console.join("")).toMatch(/group 0: block bitmap at \d+ fails its checksum/);
  });
});
