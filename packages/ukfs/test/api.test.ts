/**
 * The object API (Node fs names) on private tmpfs handles: files,
 * directories, links, attributes, streams with pipeline, walk, statfs,
 * close and Symbol.dispose.
 */
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterEach, describe, expect, it } from "vitest";
import { EEXIST, EISDIR, ENOENT, ENOTEMPTY, RumpError } from "@rump/syscalls";
import { openTmpfs, type Ukfs } from "../src/index.js";

const handles: Ukfs[] = [];
function fresh(): Ukfs {
  const fs = openTmpfs();
  handles.push(fs);
  return fs;
}
afterEach(() => {
  for (const fs of handles.splice(0)) if (fs.alive) fs.close();
});

function err(fn: () => unknown): RumpError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RumpError) return e;
    throw e;
  }
  throw new Error("did not fail");
}

describe("files", () => {
  it("writeFile, readFile, appendFile, truncate", () => {
    const fs = fresh();
    fs.writeFile("/a.txt", "hello");
    fs.appendFile("/a.txt", ", world");
    expect(fs.readFile("/a.txt", "utf8")).toBe("hello, world");
    expect(fs.readFile("/a.txt")).toEqual(Buffer.from("hello, world"));
    fs.writeFile("/a.txt", new Uint8Array([1, 2, 3]));
    expect([...fs.readFile("/a.txt")]).toEqual([1, 2, 3]);
    fs.truncate("/a.txt", 1);
    expect(fs.stat("/a.txt").size).toBe(1);
    const e = err(() => fs.writeFile("/a.txt", "x", { flag: "wx" }));
    expect(e.code).toBe("EEXIST");
    expect(e.errno).toBe(EEXIST);
    const big = Buffer.alloc(300_000, 7);
    fs.writeFile("/big", big, { mode: 0o600 });
    expect(fs.readFile("/big").equals(big)).toBe(true);
    expect(fs.stat("/big").mode & 0o777).toBe(0o600);
  });

  it("errors name the call, the path and NetBSD's errno", () => {
    const fs = fresh();
    const e = err(() => fs.readFile("/nope"));
    expect(e.errno).toBe(ENOENT);
    expect(e.syscall).toBe("open");
    expect(e.path).toBe("/nope");
    expect(e.message).toBe("ENOENT: no such file or directory, open '/nope'");
  });

  it("stat, lstat, chmod, chown, utimes", () => {
    const fs = fresh();
    fs.writeFile("/f", "x");
    fs.symlink("/f", "/l");
    const st = fs.stat("/f");
    expect(st.isFile()).toBe(true);
    expect(fs.lstat("/l").isSymbolicLink()).toBe(true);
    expect(fs.stat("/l").ino).toBe(st.ino);
    fs.chmod("/f", 0o751);
    expect(fs.stat("/f").mode & 0o7777).toBe(0o751);
    fs.chown("/f", 1000, 100);
    expect([fs.stat("/f").uid, fs.stat("/f").gid]).toEqual([1000, 100]);
    fs.utimes("/f", 1_000_000_000.5, new Date(1_500_000_000_000));
    const t = fs.stat("/f");
    expect(t.atimeMs).toBe(1_000_000_000_500);
    expect(t.mtime.getTime()).toBe(1_500_000_000_000);
    expect(t.raw.st_atimespec.tv_nsec).toBe(500_000_000);
  });
});

describe("directories", () => {
  it("mkdir (recursive), readdir (withFileTypes), rm (recursive, force), rmdir, rename, link", () => {
    const fs = fresh();
    expect(fs.mkdir("/a/b/c", { recursive: true })).toBe("/a");
    expect(fs.mkdir("/a/b/c", { recursive: true })).toBeUndefined();
    expect(err(() => fs.mkdir("/a")).errno).toBe(EEXIST);
    fs.writeFile("/a/b/file", "1");
    fs.link("/a/b/file", "/a/hard");
    fs.symlink("b/file", "/a/soft");
    expect(fs.readdir("/a").sort()).toEqual(["b", "hard", "soft"]);
    const ents = fs.readdir("/a", { withFileTypes: true });
    const byName = new Map(ents.map((d) => [d.name, d]));
    expect(byName.get("b")!.isDirectory()).toBe(true);
    expect(byName.get("hard")!.isFile()).toBe(true);
    expect(byName.get("soft")!.isSymbolicLink()).toBe(true);
    expect(byName.get("b")!.parentPath).toBe("/a");
    expect(fs.readlink("/a/soft")).toBe("b/file");
    expect(fs.stat("/a/hard").nlink).toBe(2);
    fs.rename("/a/hard", "/a/renamed");
    expect(fs.exists("/a/hard")).toBe(false);
    expect(fs.exists("/a/renamed")).toBe(true);
    expect(err(() => fs.rmdir("/a")).errno).toBe(ENOTEMPTY);
    expect(err(() => fs.rm("/a")).errno).toBe(EISDIR);
    expect(err(() => fs.rm("/missing")).errno).toBe(ENOENT);
    fs.rm("/missing", { force: true });
    fs.rm("/a", { recursive: true });
    expect(fs.readdir("/")).toEqual([]);
    fs.mkdir("/e");
    fs.rmdir("/e");
    fs.writeFile("/u", "");
    fs.unlink("/u");
    expect(fs.readdir("/")).toEqual([]);
  });

  it("chdir: relative paths start at the handle's cwd", () => {
    const fs = fresh();
    fs.mkdir("/w/x", { recursive: true });
    fs.chdir("/w");
    fs.writeFile("x/f", "in x");
    expect(fs.readFile("/w/x/f", "utf8")).toBe("in x");
    expect(fs.cwd).toBe("/w");
  });

  it("walk visits the tree depth first (pre-order), in name order, without following links", () => {
    const fs = fresh();
    fs.mkdir("/t/b/d", { recursive: true });
    fs.mkdir("/t/a");
    fs.writeFile("/t/a/1", "");
    fs.writeFile("/t/b/d/2", "");
    fs.writeFile("/t/c", "");
    fs.symlink("/t", "/t/loop");
    const seen = [...fs.walk("/t")].map((e) => `${e.depth}:${e.path}`);
    expect(seen).toEqual([
      "0:/t",
      "1:/t/a",
      "2:/t/a/1",
      "1:/t/b",
      "2:/t/b/d",
      "3:/t/b/d/2",
      "1:/t/c",
      "1:/t/loop",
    ]);
    const root = [...fs.walk()].map((e) => e.path);
    expect(root[0]).toBe("/"); // the root first, as find(1) prints it
    expect(root[1]).toBe("/t");
    expect(root).toHaveLength(9);
  });

  it("statfs", () => {
    const fs = fresh();
    const s = fs.statfs();
    expect(s.type).toBe("tmpfs");
    expect(s.bsize).toBeGreaterThan(0);
    expect(s.readonly).toBe(false);
    expect(s.mntonname).toBe(fs.mountpath);
  });
});

describe("streams", () => {
  it("pipeline from a Readable into createWriteStream and back out of createReadStream", async () => {
    const fs = fresh();
    const data = Buffer.alloc(1_000_003);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    const chunks = [data.subarray(0, 10), data.subarray(10, 700_000), data.subarray(700_000)];
    await pipeline(Readable.from(chunks), fs.createWriteStream("/copy"));
    expect(fs.stat("/copy").size).toBe(data.length);
    const got: Buffer[] = [];
    await pipeline(
      fs.createReadStream("/copy"),
      new Writable({
        write(chunk: Buffer, _e, cb) {
          got.push(chunk);
          cb();
        },
      }),
    );
    expect(Buffer.concat(got).equals(data)).toBe(true);
    // a range
    const part: Buffer[] = [];
    for await (const c of fs.createReadStream("/copy", { start: 5, end: 9 }))
      part.push(c as Buffer);
    expect(Buffer.concat(part).equals(data.subarray(5, 10))).toBe(true);
  });

  it("append mode, and errors surface through pipeline", async () => {
    const fs = fresh();
    fs.writeFile("/log", "a");
    await pipeline(
      Readable.from([Buffer.from("b"), Buffer.from("c")]),
      fs.createWriteStream("/log", { flags: "a" }),
    );
    expect(fs.readFile("/log", "utf8")).toBe("abc");
    await expect(
      pipeline(fs.createReadStream("/missing"), new Writable({ write: (_c, _e, cb) => cb() })),
    ).rejects.toMatchObject({ code: "ENOENT", path: "/missing" });
    // descriptors are closed at the end: the file system unmounts cleanly
    fs.close();
    expect(fs.alive).toBe(false);
  });
});

describe("promises", () => {
  it("the same calls as promises; failures reject", async () => {
    const fs = fresh();
    const p = fs.promises;
    await p.mkdir("/p/q", { recursive: true });
    await p.writeFile("/p/q/f", "async");
    expect(await p.readFile("/p/q/f", "utf8")).toBe("async");
    expect((await p.readdir("/p", { withFileTypes: true }))[0]!.isDirectory()).toBe(true);
    expect((await p.stat("/p/q/f")).size).toBe(5);
    await expect(p.readFile("/nope")).rejects.toMatchObject({ code: "ENOENT", syscall: "open" });
    await p.rm("/p", { recursive: true });
    expect(await p.readdir("/")).toEqual([]);
    expect(fs.promises).toBe(p);
  });
});

describe("close", () => {
  it("close releases the private kernel; Symbol.dispose too", () => {
    const fs = openTmpfs();
    fs.writeFile("/x", "1");
    const k = fs.kernel;
    fs.close();
    expect(k.dead).not.toBeNull();
    expect(() => fs.readFile("/x")).toThrow(RumpError);
    let k2;
    {
      using h = openTmpfs();
      k2 = h.kernel;
      h.writeFile("/y", "2");
    }
    expect(k2.dead).not.toBeNull();
  });

  it("a size limit gives ENOSPC", () => {
    const fs = openTmpfs({ size: 64 * 1024 });
    handles.push(fs);
    const e = err(() => fs.writeFile("/big", Buffer.alloc(1 << 20)));
    expect(e.code).toBe("ENOSPC");
  });
});

describe("what Node users reach for (issue 12)", () => {
  it("readdir recursive: every entry below, names relative, or Dirents with their parentPath", () => {
    const fs = openTmpfs();
    try {
      fs.mkdir("/r/a/b", { recursive: true });
      fs.writeFile("/r/a/b/f", "x");
      fs.writeFile("/r/top", "y");
      fs.symlink("/r", "/r/a/loop");
      expect(fs.readdir("/r", { recursive: true }).sort()).toEqual([
        "a",
        "a/b",
        "a/b/f",
        "a/loop",
        "top",
      ]);
      const d = fs.readdir("/r", { recursive: true, withFileTypes: true });
      const f = d.find((x) => x.name === "f")!;
      expect(f.parentPath).toBe("/r/a/b");
      expect(f.isFile()).toBe(true);
      expect(d.find((x) => x.name === "loop")!.isSymbolicLink()).toBe(true);
      expect(fs.readdir("/r")).toEqual(["a", "top"]); // one level without it
    } finally {
      fs.close();
    }
  });

  it("descriptor calls: open, write, read (at a position and at the offset), fstat, ftruncate, fsync, closeFd", () => {
    const fs = openTmpfs();
    try {
      const fd = fs.open("/f", "w+", 0o600);
      expect(fs.write(fd, "hello, ")).toBe(7);
      expect(fs.write(fd, Buffer.from("xxworld!xx"), 2, 6)).toBe(6);
      expect(fs.fstat(fd).size).toBe(13);
      const buf = Buffer.alloc(5);
      expect(fs.read(fd, buf, 0, 5, 7)).toBe(5);
      expect(buf.toString()).toBe("world");
      fs.ftruncate(fd, 5);
      fs.fsync(fd);
      fs.closeFd(fd);
      expect(fs.readFile("/f", "utf8")).toBe("hello");
      expect(fs.stat("/f").mode & 0o777).toBe(0o600);
      const r = fs.open("/f");
      const two = Buffer.alloc(2);
      expect(fs.read(r, two)).toBe(2);
      expect(fs.read(r, two)).toBe(2);
      expect(two.toString()).toBe("ll"); // the offset moved on
      fs.closeFd(r);
      expect(() => fs.read(r, two)).toThrow(/EBADF/);
    } finally {
      fs.close();
    }
  });

  it("copyFile (COPYFILE_EXCL), cp of a tree, access, realpath", () => {
    const fs = openTmpfs();
    try {
      fs.mkdir("/src/sub", { recursive: true });
      fs.writeFile("/src/a", "A", { mode: 0o640 });
      fs.writeFile("/src/sub/b", "B");
      fs.symlink("a", "/src/ln");
      fs.copyFile("/src/a", "/a2");
      expect(fs.readFile("/a2", "utf8")).toBe("A");
      expect(fs.stat("/a2").mode & 0o777).toBe(0o640);
      expect(() => fs.copyFile("/src/a", "/a2", 1)).toThrow(/EEXIST/);
      expect(() => fs.cp("/src", "/dst")).toThrow(/EISDIR/);
      fs.utimes("/src/sub/b", 1000, 2000);
      fs.cp("/src", "/dst", { recursive: true, preserveTimestamps: true });
      expect(fs.readFile("/dst/sub/b", "utf8")).toBe("B");
      expect(fs.stat("/dst/sub/b").mtimeMs).toBe(2_000_000);
      expect(fs.readlink("/dst/ln")).toBe("a");
      fs.access("/dst/a");
      fs.access("/dst/a", 4 /* R_OK */);
      expect(() => fs.access("/nope")).toThrow(/ENOENT/);
      fs.symlink("/dst/sub", "/via");
      fs.symlink("../via/b", "/dst/rel");
      expect(fs.realpath("/via/b")).toBe("/dst/sub/b");
      expect(fs.realpath("/dst/rel")).toBe("/dst/sub/b");
      expect(fs.realpath("/dst/./sub/../a")).toBe("/dst/a");
      fs.symlink("/l2", "/l1");
      fs.symlink("/l1", "/l2");
      expect(() => fs.realpath("/l1")).toThrow(/ELOOP/);
    } finally {
      fs.close();
    }
  });
});
