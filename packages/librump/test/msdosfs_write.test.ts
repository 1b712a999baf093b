/**
 * msdosfs read-write on images made by mkfs.fat (FAT12, FAT16, FAT32) and
 * by our newfs_msdos: the namespace (long names, 8.3 names with NT's case
 * flags, NetBSD's "~N" aliases, rename in every case), data across cluster
 * edges, truncate, ENOSPC on a full FAT and the FAT12/16 root directory's
 * limit, names FAT cannot hold, what FAT lacks (links, owners), times,
 * the read-only attribute, the clean bit and FSInfo. `fsck.fat -n` runs
 * after every test that writes and must find nothing; mtools must see the
 * same tree and bytes.
 */
import { closeSync, copyFileSync, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { NodeHost } from "@rump/rumpuser";
import {
  createSyscalls,
  EEXIST,
  EFBIG,
  EINVAL,
  EISDIR,
  ENAMETOOLONG,
  ENOENT,
  ENOSPC,
  ENOTDIR,
  ENOTEMPTY,
  EOPNOTSUPP,
  EROFS,
  MNT_RDONLY,
  MNT_UPDATE,
  O_CREAT,
  O_EXCL,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  S_IFDIR,
  S_IFMT,
  type RumpSyscalls,
} from "@rump/syscalls";
import { createKernel } from "../src/rump/rump.js";
import type { Kernel } from "../src/rump/kernel.js";
import { RUMP_ETFS_BLK } from "../src/rump/etfs.js";
import { errnoOf, release } from "./helpers/kernel.js";
import { e2pattern as pattern } from "./helpers/ext2fs_images.js";
import {
  digest,
  fatToolsMissing,
  fsckFat,
  hostTree,
  mcopyOut,
  mkfsFat,
  type FatSpec,
} from "./helpers/msdosfs_images.js";

vi.setConfig({ testTimeout: 60_000 });

const missing = fatToolsMissing();
if (missing !== null) console.log(`msdosfs_write.test.ts: skipped: ${missing}`);

const SPECS: (FatSpec & { name: string })[] = [
  { name: "fat12", fat: 12, size: 2 << 20 },
  { name: "fat16", fat: 16, size: 20 << 20 },
  { name: "fat32", fat: 32, size: 36 << 20 },
];

let dir = "";
beforeAll(() => {
  if (missing !== null) return;
  dir = mkdtempSync(join(tmpdir(), "msdosfs-write-"));
  for (const s of SPECS) mkfsFat(join(dir, `${s.name}.img`), s);
});
afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

interface T {
  k: Kernel;
  sys: RumpSyscalls;
  console: string[];
}

let serial = 0;
function copyOf(name: string): string {
  const p = join(dir, `${name}-${serial++}.img`);
  copyFileSync(join(dir, `${name}.img`), p);
  onTestFinished(() => rmSync(p, { force: true }));
  return p;
}

function mountAt(image: string, flags = 0, args: object = {}): T {
  const lines: string[] = [];
  const k = createKernel({
    host: new NodeHost({ env: false, console: (s: string) => void lines.push(s) }),
  });
  onTestFinished(() => release(k));
  const sys = createSyscalls(k);
  k.rump_pub_etfs_register("/dev/fat", image, RUMP_ETFS_BLK);
  sys.rump_sys_mkdir("/mnt", 0o755);
  sys.rump_sys_mount("msdos", "/mnt", flags, { fspec: "/dev/fat", ...args });
  return { k, sys, console: lines };
}

/** Unmount and require `fsck.fat -n` to find nothing. */
function unmountAndCheck(t: T, image: string): void {
  t.sys.rump_sys_unmount("/mnt", 0);
  const r = fsckFat(image);
  expect(r.output).not.toMatch(/differ|lost|wrong|invalid|bad|mark|Dirty|orphan|free cluster/i);
  expect(r.status).toBe(0);
}

function writeFile(sys: RumpSyscalls, path: string, data: Uint8Array, flags = O_TRUNC): void {
  const fd = sys.rump_sys_open(path, O_WRONLY | O_CREAT | flags, 0o644);
  let off = 0;
  while (off < data.length) off += sys.rump_sys_write(fd, data.subarray(off));
  sys.rump_sys_close(fd);
}

function readFile(sys: RumpSyscalls, path: string): Uint8Array {
  const st = sys.rump_sys_stat(path);
  const fd = sys.rump_sys_open(path, O_RDONLY);
  const buf = new Uint8Array(st.st_size);
  let off = 0;
  while (off < buf.length) {
    const n = sys.rump_sys_read(fd, buf.subarray(off), buf.length - off);
    if (n === 0) break;
    off += n;
  }
  sys.rump_sys_close(fd);
  return buf.subarray(0, off);
}

function names(sys: RumpSyscalls, path: string): string[] {
  const fd = sys.rump_sys_open(path, O_RDONLY);
  const out: string[] = [];
  const buf = new Uint8Array(8192);
  for (;;) {
    const n = sys.rump_sys_getdents(fd, buf, buf.length);
    if (n === 0) break;
    let off = 0;
    while (off < n) {
      const reclen = buf[off + 8]! | (buf[off + 9]! << 8);
      const namlen = buf[off + 10]! | (buf[off + 11]! << 8);
      out.push(new TextDecoder().decode(buf.subarray(off + 13, off + 13 + namlen)));
      off += reclen;
    }
  }
  sys.rump_sys_close(fd);
  return out.filter((n) => n !== "." && n !== "..").sort();
}

/** The kernel's tree under `root`, as hostTree gives a host tree. */
function kernelTree(sys: RumpSyscalls, root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string, rel: string): void => {
    for (const name of names(sys, p)) {
      const q = `${p}/${name}`;
      const r = `${rel}/${name}`;
      const st = sys.rump_sys_stat(q);
      if ((st.st_mode & S_IFMT) === S_IFDIR) {
        out[r] = "dir";
        walk(q, r);
      } else out[r] = `file ${st.st_size} ${digest(readFile(sys, q))}`;
    }
  };
  walk(root, "");
  return out;
}

/** What mtools sees: the whole tree copied out with mcopy. */
function mtoolsTree(image: string): Record<string, string> {
  const out = join(dir, `out-${serial++}`);
  onTestFinished(() => rmSync(out, { recursive: true, force: true }));
  mcopyOut(image, out);
  return hostTree(out);
}

describe.skipIf(missing !== null).each(SPECS)("$name (mkfs.fat)", ({ name }) => {
  it("files and directories: written, read back, seen by mtools, fsck.fat clean", () => {
    const image = copyOf(name);
    const t = mountAt(image);
    const s = t.sys;
    s.rump_sys_mkdir("/mnt/dir", 0o755);
    s.rump_sys_mkdir("/mnt/dir/A Long Directory Name", 0o755);
    writeFile(s, "/mnt/short.txt", pattern(100, 1));
    writeFile(s, "/mnt/UPPER.TXT", pattern(1000, 2));
    writeFile(s, "/mnt/A long file name.with.dots.text", pattern(70_000, 3));
    writeFile(s, "/mnt/dir/A Long Directory Name/élan vital ∞.bin", pattern(4097, 4));
    writeFile(s, "/mnt/dir/empty", new Uint8Array(0));
    for (let i = 0; i < 40; i++)
      writeFile(s, `/mnt/dir/file with a long name ${i}`, pattern(i * 100, i));
    const before = kernelTree(s, "/mnt");
    expect(before["/A long file name.with.dots.text"]).toBe(
      `file 70000 ${digest(pattern(70_000, 3))}`,
    );
    unmountAndCheck(t, image);
    expect(mtoolsTree(image)).toEqual(before);
    const t2 = mountAt(image, MNT_RDONLY);
    expect(kernelTree(t2.sys, "/mnt")).toEqual(before);
  });
});

/** `n` bytes of `image` at `off`. */
function readAt(image: string, off: number, n: number): Uint8Array {
  const fd = openSync(image, "r");
  try {
    const b = new Uint8Array(n);
    readSync(fd, b, 0, n, off);
    return b;
  } finally {
    closeSync(fd);
  }
}

/** The 32-byte directory entries of the root directory of a FAT12/16 image, in use. */
function rootEntries(
  image: string,
): { name: string; attr: number; lcase: number; raw: Uint8Array }[] {
  const b = readAt(image, 0, 512);
  const dv = new DataView(b.buffer);
  const bps = dv.getUint16(11, true);
  const rsvd = dv.getUint16(14, true);
  const nfats = b[16]!;
  const rootents = dv.getUint16(17, true);
  const fatsz = dv.getUint16(22, true);
  const root = readAt(image, (rsvd + nfats * fatsz) * bps, rootents * 32);
  const out = [];
  for (let i = 0; i < rootents; i++) {
    const o = i * 32;
    if (root[o] === 0) break;
    if (root[o] === 0xe5) continue;
    let name = "";
    for (let j = 0; j < 11; j++) name += String.fromCharCode(root[o + j]!);
    out.push({ name, attr: root[o + 11]!, lcase: root[o + 12]!, raw: root.slice(o, o + 32) });
  }
  return out;
}

describe.skipIf(missing !== null)("names (FAT16)", () => {
  it("8.3 names keep their case through NT's flags; others get a long name and NetBSD's ~N alias", () => {
    const image = copyOf("fat16");
    const t = mountAt(image);
    const s = t.sys;
    for (const n of [
      "readme.txt",
      "UPPER.TXT",
      "lower.TXT",
      "Mixed.txt",
      "noext",
      "a long name.txt",
      "a long name.text",
      "a+b.c",
    ])
      writeFile(s, `/mnt/${n}`, pattern(10, 1));
    expect(names(s, "/mnt")).toEqual(
      [
        "readme.txt",
        "UPPER.TXT",
        "lower.TXT",
        "Mixed.txt",
        "noext",
        "a long name.txt",
        "a long name.text",
        "a+b.c",
      ].sort(),
    );
    // case-insensitive: every spelling reaches the same file
    expect(readFile(s, "/mnt/README.TXT")).toEqual(pattern(10, 1));
    expect(readFile(s, "/mnt/A LONG NAME.TXT")).toEqual(pattern(10, 1));
    expect(s.rump_sys_stat("/mnt/ALONGN~1.TXT").st_size).toBe(10);
    expect(
      errnoOf(() => s.rump_sys_open("/mnt/ReadMe.Txt", O_WRONLY | O_CREAT | O_EXCL, 0o644)),
    ).toBe(EEXIST);
    t.sys.rump_sys_unmount("/mnt", 0);
    const ents = Object.fromEntries(
      rootEntries(image)
        .filter((e) => e.attr !== 0x0f)
        .map((e) => [e.name, e.lcase]),
    );
    expect(ents).toEqual({
      "README  TXT": 0x18,
      "UPPER   TXT": 0,
      "LOWER   TXT": 0x08,
      "MIXED   TXT": 0, // long name "Mixed.txt"
      "NOEXT      ": 0x08,
      "ALONGN~1TXT": 0,
      "ALONGN~1TEX": 0, // a different 8.3 name: its own generation 1
      "AB~1    C  ": 0, // '+' cannot be in an 8.3 name: dropped, as NetBSD's unix2dosfn does
    });
    // long-name entries only where the 8.3 name cannot keep the name
    expect(rootEntries(image).filter((e) => e.attr === 0x0f).length).toBe(6);
    expect(fsckFat(image).status).toBe(0);
  });

  it("names FAT cannot hold: a clear errno and no change to the directory", () => {
    const image = copyOf("fat16");
    const t = mountAt(image);
    const s = t.sys;
    const bad = ["a:b", "a*b", 'a"b', "a<b", "a>b", "a?b", "a|b", "a\\b", "tab\there", "...", "  "];
    for (const n of bad) {
      expect(
        errnoOf(() => writeFile(s, `/mnt/${n}`, pattern(1, 1))),
        n,
      ).toBe(EINVAL);
      expect(
        errnoOf(() => s.rump_sys_mkdir(`/mnt/${n}`, 0o755)),
        n,
      ).toBe(EINVAL);
      expect(
        errnoOf(() => s.rump_sys_stat(`/mnt/${n}`)),
        n,
      ).toBe(ENOENT);
    }
    // 255 UTF-16 units fit, 256 do not (counted in units, not bytes)
    expect(errnoOf(() => writeFile(s, `/mnt/${"x".repeat(256)}`, pattern(1, 1)))).toBe(
      ENAMETOOLONG,
    );
    writeFile(s, `/mnt/${"x".repeat(255)}`, pattern(1, 1));
    expect(names(s, "/mnt")).toEqual(["x".repeat(255)]);
    // trailing dots and blanks are dropped (as Windows and NetBSD's long names do)
    writeFile(s, "/mnt/trail.", pattern(2, 2));
    writeFile(s, "/mnt/blank  ", pattern(3, 3));
    expect(names(s, "/mnt")).toEqual(["blank", "trail", "x".repeat(255)]);
    expect(s.rump_sys_stat("/mnt/trail...").st_size).toBe(2);
    unmountAndCheck(t, image);
  });
});

describe.skipIf(missing !== null)("rename (FAT12)", () => {
  it("every case: over a file, over an empty directory, refusals, another spelling, across directories", () => {
    const image = copyOf("fat12");
    const t = mountAt(image);
    const s = t.sys;
    s.rump_sys_mkdir("/mnt/a", 0o755);
    s.rump_sys_mkdir("/mnt/a/sub", 0o755);
    s.rump_sys_mkdir("/mnt/b", 0o755);
    s.rump_sys_mkdir("/mnt/full", 0o755);
    writeFile(s, "/mnt/full/x", pattern(1, 1));
    writeFile(s, "/mnt/f1", pattern(5000, 1));
    writeFile(s, "/mnt/f2", pattern(6000, 2));
    // a file over a file: the target's clusters go back
    const free0 = s.rump_sys_statvfs1("/mnt", 1).f_bfree;
    s.rump_sys_rename("/mnt/f1", "/mnt/f2");
    expect(readFile(s, "/mnt/f2")).toEqual(pattern(5000, 1));
    expect(errnoOf(() => s.rump_sys_stat("/mnt/f1"))).toBe(ENOENT);
    expect(s.rump_sys_statvfs1("/mnt", 1).f_bfree).toBeGreaterThan(free0);
    // refusals
    expect(errnoOf(() => s.rump_sys_rename("/mnt/f2", "/mnt/a"))).toBe(EISDIR);
    expect(errnoOf(() => s.rump_sys_rename("/mnt/a", "/mnt/f2"))).toBe(ENOTDIR);
    expect(errnoOf(() => s.rump_sys_rename("/mnt/a", "/mnt/full"))).toBe(ENOTEMPTY);
    expect(errnoOf(() => s.rump_sys_rename("/mnt/a", "/mnt/a/sub/inside"))).toBe(EINVAL);
    // a directory over an empty one, into another directory: ".." follows
    s.rump_sys_rename("/mnt/a", "/mnt/b");
    s.rump_sys_rename("/mnt/b/sub", "/mnt/full/Sub Directory With A Long Name");
    expect(s.rump_sys_stat("/mnt/full/Sub Directory With A Long Name/..").st_ino).toBe(
      s.rump_sys_stat("/mnt/full").st_ino,
    );
    // an open file keeps its data through a rename
    const fd = s.rump_sys_open("/mnt/f2", O_RDWR);
    s.rump_sys_rename("/mnt/f2", "/mnt/full/moved file");
    s.rump_sys_pwrite(fd, pattern(10, 9), 10, 0);
    s.rump_sys_close(fd);
    expect(readFile(s, "/mnt/full/moved file").subarray(0, 10)).toEqual(pattern(10, 9));
    // another spelling of the same name is the same file: nothing happens (NetBSD's rule)
    s.rump_sys_rename("/mnt/full/moved file", "/mnt/full/MOVED File");
    expect(names(s, "/mnt/full")).toEqual(["Sub Directory With A Long Name", "moved file", "x"]);
    unmountAndCheck(t, image);
    const t2 = mountAt(image, MNT_RDONLY);
    expect(names(t2.sys, "/mnt")).toEqual(["b", "full"]);
    expect(readFile(t2.sys, "/mnt/full/moved file").length).toBe(5000);
  });
});

describe.skipIf(missing !== null).each(SPECS)("$name limits", ({ name, fat }) => {
  it("ENOSPC on a full FAT, the space back after unlink; fsck.fat clean", () => {
    const image = copyOf(name);
    const t = mountAt(image);
    const s = t.sys;
    const st = s.rump_sys_statvfs1("/mnt", 1);
    const free = st.f_bfree * st.f_bsize;
    s.rump_sys_mkdir("/mnt/d", 0o755);
    const fd = s.rump_sys_open("/mnt/d/fill", O_WRONLY | O_CREAT, 0o644);
    const chunk = pattern(1 << 20, 7);
    let written = 0;
    let err = 0;
    for (;;) {
      try {
        const n = s.rump_sys_write(fd, chunk);
        written += n;
        if (n < chunk.length) {
          err = errnoOf(() => s.rump_sys_write(fd, chunk));
          break;
        }
      } catch (e) {
        err = (e as { errno: number }).errno;
        break;
      }
    }
    s.rump_sys_close(fd);
    expect(err).toBe(ENOSPC);
    expect(written).toBeGreaterThan(free - 2 * st.f_bsize - (1 << 20));
    expect(s.rump_sys_statvfs1("/mnt", 1).f_bfree).toBe(0);
    expect(errnoOf(() => s.rump_sys_mkdir("/mnt/d/more", 0o755))).toBe(ENOSPC);
    expect(s.rump_sys_stat("/mnt/d/fill").st_size).toBe(written);
    unmountAndCheck(t, image);
    const t2 = mountAt(image);
    expect(t2.sys.rump_sys_stat("/mnt/d/fill").st_size).toBe(written);
    t2.sys.rump_sys_unlink("/mnt/d/fill");
    expect(t2.sys.rump_sys_statvfs1("/mnt", 1).f_bfree).toBe(st.f_bfree - 1);
    unmountAndCheck(t2, image);
  });

  it.runIf(fat !== 32)("the root directory holds its fixed number of entries, then ENOSPC", () => {
    const image = copyOf(name);
    const t = mountAt(image);
    const s = t.sys;
    const b = readAt(image, 0, 512);
    const rootents = b[17]! | (b[18]! << 8);
    for (let i = 0; i < rootents; i++) writeFile(s, `/mnt/F${i}`, new Uint8Array(0));
    expect(errnoOf(() => writeFile(s, "/mnt/one more", new Uint8Array(0)))).toBe(ENOSPC);
    expect(errnoOf(() => s.rump_sys_mkdir("/mnt/DIR", 0o755))).toBe(ENOSPC);
    // a long name needs more slots: refused once fewer are free
    s.rump_sys_unlink("/mnt/F0");
    expect(
      errnoOf(() => writeFile(s, "/mnt/a name that needs long entries", new Uint8Array(0))),
    ).toBe(ENOSPC);
    writeFile(s, "/mnt/G", new Uint8Array(0));
    expect(names(s, "/mnt").length).toBe(rootents);
    unmountAndCheck(t, image);
  });

  it("files end at 4 GiB - 1 (EFBIG past it)", () => {
    const image = copyOf(name);
    const t = mountAt(image);
    const s = t.sys;
    const fd = s.rump_sys_open("/mnt/big", O_RDWR | O_CREAT, 0o644);
    expect(errnoOf(() => s.rump_sys_pwrite(fd, pattern(2, 1), 2, 0xffffffff - 1))).toBe(EFBIG);
    expect(errnoOf(() => s.rump_sys_ftruncate(fd, 0x100000000))).toBe(EFBIG);
    s.rump_sys_close(fd);
    unmountAndCheck(t, image);
  });
});

describe.skipIf(missing !== null)("what FAT has and lacks (FAT32)", () => {
  it("no links or symlinks or device nodes; owners from the mount; the write bit is the read-only attribute", () => {
    const image = copyOf("fat32");
    const t = mountAt(image, 0, {
      uid: 1000,
      gid: 100,
      mask: 0o750,
      dirmask: 0o700,
      flags: 0x30,
      version: 3,
    });
    const s = t.sys;
    writeFile(s, "/mnt/f", pattern(10, 1));
    s.rump_sys_mkdir("/mnt/d", 0o777);
    expect(errnoOf(() => s.rump_sys_link("/mnt/f", "/mnt/g"))).toBe(EOPNOTSUPP);
    expect(errnoOf(() => s.rump_sys_symlink("f", "/mnt/l"))).toBe(EOPNOTSUPP);
    expect(errnoOf(() => s.rump_sys_mkfifo("/mnt/p", 0o644))).toBe(EINVAL);
    let st = s.rump_sys_stat("/mnt/f");
    expect([st.st_uid, st.st_gid, st.st_mode & 0o7777, st.st_nlink]).toEqual([1000, 100, 0o750, 1]);
    expect(s.rump_sys_stat("/mnt/d").st_mode & 0o7777).toBe(0o700);
    // chown: to the mount's owner is a no-op, to anyone else EINVAL (NetBSD's msdosfs_setattr)
    s.rump_sys_chown("/mnt/f", 1000, 100);
    expect(errnoOf(() => s.rump_sys_chown("/mnt/f", 0, 0))).toBe(EINVAL);
    s.rump_sys_chmod("/mnt/f", 0o444);
    st = s.rump_sys_stat("/mnt/f");
    expect(st.st_mode & 0o7777).toBe(0o550);
    s.rump_sys_chmod("/mnt/f", 0o644);
    expect(s.rump_sys_stat("/mnt/f").st_mode & 0o7777).toBe(0o750);
    s.rump_sys_chmod("/mnt/f", 0o400);
    // a directory ignores attribute changes
    s.rump_sys_chmod("/mnt/d", 0o500);
    expect(s.rump_sys_stat("/mnt/d").st_mode & 0o7777).toBe(0o700);
    unmountAndCheck(t, image);
    const t2 = mountAt(image, MNT_RDONLY);
    expect(t2.sys.rump_sys_stat("/mnt/f").st_mode & 0o222).toBe(0);
  });

  it("times at FAT's resolution: 2 s modification, 10 ms creation, a date for access; gmtoff shifts the disk's local time", () => {
    const image = copyOf("fat32");
    const t = mountAt(image);
    const s = t.sys;
    writeFile(s, "/mnt/f", pattern(10, 1));
    s.rump_sys_utimes("/mnt/f", [
      { tv_sec: 1_700_000_001, tv_usec: 0 },
      { tv_sec: 1_700_000_003, tv_usec: 500_000 },
    ]);
    let st = s.rump_sys_stat("/mnt/f");
    expect(st.st_mtimespec).toEqual({ tv_sec: 1_700_000_002, tv_nsec: 0 });
    expect(st.st_atimespec.tv_sec).toBe(Math.floor(1_700_000_001 / 86400) * 86400);
    // creation: 10 ms steps
    expect(st.st_birthtimespec.tv_nsec % 10_000_000).toBe(0);
    expect(Math.abs(st.st_birthtimespec.tv_sec - Date.now() / 1000)).toBeLessThan(5);
    // before 1980: not representable, read back as the epoch
    s.rump_sys_utimes("/mnt/f", [
      { tv_sec: 100, tv_usec: 0 },
      { tv_sec: 100, tv_usec: 0 },
    ]);
    expect(s.rump_sys_stat("/mnt/f").st_mtimespec.tv_sec).toBe(0);
    s.rump_sys_utimes("/mnt/f", [
      { tv_sec: 1_700_000_000, tv_usec: 0 },
      { tv_sec: 1_700_000_000, tv_usec: 0 },
    ]);
    t.sys.rump_sys_unmount("/mnt", 0);
    // the same entry seen from UTC+2: the local time on disk means two hours earlier
    const t2 = mountAt(image, MNT_RDONLY, { flags: 0x32, version: 3, gmtoff: 7200 });
    st = t2.sys.rump_sys_stat("/mnt/f");
    expect(st.st_mtimespec.tv_sec).toBe(1_700_000_000 - 7200);
  });

  it("the clean bit: cleared while mounted read-write, set at unmount; MNT_UPDATE switches", () => {
    const image = copyOf("fat32");
    const clean = (): boolean => {
      const rsvd = new DataView(readAt(image, 14, 2).buffer).getUint16(0, true);
      const e1 = new DataView(readAt(image, rsvd * 512 + 4, 4).buffer).getUint32(0, true);
      return (e1 & 0x08000000) !== 0;
    };
    expect(clean()).toBe(true);
    const t = mountAt(image);
    expect(clean()).toBe(false);
    t.sys.rump_sys_mount("msdos", "/mnt", MNT_UPDATE | MNT_RDONLY, { fspec: "/dev/fat" });
    expect(clean()).toBe(true);
    expect(errnoOf(() => writeFile(t.sys, "/mnt/x", pattern(1, 1)))).toBe(EROFS);
    t.sys.rump_sys_mount("msdos", "/mnt", MNT_UPDATE, { fspec: "/dev/fat" });
    expect(clean()).toBe(false);
    writeFile(t.sys, "/mnt/x", pattern(1, 1));
    unmountAndCheck(t, image);
    expect(clean()).toBe(true);
  });

  it("FSInfo's free count and next-free hint are the true ones after writes", () => {
    const image = copyOf("fat32");
    const t = mountAt(image);
    writeFile(t.sys, "/mnt/x", pattern(300_000, 1));
    const free = t.sys.rump_sys_statvfs1("/mnt", 1).f_bfree;
    unmountAndCheck(t, image);
    const fsinfo = new DataView(readAt(image, 48, 2).buffer).getUint16(0, true) * 512;
    const dv = new DataView(readAt(image, fsinfo, 512).buffer);
    expect(dv.getUint32(488, true)).toBe(free);
    expect(dv.getUint32(492, true)).toBeGreaterThan(2);
  });
});
