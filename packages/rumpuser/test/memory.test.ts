/** What only MemoryHost has: the hypercall log, the store, devices, no host imports. */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MemoryFiles, MemoryHost } from "../src/hosts/memory.js";
import {
  RUMPUSER_BIO_READ,
  RUMPUSER_BIO_SYNC,
  RUMPUSER_BIO_WRITE,
  RUMPUSER_FT_BLK,
  RUMPUSER_FT_CHR,
  RUMPUSER_OPEN_BIO,
  RUMPUSER_OPEN_RDONLY,
  RUMPUSER_OPEN_RDWR,
  RUMPUSER_SYNCFD_SYNC,
  RUMPUSER_SYNCFD_WRITE,
  RUMPUSER_VERSION,
  NOOP_UPCALLS,
} from "../src/rumpuser.js";
import { block, out } from "./helpers.js";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../src");
const EAGAIN = 35;
const ENOSPC = 28;

const nodone = (): void => {};

describe("MemoryHost", () => {
  it("imports nothing from node:*, directly or through the modules it uses", () => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/^(?:import|export)[^"']*["']([^"']+)["']/gm)) {
        const spec = m[1]!;
        expect([file, spec]).not.toEqual([
          file,
          expect.stringMatching(/^(node:|fs$|os$|path$|crypto$)/),
        ]);
        if (spec.startsWith(".")) visit(join(dirname(file), spec.replace(/\.js$/, ".ts")));
      }
    };
    visit(join(SRC, "hosts/memory.ts"));
    expect(seen.size).toBeGreaterThan(5);
  });

  it("logs hypercalls, so a test can see that a device was synced", () => {
    const host = new MemoryHost();
    host.files.createImage("disk", 1 << 20);
    host.init(RUMPUSER_VERSION, NOOP_UPCALLS);
    const fd = out(-1);
    host.open("disk", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO, fd);
    host.bio(fd.v, RUMPUSER_BIO_WRITE, block(512, 1), 512, 4096, nodone, null);
    host.syncfd(fd.v, RUMPUSER_SYNCFD_WRITE | RUMPUSER_SYNCFD_SYNC, 0, 0);
    host.close(fd.v);
    host.getparam("RUMP_NVNODES", out(""), 16);
    expect(host.log).toEqual([
      { op: "init", args: [17], ret: 0 },
      { op: "open", args: ["disk", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO], ret: 0 },
      { op: "bio", args: [0, RUMPUSER_BIO_WRITE, 512, 4096], ret: 0 },
      { op: "syncfd", args: [0, RUMPUSER_SYNCFD_WRITE | RUMPUSER_SYNCFD_SYNC, 0, 0], ret: 0 },
      { op: "close", args: [0], ret: 0 },
      { op: "getparam", args: ["RUMP_NVNODES", 16], ret: 2 },
    ]);
    expect(host.calls("syncfd").length).toBe(1);
  });

  it("keeps no log with { log: false }", () => {
    const host = new MemoryHost({ log: false });
    host.files.createImage("disk", 4096);
    const fd = out(-1);
    host.open("disk", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO, fd);
    host.bio(fd.v, RUMPUSER_BIO_WRITE, block(512, 1), 512, 0, nodone, null);
    host.getparam("X", out(""), 8);
    host.close(fd.v);
    expect(host.log).toEqual([]);
    expect(host.files.get("disk")!.syncs).toBe(1); // the close still synced
  });

  it("logs the fsync a close does after unsynced writes, and only then", () => {
    const host = new MemoryHost();
    host.files.createImage("disk", 4096);
    const fd = out(-1);
    host.open("disk", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO, fd);
    host.bio(fd.v, RUMPUSER_BIO_WRITE, block(512, 1), 512, 0, nodone, null);
    host.close(fd.v);
    expect(host.calls("fsync")).toEqual([{ op: "fsync", args: ["disk"], ret: 0 }]);
    host.open("disk", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO, fd);
    host.bio(fd.v, RUMPUSER_BIO_WRITE | RUMPUSER_BIO_SYNC, block(512, 2), 512, 0, nodone, null);
    host.bio(fd.v, RUMPUSER_BIO_READ, new Uint8Array(512), 512, 0, nodone, null);
    host.close(fd.v);
    expect(host.calls("fsync").length).toBe(1); // the sync write left nothing to sync
    expect(host.files.get("disk")!.syncs).toBe(2);
  });

  it("keeps images sparse: untouched ranges cost nothing and read as zeros", () => {
    const files = new MemoryFiles();
    const node = files.createImage("big", 2 ** 40); // 1 TiB
    const host = new MemoryHost({ files });
    const fd = out(-1);
    expect(host.open("big", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO, fd)).toBe(0);
    const done = { n: -1, e: -1 };
    const cb = (d: typeof done, n: number, e: number): void => {
      d.n = n;
      d.e = e;
    };
    host.bio(fd.v, RUMPUSER_BIO_WRITE, block(1024, 9), 1024, 2 ** 39 - 512, cb, done); // across a page boundary
    expect(done).toEqual({ n: 1024, e: 0 });
    expect(node.pages.size).toBe(2);
    const back = block(2048, 0xff);
    host.bio(fd.v, RUMPUSER_BIO_READ, back, 2048, 2 ** 39 - 1024, cb, done);
    expect(Array.from(back.subarray(0, 512))).toEqual(Array.from(block(512, 0)));
    expect(Array.from(back.subarray(512, 1536))).toEqual(Array.from(block(1024, 9)));
    expect(node.size).toBe(2 ** 40);
  });

  it("block devices have a fixed size: getfileinfo says BLK, writes past the end get ENOSPC", () => {
    const host = new MemoryHost();
    host.files.mkdev("/dev/rsd0", 8192);
    host.files.mkdev("/dev/tty", 0, RUMPUSER_FT_CHR);
    const size = out(-1);
    const type = out(-1);
    expect(host.getfileinfo("/dev/rsd0", size, type)).toBe(0);
    expect([size.v, type.v]).toEqual([8192, RUMPUSER_FT_BLK]);
    expect(host.getfileinfo("/dev/tty", null, type)).toBe(0);
    expect(type.v).toBe(RUMPUSER_FT_CHR);
    const fd = out(-1);
    host.open("/dev/rsd0", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO, fd);
    const done = { n: -1, e: -1 };
    const cb = (d: typeof done, n: number, e: number): void => {
      d.n = n;
      d.e = e;
    };
    host.bio(fd.v, RUMPUSER_BIO_WRITE, block(1024, 1), 1024, 7680, cb, done);
    expect(done).toEqual({ n: 0, e: ENOSPC });
    host.bio(fd.v, RUMPUSER_BIO_WRITE, block(512, 1), 512, 7680, cb, done);
    expect(done).toEqual({ n: 512, e: 0 });
    host.bio(fd.v, RUMPUSER_BIO_READ, new Uint8Array(1024), 1024, 7680, cb, done);
    expect(done).toEqual({ n: 512, e: 0 }); // short at the end of the device
    const n = out(-1);
    expect(host.iovwrite(fd.v, [block(600, 2)], 7680, n)).toBe(0);
    expect(n.v).toBe(512);
    expect(host.iovwrite(fd.v, [block(10, 2)], 8192, n)).toBe(ENOSPC);
    expect(host.files.get("/dev/rsd0")!.size).toBe(8192);
  });

  it("hosts sharing a store share image locks, as processes sharing a disk", () => {
    const files = new MemoryFiles();
    files.createImage("img", 4096);
    const a = new MemoryHost({ files });
    const b = new MemoryHost({ files });
    const fa = out(-1);
    expect(a.open("img", RUMPUSER_OPEN_RDONLY | RUMPUSER_OPEN_BIO, fa)).toBe(0);
    expect(b.open("img", RUMPUSER_OPEN_RDONLY | RUMPUSER_OPEN_BIO, out(0))).toBe(0); // readers share
    expect(b.open("img", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO, out(0))).toBe(EAGAIN);
    expect(b.output.at(-1)).toMatch(/img is in use by another kernel for reading/);
    b.shutdown();
    a.close(fa.v);
    const w = out(-1);
    expect(b.open("img", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO, w)).toBe(0);
    expect(a.open("img", RUMPUSER_OPEN_RDONLY | RUMPUSER_OPEN_BIO, out(0))).toBe(EAGAIN);
    expect(a.open("img", RUMPUSER_OPEN_RDONLY, out(0))).toBe(0); // without BIO: no lock
    b.close(w.v);
    expect(a.open("img", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO, out(0))).toBe(0);
  });

  it("store helpers: writeFile, readFile, remove", () => {
    const files = new MemoryFiles();
    files.writeFile("a", "hello");
    expect(new TextDecoder().decode(files.readFile("a"))).toBe("hello");
    files.mkdir("d");
    expect(files.readFile("d")).toBeUndefined();
    expect(files.remove("a")).toBe(true);
    expect(files.readFile("a")).toBeUndefined();
  });
});
