/**
 * Issue 11, defects 4 and 5 through the real fsu binary: device nodes in
 * `ls -l` and `stat` (major, minor) on FFS and ext2, and an image left
 * unclean by a `kill -9` in the middle of `put -r` made writable again by
 * `fsu fsck -y` (or written anyway with `--force`); `-p` preens.
 */
import { execFileSync, spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, fails, fsu, ok } from "./fsu_helpers.js";
import { MAKEFS } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "fsu-fsck-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MKE2FS = "/usr/sbin/mke2fs";
const root = process.getuid?.() === 0;
const noDevices = !root
  ? "mknod needs root"
  : !existsSync(MAKEFS)
    ? `${MAKEFS} is not installed`
    : !existsSync(MKE2FS)
      ? `${MKE2FS} is not installed`
      : null;
if (noDevices !== null) console.log(`fsu_fsck.test.ts: device-node images skipped: ${noDevices}`);

/** A host tree with a character and a block device of large numbers, a fifo and a file. */
function devTree(): string {
  const t = join(dir, "devtree");
  rmSync(t, { recursive: true, force: true });
  mkdirSync(t, { recursive: true });
  execFileSync("mknod", [join(t, "cdev"), "c", "200", "300"]);
  execFileSync("mknod", [join(t, "bdev"), "b", "4000", "1000000"]);
  execFileSync("mkfifo", [join(t, "fifo")]);
  writeFileSync(join(t, "file"), "text\n");
  return t;
}

describe.skipIf(noDevices !== null)("device nodes in ls -l and stat", () => {
  const lines = (out: string): Map<string, string> =>
    new Map(
      out
        .trim()
        .split("\n")
        .filter((l) => !l.startsWith("total"))
        .map((l) => [l.split(/\s+/).at(-1)!, l]),
    );

  it("FFS (makefs): major, minor in place of the size; removable; fsck clean", async () => {
    const t = devTree();
    const img = join(dir, "dev-ffs.img");
    execFileSync(MAKEFS, ["-t", "ffs", "-s", "4m", "-o", "version=2", img, t], { stdio: "pipe" });
    const ls = lines(await ok(["ls", "-l", img, "/"]));
    expect(ls.get("cdev")).toMatch(/^crw-r--r-- +1 +0 +0 +200, 300 /);
    expect(ls.get("bdev")).toMatch(/^brw-r--r-- +1 +0 +0 +4000, 1000000 /);
    expect(ls.get("fifo")).toMatch(/^prw-r--r-- +1 +0 +0 +0 /);
    expect(await ok(["stat", img, "/cdev"])).toMatch(/Type: character device .*Device: 200, 300\n/);
    const j = JSON.parse(await ok(["stat", "--json", img, "/bdev"])) as Record<string, number>;
    expect([j.major, j.minor, j.rdev]).toEqual([4000, 1_000_000, 0xf42fa040]);
    await ok(["rm", img, "/cdev", "/bdev", "/fifo"]);
    expect(await ok(["fsck", img])).toMatch(/no problems found\n$/);
    expect(await ok(["ls", img, "/"])).toBe("file\n");
  });

  it("ext2 (mke2fs -d): the same", async () => {
    const img = join(dir, "dev-e2.img");
    execFileSync(MKE2FS, ["-q", "-F", "-t", "ext2", "-d", devTree(), img, "4M"], {
      stdio: "pipe",
    });
    const ls = lines(await ok(["ls", "-l", img, "/"]));
    expect(ls.get("cdev")).toMatch(/^crw-r--r-- +1 +0 +0 +200, 300 /);
    expect(ls.get("bdev")).toMatch(/^brw-r--r-- +1 +0 +0 +4000, 1000000 /);
  });
});

/** Blocks the image file holds (it grows as the kernel writes into its holes). */
const blocksOf = (p: string): number => statSync(p).blocks;

/**
 * `fsu put -r` of `src` into a fresh image, killed with SIGKILL once at
 * least `bytes` have reached the image. Returns whether it was killed (it
 * may finish first on a fast machine).
 */
async function putKilled(img: string, src: string, bytes: number): Promise<boolean> {
  const b0 = blocksOf(img);
  const child = spawn(process.execPath, [BIN, "put", "-r", img, src, "/big"], {
    env: { ...process.env, FSU_PROGRESS: "0" },
    stdio: "ignore",
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  let done = false;
  void exited.then(() => (done = true));
  while (!done && (blocksOf(img) - b0) * 512 < bytes) await new Promise((r) => setTimeout(r, 2));
  if (done) return false;
  child.kill("SIGKILL");
  expect(await exited).toBe(null);
  return true;
}

describe("an image left unclean by kill -9", () => {
  const img = join(dir, "killed.img");
  const src = join(dir, "big");

  it("fsu fsck reports it, writes are refused; fsu fsck -y repairs it and writes work", async () => {
    // 30 MB in 20 directories of 25 files: killed after 8 MiB, in the middle
    for (let d = 0; d < 20; d++) {
      mkdirSync(join(src, `d${d}`), { recursive: true });
      for (let f = 0; f < 25; f++)
        writeFileSync(join(src, `d${d}/f${f}`), Buffer.alloc(60_000 + f * 100, d * 25 + f));
    }
    await ok(["mkfs", "-s", "64m", img]);
    let killed = false;
    for (let tries = 0; tries < 3 && !killed; tries++) {
      if (tries > 0) await ok(["mkfs", "-s", "64m", img]);
      killed = await putKilled(img, src, 8 << 20);
    }
    expect(killed, "fsu put -r finished before it could be killed").toBe(true);
    const copy = join(dir, "killed-copy.img");
    copyFileSync(img, copy);

    const check = await fsu(["fsck", img]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain("the clean flag is not set (not unmounted cleanly)");
    expect(check.stderr).toMatch(/^fsu: EFTYPE: .*fsck '.*killed\.img': \d+ problems? found\n$/);
    expect(await fails(["mkdir", img, "/after"])).toMatch(
      /^fsu: EROFS: .*not clean.*repair it with fsu fsck -y \(or write anyway with --force\)$/,
    );

    const fix = await ok(["fsck", "-y", img]);
    expect(fix).toMatch(/\(marked clean\)\n.*killed\.img: \d+ problems? fixed; marked clean\n$/);
    expect(await ok(["fsck", img])).toMatch(/, clean: no problems found\n$/);
    await ok(["mkdir", img, "/after"]);
    expect(await ok(["fsck", img])).toMatch(/no problems found\n$/);

    // --force writes to the unrepaired copy, which stays not clean
    const forced = await fsu(["mkdir", "--force", copy, "/forced"]);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(
      /^fsu: warning: .*killed-copy\.img was not unmounted cleanly; writing to it anyway \(--force\)\. It stays marked not clean: run fsu fsck -y on it\n$/,
    );
    expect(await ok(["info", copy])).toMatch(/clean: no/);
  }, 60_000);

  it("fsck -p marks an image clean that only missed its clean flag; -p and -y exclude each other", async () => {
    const p = join(dir, "flag.img");
    await ok(["mkfs", "-s", "8m", p]);
    const b = readFileSync(p);
    b[65536 + 209] = 0; // fs_clean of the UFS2 superblock
    writeFileSync(p, b);
    expect(await ok(["fsck", "-p", p])).toMatch(
      /not clean\n {2}the clean flag was not set \(marked clean\)\n.*: 1 problem fixed; marked clean\n$/,
    );
    expect(await ok(["fsck", "-p", p])).toMatch(/clean: no problems found\n$/);
    const r = await fsu(["fsck", "-p", "-y", p]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/-n, -p and -y exclude each other/);
  });

  it("preen stops, changing nothing, on damage it does not fix; -y fixes it", async () => {
    const p = join(dir, "named.img");
    await ok(["mkfs", "-s", "8m", p]);
    await ok(["mkdir", p, "/d"]);
    // the root's third entry ("d", after "." and "..") now names inode 100, which is free
    const b = readFileSync(p);
    const sb = 65536;
    const fsize = b.readInt32LE(sb + 52);
    const rootIno = b.readInt32LE(sb + 16) * fsize + 2 * 256; // UFS2 inode 2
    const rootDir = Number(b.readBigInt64LE(rootIno + 112)) * fsize;
    expect(b.toString("latin1", rootDir + 24 + 8, rootDir + 24 + 9)).toBe("d");
    b.writeUInt32LE(100, rootDir + 24);
    writeFileSync(p, b);
    const r = await fsu(["fsck", "-p", p]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("directory 2: entry 'd' names unallocated inode 100");
    expect(r.stderr).toMatch(
      /: \d+ problems? that preen does not fix \(nothing was changed\): run fsu fsck -y\n$/,
    );
    expect(Buffer.compare(readFileSync(p), b)).toBe(0);
    const y = await ok(["fsck", "-y", p]);
    expect(y).toContain("directory 2: entry 'd' names unallocated inode 100 (removed)");
    expect(y).toMatch(/\(reconnected as \/lost\+found\/#\d+\)/);
    expect(await ok(["ls", p, "/lost+found"])).toMatch(/^#\d+\n$/);
  });

  it("ext2: fsck -y points at e2fsck", async () => {
    const p = join(dir, "e2.img");
    await ok(["mkfs", "-t", "ext2", "-s", "8m", p]);
    expect(await fails(["fsck", "-y", p])).toMatch(
      /^fsu: EOPNOTSUPP: .*fsck .*: no checker for ext2 yet \(use e2fsck -fy\)$/,
    );
  });
});
