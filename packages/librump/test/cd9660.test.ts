/**
 * cd9660: images made by xorriso and makefs read back exactly through
 * rump_sys_* calls (names, types, modes, owners, times, link targets,
 * device numbers, hard links, bytes), Rock Ridge relocation of deep trees,
 * the choice between Rock Ridge, Joliet and ISO 9660 names and the
 * norrip / nojoliet / gens / nocasetrans options, multi-session images
 * (the last session), multi-extent files, zisofs refused, read-only.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { NodeHost } from "@rump/rumpuser";
import {
  createSyscalls,
  EISDIR,
  EOPNOTSUPP,
  EROFS,
  MNT_RDONLY,
  MNT_UPDATE,
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  parseDirents,
  RumpError,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  type RumpSyscalls,
} from "@rump/syscalls";
import { makedev } from "../src/dev/devsw.js";
import {
  ISOFSMNT_GENS,
  ISOFSMNT_NOCASETRANS,
  ISOFSMNT_NOJOLIET,
  ISOFSMNT_NORRIP,
  ISOFSMNT_RRCASEINS,
} from "../src/fs/cd9660/cd9660_mount.js";
import { RUMP_ETFS_BLK } from "../src/rump/etfs.js";
import type { Kernel } from "../src/rump/kernel.js";
import { createKernel } from "../src/rump/rump.js";
import {
  BS,
  buildIsoTree,
  cd9660Missing,
  ISO_BIG_SIZE,
  ISO_UNICODE_NAME,
  isoDir,
  isoFind,
  isoPattern,
  makefsIso,
  mkisofs,
  put733,
  xorriso,
  type IsoExpected,
} from "./helpers/cd9660_images.js";
import { errnoOf, release } from "./helpers/kernel.js";

const missing = cd9660Missing();
if (missing !== null) console.log(`cd9660.test.ts: skipped: ${missing}`);

let dir = "";
let tree: IsoExpected[] = [];
const img = (name: string): string => join(dir, `${name}.iso`);

beforeAll(() => {
  if (missing !== null) return;
  dir = mkdtempSync(join(tmpdir(), "rump-cd9660-"));
  tree = buildIsoTree(join(dir, "src"));
  mkisofs(img("xrj"), join(dir, "src"), ["-R", "-J"]);
  // xorriso's own mode, relocating directories deeper than 8 levels
  xorriso([
    "-outdev",
    img("xreloc"),
    "-compliance",
    "deep_paths_off",
    "-rr_reloc_dir",
    "RR_MOVED",
    "-joliet",
    "on",
    "-map",
    join(dir, "src"),
    "/",
    "-commit",
  ]);
  makefsIso(img("mkrr"), join(dir, "src"), "rockridge");
}, 60_000);

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

interface T {
  k: Kernel;
  sys: RumpSyscalls;
  console: string[];
}

function boot(): T {
  const lines: string[] = [];
  const k = createKernel({
    host: new NodeHost({ env: false, console: (s: string) => void lines.push(s) }),
  });
  onTestFinished(() => release(k));
  return { k, sys: createSyscalls(k), console: lines };
}

function mountIso(image: string, flags = 0, mntflags = MNT_RDONLY): T {
  const t = boot();
  t.k.rump_pub_etfs_register("/dev/cd0", image, RUMP_ETFS_BLK);
  t.sys.rump_sys_mkdir("/mnt", 0o755);
  t.sys.rump_sys_mount("cd9660", "/mnt", mntflags, { fspec: "/dev/cd0", flags });
  return t;
}

function names(sys: RumpSyscalls, path: string): string[] {
  const fd = sys.rump_sys_open(path, O_RDONLY);
  const buf = new Uint8Array(4096); // small: several getdents calls for big directories
  const out: string[] = [];
  try {
    for (;;) {
      const n = sys.rump_sys_getdents(fd, buf, buf.length);
      if (n === 0) break;
      for (const d of parseDirents(buf, n))
        if (d.d_name !== "." && d.d_name !== "..") out.push(d.d_name);
    }
  } finally {
    sys.rump_sys_close(fd);
  }
  return out.sort();
}

function readAll(sys: RumpSyscalls, path: string, chunk = 65536): Uint8Array {
  const fd = sys.rump_sys_open(path, O_RDONLY);
  try {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const b = new Uint8Array(chunk);
      const n = sys.rump_sys_read(fd, b, chunk);
      if (n === 0) break;
      parts.push(b.subarray(0, n));
      total += n;
    }
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  } finally {
    sys.rump_sys_close(fd);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b)) === 0;
}

const TYPE: Record<string, number> = {
  file: S_IFREG,
  dir: S_IFDIR,
  link: S_IFLNK,
  chr: S_IFCHR,
  blk: S_IFBLK,
  fifo: S_IFIFO,
};

/** Everything in `want` reads back exactly under /mnt (Rock Ridge). */
function checkTree(sys: RumpSyscalls, want: IsoExpected[]): void {
  const enc = (s: string): string => s;
  for (const e of want) {
    const p = `/mnt/${enc(e.path)}`;
    const st = sys.rump_sys_lstat(p);
    expect(st.st_mode & S_IFMT, p).toBe(TYPE[e.type]);
    expect(st.st_mode & 0o7777, p).toBe(e.mode);
    expect([st.st_uid, st.st_gid], p).toEqual([e.uid, e.gid]);
    expect(st.st_mtimespec.tv_sec, p).toBe(e.mtime);
    if (e.type === "file") {
      expect(st.st_size, p).toBe(e.size);
      expect(st.st_nlink, p).toBe(e.nlink ?? 1);
      const data = readAll(sys, p);
      expect(data.length, p).toBe(e.size);
      expect(sameBytes(data, e.data!), p).toBe(true);
    } else if (e.type === "link") {
      const b = new Uint8Array(2048);
      const n = sys.rump_sys_readlink(p, b, b.length);
      expect(Buffer.from(b.subarray(0, n)).toString(), p).toBe(e.target);
      expect(st.st_size, p).toBe(e.target!.length);
    } else if (e.type === "chr" || e.type === "blk") {
      expect(st.st_rdev, p).toBe(makedev(e.dev![0], e.dev![1]));
    }
  }
  // every directory lists exactly its entries
  const dirs = ["", ...want.filter((e) => e.type === "dir").map((e) => e.path)];
  for (const d of dirs) {
    const kids = want
      .filter(
        (e) =>
          e.path.startsWith(d === "" ? "" : d + "/") &&
          !e.path.slice(d.length + (d ? 1 : 0)).includes("/"),
      )
      .map((e) => enc(e.path.slice(d.length + (d ? 1 : 0))))
      .sort();
    const got = names(sys, `/mnt/${enc(d)}`).filter((n) => n !== ".rr_moved");
    expect(got, `/${d}`).toEqual(kids);
  }
}

describe.skipIf(missing !== null)("cd9660 on images of the real tools", () => {
  it("xorriso -as mkisofs -R -J: Rock Ridge reads back exactly (and is chosen over Joliet)", () => {
    const t = mountIso(img("xrj"));
    checkTree(t.sys, tree);
    // hard links share their file id, so copies keep them linked
    const a = t.sys.rump_sys_lstat("/mnt/hard1");
    const b = t.sys.rump_sys_lstat("/mnt/hard2");
    expect(a.st_ino).toBe(b.st_ino);
    expect(t.sys.rump_sys_lstat("/mnt/README").st_ino).not.toBe(a.st_ino);
    const sv = t.sys.rump_sys_statvfs1("/mnt", 1);
    expect(sv.f_bsize).toBe(2048);
    expect(sv.f_blocks * 2048).toBe(readFileSync(img("xrj")).length);
    expect(sv.f_bfree).toBe(0);
    expect(sv.f_fstypename).toBe("cd9660");
    // MNT_GETARGS: the flags in effect
    const args = { fspec: "x" as string | null, flags: -1 };
    t.sys.rump_sys_mount("cd9660", "/mnt", 0x400000, args);
    expect(args).toEqual({ fspec: null, flags: 0 });
    expect(t.console.filter((l) => l.includes("cd9660"))).toEqual([]);
  });

  it("xorriso with relocation (deep_paths_off): the deep tree is where it belongs, RR_MOVED hidden", () => {
    const t = mountIso(img("xreloc"));
    checkTree(t.sys, tree);
    expect(names(t.sys, "/mnt")).not.toContain("RR_MOVED");
    // ".." of a relocated directory is its logical parent (PL)
    const d9 = t.sys.rump_sys_stat("/mnt/deep/d1/d2/d3/d4/d5/d6/d7/d8/d9");
    expect(t.sys.rump_sys_stat("/mnt/deep/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/..").st_ino).toBe(
      d9.st_ino,
    );
    const d7 = t.sys.rump_sys_stat("/mnt/deep/d1/d2/d3/d4/d5/d6/d7");
    expect(t.sys.rump_sys_stat("/mnt/deep/d1/d2/d3/d4/d5/d6/d7/d8/..").st_ino).toBe(d7.st_ino);
  });

  it("makefs -o rockridge: reads back exactly; its .rr_moved (no RE written) shows the relocated copy", () => {
    const t = mountIso(img("mkrr"));
    checkTree(t.sys, tree);
    const moved = names(t.sys, "/mnt/.rr_moved");
    // the eighth level below the root moved
    expect(moved).toEqual(["d7"]);
    const d7 = t.sys.rump_sys_stat("/mnt/deep/d1/d2/d3/d4/d5/d6/d7");
    expect(t.sys.rump_sys_stat("/mnt/.rr_moved/d7").st_ino).toBe(d7.st_ino);
  });

  it("makefs without Rock Ridge: ISO 9660 names mapped (lower case, no ;1, no trailing dot)", () => {
    const src = join(dir, "plain");
    const want = buildIsoTree(src, { deep: false, special: false });
    makefsIso(img("mkplain"), src, null);
    const t = mountIso(img("mkplain"));
    const root = names(t.sys, "/mnt");
    expect(root).toContain("readme");
    expect(root).toContain("big.bin");
    expect(root).toContain("many");
    expect(names(t.sys, "/mnt/many").length).toBe(120);
    // contents by ISO name; lookups take the name as recorded, its case, ";1", a trailing "."
    const big = want.find((e) => e.path === "big.bin")!;
    expect(sameBytes(readAll(t.sys, "/mnt/big.bin"), big.data!)).toBe(true);
    for (const n of ["BIG.BIN", "big.bin;1", "BIG.BIN;1"])
      expect(t.sys.rump_sys_stat(`/mnt/${n}`).st_size, n).toBe(ISO_BIG_SIZE);
    expect(t.sys.rump_sys_stat("/mnt/readme").st_size).toBe(1234);
    expect(t.sys.rump_sys_stat("/mnt/README.").st_size).toBe(1234);
    // no Rock Ridge: r-x for everyone, root's
    const st = t.sys.rump_sys_stat("/mnt/readme");
    expect(st.st_mode & 0o7777).toBe(0o555);
    expect([st.st_uid, st.st_gid, st.st_nlink]).toEqual([0, 0, 1]);
  });

  it("Joliet is chosen when Rock Ridge is ignored (NORRIP); NOJOLIET then shows ISO 9660 names", () => {
    const t = mountIso(img("xrj"), ISOFSMNT_NORRIP);
    const root = names(t.sys, "/mnt");
    const u = ISO_UNICODE_NAME;
    expect(root).toContain("README");
    expect(root).toContain(u);
    expect(root).toContain("big.bin");
    // Joliet names are short (xorriso cuts them to about 64 UCS-2 characters, keeping the extension)
    const cut = root.find((n) => n.startsWith("long-n"))!;
    expect(cut.endsWith(".dat") && cut.length < 70).toBe(true);
    const data = tree.find((e) => e.path === ISO_UNICODE_NAME)!.data!;
    expect(sameBytes(readAll(t.sys, `/mnt/${u}`), data)).toBe(true);
    expect(t.sys.rump_sys_stat("/mnt/README").st_mode & 0o7777).toBe(0o555);
    // NetBSD's isofncmp: a recorded A–Z also matches a–z
    expect(t.sys.rump_sys_stat("/mnt/readme").st_size).toBe(1234);
    expect(
      errnoOf(() => t.sys.rump_sys_readlink("/mnt/links/rel", new Uint8Array(64), 64)),
    ).not.toBe(0);

    const t2 = mountIso(img("xrj"), ISOFSMNT_NORRIP | ISOFSMNT_NOJOLIET);
    const iso = names(t2.sys, "/mnt");
    expect(iso).toContain("readme");
    expect(iso).toContain("big.bin");
    expect(iso.every((n) => n === n.toLowerCase() && !n.includes(";"))).toBe(true);
    // ... keeping the case (NOCASETRANS)
    const t3 = mountIso(img("xrj"), ISOFSMNT_NORRIP | ISOFSMNT_NOJOLIET | ISOFSMNT_NOCASETRANS);
    expect(names(t3.sys, "/mnt")).toContain("README");
    // ... or the version too (GENS)
    const t4 = mountIso(img("xrj"), ISOFSMNT_NORRIP | ISOFSMNT_NOJOLIET | ISOFSMNT_GENS);
    expect(names(t4.sys, "/mnt")).toContain("readme.;1");
    expect(t4.sys.rump_sys_stat("/mnt/readme.;1").st_size).toBe(1234);
  });

  it("a Joliet-only image (xorriso --norock): Joliet names by default, ISO 9660 with NOJOLIET", () => {
    const src = join(dir, "jsrc");
    mkdirSync(join(src, "Sub"), { recursive: true });
    writeFileSync(join(src, "Mixed Case And Spaces ü.txt"), "x");
    writeFileSync(join(src, "Sub", "Inner.Name.tar.gz"), isoPattern(5000, 1));
    mkisofs(img("jonly"), src, ["-J", "--norock"]);
    const t = mountIso(img("jonly"));
    expect(names(t.sys, "/mnt")).toEqual(["Mixed Case And Spaces ü.txt", "Sub"]);
    expect(names(t.sys, "/mnt/Sub")).toEqual(["Inner.Name.tar.gz"]);
    expect(sameBytes(readAll(t.sys, "/mnt/Sub/Inner.Name.tar.gz"), isoPattern(5000, 1))).toBe(true);
    const t2 = mountIso(img("jonly"), ISOFSMNT_NOJOLIET);
    for (const n of names(t2.sys, "/mnt")) expect(n).toMatch(/^[a-z0-9_.]+$/);
  });

  it("RRCASEINS: Rock Ridge names looked up without regard to case", () => {
    const t = mountIso(img("xrj"), ISOFSMNT_RRCASEINS);
    expect(t.sys.rump_sys_stat("/mnt/readme").st_size).toBe(1234);
    expect(t.sys.rump_sys_stat("/mnt/ReadMe").st_size).toBe(1234);
    const t2 = mountIso(img("xrj"));
    expect(errnoOf(() => t2.sys.rump_sys_stat("/mnt/readme"))).toBe(2);
  });

  it("read-only: a read-write mount is EROFS with a console line, so are writes", () => {
    const t = boot();
    t.k.rump_pub_etfs_register("/dev/cd0", img("xrj"), RUMP_ETFS_BLK);
    t.sys.rump_sys_mkdir("/mnt", 0o755);
    expect(errnoOf(() => t.sys.rump_sys_mount("cd9660", "/mnt", 0, { fspec: "/dev/cd0" }))).toBe(
      EROFS,
    );
    expect(t.console.some((l) => l.includes("read-only"))).toBe(true);
    t.sys.rump_sys_mount("cd9660", "/mnt", MNT_RDONLY, { fspec: "/dev/cd0" });
    expect(
      errnoOf(() => t.sys.rump_sys_mount("cd9660", "/mnt", MNT_UPDATE, { fspec: "/dev/cd0" })),
    ).toBe(EROFS);
    const sys = t.sys;
    expect(errnoOf(() => sys.rump_sys_open("/mnt/README", O_RDWR))).toBe(EROFS);
    expect(errnoOf(() => sys.rump_sys_open("/mnt/new", O_RDWR | O_CREAT, 0o644))).toBe(EROFS);
    expect(errnoOf(() => sys.rump_sys_mkdir("/mnt/newdir", 0o755))).toBe(EROFS);
    expect(errnoOf(() => sys.rump_sys_unlink("/mnt/README"))).toBe(EROFS);
    expect(errnoOf(() => sys.rump_sys_rmdir("/mnt/sub"))).toBe(EROFS);
    expect(errnoOf(() => sys.rump_sys_rename("/mnt/README", "/mnt/x"))).toBe(EROFS);
    expect(errnoOf(() => sys.rump_sys_symlink("x", "/mnt/sl"))).toBe(EROFS);
    expect(errnoOf(() => sys.rump_sys_link("/mnt/README", "/mnt/hl"))).toBe(EROFS);
    expect(errnoOf(() => sys.rump_sys_chmod("/mnt/README", 0o600))).toBe(EROFS);
    expect(errnoOf(() => sys.rump_sys_chown("/mnt/README", 1, 1))).toBe(EROFS);
    expect(errnoOf(() => sys.rump_sys_truncate("/mnt/README", 0))).toBe(EROFS);
    expect(errnoOf(() => sys.rump_sys_utimes("/mnt/README", null))).toBe(EROFS);
    const dfd = sys.rump_sys_open("/mnt/sub", O_RDONLY);
    expect(errnoOf(() => sys.rump_sys_read(dfd, new Uint8Array(4), 4))).toBe(EISDIR);
    sys.rump_sys_close(dfd);
    // an existing file opened with O_CREAT is just opened
    sys.rump_sys_close(sys.rump_sys_open("/mnt/README", O_RDONLY | O_CREAT, 0o644));
    sys.rump_sys_unmount("/mnt", 0);
  });

  it("reads big files in few transfers, at any offset", () => {
    const t = mountIso(img("xrj"));
    const big = tree.find((e) => e.path === "big.bin")!.data!;
    const reads = t.k.evcnt.buf_reads;
    expect(sameBytes(readAll(t.sys, "/mnt/big.bin", 1 << 20), big)).toBe(true);
    // 3 MiB in 1 MiB clusters
    expect(t.k.evcnt.buf_reads - reads).toBeLessThanOrEqual(8);
    const fd = t.sys.rump_sys_open("/mnt/big.bin", O_RDONLY);
    const b = new Uint8Array(10000);
    for (const off of [0, 2047, 2048, 1 << 20, ISO_BIG_SIZE - 5000, ISO_BIG_SIZE - 1]) {
      const n = t.sys.rump_sys_pread(fd, b, b.length, off);
      expect(n).toBe(Math.min(b.length, ISO_BIG_SIZE - off));
      expect(sameBytes(b.subarray(0, n), big.subarray(off, off + n)), `@${off}`).toBe(true);
    }
    expect(t.sys.rump_sys_pread(fd, b, b.length, ISO_BIG_SIZE)).toBe(0);
    t.sys.rump_sys_close(fd);
  });

  it("multi-session: the last session, grown in place (xorriso) or appended (-C/-M)", () => {
    const s1 = join(dir, "s1");
    const s2 = join(dir, "s2");
    mkdirSync(s1);
    mkdirSync(s2);
    writeFileSync(join(s1, "one.txt"), "one\n");
    writeFileSync(join(s1, "gone.txt"), "gone\n");
    writeFileSync(join(s2, "two.txt"), "two\n");
    // grown in place: the newest descriptors at block 16
    mkisofs(img("grown"), s1, ["-R"]);
    xorriso([
      "-dev",
      img("grown"),
      "-map",
      join(s2, "two.txt"),
      "/two.txt",
      "-rm",
      "/gone.txt",
      "--",
      "-commit",
    ]);
    const t = mountIso(img("grown"));
    expect(names(t.sys, "/mnt")).toEqual(["one.txt", "two.txt"]);
    // appended: a second descriptor set after the first session (as on a CD)
    mkisofs(img("ms1"), s1, ["-R", "-J"]);
    const one = readFileSync(img("ms1"));
    const nwa = Math.ceil(one.length / BS / 32) * 32;
    xorriso([
      "-as",
      "mkisofs",
      "-R",
      "-J",
      "-C",
      `0,${nwa}`,
      "-M",
      img("ms1"),
      "-o",
      img("s2bin"),
      s2,
    ]);
    const two = readFileSync(img("s2bin"));
    const both = new Uint8Array(nwa * BS + two.length);
    both.set(one);
    both.set(two, nwa * BS);
    writeFileSync(img("ms2"), both);
    const t2 = mountIso(img("ms2"));
    expect(names(t2.sys, "/mnt")).toEqual(["gone.txt", "one.txt", "two.txt"]);
    expect(Buffer.from(readAll(t2.sys, "/mnt/two.txt")).toString()).toBe("two\n");
    expect(Buffer.from(readAll(t2.sys, "/mnt/one.txt")).toString()).toBe("one\n");
    // its Joliet tree too
    const t3 = mountIso(img("ms2"), ISOFSMNT_NORRIP);
    expect(names(t3.sys, "/mnt")).toEqual(["gone.txt", "one.txt", "two.txt"]);
  });

  it("a multi-extent file (level 3): its extents in order, wherever they are", () => {
    // a directory holding one file, rewritten so that the file is three records
    // (the first ending its block, the others starting the next) whose extents
    // are out of order on the medium
    const src = join(dir, "msrc");
    mkdirSync(join(src, "multi"), { recursive: true });
    const data = isoPattern(3 * BS * 10 + 777, 5);
    writeFileSync(join(src, "multi", "file.bin"), data);
    for (let i = 0; i < 40; i++)
      writeFileSync(join(src, "multi", `filler-with-a-long-name-${i}`), "");
    mkisofs(img("mx"), src, ["-R", "-iso-level", "3"]);
    const b = new Uint8Array(readFileSync(img("mx")));
    const dirrec = isoFind(b, "multi");
    expect(dirrec.size).toBeGreaterThanOrEqual(2 * BS);
    const recs = isoDir(b, dirrec.extent, dirrec.size);
    const f = recs.find((r) => r.nm === "file.bin")!;
    const ext = f.extent;
    const head = b.slice(f.off, f.off + f.reclen);
    const dot = b.slice(recs[0]!.off, recs[0]!.off + recs[0]!.reclen);
    const dotdot = b.slice(recs[1]!.off, recs[1]!.off + recs[1]!.reclen);
    // the pieces: [ext+20, 10 blocks], [ext, 10 blocks], [ext+10, the rest]
    const pieces: [number, number][] = [
      [ext + 20, 10 * BS],
      [ext, 10 * BS],
      [ext + 10, data.length - 20 * BS],
    ];
    const record = (i: number): Uint8Array => {
      const r = head.slice();
      put733(r, 2, pieces[i]![0]);
      put733(r, 10, pieces[i]![1]);
      r[25] = i < 2 ? 0x80 : 0;
      return r;
    };
    // block 0: ".", "..", the first record, padding; block 1: the other two
    const base = dirrec.extent * BS;
    b.fill(0, base, base + dirrec.size);
    let o = base;
    for (const r of [dot, dotdot, record(0)]) {
      b.set(r, o);
      o += r.length;
    }
    o = base + BS;
    for (const r of [record(1), record(2)]) {
      b.set(r, o);
      o += r.length;
    }
    writeFileSync(img("mx"), b);
    const want = new Uint8Array(data.length);
    let w = 0;
    for (const [at, n] of pieces) {
      want.set(b.subarray(at * BS, at * BS + n), w);
      w += n;
    }
    const t = mountIso(img("mx"));
    expect(names(t.sys, "/mnt/multi")).toEqual(["file.bin"]);
    // a directory read resumed at the file's continuation (block 1) shows no second entry
    const dfd = t.sys.rump_sys_open("/mnt/multi", O_RDONLY);
    t.sys.rump_sys_lseek(dfd, BS, 0);
    expect(t.sys.rump_sys_getdents(dfd, new Uint8Array(4096), 4096)).toBe(0);
    t.sys.rump_sys_close(dfd);
    const st = t.sys.rump_sys_stat("/mnt/multi/file.bin");
    expect(st.st_size).toBe(data.length);
    expect(sameBytes(readAll(t.sys, "/mnt/multi/file.bin", 7000), want)).toBe(true);
    const fd = t.sys.rump_sys_open("/mnt/multi/file.bin", O_RDONLY);
    const x = new Uint8Array(4096);
    expect(t.sys.rump_sys_pread(fd, x, 4096, 10 * BS - 2048)).toBe(4096);
    expect(sameBytes(x, want.subarray(10 * BS - 2048, 10 * BS + 2048))).toBe(true);
    t.sys.rump_sys_close(fd);
    // the same file by the ISO 9660 names
    const t2 = mountIso(img("mx"), ISOFSMNT_NORRIP);
    expect(names(t2.sys, "/mnt/multi")).toEqual(["file.bin"]);
    expect(sameBytes(readAll(t2.sys, "/mnt/multi/file.bin"), want)).toBe(true);
  });

  it.skipIf(process.env.RUMP_CD9660_HUGE === undefined)(
    "a file beyond 4 GiB from xorriso -iso-level 3 (RUMP_CD9660_HUGE=1; slow)",
    () => {
      const src = join(dir, "huge");
      mkdirSync(src);
      const size = 4 * 1024 * 1024 * 1024 + 5000;
      writeFileSync(join(src, "huge.bin"), "HEAD");
      truncateSync(join(src, "huge.bin"), size);
      const fdh = execFileSync("sh", [
        "-c",
        `printf TAIL | dd of=${join(src, "huge.bin")} bs=1 seek=${size - 4} conv=notrunc 2>/dev/null`,
      ]);
      void fdh;
      mkisofs(img("huge"), src, ["-R", "-iso-level", "3"]);
      const t = mountIso(img("huge"));
      expect(t.sys.rump_sys_stat("/mnt/huge.bin").st_size).toBe(size);
      const fd = t.sys.rump_sys_open("/mnt/huge.bin", O_RDONLY);
      const b = new Uint8Array(4);
      expect(t.sys.rump_sys_pread(fd, b, 4, 0)).toBe(4);
      expect(Buffer.from(b).toString()).toBe("HEAD");
      expect(t.sys.rump_sys_pread(fd, b, 4, size - 4)).toBe(4);
      expect(Buffer.from(b).toString()).toBe("TAIL");
      t.sys.rump_sys_close(fd);
      rmSync(img("huge"));
    },
    600_000,
  );

  it("zisofs files (Rock Ridge ZF) are refused with EOPNOTSUPP and a console line", () => {
    const src = join(dir, "zsrc");
    mkdirSync(src);
    writeFileSync(join(src, "zeros.bin"), new Uint8Array(200_000));
    writeFileSync(join(src, "plain.txt"), "plain\n");
    xorriso([
      "-outdev",
      img("z"),
      "-zisofs",
      "level=9",
      "-map",
      src,
      "/",
      "-set_filter_r",
      "--zisofs",
      "/",
      "--",
      "-commit",
    ]);
    const t = mountIso(img("z"));
    expect(t.sys.rump_sys_stat("/mnt/zeros.bin").st_size).toBe(200_000);
    expect(errnoOf(() => t.sys.rump_sys_open("/mnt/zeros.bin", O_RDONLY))).toBe(EOPNOTSUPP);
    expect(t.console.filter((l) => l.includes("zisofs")).length).toBe(1);
    expect(Buffer.from(readAll(t.sys, "/mnt/plain.txt")).toString()).toBe("plain\n");
  });

  it("a device without a volume descriptor is refused with EFTYPE and a console line", () => {
    writeFileSync(img("zero"), new Uint8Array(64 * 1024));
    const t = boot();
    t.k.rump_pub_etfs_register("/dev/cd0", img("zero"), RUMP_ETFS_BLK);
    t.sys.rump_sys_mkdir("/mnt", 0o755);
    let errno = 0;
    try {
      t.sys.rump_sys_mount("cd9660", "/mnt", MNT_RDONLY, { fspec: "/dev/cd0" });
    } catch (e) {
      if (!(e instanceof RumpError)) throw e;
      errno = e.errno;
    }
    expect(errno).toBe(79);
    expect(t.console.join("")).toContain("not an ISO 9660 file system");
  });
});
