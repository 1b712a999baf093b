/**
 * ext4 read support: images made by mkfs.ext4 -d (Debian's defaults, and
 * the common variants: 4 KiB and 1 KiB blocks, gdt_csum instead of
 * metadata_csum, ^64bit,
 * metadata_csum_seed, sparse_super2, inline_data) read back exactly
 * through rump_sys_* calls — every file type, sparse and large files, a
 * fragmented file whose extent tree has index blocks, a > 4 GiB sparse
 * file, a 20,000-entry hashed directory — and every checksum mismatch is
 * EIO with a console line naming the structure.
 */
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { NodeHost } from "@rump/rumpuser";
import {
  createSyscalls,
  EIO,
  ENOENT,
  MNT_RDONLY,
  O_RDONLY,
  RumpError,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
  type RumpSyscalls,
} from "@rump/syscalls";
import { createKernel } from "../src/rump/rump.js";
import type { Kernel } from "../src/rump/kernel.js";
import { RUMP_ETFS_BLK } from "../src/rump/etfs.js";
import {
  e2fs_dinode_parse,
  e2fs_gd_parse,
  Ext2Dinode,
  ext2fs_sbcheck,
  ext2fs_sbparse,
  EXT2_EXTENTS,
  EXT2_INDEX,
  EXT2_INLINE_DATA,
  type Ext2Fs,
} from "../src/ufs/ext2fs/ext2fs.js";
import { errnoOf, listdir, readUpTo, release } from "./helpers/kernel.js";
import {
  buildHugeTree,
  DEBUGFS,
  E2_HUGE_ISLANDS,
  E2_HUGE_SIZE,
  type E2Expected,
} from "./helpers/ext2fs_images.js";
import {
  buildE4Tree,
  e2fsckIndex,
  mkfsExt4,
  mkfsExt4Missing,
  type E4Extra,
} from "./helpers/ext4_images.js";

const missing = mkfsExt4Missing();
if (missing !== null) console.log(`ext4.test.ts: skipped: ${missing}`);

let dir = "";
let tree: E2Expected[] = [];
let extra: E4Extra = { devices: [], socket: null };
let huge = new Map<number, Uint8Array>();

/** The feature sets read back: name, mkfs.ext4 arguments, size. */
const SPECS: { name: string; args: string[]; size: string }[] = [
  { name: "default-4k", args: ["-b", "4096"], size: "64M" },
  { name: "default-1k", args: [], size: "48M" },
  { name: "gdt-csum", args: ["-b", "4096", "-O", "^metadata_csum,uninit_bg"], size: "64M" },
  { name: "no-64bit", args: ["-b", "1024", "-O", "^64bit"], size: "48M" },
  {
    name: "csum-seed-ss2",
    args: ["-b", "4096", "-O", "metadata_csum_seed,sparse_super2"],
    size: "64M",
  },
  { name: "inline", args: ["-b", "4096", "-O", "inline_data"], size: "64M" },
];

const img = (name: string): string => join(dir, `${name}.img`);

/**
 * The hashed directory made by mkfs.ext4 -d (whose inserts are linear:
 * 20,000 entries would take minutes; ext4_write.test.ts makes that one
 * with our kernel) and indexed by e2fsck -D: long names, so that its
 * index has two levels.
 */
const bigName = (i: number): string =>
  `entry-${String(i).padStart(5, "0")}-${"y".repeat(40 + (i % 11))}`;
const BIG_N = 1800;

/** Let vitest's worker answer its RPCs between long synchronous steps. */
const breathe = (): Promise<void> => new Promise((r) => setImmediate(r));

beforeAll(async () => {
  if (missing !== null) return;
  dir = mkdtempSync(join(tmpdir(), "rump-ext4-"));
  const src = join(dir, "src");
  ({ entries: tree, extra } = buildE4Tree(src));
  for (const s of SPECS) {
    mkfsExt4(img(s.name), src, s.args, s.size);
    await breathe();
  }
  huge = buildHugeTree(join(dir, "huge"));
  mkfsExt4(img("huge"), join(dir, "huge"), ["-b", "4096"], "32M");
  await breathe();
  // the hashed directory: linear from mkfs -d, indexed by e2fsck -D
  const hsrc = join(dir, "hsrc");
  mkdirSync(join(hsrc, "big"), { recursive: true });
  for (let i = 0; i < BIG_N; i++) writeFileSync(join(hsrc, "big", bigName(i)), "");
  mkfsExt4(img("htree"), hsrc, ["-b", "1024"], "16M");
  e2fsckIndex(img("htree"));
}, 120_000);

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

interface T {
  k: Kernel;
  sys: RumpSyscalls;
  console: string[];
}

function mountImage(image: string, flags = MNT_RDONLY): T {
  const lines: string[] = [];
  const k = createKernel({
    host: new NodeHost({ env: false, console: (s: string) => void lines.push(s) }),
  });
  onTestFinished(() => release(k));
  const sys = createSyscalls(k);
  k.rump_pub_etfs_register("/dev/e4", image, RUMP_ETFS_BLK);
  sys.rump_sys_mkdir("/mnt", 0o755);
  sys.rump_sys_mount("ext2fs", "/mnt", flags, { fspec: "/dev/e4" });
  return { k, sys, console: lines };
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

function checkTree(sys: RumpSyscalls, entries: E2Expected[]): void {
  for (const e of entries) {
    const p = `/mnt/${e.path}`;
    const st = sys.rump_sys_lstat(p);
    const type = e.type === "file" ? S_IFREG : e.type === "dir" ? S_IFDIR : S_IFLNK;
    expect(st.st_mode & S_IFMT, p).toBe(type);
    if (e.type !== "link") expect(st.st_mode & 0o7777, p).toBe(e.mode);
    expect(st.st_uid, p).toBe(e.uid);
    expect(st.st_gid, p).toBe(e.gid);
    expect(st.st_mtimespec.tv_sec, p).toBe(e.mtime);
    if (e.type === "file") {
      expect(st.st_size, p).toBe(e.size);
      expect(st.st_nlink, p).toBe(e.nlink ?? 1);
      expect(sameBytes(readUpTo(sys, p, e.size), e.data!), p).toBe(true);
    } else if (e.type === "link") {
      const buf = new Uint8Array(1024);
      const n = sys.rump_sys_readlink(p, buf, buf.length);
      expect(Buffer.from(buf.subarray(0, n)).toString("latin1"), p).toBe(e.target);
      expect(st.st_size, p).toBe(e.target!.length);
    }
  }
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

/** The superblock of `image` (checked). */
function readSb(image: string): Ext2Fs {
  const fs = ext2fs_sbparse(pread(image, 1024, 1024), 0);
  const why = ext2fs_sbcheck(fs);
  if (why !== null) throw new Error(why);
  return fs;
}

/** Byte offset of inode `ino` in the image. */
function inodeOff(image: string, fs: Ext2Fs, ino: number): number {
  const cg = Math.floor((ino - 1) / fs.e2fs_ipg);
  const gdoff = (fs.e2fs_first_dblock + 1) * fs.e2fs_bsize + cg * fs.e2fs_gdsize;
  const gd = e2fs_gd_parse(pread(image, gdoff, fs.e2fs_gdsize), 0, fs.e2fs_gdsize);
  return gd.ext2bgd_i_tables * fs.e2fs_bsize + ((ino - 1) % fs.e2fs_ipg) * fs.e2fs_isize;
}

function diskInode(image: string, ino: number): Ext2Dinode {
  const fs = readSb(image);
  const off = inodeOff(image, fs, ino);
  return e2fs_dinode_parse(pread(image, off, fs.e2fs_isize), 0, fs, new Ext2Dinode());
}

const d = missing === null ? describe : describe.skip;

d("ext4 read-only mounts of mkfs.ext4 images", () => {
  it.each(SPECS.map((s) => [s.name, s] as const))("%s reads back exactly", (name) => {
    const { sys, console: con } = mountImage(img(name));
    checkTree(sys, tree);
    for (const sub of ["", "d", "d/sub", "many", "dev"]) {
      const host = readdirSync(join(dir, "src", sub)).sort();
      const ours = listdir(sys, `/mnt/${sub}`)
        .filter((n) => n !== "." && n !== ".." && n !== "lost+found")
        .sort();
      expect(ours, sub).toEqual(host);
    }
    for (const dv of extra.devices) {
      const st = sys.rump_sys_lstat(`/mnt/${dv.path}`);
      expect(st.st_mode & S_IFMT).toBe(dv.type === "c" ? S_IFCHR : S_IFBLK);
      expect(st.st_mode & 0o777).toBe(0o640);
    }
    if (extra.socket !== null)
      expect(sys.rump_sys_lstat(`/mnt/${extra.socket}`).st_mode & S_IFMT).toBe(S_IFSOCK);
    expect(sys.rump_sys_stat("/mnt/d").st_nlink).toBe(3);
    expect(con.join("")).not.toMatch(/corrupt/);
    sys.rump_sys_unmount("/mnt", 0);
  });

  it("the files are what they should be on disk: extents, a deep tree, inline data", () => {
    const { sys } = mountImage(img("default-1k"));
    const frag = sys.rump_sys_stat("/mnt/fragmented").st_ino;
    const large = sys.rump_sys_stat("/mnt/large").st_ino;
    sys.rump_sys_unmount("/mnt", 0);
    expect(diskInode(img("default-1k"), large).e2di_flags & EXT2_EXTENTS).toBe(EXT2_EXTENTS);
    // depth ≥ 2: four index entries in the root cannot hold 400 extents of 84 per leaf
    const root = diskInode(img("default-1k"), frag).e2di_blocks;
    expect(root[0]! & 0xffff).toBe(0xf30a);
    expect(root[1]! >>> 16).toBeGreaterThanOrEqual(2);
    // inline_data: small files and directories live in their inodes
    const t = mountImage(img("inline"));
    // f1 fits in i_block; setuid (100 bytes) continues in the system.data attribute
    const inos = ["f1", "setuid", "d/sub"].map((p) => t.sys.rump_sys_stat(`/mnt/${p}`).st_ino);
    t.sys.rump_sys_unmount("/mnt", 0);
    for (const ino of inos)
      expect(diskInode(img("inline"), ino).e2di_flags & EXT2_INLINE_DATA).toBe(EXT2_INLINE_DATA);
  });

  it("a sparse file beyond 4 GiB reads its islands and its holes", () => {
    const { sys } = mountImage(img("huge"));
    expect(sys.rump_sys_stat("/mnt/huge").st_size).toBe(E2_HUGE_SIZE);
    const fd = sys.rump_sys_open("/mnt/huge", O_RDONLY);
    const buf = new Uint8Array(6000);
    for (const at of E2_HUGE_ISLANDS) {
      const want = huge.get(at)!;
      expect(sys.rump_sys_pread(fd, buf, want.length, at)).toBe(want.length);
      expect(sameBytes(buf.subarray(0, want.length), want)).toBe(true);
    }
    expect(sys.rump_sys_pread(fd, buf, 4096, 4 * 1024 * 1024 * 1024)).toBe(4096);
    expect(buf.subarray(0, 4096).every((b) => b === 0)).toBe(true);
    expect(sys.rump_sys_pread(fd, buf, 100, E2_HUGE_SIZE)).toBe(0);
    sys.rump_sys_close(fd);
  });

  it("a hashed directory with a two-level index: every name found through it, the rest ENOENT", () => {
    const { sys } = mountImage(img("htree"));
    const ino = sys.rump_sys_stat("/mnt/big").st_ino;
    expect(diskInode(img("htree"), ino).e2di_flags & EXT2_INDEX).toBe(EXT2_INDEX);
    const names = listdir(sys, "/mnt/big").filter((n) => n !== "." && n !== "..");
    expect(names.length).toBe(BIG_N);
    for (let i = 0; i < BIG_N; i++)
      expect(sys.rump_sys_stat(`/mnt/big/${bigName(i)}`).st_size).toBe(0);
    expect(errnoOf(() => sys.rump_sys_stat("/mnt/big/entry-99999"))).toBe(ENOENT);
    sys.rump_sys_unmount("/mnt", 0);
    // a fresh kernel: one name, without reading the whole directory
    const t2 = mountImage(img("htree"));
    const before = t2.k.evcnt.buf_misses;
    expect(t2.sys.rump_sys_stat(`/mnt/big/${bigName(1234)}`).st_size).toBe(0);
    expect(t2.k.evcnt.buf_misses - before).toBeLessThan(20);
  });
});

/** A copy of image `name` with the byte at `off` xor-ed with 0x55. */
function damaged(name: string, off: number): string {
  const p = join(dir, `${name}-dmg-${off}.img`);
  copyFileSync(img(name), p);
  onTestFinished(() => rmSync(p, { force: true }));
  const fd = openSync(p, "r+");
  const b = new Uint8Array(1);
  readSync(fd, b, 0, 1, off);
  b[0]! ^= 0x55;
  writeSync(fd, b, 0, 1, off);
  closeSync(fd);
  return p;
}

/** `debugfs -R cmd image`'s output. */
function debugfs(image: string, cmd: string): string {
  return execFileSync(DEBUGFS, ["-R", cmd, image], { encoding: "utf8", stdio: "pipe" });
}

/** A leaf block of `path`'s extent tree (debugfs "ex": the node one level above the leaves). */
function extentLeaf(image: string, path: string): number {
  for (const line of debugfs(image, `ex ${path}`).split("\n")) {
    const m = /^\s*(\d+)\/\s*(\d+)\s+\d+\/\s*\d+\s+\d+\s+-\s+\d+\s+(\d+)\s/.exec(line);
    if (m !== null && Number(m[1]) === Number(m[2]) - 1) return Number(m[3]);
  }
  throw new Error(`no extent leaf for ${path}`);
}

/** The first block of `path` (debugfs "blocks"). */
function firstBlock(image: string, path: string): number {
  return Number(debugfs(image, `blocks ${path}`).trim().split(/\s+/)[0]);
}

/** What an operation answers, and the console since the mount. */
function attempt(_t: T | null, fn: () => unknown): number {
  try {
    fn();
    return 0;
  } catch (e) {
    if (!(e instanceof RumpError)) throw e;
    return e.errno;
  }
}

d("ext4 checksums: a mismatch is EIO, with a console line naming the structure", () => {
  it("superblock and group descriptor (crc32c; crc16 with gdt_csum)", () => {
    // s_volume_name, then bg_flags of group 1 (crc32c), then the same under gdt_csum
    for (const [name, off, re] of [
      ["default-4k", 1024 + 0x78, /superblock fails its checksum/],
      ["default-4k", 4096 + 0x12, /group descriptor 0 fails its checksum/],
      ["gdt-csum", 4096 + 0x12, /group descriptor 0 fails its checksum/],
    ] as const) {
      const lines: string[] = [];
      const k = createKernel({
        host: new NodeHost({ env: false, console: (l: string) => void lines.push(l) }),
      });
      onTestFinished(() => release(k));
      const sys = createSyscalls(k);
      k.rump_pub_etfs_register("/dev/e4", damaged(name, off), RUMP_ETFS_BLK);
      sys.rump_sys_mkdir("/mnt", 0o755);
      const e = attempt(null, () =>
        sys.rump_sys_mount("ext2fs", "/mnt", MNT_RDONLY, { fspec: "/dev/e4" }),
      );
      expect([name, off, e, lines.join("")]).toEqual([name, off, EIO, expect.stringMatching(re)]);
    }
  });

  it("inode, extent block, directory leaf block, hash index block", () => {
    const base = img("default-4k");
    const fs = readSb(base);
    const t0 = mountImage(base);
    const ino = t0.sys.rump_sys_stat("/mnt/f1023").st_ino;
    t0.sys.rump_sys_unmount("/mnt", 0);
    const bsize = fs.e2fs_bsize;
    // an inode's mtime
    let t = mountImage(damaged("default-4k", inodeOff(base, fs, ino) + 16));
    expect(attempt(t, () => t.sys.rump_sys_stat("/mnt/f1023"))).toBe(EIO);
    expect(t.console.join("")).toMatch(new RegExp(`inode ${ino}: fails its checksum`));
    // a leaf of the fragmented file's tree (1 KiB blocks): its eh_generation
    const leaf = extentLeaf(img("default-1k"), "/fragmented");
    t = mountImage(damaged("default-1k", leaf * 1024 + 8));
    expect(attempt(t, () => readUpTo(t.sys, "/mnt/fragmented", 1 << 20))).toBe(EIO);
    expect(t.console.join("")).toMatch(new RegExp(`extent block ${leaf}: fails its checksum`));
    // a name in the 400-entry directory
    const dblk = firstBlock(base, "/many");
    t = mountImage(damaged("default-4k", dblk * bsize + 40));
    expect(attempt(t, () => listdir(t.sys, "/mnt/many"))).toBe(EIO);
    expect(t.console.join("")).toMatch(/block 0: fails its checksum/);
    // a hash in the index root of the hashed directory (1 KiB blocks)
    const hblk = firstBlock(img("htree"), "/big");
    const ht = mountImage(damaged("htree", hblk * 1024 + 32 + 8 + 2));
    expect(attempt(ht, () => ht.sys.rump_sys_stat(`/mnt/big/${bigName(5)}`))).toBe(EIO);
    expect(ht.console.join("")).toMatch(/index block fails its checksum/);
  });
});
