/**
 * fsu mkfs -d (issue 17): format and fill from a host tree in one step, and
 * reproducibly under SOURCE_DATE_EPOCH — the same tree gives the same bytes
 * in another process, time zone and umask a second later. Checked with the
 * real tools (e2fsck -fn, debugfs rdump, fsck.fat -n, mcopy) and our fsck_ffs and reader.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openImage } from "../src/open.js";
import { BIN, fsu, ok } from "./fsu_helpers.js";

const E2FSCK = ["/usr/sbin/e2fsck", "/sbin/e2fsck"].find((f) => existsSync(f));
const DEBUGFS = ["/usr/sbin/debugfs", "/sbin/debugfs"].find((f) => existsSync(f));
const isRoot = process.getuid?.() === 0;
const EPOCH = 1_700_000_000;

let dir: string;
let tree: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mkfs-d-"));
  tree = join(dir, "tree");
  mkdirSync(join(tree, "etc/deep/er"), { recursive: true });
  writeFileSync(join(tree, "etc/motd"), "welcome\n");
  writeFileSync(join(tree, "empty"), "");
  writeFileSync(join(tree, "etc/deep/er/big.bin"), Buffer.alloc(300_000, 0x61));
  writeFileSync(join(tree, "naïve-名前.txt"), "utf-8 name\n");
  linkSync(join(tree, "etc/motd"), join(tree, "motd.hard"));
  symlinkSync("etc/motd", join(tree, "motd.link"));
  symlinkSync("/nowhere/at/all", join(tree, "dangling"));
  writeFileSync(join(tree, "setuid"), "#!/bin/sh\n");
  chmodSync(join(tree, "setuid"), 0o4755);
  chmodSync(join(tree, "etc/deep"), 0o700);
  execFileSync("mkfifo", [join(tree, "fifo")]);
  if (isRoot) {
    execFileSync("mknod", [join(tree, "null"), "c", "1", "3"]);
    chownSync(join(tree, "etc/motd"), 1000, 1001);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (f: string): string => createHash("sha256").update(readFileSync(f)).digest("hex");

/** fsu mkfs in a process of its own, with the environment given. */
function mkfsIn(env: Record<string, string>, args: string[], umask: string): void {
  const r = spawnSync(
    "sh",
    ["-c", `umask ${umask}; exec "${process.execPath}" "${BIN}" "$@"`, "sh", "mkfs", ...args],
    { env: { ...process.env, FSU_PROGRESS: "0", ...env }, encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`fsu mkfs ${args.join(" ")}: ${r.stderr}`);
}

describe("reproducible images", () => {
  for (const [name, flags] of [
    ["FFS UFS2", ["-t", "ffs"]],
    ["FFS UFS1", ["-t", "ffs", "-O", "1"]],
    ["ext2", ["-t", "ext2"]],
    ["ext4", ["-t", "ext4"]],
  ] as const) {
    it(`${name}: two builds a second apart, in other time zones and umasks, are byte-identical`, async () => {
      const a = join(dir, `${name.replace(/ /g, "")}-a.img`);
      const b = join(dir, `${name.replace(/ /g, "")}-b.img`);
      mkfsIn({ SOURCE_DATE_EPOCH: String(EPOCH), TZ: "UTC" }, [...flags, "-d", tree, a], "022");
      await new Promise((r) => setTimeout(r, 1100));
      mkfsIn(
        { SOURCE_DATE_EPOCH: String(EPOCH), TZ: "Pacific/Chatham" },
        [...flags, "-d", tree, b],
        "077",
      );
      expect(sha(a)).toBe(sha(b));
      // and the epoch is what makes it so
      const c = join(dir, `${name.replace(/ /g, "")}-c.img`);
      mkfsIn({ SOURCE_DATE_EPOCH: String(EPOCH + 1) }, [...flags, "-d", tree, c], "022");
      expect(sha(c)).not.toBe(sha(a));
    });
  }
});

/** The tree as [relative path, type, mode, size/target] rows. */
function describeHostTree(root: string): string[] {
  const rows: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const r = rel === "" ? n : `${rel}/${n}`;
      const st = lstatSync(p);
      const extra = st.isSymbolicLink() ? readlinkSync(p) : st.isFile() ? st.size : "";
      rows.push(
        `${r} ${(st.mode & 0o170000).toString(8)} ${(st.mode & 0o7777).toString(8)} ${extra}`,
      );
      if (st.isDirectory()) walk(p, r);
    }
  };
  walk(root, "");
  return rows;
}

describe("mkfs -d reads back exactly", () => {
  for (const type of ["ext2", "ext4"] as const)
    it.skipIf(E2FSCK === undefined || DEBUGFS === undefined)(
      `${type}: e2fsck -fn clean; debugfs rdump gives the tree back (skipped without e2fsprogs)`,
      async () => {
        const img = join(dir, `rd-${type}.img`);
        await ok(["mkfs", "-t", type, "-d", tree, img]);
        execFileSync(E2FSCK!, ["-fn", img], { stdio: "pipe" });
        const out = join(dir, `rdump-${type}`);
        mkdirSync(out);
        execFileSync(DEBUGFS!, ["-R", `rdump / ${out}`, img], { stdio: "pipe" });
        const want = describeHostTree(tree).filter((r) => !/^(fifo|null) /.test(r));
        const got = describeHostTree(out).filter((r) => !/^(fifo|null|lost\+found) /.test(r));
        // rdump chowns after chmod, which clears setuid on the host: that bit is checked by stat below
        const noSuid = (rows: string[]): string[] =>
          rows.map((r) => r.replace(/^(setuid \d+) 4755/, "$1 755"));
        expect(noSuid(got)).toEqual(noSuid(want));
        expect(
          readFileSync(join(out, "etc/deep/er/big.bin")).equals(Buffer.alloc(300_000, 0x61)),
        ).toBe(true);
        const stat = (p: string): string =>
          execFileSync(DEBUGFS!, ["-R", `stat ${p}`, img], { stdio: "pipe" }).toString();
        expect(stat("/fifo")).toMatch(/Type: FIFO/);
        expect(stat("/setuid")).toMatch(/Mode: +04755/);
        if (isRoot) {
          expect(stat("/null")).toMatch(/Device major\/minor number: 01:03/);
          expect(stat("/etc/motd")).toMatch(/User: +1000 +Group: +1001/);
        }
      },
    );

  it("FFS: our fsck_ffs finds it clean; modes, owners, times, links and hard links as in the tree", async () => {
    const img = join(dir, "ffs.img");
    await ok(["mkfs", "-d", tree, "--timestamp", String(EPOCH), img]);
    expect(await ok(["fsck", img])).toMatch(/no problems found/);
    const fs = openImage(img);
    try {
      const motd = fs.lstat("/etc/motd");
      const hard = fs.lstat("/motd.hard");
      expect(hard.ino).toBe(motd.ino);
      expect(motd.nlink).toBe(2);
      expect(fs.readlink("/motd.link")).toBe("etc/motd");
      expect(fs.readlink("/dangling")).toBe("/nowhere/at/all");
      expect(fs.lstat("/setuid").mode & 0o7777).toBe(0o4755);
      expect(fs.lstat("/etc/deep").mode & 0o7777).toBe(0o700);
      expect(fs.lstat("/fifo").isFIFO()).toBe(true);
      expect(fs.readFile("/naïve-名前.txt", "utf8")).toBe("utf-8 name\n");
      expect(fs.lstat("/etc/deep/er/big.bin").size).toBe(300_000);
      // every time clamped to the epoch (the tree was made after it)
      for (const e of fs.walk("/"))
        expect(fs.lstat(e.path).mtimeMs).toBeLessThanOrEqual(EPOCH * 1000);
      expect(fs.lstat("/").mode & 0o777).toBe(lstatSync(tree).mode & 0o777);
      if (isRoot) {
        expect(fs.lstat("/null").isCharacterDevice()).toBe(true);
        expect(motd.uid).toBe(1000);
        expect(motd.gid).toBe(1001);
      }
    } finally {
      fs.close();
    }
  });

  it("--owner gives every file one owner; -s auto sizes to fit with the margin asked", async () => {
    const img = join(dir, "own.img");
    await ok([
      "mkfs",
      "-t",
      "ext2",
      "-s",
      "auto",
      "--margin",
      "50",
      "-d",
      tree,
      "--owner",
      "0:0",
      img,
    ]);
    const fs = openImage(img);
    try {
      expect(fs.lstat("/etc/motd").uid).toBe(0);
      expect(fs.lstat("/setuid").mode & 0o7777).toBe(0o4755);
      const sf = fs.statfs();
      expect(sf.bavail).toBeGreaterThan(0);
    } finally {
      fs.close();
    }
  });
});

const MKFS_EXT4 = ["/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4"].find((f) => existsSync(f));

describe("an image from the real mkfs.ext4 -d (Debian's defaults: extents, 64bit, metadata_csum, a journal)", () => {
  it.skipIf(MKFS_EXT4 === undefined || E2FSCK === undefined || DEBUGFS === undefined)(
    "fsu and openImage read it back exactly, write to it; e2fsck -fn clean, debugfs agrees",
    async () => {
      const img = join(dir, "real-ext4.img");
      execFileSync(MKFS_EXT4!, ["-q", "-F", "-d", tree, img, "64M"], { stdio: "pipe" });
      const features = execFileSync(DEBUGFS!, ["-R", "features", img], {
        stdio: "pipe",
      }).toString();
      for (const f of ["has_journal", "extent", "64bit", "flex_bg", "metadata_csum"])
        expect(features).toContain(f);
      expect(await ok(["info", img])).toMatch(/ext4/);
      expect(await ok(["ls", img, "/etc"])).toBe("deep\nmotd\n");
      expect(await ok(["cat", img, "/etc/motd"])).toBe("welcome\n");
      const out = join(dir, "real-ext4-get");
      const got = await fsu(["get", "-r", img, "/", out]);
      // fifos and device nodes are not copied to the host, and said so
      expect(got.code).toBe(1);
      expect(got.stderr).toMatch(/skipped \/fifo: a FIFO/);
      // fsu get drops setuid on the host (checked through openImage below)
      const rows = (r: string): string[] =>
        describeHostTree(r)
          .filter((x) => !/^(fifo|null|lost\+found) /.test(x))
          .map((x) => x.replace(/^(setuid \d+) 4755/, "$1 755"));
      expect(rows(out)).toEqual(rows(tree));
      expect(
        readFileSync(join(out, "etc/deep/er/big.bin")).equals(Buffer.alloc(300_000, 0x61)),
      ).toBe(true);
      // writes: a new file across many blocks, a directory, a removal, a rename
      const data = Buffer.alloc(2_000_000);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 12)) & 0xff;
      const src = join(dir, "real-ext4-src.bin");
      writeFileSync(src, data);
      await ok(["put", img, src, "/new.bin"]);
      await ok(["mkdir", "-p", img, "/a/b/c"]);
      await ok(["rm", img, "/etc/deep/er/big.bin"]);
      await ok(["mv", img, "/motd.link", "/a/b/c/link"]);
      execFileSync(E2FSCK!, ["-fn", img], { stdio: "pipe" }); // throws unless clean
      const fs = openImage(img);
      try {
        expect(Buffer.from(fs.readFile("/new.bin")).equals(data)).toBe(true);
        expect(fs.readlink("/a/b/c/link")).toBe("etc/motd");
        expect(fs.readdir("/etc/deep/er")).toEqual([]);
        expect(fs.lstat("/fifo").mode & 0o170000).toBe(0o010000);
        expect(fs.lstat("/setuid").mode & 0o7777).toBe(0o4755);
      } finally {
        fs.close();
      }
      const dump = join(dir, "real-ext4-new.bin");
      execFileSync(DEBUGFS!, ["-R", `dump /new.bin ${dump}`, img], { stdio: "pipe" });
      expect(readFileSync(dump).equals(data)).toBe(true);
      const ex = execFileSync(DEBUGFS!, ["-R", "stat /new.bin", img], { stdio: "pipe" }).toString();
      expect(ex).toMatch(/Flags: 0x80000/); // an extent-mapped file
    },
  );
});

describe("makefs(), the library call", () => {
  it("makes and fills an image in one call; the same epoch gives the same bytes as fsu mkfs -d", async () => {
    const { makefs } = await import("../src/index.js");
    const a = join(dir, "lib.img");
    const st = await makefs(a, {
      type: "ext2",
      dir: tree,
      timestamp: EPOCH,
      owner: { uid: 0, gid: 0 },
    });
    expect(st.files).toBeGreaterThan(3);
    expect(st.hardlinks).toBe(1);
    const b = join(dir, "cli.img");
    mkfsIn(
      { SOURCE_DATE_EPOCH: String(EPOCH) },
      ["-t", "ext2", "-d", tree, "--owner", "0:0", b],
      "022",
    );
    expect(sha(a)).toBe(sha(b));
  });
});

const FSCK_FAT = ["/usr/sbin/fsck.fat", "/sbin/fsck.fat"].find((f) => existsSync(f));
const MCOPY = ["/usr/bin/mcopy"].find((f) => existsSync(f));

describe.skipIf(FSCK_FAT === undefined || MCOPY === undefined)(
  "mkfs -t msdos -d (skipped without dosfstools and mtools)",
  () => {
    it("fsck.fat -n clean, mcopy gives the files back; what FAT cannot hold is skipped by name; reproducible", async () => {
      const img = join(dir, "fat.img");
      const r = await fsu(["mkfs", "-t", "msdos", "-d", tree, img]);
      // links, FIFOs and devices have no place on FAT: named on stderr, exit 1, the rest copied
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/skipped .*motd\.link/);
      expect(r.stderr).toMatch(/skipped .*fifo/);
      execFileSync(FSCK_FAT!, ["-n", img], { stdio: "pipe" }); // throws unless clean
      const out = join(dir, "fat-out");
      mkdirSync(out);
      execFileSync(
        MCOPY!,
        ["-s", "-n", "-i", img, "::/etc", "::/empty", "::/motd.hard", "::/naïve-名前.txt", out],
        {
          env: { ...process.env, MTOOLS_SKIP_CHECK: "1", LC_ALL: "C.UTF-8" },
          stdio: "pipe",
        },
      );
      const rows = (root: string): string[] =>
        describeHostTree(root)
          .filter((x) => !/^(fifo|null|motd\.link|dangling|setuid) /.test(x))
          .map((x) => x.replace(/ \d+ (\S*)$/, " $1")); // FAT keeps no modes
      expect(rows(out)).toEqual(rows(tree));
      expect(readFileSync(join(out, "motd.hard"), "utf8")).toBe("welcome\n");
      // the same tree, another process, time zone and umask: the same bytes
      const ft = join(dir, "fat-tree");
      mkdirSync(join(ft, "EFI/BOOT"), { recursive: true });
      writeFileSync(join(ft, "EFI/BOOT/BOOTX64.EFI"), Buffer.alloc(70_000, 0x4d));
      writeFileSync(join(ft, "a long name.txt"), "x\n");
      const a = join(dir, "fat-a.img");
      const b = join(dir, "fat-b.img");
      mkfsIn({ SOURCE_DATE_EPOCH: String(EPOCH), TZ: "UTC" }, ["-t", "msdos", "-d", ft, a], "022");
      await new Promise((res) => setTimeout(res, 1100));
      mkfsIn(
        { SOURCE_DATE_EPOCH: String(EPOCH), TZ: "Pacific/Chatham" },
        ["-t", "msdos", "-d", ft, b],
        "077",
      );
      expect(sha(a)).toBe(sha(b));
      execFileSync(FSCK_FAT!, ["-n", a], { stdio: "pipe" });
    });
  },
);
