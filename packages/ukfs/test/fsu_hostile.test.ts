/**
 * fsu against hostile images and destinations (issue 11): names that are
 * not one path component, symbolic links already in the destination, two
 * entries of one name, setuid files of other owners, empty link targets,
 * a stdout that cannot be written. Images are made by the real tools
 * (mke2fs -d, makefs) and then patched byte for byte; the engine's own
 * checks are also driven directly with a listing no file system would give.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostUtimens, hostUtimensExact } from "@rump/rumpuser";
import { S_IFDIR, S_IFREG, type Timespec } from "@rump/syscalls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyContents, hostSide, type Meta, type Side } from "../src/cli/copy.js";
import { openImage } from "../src/open.js";
import { fsu, ok } from "./fsu_helpers.js";
import { makefsMissing, MAKEFS } from "./helpers.js";

const SBIN = `/usr/sbin:/sbin:${process.env.PATH ?? ""}`;
const MKE2FS = ["/usr/sbin/mke2fs", "/sbin/mke2fs"].find((f) => existsSync(f));
const DEBUGFS = ["/usr/sbin/debugfs", "/sbin/debugfs"].find((f) => existsSync(f));
const e2Missing = (): string | null =>
  MKE2FS === undefined || DEBUGFS === undefined
    ? "mke2fs/debugfs are not installed (apt-get install e2fsprogs)"
    : null;
const isRoot = process.getuid?.() === 0;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fsu-hostile-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function fresh(name: string): string {
  const p = join(dir, name);
  mkdirSync(p, { recursive: true });
  return p;
}

function mke2fs(img: string, tree: string): void {
  execFileSync(MKE2FS!, ["-q", "-F", "-t", "ext2", "-b", "1024", "-d", tree, img, "4M"], {
    env: { ...process.env, PATH: SBIN, E2FSPROGS_FAKE_TIME: "1600000000" },
  });
}

function debugfs(img: string, ...cmds: string[]): void {
  for (const c of cmds) execFileSync(DEBUGFS!, ["-w", "-R", c, img], { stdio: "pipe" });
}

function makefs(img: string, tree: string): void {
  execFileSync(MAKEFS, ["-t", "ffs", "-o", "version=2", "-s", "4m", img, tree]);
}

/** Replace the one occurrence of `from` in the image by `to` (same length). */
function patchName(img: string, from: string, to: string): void {
  expect(to.length).toBe(from.length);
  const b = readFileSync(img);
  const needle = Buffer.from(from, "latin1");
  const at = b.indexOf(needle);
  expect(at, `${from} in ${img}`).toBeGreaterThanOrEqual(0);
  expect(b.indexOf(needle, at + 1), `${from} occurs once`).toBe(-1);
  Buffer.from(to, "latin1").copy(b, at);
  writeFileSync(img, b);
}

/** Every path under `root`, relative. */
function listTree(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const n of readdirSync(d).sort()) {
      const r = rel === "" ? n : `${rel}/${n}`;
      out.push(r);
      if (lstatSync(join(d, n)).isDirectory()) walk(join(d, n), r);
    }
  };
  walk(root, "");
  return out;
}

describe("names that are not one path component", () => {
  // the escape lands next to the case folder when the name is obeyed
  const ESC = "../../escaped-file";
  const PLACEHOLDER = "Q".repeat(ESC.length);

  for (const kind of ["ext2", "ffs"] as const) {
    it(`${kind}: a name with '/' and '..' makes getdents fail (EIO, a console line); get -r writes nothing outside DEST`, async (ctx) => {
      const why = kind === "ext2" ? e2Missing() : makefsMissing();
      if (why !== null) {
        console.log(`skipped: ${why}`);
        ctx.skip();
      }
      const c = fresh(`slash-${kind}`);
      const tree = join(c, "tree");
      mkdirSync(join(tree, "sub"), { recursive: true });
      writeFileSync(join(tree, "sub", PLACEHOLDER), "escaped!\n");
      writeFileSync(join(tree, "fine.txt"), "fine\n");
      const img = join(c, "img");
      if (kind === "ext2") mke2fs(img, tree);
      else makefs(img, tree);
      patchName(img, PLACEHOLDER, ESC);

      const ls = await fsu(["ls", img, "/sub"]);
      expect(ls.code).toBe(1);
      expect(ls.stderr).toMatch(/EIO/);
      const lines: string[] = [];
      const fs = openImage(img, { console: (l) => lines.push(l) });
      try {
        expect(() => fs.readdir("/sub")).toThrow(/EIO/);
      } finally {
        fs.close();
      }
      expect(lines.join("")).toMatch(/'\/'|NUL/);

      const dest = fresh(`slash-${kind}/dest`);
      const r = await fsu(["get", "-r", img, "/", dest]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/skipped \/sub/);
      expect(r.stderr).toMatch(/1 entry was skipped/);
      expect(existsSync(join(c, "escaped-file"))).toBe(false);
      expect(existsSync(join(dir, "escaped-file"))).toBe(false);
      expect(readFileSync(join(dest, "fine.txt"), "utf8")).toBe("fine\n"); // the rest is copied
    });
  }

  it("ext2: a name with NUL is refused by the kernel too", async (ctx) => {
    const why = e2Missing();
    if (why !== null) {
      console.log(`skipped: ${why}`);
      ctx.skip();
    }
    const c = fresh("nul");
    const tree = join(c, "tree");
    mkdirSync(join(tree, "d"), { recursive: true });
    writeFileSync(join(tree, "d", "NULNAMEX"), "x");
    const img = join(c, "img");
    mke2fs(img, tree);
    patchName(img, "NULNAMEX", "NUL\0AMEX");
    const r = await fsu(["ls", img, "/d"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/EIO/);
  });

  it("the extractor itself never uses a name that is empty, '.', '..', or holds '/' or NUL, nor a name twice", async () => {
    // a listing no sound kernel gives: the engine must hold without it
    const files = new Map<string, string>([
      ["ok", "fine"],
      ["../up", "escaped"],
      ["a/b", "escaped"],
      ["", "empty"],
      [".", "dot"],
      ["..", "dotdot"],
      ["n\0ul", "nul"],
    ]);
    const names = ["ok", "../up", "a/b", "", ".", "..", "n\0ul", "ok"];
    const now: Timespec = { tv_sec: 1_600_000_000, tv_nsec: 0 };
    const meta = (mode: number, size: number): Meta => ({
      mode,
      size,
      nlink: 1,
      id: String(size),
      uid: 0,
      gid: 0,
      atime: now,
      mtime: now,
      rdev: 0,
    });
    const fail = (): never => {
      throw new Error("not in this test");
    };
    const fake: Side = {
      isImage: true,
      lstat: (p) =>
        p === "/" ? meta(S_IFDIR | 0o755, 0) : meta(S_IFREG | 0o644, files.get(p.slice(1))!.length),
      lstatOrNull: fail,
      stat: fail,
      names: () => names,
      readlink: fail,
      openRead: (p) => [...files.keys()].indexOf(p.slice(1)),
      read: (fd, buf, pos) => {
        const text = Buffer.from([...files.values()][fd]!);
        return pos >= text.length ? 0 : text.copy(buf, 0, pos);
      },
      openNew: fail,
      openTrunc: fail,
      write: fail,
      fchmod: fail,
      fchown: fail,
      close: () => {},
      mkdir: fail,
      symlink: fail,
      link: fail,
      mknod: fail,
      unlink: fail,
      chmod: fail,
      lchown: fail,
      utimens: fail,
      join: (d, n) => (d === "/" ? "/" + n : `${d}/${n}`),
    };
    const c = fresh("engine");
    const dest = fresh("engine/in/dest");
    const stats = await copyContents(fake, "/", hostSide, dest, {
      recursive: true,
      preserve: true,
      owners: false,
      command: "get",
    });
    expect(stats.files).toBe(1);
    expect(stats.skipped).toBe(7);
    expect(listTree(c)).toEqual(["in", "in/dest", "in/dest/ok"]);
  });
});

describe("symbolic links already in the destination", () => {
  it("two FFS images into one DEST: the second's file and directory replace the first's links, nothing is written through them", async (ctx) => {
    const why = makefsMissing();
    if (why !== null) {
      console.log(`skipped: ${why}`);
      ctx.skip();
    }
    const c = fresh("two");
    const victim = join(c, "victim.txt");
    writeFileSync(victim, "precious\n");
    const outside = fresh("two/outside");
    const t1 = fresh("two/t1");
    symlinkSync(victim, join(t1, "evil"));
    symlinkSync(outside, join(t1, "d"));
    const t2 = fresh("two/t2");
    writeFileSync(join(t2, "evil"), "pwned\n");
    mkdirSync(join(t2, "d"));
    writeFileSync(join(t2, "d", "f"), "planted\n");
    const i1 = join(c, "1.img");
    const i2 = join(c, "2.img");
    makefs(i1, t1);
    makefs(i2, t2);
    expect(await ok(["fsck", i1])).toMatch(/clean/);
    expect(await ok(["fsck", i2])).toMatch(/clean/);
    const dest = fresh("two/dest");
    await ok(["get", "-r", i1, "/", dest]);
    expect(readlinkSync(join(dest, "evil"))).toBe(victim);
    await ok(["get", "-r", i2, "/", dest]);
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    expect(readdirSync(outside)).toEqual([]);
    expect(lstatSync(join(dest, "evil")).isFile()).toBe(true);
    expect(readFileSync(join(dest, "evil"), "utf8")).toBe("pwned\n");
    expect(lstatSync(join(dest, "d")).isDirectory()).toBe(true);
    expect(readFileSync(join(dest, "d/f"), "utf8")).toBe("planted\n");
  });

  it("ext2: a symbolic link and a file of one name in one directory; the second is skipped, the host file untouched", async (ctx) => {
    const why = e2Missing();
    if (why !== null) {
      console.log(`skipped: ${why}`);
      ctx.skip();
    }
    const c = fresh("dup");
    const victim = join(c, "victim.txt");
    writeFileSync(victim, "precious\n");
    const tree = fresh("dup/tree");
    symlinkSync(victim, join(tree, "evil"));
    writeFileSync(join(tree, "evim"), "pwned\n");
    writeFileSync(join(tree, "other"), "other\n");
    const img = join(c, "img");
    mke2fs(img, tree);
    patchName(img, "evim", "evil");
    const dest = fresh("dup/dest");
    const r = await fsu(["get", "-r", img, "/", dest]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/skipped \/evil: a second entry of the same name/);
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    expect(readFileSync(join(dest, "other"), "utf8")).toBe("other\n");
  });

  it("a single file onto a link in DEST replaces the link; onto a name the user gave, it writes there", async (ctx) => {
    const why = makefsMissing();
    if (why !== null) {
      console.log(`skipped: ${why}`);
      ctx.skip();
    }
    const c = fresh("single");
    const t = fresh("single/t");
    mkdirSync(join(t, "d"));
    writeFileSync(join(t, "d", "f"), "new\n");
    const img = join(c, "img");
    makefs(img, t);
    const victim = join(c, "victim");
    writeFileSync(victim, "precious\n");
    const dest = fresh("single/dest");
    mkdirSync(join(dest, "d"));
    symlinkSync(victim, join(dest, "d", "f"));
    await ok(["get", "-r", img, "/d", dest]);
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    expect(lstatSync(join(dest, "d/f")).isFile()).toBe(true);
    // the top-level name is the user's: an existing file there is written, as cp does
    const mine = join(c, "mine.txt");
    writeFileSync(mine, "old contents that are longer\n");
    await ok(["get", img, "/d/f", mine]);
    expect(readFileSync(mine, "utf8")).toBe("new\n");
  });
});

describe("owners and privileges", () => {
  it("get -r does not make setuid/setgid files of other owners; --same-owner restores owner and bits", async (ctx) => {
    const why = e2Missing();
    if (why !== null) {
      console.log(`skipped: ${why}`);
      ctx.skip();
    }
    const c = fresh("suid");
    const tree = fresh("suid/tree");
    mkdirSync(join(tree, "modes"));
    writeFileSync(join(tree, "modes", "mode-4755"), "#!/bin/sh\n");
    writeFileSync(join(tree, "modes", "mode-2755"), "#!/bin/sh\n");
    const img = join(c, "img");
    mke2fs(img, tree);
    debugfs(
      img,
      "sif /modes/mode-4755 mode 0104755",
      "sif /modes/mode-4755 uid 1000",
      "sif /modes/mode-4755 gid 1000",
      "sif /modes/mode-2755 mode 0102755",
      "sif /modes/mode-2755 uid 1000",
    );
    const plain = fresh("suid/plain");
    await ok(["get", "-r", img, "/modes", plain]);
    const s1 = statSync(join(plain, "modes/mode-4755"));
    expect(s1.mode & 0o7777).toBe(0o755);
    expect(s1.uid).toBe(process.getuid!());
    expect(statSync(join(plain, "modes/mode-2755")).mode & 0o7777).toBe(0o755);

    const same = fresh("suid/same");
    const r = await fsu(["get", "-r", "--same-owner", img, "/modes", same]);
    const s2 = statSync(join(same, "modes/mode-4755"));
    if (isRoot) {
      expect(r.code).toBe(0);
      expect(s2.uid).toBe(1000);
      expect(s2.gid).toBe(1000);
      expect(s2.mode & 0o7777).toBe(0o4755);
    } else {
      // an ordinary user cannot give files away: said, and the bits cleared
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/owner not restored/);
      expect(s2.mode & 0o7777).toBe(0o755);
    }
  });
});

describe("one bad entry does not end the copy", () => {
  it("FFS: an empty symbolic link target (what NetBSD leaves when a symlink hits ENOSPC) is reported and skipped; the rest is copied; exit 1", async (ctx) => {
    const why = makefsMissing();
    if (why !== null) {
      console.log(`skipped: ${why}`);
      ctx.skip();
    }
    const c = fresh("emptylink");
    const tree = fresh("emptylink/tree");
    const TARGET = "EMPTY-LINK-TARGET-XYZ";
    symlinkSync(TARGET, join(tree, "empty"));
    writeFileSync(join(tree, "zafter"), "after\n");
    writeFileSync(join(tree, "abefore"), "before\n");
    const img = join(c, "img");
    makefs(img, tree);
    // a short link's target sits in di_db (offset 112 of a UFS2 dinode); di_size is at 16
    const b = readFileSync(img);
    const at = b.indexOf(Buffer.from(TARGET));
    expect(at).toBeGreaterThan(112);
    expect(b.readBigUInt64LE(at - 112 + 16)).toBe(BigInt(TARGET.length));
    b.writeBigUInt64LE(0n, at - 112 + 16);
    writeFileSync(img, b);
    const dest = fresh("emptylink/dest");
    const r = await fsu(["get", "-r", img, "/", dest]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/skipped \/empty: an empty symbolic link target/);
    expect(readFileSync(join(dest, "abefore"), "utf8")).toBe("before\n");
    expect(readFileSync(join(dest, "zafter"), "utf8")).toBe("after\n");
  });

  it("ext2: an entry the kernel cannot read (a symlink inode of length 0) is reported and skipped", async (ctx) => {
    const why = e2Missing();
    if (why !== null) {
      console.log(`skipped: ${why}`);
      ctx.skip();
    }
    const c = fresh("e2emptylink");
    const tree = fresh("e2emptylink/tree");
    symlinkSync("somewhere", join(tree, "empty"));
    writeFileSync(join(tree, "zafter"), "after\n");
    const img = join(c, "img");
    mke2fs(img, tree);
    debugfs(img, "sif /empty size 0");
    const dest = fresh("e2emptylink/dest");
    const r = await fsu(["get", "-r", img, "/", dest]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/skipped \/empty: EIO/);
    expect(readFileSync(join(dest, "zafter"), "utf8")).toBe("after\n");
  });
});

describe("hard links and times", () => {
  it("put -r and get -r keep hard links as links and times to the nanosecond (FFS UFS2)", async () => {
    const c = fresh("links");
    const tree = fresh("links/tree");
    writeFileSync(join(tree, "a"), "shared\n");
    linkSync(join(tree, "a"), join(tree, "b"));
    mkdirSync(join(tree, "sub"));
    linkSync(join(tree, "a"), join(tree, "sub", "c"));
    writeFileSync(join(tree, "lone"), "lone\n");
    const mt: Timespec = { tv_sec: 1_700_000_000, tv_nsec: 441_584_953 };
    const at: Timespec = { tv_sec: 1_600_000_001, tv_nsec: 366_721_028 };
    hostUtimens(join(tree, "lone"), at, mt, false);
    const img = join(c, "img");
    await ok(["mkfs", "-s", "8m", img]);
    await ok(["put", "-r", img, tree, "/t"]);
    const fs = openImage(img);
    try {
      const a = fs.lstat("/t/a");
      expect(a.nlink).toBe(3);
      expect(fs.lstat("/t/b").ino).toBe(a.ino);
      expect(fs.lstat("/t/sub/c").ino).toBe(a.ino);
      const lone = fs.inFdProc("lstat", (sys) => sys.rump_sys_lstat("/t/lone"));
      expect(lone.st_mtimespec).toEqual(mt);
      expect(lone.st_atimespec).toEqual(at);
    } finally {
      fs.close();
    }
    const out = fresh("links/out");
    await ok(["get", "-r", img, "/t", out]);
    const ga = statSync(join(out, "t/a"));
    expect(ga.nlink).toBe(3);
    expect(statSync(join(out, "t/b")).ino).toBe(ga.ino);
    expect(statSync(join(out, "t/sub/c")).ino).toBe(ga.ino);
    const gl = statSync(join(out, "t/lone"), { bigint: true });
    if (hostUtimensExact) {
      expect(gl.mtimeNs).toBe(1_700_000_000_441_584_953n);
      expect(gl.atimeNs).toBe(1_600_000_001_366_721_028n);
    } else {
      expect(Number(gl.mtimeNs / 1000n)).toBeCloseTo(1_700_000_000_441_585, -1);
    }
  });

  it("ext2 hard links made by mke2fs -d come out as hard links", async (ctx) => {
    const why = e2Missing();
    if (why !== null) {
      console.log(`skipped: ${why}`);
      ctx.skip();
    }
    const c = fresh("e2links");
    const tree = fresh("e2links/tree");
    writeFileSync(join(tree, "x"), "x\n");
    linkSync(join(tree, "x"), join(tree, "y"));
    const img = join(c, "img");
    mke2fs(img, tree);
    const out = fresh("e2links/out");
    await ok(["get", "-r", img, "/", out]);
    expect(statSync(join(out, "x")).nlink).toBe(2);
    expect(statSync(join(out, "x")).ino).toBe(statSync(join(out, "y")).ino);
  });
});

describe("output errors", () => {
  it("a failed write to stdout is one line and exit 1, for every command that prints", async () => {
    const c = fresh("full");
    const img = join(c, "img");
    await ok(["mkfs", "-s", "4m", img]);
    await ok(["write", img, "/f"], { input: "x".repeat(100_000) });
    for (const args of [
      ["cat", img, "/f"],
      ["ls", "-l", img, "/"],
      ["find", img, "/"],
      ["tree", img, "/"],
      ["stat", img, "/f"],
      ["info", img],
      ["get", img, "/f", "-"],
    ]) {
      const r = spawnSync(
        "sh",
        ["-c", `node "$0" "$@" > /dev/full; echo "exit $?" >&2`, BIN_PATH, ...args],
        { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, FSU_PROGRESS: "0" } },
      );
      const out = r.stderr.toString();
      const lines = out.split("\n").filter((l) => l !== "");
      expect(lines, args.join(" ")).toEqual([
        "fsu: ENOSPC: no space left on device, write (stdout)",
        "exit 1",
      ]);
    }
  });

  it("get IMAGE FILE - writes the file to stdout", async () => {
    const c = fresh("dash");
    const img = join(c, "img");
    await ok(["mkfs", "-s", "4m", img]);
    await ok(["write", img, "/f"], { input: "to stdout\n" });
    expect(await ok(["get", img, "/f", "-"])).toBe("to stdout\n");
  });
});

const BIN_PATH = join(import.meta.dirname, "../dist/cli/fsu.cjs");
