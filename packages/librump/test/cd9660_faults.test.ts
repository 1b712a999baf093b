/**
 * cd9660 on hostile images: xorriso images edited in place. Rock Ridge
 * continuation areas that loop or leave the device, names and link
 * targets that overflow, names with '/' or NUL or posing as "." and "..",
 * directory records of bad lengths, extents beyond the device, directories
 * naming themselves, damaged volume descriptors and path tables, broken
 * multi-extent chains: EIO or EFTYPE with a console line, never a crash,
 * a hang or a name that is not one path component. Also the Rock Ridge
 * entries real writers seldom emit: every SL and NM component flag, TF
 * with all seven stamps in the long form, PN with a high word.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { NodeHost } from "@rump/rumpuser";
import {
  createSyscalls,
  EFTYPE,
  EIO,
  MNT_RDONLY,
  O_RDONLY,
  parseDirents,
  RumpError,
  type RumpSyscalls,
} from "@rump/syscalls";
import { makedev, minor } from "../src/dev/devsw.js";
import { ISOFSMNT_NOJOLIET, ISOFSMNT_NORRIP } from "../src/fs/cd9660/cd9660_mount.js";
import { RUMP_ETFS_BLK } from "../src/rump/etfs.js";
import type { Kernel } from "../src/rump/kernel.js";
import { createKernel } from "../src/rump/rump.js";
import {
  appendBlocks,
  BS,
  cd9660Missing,
  concat,
  isoDir,
  isoFind,
  isoRoot,
  mkisofs,
  put733,
  setSystemUse,
  susp,
  suspCE,
  u32le,
  type IsoRec,
} from "./helpers/cd9660_images.js";
import { errnoOf, release } from "./helpers/kernel.js";

const missing = cd9660Missing();
if (missing !== null) console.log(`cd9660_faults.test.ts: skipped: ${missing}`);

let dir = "";
let base = new Uint8Array(0);
let jbase = new Uint8Array(0);

beforeAll(() => {
  if (missing !== null) return;
  dir = mkdtempSync(join(tmpdir(), "rump-cd9660-faults-"));
  const src = join(dir, "src");
  mkdirSync(join(src, "sub", "deeper"), { recursive: true });
  writeFileSync(join(src, "README"), "read me\n");
  writeFileSync(join(src, "other.txt"), "other\n");
  writeFileSync(join(src, "sub", "inner"), "inner\n");
  writeFileSync(join(src, "sub", "deeper", "leaf"), "leaf\n");
  mkisofs(join(dir, "base.iso"), src, ["-R", "-J"]);
  base = new Uint8Array(readFileSync(join(dir, "base.iso")));
  mkisofs(join(dir, "jbase.iso"), src, ["-J", "--norock"]);
  jbase = new Uint8Array(readFileSync(join(dir, "jbase.iso")));
}, 60_000);

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

interface T {
  k: Kernel;
  sys: RumpSyscalls;
  console: string[];
  /** the errno of the mount (0: mounted) */
  errno: number;
}

let serial = 0;

/** Write `img` to a file and mount it read-only (the mount's errno in t.errno). */
function mountBytes(img: Uint8Array, flags = 0): T {
  const path = join(dir, `case-${serial++}.iso`);
  writeFileSync(path, img);
  const lines: string[] = [];
  const k = createKernel({
    host: new NodeHost({ env: false, console: (s: string) => void lines.push(s) }),
  });
  onTestFinished(() => release(k));
  const sys = createSyscalls(k);
  k.rump_pub_etfs_register("/dev/cd0", path, RUMP_ETFS_BLK);
  sys.rump_sys_mkdir("/mnt", 0o755);
  let errno = 0;
  try {
    sys.rump_sys_mount("cd9660", "/mnt", MNT_RDONLY, { fspec: "/dev/cd0", flags });
  } catch (e) {
    if (!(e instanceof RumpError)) throw e;
    errno = e.errno;
  }
  return { k, sys, console: lines, errno };
}

/** getdents of `path`: the names, or the errno. */
function listdir(sys: RumpSyscalls, path: string): string[] | number {
  let fd = -1;
  try {
    fd = sys.rump_sys_open(path, O_RDONLY);
    const buf = new Uint8Array(8192);
    const out: string[] = [];
    for (;;) {
      const n = sys.rump_sys_getdents(fd, buf, buf.length);
      if (n === 0) break;
      for (const d of parseDirents(buf, n)) out.push(d.d_name);
    }
    return out.filter((n) => n !== "." && n !== "..").sort();
  } catch (e) {
    if (!(e instanceof RumpError)) throw e;
    return e.errno;
  } finally {
    if (fd >= 0) sys.rump_sys_close(fd);
  }
}

/** Expect EIO and a console line that contains `what`. */
function expectCorrupt(t: T, errno: number, what: string): void {
  expect(errno).toBe(EIO);
  expect(t.console.join(""), t.console.join("")).toContain(what);
}

const rec = (img: Uint8Array, path: string): IsoRec => isoFind(img, path);

/** A PX entry (RRIP 1.10: 36 bytes). */
function px(mode: number, links = 1, uid = 0, gid = 0): Uint8Array {
  const b = new Uint8Array(32);
  put733(b, 0, mode);
  put733(b, 8, links);
  put733(b, 16, uid);
  put733(b, 24, gid);
  return susp("PX", b);
}

function nm(flags: number, name: string): Uint8Array {
  return susp("NM", [flags, ...Buffer.from(name, "latin1")]);
}

/** An SL entry of `flags` with components [cflags, text]. */
function sl(flags: number, comps: [number, string][]): Uint8Array {
  const body: number[] = [flags];
  for (const [cf, s] of comps) body.push(cf, s.length, ...Buffer.from(s, "latin1"));
  return susp("SL", body);
}

/** `img` with `areas` written into appended blocks, one block each; returns their blocks. */
function withAreas(img: Uint8Array, areas: Uint8Array[]): { img: Uint8Array; blks: number[] } {
  const { img: out, blk } = appendBlocks(img, areas.length);
  areas.forEach((a, i) => out.set(a, (blk + i) * BS));
  // the volume grows with them (its size is the device's bound anyway)
  put733(out, 16 * BS + 80, blk + areas.length);
  return { img: out, blks: areas.map((_, i) => blk + i) };
}

describe.skipIf(missing !== null)("cd9660 on hostile images", () => {
  it("a continuation area that loops, at the root: the mount fails with EIO and says why", () => {
    const img = base.slice();
    // the root's "." record chains to the ER area: make that area chain to itself
    const root = isoRoot(img);
    const dot = isoDir(img, root.extent, root.size)[0]!;
    let ce = -1;
    for (let p = dot.suoff; p + 4 <= dot.suend && img[p + 2]! >= 4; p += img[p + 2]!)
      if (img[p] === 0x43 && img[p + 1] === 0x45) ce = p;
    expect(ce).toBeGreaterThan(0);
    const blk = u32le(img, ce + 4);
    const off = u32le(img, ce + 12);
    img.set(suspCE(blk, off, 28), blk * BS + off);
    const t = mountBytes(img);
    expectCorrupt(t, t.errno, "continuation areas (a loop)");
  });

  it("continuation areas that loop or leave the device, on a file: EIO for its directory", () => {
    const img = base.slice();
    const r = rec(img, "README");
    // a CE pointing at itself
    setSystemUse(img, r, suspCE(Math.floor(r.suoff / BS), r.suoff % BS, 28));
    let t = mountBytes(img);
    expect(t.errno).toBe(0);
    expectCorrupt(t, listdir(t.sys, "/mnt") as number, "continuation areas (a loop)");
    expectCorrupt(
      t,
      errnoOf(() => t.sys.rump_sys_stat("/mnt/README")),
      "a loop",
    );
    // beyond the device, and beyond its block
    for (const [blk, off, len] of [
      [0x7fffffff, 0, 100],
      [20, 2000, 100],
    ] as const) {
      setSystemUse(img, r, suspCE(blk, off, len));
      t = mountBytes(img);
      expectCorrupt(t, listdir(t.sys, "/mnt") as number, "outside the device or its block");
    }
  });

  it("names that overflow NAME_MAX, or are not one path component, refuse the directory", () => {
    const cases: [Uint8Array[], string][] = [
      [[nm(1, "a".repeat(200)), nm(1, "b".repeat(40)), nm(0, "c".repeat(40))], "longer than 255"],
      [[nm(0, "evil/name")], "holds '/'"],
      [[nm(0, "nul\0name")], "holds NUL"],
      [[nm(2, "")], 'a second "."'],
      [[nm(4, "")], 'a second ".."'],
      [[nm(0, "")], "an empty name"],
    ];
    for (const [entries, why] of cases) {
      const { img, blks } = withAreas(base, [concat(...entries)]);
      const r = rec(img, "other.txt");
      setSystemUse(
        img,
        r,
        concat(
          px(0o100644),
          suspCE(
            blks[0]!,
            0,
            entries.reduce((a, e) => a + e.length, 0),
          ),
        ),
      );
      const t = mountBytes(img);
      expect(t.errno).toBe(0);
      expectCorrupt(t, listdir(t.sys, "/mnt") as number, why);
      // names after it are still found (a name not found there is EIO: it might be that one)
      expect(listdir(t.sys, "/mnt/sub")).toEqual(["deeper", "inner"]);
      expect(t.sys.rump_sys_stat("/mnt/README").st_size).toBe(8);
      expect(errnoOf(() => t.sys.rump_sys_stat("/mnt/nothere"))).toBe(
        why.startsWith("longer") ? EIO : 2,
      );
    }
  });

  it("NM with the HOST flag names the entry after the host", () => {
    const img = base.slice();
    setSystemUse(img, rec(img, "other.txt"), concat(px(0o100644), nm(0x20, "")));
    const t = mountBytes(img);
    const host = t.k.hostname;
    expect(listdir(t.sys, "/mnt")).toContain(host);
    expect(t.sys.rump_sys_stat(`/mnt/${host}`).st_size).toBe(6);
  });

  it("SL with every component flag, and continued components and entries", () => {
    const { img, blks } = withAreas(base, [
      concat(
        px(0o120777),
        sl(1, [
          [8, ""], // ROOT
          [4, ""], // PARENT
          [2, ""], // CURRENT
          [1, "ab"], // CONTINUE: "cd" follows without a '/'
          [0, "cd"],
        ]),
        sl(0, [
          [0x20, ""], // HOST
          [0, "x"],
        ]),
      ),
      concat(
        px(0o120777),
        sl(0, [
          [0x10, ""], // VOLROOT: the mount point
          [0, "y"],
        ]),
      ),
    ]);
    const a = rec(img, "README");
    const b = rec(img, "other.txt");
    setSystemUse(img, a, concat(nm(0, "README"), suspCE(blks[0]!, 0, 250)));
    setSystemUse(img, b, concat(nm(0, "other.txt"), suspCE(blks[1]!, 0, 100)));
    const t = mountBytes(img);
    const target = (p: string): string => {
      const buf = new Uint8Array(1024);
      return Buffer.from(buf.subarray(0, t.sys.rump_sys_readlink(p, buf, 1024))).toString("latin1");
    };
    expect(target("/mnt/README")).toBe(`/.././abcd/${t.k.hostname}/x`);
    expect(target("/mnt/other.txt")).toBe("/mnt/y");
    expect(t.sys.rump_sys_lstat("/mnt/other.txt").st_size).toBe(6);
  });

  it("an SL target longer than MAXPATHLEN is EIO", () => {
    const part = sl(1, [[0, "p".repeat(240)]]);
    const { img, blks } = withAreas(base, [
      concat(px(0o120777), part, part, part, part, part, sl(0, [[0, "end"]])),
    ]);
    setSystemUse(
      img,
      rec(img, "README"),
      concat(nm(0, "README"), suspCE(blks[0]!, 0, 36 + 5 * 247 + 10)),
    );
    const t = mountBytes(img);
    expectCorrupt(
      t,
      errnoOf(() => t.sys.rump_sys_lstat("/mnt/README")),
      "longer than 1023",
    );
  });

  it("TF with all seven stamps in the long form; PN with a high word", () => {
    const stamp = (s: string, tz: number): number[] => [...Buffer.from(s, "latin1"), tz & 0xff];
    const tf = susp("TF", [
      0xff,
      ...stamp("2001020304050607", 4), // creation, GMT+1
      ...stamp("2002020304050608", 0), // modification
      ...stamp("2003020304050609", -8), // access, GMT-2
      ...stamp("2004020304050610", 0), // attributes
      ...stamp("2005020304050611", 0), // backup
      ...stamp("2006020304050612", 0), // expiration
      ...stamp("2007020304050613", 0), // effective
    ]);
    const pnb = new Uint8Array(16);
    put733(pnb, 0, 5);
    put733(pnb, 8, makedev(7, 300));
    const { img, blks } = withAreas(base, [
      concat(px(0o100640, 1, 5, 6), tf, nm(0, "other.txt")),
      concat(px(0o020600), susp("PN", pnb), nm(0, "README")),
    ]);
    setSystemUse(img, rec(img, "other.txt"), suspCE(blks[0]!, 0, 300));
    setSystemUse(img, rec(img, "README"), suspCE(blks[1]!, 0, 100));
    const t = mountBytes(img);
    const st = t.sys.rump_sys_stat("/mnt/other.txt");
    expect(st.st_mode & 0o7777).toBe(0o640);
    expect([st.st_uid, st.st_gid]).toEqual([5, 6]);
    const at = (iso: string, tzh: number): number => Date.parse(iso + "Z") / 1000 - tzh * 3600;
    expect(st.st_birthtimespec).toEqual({
      tv_sec: at("2001-02-03T04:05:06", 1),
      tv_nsec: 70_000_000,
    });
    expect(st.st_mtimespec).toEqual({ tv_sec: at("2002-02-03T04:05:06", 0), tv_nsec: 80_000_000 });
    expect(st.st_atimespec).toEqual({ tv_sec: at("2003-02-03T04:05:06", -2), tv_nsec: 90_000_000 });
    expect(st.st_ctimespec).toEqual({ tv_sec: at("2004-02-03T04:05:06", 0), tv_nsec: 100_000_000 });
    const dev = t.sys.rump_sys_lstat("/mnt/README");
    expect(dev.st_rdev).toBe(makedev(5, minor(makedev(7, 300))));
  });

  it("directory records of bad lengths: EIO for the directory, with the offset", () => {
    for (const [field, value, why] of [
      [0, 20, "record length 20"],
      [32, 200, "name of 200 bytes"],
      [32, 0, "record without a name"],
    ] as const) {
      const img = base.slice();
      const r = rec(img, "README");
      img[r.off + field] = value;
      const t = mountBytes(img);
      expectCorrupt(t, listdir(t.sys, "/mnt") as number, why);
      expect(errnoOf(() => t.sys.rump_sys_stat("/mnt/zzz"))).toBe(EIO);
    }
    // a record running past its block
    const img = base.slice();
    const r = rec(img, "README");
    const room = BS - (r.off % BS);
    img[r.off] = Math.min(255, room + 10);
    if (room + 10 <= 255) {
      const t = mountBytes(img);
      expectCorrupt(t, listdir(t.sys, "/mnt") as number, "crosses the block end");
    }
  });

  it("extents beyond the device, directories of impossible sizes: EIO when used", () => {
    let img = base.slice();
    put733(img, rec(img, "README").off + 2, 0xfffff000);
    let t = mountBytes(img);
    expectCorrupt(
      t,
      errnoOf(() => t.sys.rump_sys_stat("/mnt/README")),
      "past the end of the device",
    );
    expect(t.sys.rump_sys_stat("/mnt/other.txt").st_size).toBe(6);
    // the size a directory's "." record gives
    img = base.slice();
    const sub = rec(img, "sub");
    put733(img, sub.extent * BS + 10, 0xfffff800);
    t = mountBytes(img);
    expectCorrupt(
      t,
      errnoOf(() => t.sys.rump_sys_stat("/mnt/sub")),
      "past the end of the device",
    );
  });

  it("a directory naming itself or an ancestor: EIO, or a loop a walk can leave", () => {
    let img = base.slice();
    const root = isoRoot(img);
    put733(img, rec(img, "sub").off + 2, root.extent);
    let t = mountBytes(img);
    expectCorrupt(
      t,
      errnoOf(() => t.sys.rump_sys_stat("/mnt/sub")),
      "is the directory itself",
    );
    // sub/deeper names the root: a cycle, the same directories again and again
    img = base.slice();
    put733(img, rec(img, "sub/deeper").off + 2, root.extent);
    t = mountBytes(img);
    expect(listdir(t.sys, "/mnt/sub/deeper/sub/deeper/sub")).toEqual(["deeper", "inner"]);
    expect(t.sys.rump_sys_stat("/mnt/sub/deeper").st_ino).toBe(t.sys.rump_sys_stat("/mnt").st_ino);
    // a directory key that is no directory's "." record
    img = base.slice();
    put733(img, rec(img, "sub").off + 2, rec(img, "README").extent);
    t = mountBytes(img);
    expectCorrupt(
      t,
      errnoOf(() => t.sys.rump_sys_stat("/mnt/sub")),
      "the directory record of node",
    );
  });

  it("damaged volume descriptors are refused with EFTYPE; path tables are never read", () => {
    const pvd = 16 * BS;
    const cases: [(b: Uint8Array) => void, string][] = [
      [(b) => b.set([0x43, 0x44, 0x30, 0x30, 0x30], pvd + 1), "no ISO 9660 volume descriptor"],
      [(b) => ((b[pvd + 128] = 0xb8), (b[pvd + 129] = 0x0b)), "logical block size 3000"],
      [(b) => (b[pvd + 156 + 25] = 0), "not a directory"],
      [(b) => put733(b, pvd + 156 + 2, 0x7ffffff0), "beyond the end of the device"],
      [(b) => put733(b, pvd + 80, 0), "volume space size 0"],
    ];
    for (const [damage, why] of cases) {
      const img = base.slice();
      damage(img);
      const t = mountBytes(img);
      expect(t.errno, why).toBe(EFTYPE);
      expect(t.console.join(""), why).toContain(why);
    }
    // a truncated image
    const t = mountBytes(base.slice(0, 20 * BS));
    expect([EFTYPE, EIO]).toContain(t.errno);
    expect(t.console.length).toBeGreaterThan(0);
    // path tables of any size anywhere: unused, harmless
    const img = base.slice();
    put733(img, pvd + 132, 0xffffffff);
    img.set([0xff, 0xff, 0xff, 0x7f], pvd + 140);
    const t2 = mountBytes(img);
    expect(t2.errno).toBe(0);
    expect(listdir(t2.sys, "/mnt")).toEqual(["README", "other.txt", "sub"]);
  });

  it("a damaged Joliet descriptor leaves the primary tree; a Joliet name with '/' refuses its directory", () => {
    // find the supplementary descriptor
    let svd = -1;
    for (let b = 17; b < 30; b++) if (jbase[b * BS] === 2) svd = b;
    expect(svd).toBeGreaterThan(0);
    let img = jbase.slice();
    img[svd * BS + 128] = 7; // logical block size 7
    let t = mountBytes(img);
    expect(t.errno).toBe(0);
    expect(t.console.join("")).toContain("using the primary tree");
    expect(listdir(t.sys, "/mnt")).toEqual(["other.txt", "readme", "sub"]);
    // a UCS-2 '/' in "README"
    img = jbase.slice();
    const jr = isoDir(img, u32le(img, svd * BS + 158), u32le(img, svd * BS + 166)).find(
      (r) => r.isoname === "\0R\0E\0A\0D\0M\0E",
    )!;
    img[jr.off + 33 + 3] = 0x2f;
    t = mountBytes(img);
    expectCorrupt(t, listdir(t.sys, "/mnt") as number, "holds '/'");
    t = mountBytes(img, ISOFSMNT_NOJOLIET);
    expect(listdir(t.sys, "/mnt")).toEqual(["other.txt", "readme", "sub"]);
    t = mountBytes(img, ISOFSMNT_NORRIP | ISOFSMNT_NOJOLIET);
    expect(listdir(t.sys, "/mnt")).toEqual(["other.txt", "readme", "sub"]);
  });

  it("a multi-extent file whose chain breaks is EIO", () => {
    const img = base.slice();
    const r = rec(img, "README");
    img[r.off + 25] = img[r.off + 25]! | 0x80; // its next record (other.txt) is not its continuation
    const t = mountBytes(img);
    expect(listdir(t.sys, "/mnt")).toEqual(["README", "other.txt", "sub"]);
    expectCorrupt(
      t,
      errnoOf(() => t.sys.rump_sys_stat("/mnt/README")),
      "a record of another file",
    );
  });
});
