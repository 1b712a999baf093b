/**
 * FFS images made by makefs, read-only (FFS writes are not in librump yet):
 * ukfs_mount_disk in the default kernel with and without partition
 * windows, openImage with probing, several handles at once, and the
 * release of keys, descriptors and locks.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKernel, rump_default_kernel, RUMP_ETFS_BLK } from "@rump/librump";
import {
  createSyscalls,
  EEXIST,
  ENOENT,
  MNT_RDONLY,
  O_RDWR,
  RumpError,
  S_IFLNK,
  S_IFMT,
} from "@rump/syscalls";
import {
  openImage,
  ukfs_lstat,
  ukfs_mount,
  ukfs_mount_disk,
  ukfs_part_none,
  ukfs_read,
  ukfs_readlink,
  ukfs_release,
  ukfs_stat,
  UKFS_PARTITION_NONE,
  UkfsOpenError,
} from "../src/index.js";
import { buildTree, errnoOf, makeFfs, makefsMissing, writeDisklabel, writeMbr } from "./helpers.js";

const missing = makefsMissing();
if (missing !== null) console.log(`ukfs ffs.test.ts: skipped: ${missing}`);

let dir = "";
let ufs1 = "";
let ufs2 = "";
let ufs2be = "";
let labelled = "";
let mbr = "";
let ffsBytes: Uint8Array = new Uint8Array(0);

beforeAll(() => {
  if (missing !== null) return;
  dir = mkdtempSync(join(tmpdir(), "ukfs-ffs-"));
  buildTree(join(dir, "tree"));
  ufs1 = join(dir, "ufs1.img");
  ufs2 = join(dir, "ufs2.img");
  ufs2be = join(dir, "ufs2be.img");
  makeFfs(ufs1, join(dir, "tree"), 1);
  ffsBytes = makeFfs(ufs2, join(dir, "tree"), 2);
  makeFfs(ufs2be, join(dir, "tree"), 2, "be");
  // a disklabelled disk: label in sector 1, partition a at sector 128, e after it
  const sectors = ffsBytes.length / 512;
  const disk = new Uint8Array(ffsBytes.length * 2 + 128 * 512);
  disk.set(ffsBytes, 128 * 512);
  disk.set(ffsBytes, (128 + sectors) * 512);
  writeDisklabel(disk, 512, [
    [128, sectors],
    [0, 0],
    [0, disk.length / 512],
    [0, 0],
    [128 + sectors, sectors],
  ]);
  labelled = join(dir, "labelled.img");
  writeFileSync(labelled, disk);
  // an MBR disk with the file system in partition 1
  const m = new Uint8Array(ffsBytes.length + 2048 * 512);
  m.set(ffsBytes, 2048 * 512);
  writeMbr(m, [[0xa9, 2048, sectors]]);
  mbr = join(dir, "mbr.img");
  writeFileSync(mbr, m);
}, 60_000);

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

const dec = new TextDecoder();

function readText(fs: Parameters<typeof ukfs_read>[0], path: string): string {
  const buf = new Uint8Array(4096);
  return dec.decode(buf.subarray(0, ukfs_read(fs, path, 0, buf)));
}

describe.skipIf(missing !== null)("ukfs_mount_disk (default kernel)", () => {
  it.each([
    ["UFS1", () => ufs1],
    ["UFS2", () => ufs2],
    ["UFS2 big-endian", () => ufs2be],
  ])("%s image, read-only", (_name, img) => {
    const fs = ukfs_mount_disk("ffs", img(), ukfs_part_none, null, MNT_RDONLY);
    try {
      expect(fs.devkey).toBe(img());
      expect(readText(fs, "/hello.txt")).toBe("hello from ffs\n");
      expect(ukfs_stat(fs, "/docs/deep/b.bin").st_size).toBe(70_000);
      const buf = new Uint8Array(64);
      expect(dec.decode(buf.subarray(0, ukfs_readlink(fs, "/link", buf)))).toBe("docs/a.md");
      expect(fs.statfs().type).toBe("ffs");
      expect(fs.statfs().readonly).toBe(true);
      expect(fs.readdir("/").sort()).toEqual(["docs", "hello.txt", "link"]);
    } finally {
      ukfs_release(fs, 0);
    }
    // the key is gone and the host descriptor closed
    expect(rump_default_kernel().etfs.keys.has(img())).toBe(false);
  });

  it("partitions named in the device path, by number, and explicit windows", () => {
    const a = ukfs_mount_disk("ffs", `${labelled}%DISKLABEL:a%`, null, null, MNT_RDONLY);
    try {
      expect(readText(a, "/hello.txt")).toBe("hello from ffs\n");
      // the same image again is the same etfs key: EEXIST, as in C
      expect(
        errnoOf(() => ukfs_mount_disk("ffs", `${labelled}%DISKLABEL:e%`, null, null, MNT_RDONLY)),
      ).toBe(EEXIST);
    } finally {
      ukfs_release(a, 0);
    }
    const e = ukfs_mount_disk("ffs", labelled, 4, null, MNT_RDONLY);
    expect(readText(e, "/docs/a.md")).toBe("# a\n");
    ukfs_release(e, 0);
    const w = ukfs_mount_disk(
      "ffs",
      `${mbr}%OFFSET:${2048 * 512},${ffsBytes.length}%`,
      null,
      null,
      MNT_RDONLY,
    );
    expect(ukfs_lstat(w, "/link").st_mode & S_IFMT).toBe(S_IFLNK);
    ukfs_release(w, 0);
    // the whole disklabelled disk is not a file system
    expect(() => ukfs_mount_disk("ffs", labelled, UKFS_PARTITION_NONE, null, MNT_RDONLY)).toThrow(
      RumpError,
    );
    expect(rump_default_kernel().etfs.keys.has(labelled)).toBe(false);
    expect(rump_default_kernel().etfs.keys.has(mbr)).toBe(false);
  });

  it("several images mounted at once in one kernel, each handle seeing its own", () => {
    const a = ukfs_mount_disk("ffs", ufs1, ukfs_part_none, null, MNT_RDONLY);
    const b = ukfs_mount_disk("ffs", ufs2be, ukfs_part_none, null, MNT_RDONLY);
    const t = ukfs_mount("tmpfs", "tmpfs", null, 0);
    try {
      expect(new Set([a.mountpath, b.mountpath, t.mountpath]).size).toBe(3);
      expect(readText(a, "/hello.txt")).toBe(readText(b, "/hello.txt"));
      expect(errnoOf(() => ukfs_stat(t, "/hello.txt"))).toBe(ENOENT);
      expect(a.getmp()).not.toBe(b.getmp());
    } finally {
      for (const fs of [a, b, t]) ukfs_release(fs, 0);
    }
  });

  it("a missing image fails cleanly", () => {
    expect(
      errnoOf(() =>
        ukfs_mount_disk("ffs", join(dir, "nope.img"), ukfs_part_none, null, MNT_RDONLY),
      ),
    ).toBe(ENOENT);
  });
});

describe.skipIf(missing !== null)("openImage", () => {
  it("probes the type and opens read-only by default", () => {
    using fs = openImage(ufs2);
    expect(fs.vfsname).toBe("ffs");
    expect(fs.readFile("/hello.txt", "utf8")).toBe("hello from ffs\n");
    expect(fs.readFile("/docs/deep/b.bin").equals(Buffer.alloc(70_000, 0x5a))).toBe(true);
    expect([...fs.walk("/")].map((e) => e.path)).toEqual([
      "/",
      "/docs",
      "/docs/a.md",
      "/docs/deep",
      "/docs/deep/b.bin",
      "/hello.txt",
      "/link",
    ]);
    expect(() => fs.writeFile("/new", "x")).toThrow(/EROFS/);
  });

  it("finds the file system inside a partition table, or the partition asked for", () => {
    using a = openImage(mbr);
    expect(a.readFile("/docs/a.md", "utf8")).toBe("# a\n");
    using b = openImage(labelled, { partition: "e" });
    expect(b.readFile("/hello.txt", "utf8")).toBe("hello from ffs\n");
    using c = openImage(`${labelled}%DISKLABEL:a%`);
    expect(c.stat("/docs").isDirectory()).toBe(true);
    let err: unknown;
    try {
      openImage(labelled, { partition: "p9" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UkfsOpenError);
    expect((err as Error).message).toContain('no partition "p9" (partitions: a, c, e)');
  });

  it("several handles at once, one image read-only twice", () => {
    const h = [openImage(ufs1), openImage(ufs2), openImage(ufs2), openImage(ufs2be)];
    try {
      for (const fs of h) expect(fs.readFile("/hello.txt", "utf8")).toBe("hello from ffs\n");
    } finally {
      for (const fs of h) fs.close();
    }
  });

  it("a read-only mount elsewhere shares the image", () => {
    // a read-only mount opens the image read-only: a shared lock
    const held = ukfs_mount_disk("ffs", ufs1, ukfs_part_none, null, MNT_RDONLY);
    try {
      openImage(ufs1).close();
    } finally {
      ukfs_release(held, 0);
    }
  });

  it("an image held read-write elsewhere is refused", () => {
    // another kernel opens the image's block device for writing: exclusive lock
    const k = createKernel();
    try {
      expect(k.rump_pub_etfs_register("/dev/held", ufs1, RUMP_ETFS_BLK)).toBe(0);
      const fd = createSyscalls(k).rump_sys_open("/dev/held", O_RDWR);
      expect(fd).toBeGreaterThanOrEqual(0);
      expect(() => openImage(ufs1)).toThrow(RumpError);
    } finally {
      k.shutdown();
    }
    openImage(ufs1).close();
  });
});
