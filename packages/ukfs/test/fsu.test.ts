/**
 * fsu, the command-line tools: every command run as the real binary on
 * images made by `fsu mkfs` (our newfs_ffs), with its output checked against
 * what was put in. One image (`base`) is only read; mutating tests share
 * `work`, each in paths of its own.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMANDS } from "../src/cli/commands/index.js";
import { commandHelp } from "../src/cli/help.js";
import type { Ukfs } from "../src/api.js";
import { openImage } from "../src/open.js";
import { probeImage } from "../src/probe.js";
import { fails, fsu, ok } from "./fsu_helpers.js";

let dir: string;
let base: string;
let work: string;
let tree: string;
const big = randomBytes(3 << 20);
const T1 = 1_600_000_000; // 2020-09-13

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fsu-test-"));
  tree = join(dir, "tree");
  mkdirSync(join(tree, "sub/deep"), { recursive: true });
  writeFileSync(join(tree, "hello.txt"), "hello, fsu\n");
  writeFileSync(join(tree, "sub/big.bin"), big);
  writeFileSync(join(tree, "sub/deep/script.sh"), "#!/bin/sh\necho hi\n");
  writeFileSync(join(tree, ".hidden"), "h");
  chmodSync(join(tree, "sub/deep/script.sh"), 0o750);
  chmodSync(join(tree, "hello.txt"), 0o640);
  symlinkSync("sub/deep/script.sh", join(tree, "link"));
  utimesSync(join(tree, "hello.txt"), T1, T1);
  utimesSync(join(tree, "sub/deep"), T1 + 60, T1 + 60);
  base = join(dir, "base.img");
  await ok(["mkfs", "-s", "16m", "-L", "fsutest", base]);
  await ok(["put", "-r", base, tree, "/t"]);
  work = join(dir, "work.img");
  copyFileSync(base, work);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.concurrent("fsu help", () => {
  it("lists every command, and each command has help with an example", async () => {
    const out = await ok(["--help"]);
    for (const c of COMMANDS) expect(out).toContain(`  ${c.name} `);
    for (const c of COMMANDS) {
      const h = commandHelp(c);
      expect(h).toContain(`usage: fsu ${c.name}`);
      expect(h).toMatch(/examples:\n {2}(echo .*\| )?fsu /);
    }
    const help = await ok(["help", "put"]);
    expect(help).toContain("fsu put -r disk.img ./site /var/www");
    expect(await ok(["put", "--help"])).toBe(help);
  });

  it("usage errors exit 2 with a usage line", async () => {
    for (const args of [["frob"], ["ls", "-Z", base], ["mv", base, "/a"]]) {
      const r = await fsu(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/usage: fsu|fsu --help/);
    }
  });
});

describe("fsu mkfs and info", () => {
  it("mkfs made the image file; info reports type, label, size and the clean flag", async () => {
    expect(statSync(base).size).toBe(16 << 20);
    const text = await ok(["info", base]);
    expect(text).toContain("FFS UFS2");
    expect(text).toContain("label: fsutest");
    expect(text).toContain("clean: yes");
    const j = JSON.parse(await ok(["info", "--json", base]));
    expect(j.size).toBe(16 << 20);
    expect(j.fs).toMatchObject({ type: "ffs", variant: "FFS UFS2", label: "fsutest", clean: true });
    expect(j.partitions).toEqual([]);
  });

  it("mkfs -O 1 with block and fragment sizes formats an existing file in place", async () => {
    const img = join(dir, "ufs1.img");
    writeFileSync(img, Buffer.alloc(4 << 20));
    expect(await ok(["mkfs", "-O", "1", "-b", "8192", "-f", "1024", img])).toContain("FFS UFS1");
    const j = JSON.parse(await ok(["info", "--json", img]));
    expect(j.fs.details).toMatchObject({ bsize: 8192, fsize: 1024 });
    await ok(["mkdir", img, "/d"]);
    expect(await ok(["ls", img, "/"])).toBe("d\n");
  });

  it("mkfs into an MBR partition; commands reach it as IMAGE%p1%", async () => {
    const img = join(dir, "mbr.img");
    const bytes = Buffer.alloc(8 << 20);
    // one partition, type 0xa9 (NetBSD), from sector 2048 to the end
    bytes.writeUInt8(0xa9, 446 + 4);
    bytes.writeUInt32LE(2048, 446 + 8);
    bytes.writeUInt32LE((8 << 11) - 2048, 446 + 12);
    bytes[510] = 0x55;
    bytes[511] = 0xaa;
    writeFileSync(img, bytes);
    await ok(["mkfs", "-L", "part1", `${img}%p1%`]);
    const j = JSON.parse(await ok(["info", "--json", img]));
    expect(j.partitions[0]).toMatchObject({ name: "p1", offset: 1 << 20 });
    expect(j.partitions[0].fs).toMatchObject({ type: "ffs", label: "part1", clean: true });
    await ok(["write", `${img}%p1%`, "/x"], { input: "in p1" });
    expect(await ok(["cat", img, "/x"])).toBe("in p1"); // the first partition with a file system
    expect(readFileSync(img).subarray(0, 512).equals(bytes.subarray(0, 512))).toBe(true);
  });

  it("mkfs -t ext2 formats with newfs_ext2fs; e2fsck finds it clean", async () => {
    const img = join(dir, "e2.img");
    expect(await ok(["mkfs", "-t", "ext2", "-s", "4m", "-L", "e2", img])).toBe(
      `${img}: ext2, 4.0 MiB, label "e2", clean\n`,
    );
    expect(probeImage(img).fs?.type).toBe("ext2fs");
    const e2fsck = ["/usr/sbin/e2fsck", "/sbin/e2fsck"].find((f) => existsSync(f));
    if (e2fsck === undefined) console.log("e2fsck check skipped: e2fsck is not installed");
    else execFileSync(e2fsck, ["-fn", img], { stdio: "pipe" }); // throws unless clean
  });

  it("mkfs -t ext4 makes what mkfs.ext4 makes: e2fsck clean, a journal, files go in and out", async () => {
    const img = join(dir, "e4.img");
    expect(await ok(["mkfs", "-t", "ext4", "-s", "32m", "-L", "e4", img])).toBe(
      `${img}: ext4, 32.0 MiB, label "e4", clean\n`,
    );
    const e2fsck = ["/usr/sbin/e2fsck", "/sbin/e2fsck"].find((f) => existsSync(f));
    if (e2fsck === undefined) console.log("e2fsck check skipped: e2fsck is not installed");
    else execFileSync(e2fsck, ["-fn", img], { stdio: "pipe" });
    await ok(["write", img, "/hello"], { input: "ext4 here" });
    expect(await ok(["cat", img, "/hello"])).toBe("ext4 here");
    if (e2fsck !== undefined) execFileSync(e2fsck, ["-fn", img], { stdio: "pipe" });
    // a second image gets another UUID
    const img2 = join(dir, "e4b.img");
    await ok(["mkfs", "-t", "ext4", "-s", "32m", img2]);
    const uuid = (p: string): string =>
      readFileSync(p)
        .subarray(1024 + 104, 1024 + 120)
        .toString("hex");
    expect(uuid(img2)).not.toBe(uuid(img));
  });
});

describe("fsu put, get, ls, cat", () => {
  it("ls -l shows modes, sizes, times and link targets; -a the dot files", async () => {
    const out = await ok(["ls", "-l", base, "/t"]);
    expect(out).toMatch(/^total \d+\n/);
    expect(out).toMatch(/-rw-r----- +1 0 +0 +11 Sep 13 {2}2020 hello\.txt\n/);
    expect(out).toMatch(/lrwxr-xr-x .* link -> sub\/deep\/script\.sh\n/);
    expect(out).toMatch(/drwxr-xr-x +3 .* sub\n/);
    expect(out).not.toContain(".hidden");
    expect(await ok(["ls", base, "/t"])).toBe("hello.txt\nlink\nsub\n");
    expect(await ok(["ls", "-a", base, "/t"])).toBe(".\n..\n.hidden\nhello.txt\nlink\nsub\n");
    expect(await ok(["ls", "-d", base, "/t/sub"])).toBe("/t/sub\n");
  });

  it("ls -R and ls --json", async () => {
    expect(await ok(["ls", "-R", base, "/t/sub"])).toBe(
      "/t/sub:\nbig.bin\ndeep\n\n/t/sub/deep:\nscript.sh\n",
    );
    const j = JSON.parse(await ok(["ls", "--json", base, "/t/sub"])) as Record<string, unknown>[];
    expect(j.map((e) => [e.name, e.type, e.size])).toEqual([
      ["big.bin", "file", big.length],
      ["deep", "directory", 512],
    ]);
    expect(j[1]).toMatchObject({
      path: "/t/sub/deep",
      mode: 0o40755, // type bits too, as Node's Stats.mode
      mtime: new Date((T1 + 60) * 1000).toISOString(),
    });
  });

  it("cat writes the exact bytes", async () => {
    expect((await fsu(["cat", base, "/t/sub/big.bin"])).raw.equals(big)).toBe(true);
    expect(await ok(["cat", base, "/t/hello.txt", "/t/hello.txt"])).toBe("hello, fsu\n".repeat(2));
  });

  it("get -r brings the tree back with its bytes, modes, times and links", async () => {
    const out = join(dir, "got");
    mkdirSync(out);
    await ok(["get", "-r", base, "/t", out]);
    const g = join(out, "t");
    expect(readFileSync(join(g, "sub/big.bin")).equals(big)).toBe(true);
    expect(readFileSync(join(g, "hello.txt"), "utf8")).toBe("hello, fsu\n");
    expect(statSync(join(g, "hello.txt")).mode & 0o7777).toBe(0o640);
    expect(statSync(join(g, "sub/deep/script.sh")).mode & 0o7777).toBe(0o750);
    expect(statSync(join(g, "hello.txt")).mtimeMs).toBe(T1 * 1000);
    expect(statSync(join(g, "sub/deep")).mtimeMs).toBe((T1 + 60) * 1000);
    expect(readlinkSync(join(g, "link"))).toBe("sub/deep/script.sh");
    expect(lstatSync(join(g, ".hidden")).size).toBe(1);
    // the whole image into an existing directory: its entries land there
    const all = join(dir, "all");
    mkdirSync(all);
    await ok(["get", "-r", base, "/", all]);
    expect(readFileSync(join(all, "t/sub/big.bin")).equals(big)).toBe(true);
    // a single file, to a new name
    await ok(["get", base, "/t/hello.txt", join(out, "h2")]);
    expect(readFileSync(join(out, "h2"), "utf8")).toBe("hello, fsu\n");
  });

  it("put of one file into a directory keeps its name; the image stays clean", async () => {
    await ok(["put", work, join(tree, "hello.txt"), "/"]);
    expect(await ok(["cat", work, "/hello.txt"])).toBe("hello, fsu\n");
    expect(probeImage(work).fs?.clean).toBe(true);
  });

  it("shows a progress bar for copies over 8 MiB when asked (FSU_PROGRESS=1 stands in for a terminal)", async () => {
    const img = join(dir, "progress.img");
    await ok(["mkfs", "-s", "20m", img]);
    const nine = Buffer.alloc(9 << 20, 7);
    nine.write("end", nine.length - 3);
    const host = join(dir, "nine.bin");
    writeFileSync(host, nine);
    const r = await fsu(["put", img, host, "/nine.bin"], { env: { FSU_PROGRESS: "1" } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\[#{30}\] 100% {2}9\.0\/9\.0 MiB/);
    const back = join(dir, "nine.back");
    const g = await fsu(["get", img, "/nine.bin", back]); // stderr is not a terminal: no bar
    expect(g.code).toBe(0);
    expect(g.stderr).toBe("");
    expect(readFileSync(back).equals(nine)).toBe(true);
  });
});

/** Look into an image in this process (read-only, closed at once): cheaper than a spawn. */
function look<T>(img: string, fn: (fs: Ukfs) => T): T {
  const fs = openImage(img, { console: () => {} });
  try {
    return fn(fs);
  } finally {
    fs.close();
  }
}

describe("fsu commands that change the image", () => {
  it("mkdir -p, rmdir, rm -r, rm -f", async () => {
    await ok(["mkdir", "-p", work, "/a/b/c", "/a/b/d"]);
    await ok(["mkdir", "-m", "700", work, "/a/private"]);
    await ok(["rmdir", work, "/a/b/c"]);
    look(work, (fs) => {
      expect(fs.readdir("/a/b")).toEqual(["d"]);
      expect(fs.stat("/a/private").mode & 0o7777).toBe(0o700);
    });
    await ok(["rm", "-r", "-f", work, "/a", "/never"]);
    look(work, (fs) => expect(fs.exists("/a")).toBe(false));
  });

  it("cp -r copies inside the image; mv renames and moves into a directory", async () => {
    await ok(["cp", "-r", work, "/t/sub", "/copy"]);
    await ok(["mkdir", work, "/dest"]);
    await ok(["mv", work, "/copy", "/dest"]);
    look(work, (fs) => {
      expect(fs.readFile("/dest/copy/big.bin").equals(big)).toBe(true);
      expect(fs.readFile("/dest/copy/deep/script.sh", "utf8")).toBe("#!/bin/sh\necho hi\n");
      expect(fs.exists("/copy")).toBe(false);
    });
  });

  it("ln and ln -s", async () => {
    await ok(["ln", work, "/t/hello.txt", "/hard"]);
    await ok(["ln", "-s", work, "t/hello.txt", "/soft"]);
    look(work, (fs) => {
      expect(fs.stat("/hard").nlink).toBe(2);
      expect(fs.readlink("/soft")).toBe("t/hello.txt");
      expect(fs.readFile("/soft", "utf8")).toBe("hello, fsu\n");
    });
  });

  it("chmod (octal and symbolic), chown, touch", async () => {
    await ok(["touch", "-d", "2021-02-03T04:05:06Z", work, "/m", "/n"]);
    await ok(["chmod", work, "604", "/m"]);
    await ok(["chmod", work, "u+x,g=r,o-r", "/m", "/n"]);
    await ok(["chown", work, "1000:100", "/m"]);
    await ok(["chown", work, ":7", "/n"]);
    await ok(["touch", "-c", work, "/not-made"]);
    look(work, (fs) => {
      const m = fs.stat("/m");
      const n = fs.stat("/n");
      expect([m.mode & 0o7777, m.uid, m.gid]).toEqual([0o740, 1000, 100]);
      expect([n.mode & 0o7777, n.uid, n.gid]).toEqual([0o740, 0, 7]); // 644 → u+x,g=r,o-r
      expect(n.mtime.toISOString()).toBe("2021-02-03T04:05:06.000Z");
      expect(fs.exists("/not-made")).toBe(false);
    });
  });

  it("chflags uchg makes a file immutable until nouchg", async () => {
    await ok(["write", work, "/imm"], { input: "x" });
    await ok(["chflags", work, "uchg,nodump", "/imm"]);
    expect(JSON.parse(await ok(["stat", "--json", work, "/imm"])).flagNames).toBe("nodump,uchg");
    expect(await fails(["rm", work, "/imm"])).toBe(
      "fsu: EPERM: operation not permitted, unlink '/imm'",
    );
    await ok(["chflags", work, "nouchg", "/imm"]);
    look(work, (fs) => expect(fs.stat("/imm").flags).toBe(1)); // nodump stays
  });

  it("write copies stdin into a file; -a appends", async () => {
    await ok(["write", work, "/w.txt"], { input: "one\n" });
    await ok(["write", "-a", work, "/w.txt"], { input: "two\n" });
    look(work, (fs) => expect(fs.readFile("/w.txt", "utf8")).toBe("one\ntwo\n"));
  });
});

describe.concurrent("fsu commands that read (concurrently: they only read base)", () => {
  it("stat prints the inode's fields", async () => {
    const out = await ok(["stat", base, "/t/hello.txt"]);
    expect(out).toContain("  File: /t/hello.txt");
    expect(out).toContain("  Type: file  Size: 11");
    expect(out).toContain("  Mode: 0640 (-rw-r-----)  Uid: 0  Gid: 0");
    expect(out).toContain(`Modify: ${new Date(T1 * 1000).toISOString()}`);
  });

  it("df and df --json", async () => {
    const j = JSON.parse(await ok(["df", "--json", base]));
    expect(j.type).toBe("ffs");
    expect(j.size).toBeGreaterThan(12 << 20);
    expect(j.size).toBeLessThanOrEqual(16 << 20);
    expect(j.used).toBeGreaterThan(big.length);
    expect(j.available).toBeLessThan(j.size - j.used);
    const text = await ok(["df", base]);
    expect(text).toMatch(/^Filesystem +Type +1K-blocks +Used +Avail +Capacity +Mounted on\n/);
    expect(text).toContain(`${Math.floor(j.size / 1024)} `);
  });

  it("du counts the blocks below a directory", async () => {
    const lines = (await ok(["du", base, "/t"])).trim().split("\n");
    expect(lines.map((l) => l.split("\t")[1])).toEqual(["/t/sub/deep", "/t/sub", "/t"]);
    const kib = Number(lines.at(-1)!.split("\t")[0]);
    expect(kib).toBeGreaterThanOrEqual(big.length / 1024);
    expect(kib).toBeLessThan(big.length / 1024 + 64);
  });

  it("find -name and -type", async () => {
    expect(await ok(["find", base, "/t", "-name", "*.sh"])).toBe("/t/sub/deep/script.sh\n");
    expect(await ok(["find", base, "/t", "-type", "d"])).toBe("/t\n/t/sub\n/t/sub/deep\n");
    expect(await ok(["find", base, "/t", "-type", "f", "-name", "[bh]*"])).toBe(
      "/t/hello.txt\n/t/sub/big.bin\n",
    );
  });

  it("tree draws the hierarchy", async () => {
    expect(await ok(["tree", base, "/t"])).toBe(
      [
        "/t",
        "├── hello.txt",
        "├── link -> sub/deep/script.sh",
        "└── sub",
        "    ├── big.bin",
        "    └── deep",
        "        └── script.sh",
        "",
        "2 directories, 4 files",
        "",
      ].join("\n"),
    );
  });

  it("fsck finds a fresh image clean and reports a cleared clean flag", async () => {
    expect(await ok(["fsck", base])).toMatch(/: FFS UFS2 .*: no problems found\n$/);
    const img = join(dir, "dirty.img");
    copyFileSync(base, img);
    const b = readFileSync(img);
    b[65536 + 209] = 0; // fs_clean of the UFS2 superblock
    writeFileSync(img, b);
    const r = await fsu(["fsck", img]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("the clean flag is not set");
    expect(r.stderr).toMatch(/^fsu: EFTYPE: .*, fsck '.*dirty\.img': 1 problem found\n$/);
  });
});
