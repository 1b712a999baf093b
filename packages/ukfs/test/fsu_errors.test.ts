/**
 * fsu on bad input: each failure exits 1 with one line naming what is wrong,
 * and a failed command never leaves the image unclean. Also images made by
 * the real tools (makefs, mke2fs), skipped with the reason when missing.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openImage } from "../src/open.js";
import { probeImage } from "../src/probe.js";
import { BIN, fails, fsu, ok } from "./fsu_helpers.js";
import { buildTree, makeFfs, makefsMissing } from "./helpers.js";

let dir: string;
let img: string;

const clean = (path: string): boolean | null | undefined => probeImage(path).fs?.clean;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fsu-err-"));
  img = join(dir, "a.img");
  await ok(["mkfs", "-s", "4m", img]);
  await ok(["write", img, "/f"], { input: "a file" });
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("fsu bad input", () => {
  it("a missing image", async () => {
    expect(await fails(["ls", join(dir, "none.img"), "/"])).toBe(
      `fsu: ENOENT: no such file or directory, open '${join(dir, "none.img")}': no such image`,
    );
  });

  it("an image of no known type", async () => {
    const junk = join(dir, "junk.img");
    writeFileSync(junk, Buffer.alloc(1 << 20, 0x5a));
    expect(await fails(["ls", junk, "/"])).toBe(
      `fsu: EFTYPE: inappropriate file type or format, openImage '${junk}': no file system recognised (FFS, ext2, msdos, cd9660)`,
    );
  });

  it("a partition that does not exist", async () => {
    expect(await fails(["ls", `${img}%p3%`, "/"])).toBe(
      `fsu: ENOENT: no such file or directory, openImage '${img}': no partition "p3" (partitions: none)`,
    );
    expect(await fails(["ls", `${img}%DISKLABEL:c%`, "/"])).toMatch(
      /^fsu: ENOENT: .*, open '.*a\.img': partition %DISKLABEL:c%: no such partition \(or no disklabel\)$/,
    );
  });

  it("a relative path, and a path leading outside the image", async () => {
    expect(await fails(["cat", img, "f"])).toBe(
      "fsu: EINVAL: invalid argument, open 'f': paths inside the image are absolute (start with /)",
    );
    expect(await fails(["get", img, "/../../etc/passwd", dir])).toBe(
      "fsu: EINVAL: invalid argument, get '/../../etc/passwd': the path leads outside the image",
    );
  });

  it("a file where a directory is needed; the image stays clean", async () => {
    expect(await fails(["ls", img, "/f/x"])).toBe("fsu: ENOTDIR: not a directory, lstat '/f/x'");
    expect(await fails(["mkdir", "-p", img, "/f/sub"])).toBe(
      "fsu: ENOTDIR: not a directory, mkdir '/f': a file is in the way",
    );
    const host = join(dir, "h.txt");
    writeFileSync(host, "x");
    expect(await fails(["put", img, host, "/f/h.txt"])).toBe(
      "fsu: ENOTDIR: not a directory, stat '/f/h.txt'",
    );
    expect(await fails(["get", img, "/f", join(dir, "no/such/dir/f")])).toMatch(
      /^fsu: ENOENT: no such file or directory, open '.*no\/such\/dir\/f'$/,
    );
    expect(clean(img)).toBe(true);
  });

  it("a full file system during put: stops, says so, removes the partial file, stays consistent", async () => {
    const src = join(dir, "fill");
    mkdirSync(src);
    for (let i = 0; i < 3; i++) writeFileSync(join(src, `part${i}`), Buffer.alloc(1536 << 10, i));
    const line = await fails(["put", "-r", img, src, "/fill"]);
    expect(line).toMatch(
      /^fsu: ENOSPC: no space left on device, pwrite '\/fill\/part2': the image is full: stopped after 2 files, \d+ bytes; removed the partial \/fill\/part2$/,
    );
    expect(await ok(["ls", img, "/fill"])).toBe("part0\npart1\n");
    expect(clean(img)).toBe(true);
    expect(await ok(["fsck", img])).toContain("no problems found");
    await ok(["rm", "-r", img, "/fill"]);
  });

  it("an image another process holds read-write is refused, naming the image", async () => {
    const held = openImage(img, { readonly: false, console: () => {} });
    try {
      held.writeFile("/held", "by the test process");
      const w = await fails(["mkdir", img, "/x"]);
      expect(w).toMatch(/^fsu: EAGAIN: resource temporarily unavailable, open '.*a\.img': /);
      expect(w).toContain(img);
      expect(await fails(["ls", img, "/"])).toMatch(/^fsu: EAGAIN: .*a\.img/);
      expect(await fails(["mkfs", "-F", img])).toMatch(/^fsu: EAGAIN: .*a\.img/);
    } finally {
      held.close();
    }
    expect(await ok(["cat", img, "/held"])).toBe("by the test process");
    expect(clean(img)).toBe(true);
  });
});

describe("fsu interrupted", () => {
  it("Ctrl-C during put: stops, removes the partial file, unmounts cleanly", async () => {
    const big = join(dir, "big.img");
    await ok(["mkfs", "-s", "96m", big]);
    const host = join(dir, "64m.bin");
    writeFileSync(host, Buffer.alloc(64 << 20, 1));
    const child = spawn(process.execPath, [BIN, "put", big, host, "/64m.bin"], {
      env: { ...process.env, FSU_PROGRESS: "1" },
    });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => {
      if (stderr === "") child.kill("SIGINT"); // the first progress report: copying has begun
      stderr += b.toString();
    });
    const code = await new Promise<number | null>((r) => child.on("close", r));
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /\nfsu: EINTR: interrupted system call, put '\/64m\.bin': interrupted; the image was unmounted cleanly; removed the partial \/64m\.bin\n$/,
    );
    expect(clean(big)).toBe(true);
    expect(await ok(["ls", big, "/"])).toBe("");
  });
});

describe("fsu on images made by the real tools", () => {
  it("an FFS image made by makefs: ls -l, cat, fsck", async (ctx) => {
    const why = makefsMissing();
    if (why !== null) {
      console.log(`skipped: ${why}`);
      ctx.skip();
    }
    const tree = join(dir, "mtree");
    mkdirSync(tree);
    buildTree(tree);
    const m = join(dir, "makefs.img");
    makeFfs(m, tree, 1);
    expect(await ok(["ls", "-l", m, "/docs/deep"])).toMatch(/-rw-r--r-- .* 70000 .* b\.bin\n$/);
    expect(await ok(["cat", m, "/link"])).toBe("# a\n");
    expect(await ok(["fsck", m])).toContain("FFS UFS1");
  });

  it("an ext2 image made by mke2fs: read, written, e2fsck-clean; fsck says to use e2fsck", async (ctx) => {
    if (!existsSync("/usr/sbin/mke2fs") && !existsSync("/sbin/mke2fs")) {
      console.log("skipped: mke2fs is not installed (apt-get install e2fsprogs)");
      ctx.skip();
    }
    const tree = join(dir, "etree");
    mkdirSync(tree);
    buildTree(tree);
    const e = join(dir, "e2.img");
    execFileSync(
      "mke2fs",
      ["-q", "-t", "ext2", "-b", "1024", "-L", "e2test", "-d", tree, e, "4M"],
      {
        env: {
          ...process.env,
          PATH: `/usr/sbin:/sbin:${process.env.PATH ?? ""}`,
          E2FSPROGS_FAKE_TIME: "1600000000",
        },
      },
    );
    expect(await ok(["info", e])).toContain("label: e2test");
    expect(await ok(["ls", e, "/docs"])).toBe("a.md\ndeep\n");
    expect(await ok(["cat", e, "/hello.txt"])).toBe("hello from ffs\n");
    // written by fsu, checked by e2fsck
    await ok(["put", "-r", e, join(tree, "docs"), "/docs2"]);
    await ok(["rm", "-r", e, "/docs"]);
    execFileSync(existsSync("/usr/sbin/e2fsck") ? "/usr/sbin/e2fsck" : "e2fsck", ["-fn", e], {
      stdio: "pipe",
    });
    expect(await ok(["cat", e, "/docs2/a.md"])).toBe("# a\n");
    const r = await fsu(["fsck", e]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^fsu: EOPNOTSUPP: .*fsck .*: no checker for ext2 yet \(use e2fsck -fn\)\n$/,
    );
  });
});
