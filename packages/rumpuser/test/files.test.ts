/** open, close, getfileinfo, iovread/iovwrite, syncfd — on real files and in memory. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FIXTURES, bytes, out } from "./helpers.js";
import type { FileFixture } from "./helpers.js";
import {
  RUMPUSER_FT_DIR,
  RUMPUSER_FT_REG,
  RUMPUSER_IOV_NOSEEK,
  RUMPUSER_OPEN_ACCMODE,
  RUMPUSER_OPEN_BIO,
  RUMPUSER_OPEN_CREATE,
  RUMPUSER_OPEN_EXCL,
  RUMPUSER_OPEN_RDONLY,
  RUMPUSER_OPEN_RDWR,
  RUMPUSER_OPEN_WRONLY,
  RUMPUSER_SYNCFD_BARRIER,
  RUMPUSER_SYNCFD_BOTH,
  RUMPUSER_SYNCFD_READ,
  RUMPUSER_SYNCFD_SYNC,
  RUMPUSER_SYNCFD_WRITE,
} from "../src/rumpuser.js";

const ENOENT = 2;
const EBADF = 9;
const EEXIST = 17;
const EISDIR = 21;
const EINVAL = 22;

describe.each(FIXTURES)("%s files", (_label, make) => {
  let fx: FileFixture;
  beforeEach(() => {
    fx = make();
  });
  afterEach(() => fx.dispose());

  function open(base: string, mode: number): number {
    const fdp = out(-1);
    const r = fx.host.open(fx.name(base), mode, fdp);
    expect(r).toBe(0);
    return fdp.v;
  }

  describe("open", () => {
    it("opens an existing file read-only, write-only and read-write", () => {
      fx.mkfile("f", "x");
      for (const m of [RUMPUSER_OPEN_RDONLY, RUMPUSER_OPEN_WRONLY, RUMPUSER_OPEN_RDWR]) {
        const fd = open("f", m);
        expect(fd).toBeGreaterThanOrEqual(0);
        expect(fx.host.close(fd)).toBe(0);
      }
    });

    it("gives small integers and reuses the lowest free one", () => {
      fx.mkfile("f", "x");
      const a = open("f", RUMPUSER_OPEN_RDONLY);
      const b = open("f", RUMPUSER_OPEN_RDONLY);
      expect(b).toBe(a + 1);
      expect(fx.host.close(a)).toBe(0);
      expect(open("f", RUMPUSER_OPEN_RDONLY)).toBe(a);
    });

    it("refuses a missing file with ENOENT unless CREATE is asked", () => {
      const fdp = out(-1);
      expect(fx.host.open(fx.name("missing"), RUMPUSER_OPEN_RDONLY, fdp)).toBe(ENOENT);
      expect(fdp.v).toBe(-1);
      open("missing", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_CREATE);
      expect(fx.read("missing")).toEqual(new Uint8Array(0));
      expect(fx.host.open("", RUMPUSER_OPEN_RDONLY, fdp)).toBe(ENOENT);
      expect(fx.host.open("", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_CREATE, fdp)).toBe(ENOENT);
    });

    it("CREATE keeps an existing file; CREATE|EXCL refuses it with EEXIST", () => {
      fx.mkfile("f", "keep");
      open("f", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_CREATE);
      expect(fx.read("f")).toEqual(bytes("keep"));
      expect(
        fx.host.open(
          fx.name("f"),
          RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_CREATE | RUMPUSER_OPEN_EXCL,
          out(0),
        ),
      ).toBe(EEXIST);
      open("new", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_CREATE | RUMPUSER_OPEN_EXCL);
      expect(fx.read("new")).toBeDefined();
    });

    it("EXCL without CREATE is ignored", () => {
      fx.mkfile("f", "x");
      open("f", RUMPUSER_OPEN_RDONLY | RUMPUSER_OPEN_EXCL);
    });

    it("refuses the access mode 3 and unknown bits with EINVAL", () => {
      fx.mkfile("f", "x");
      expect(fx.host.open(fx.name("f"), RUMPUSER_OPEN_ACCMODE, out(0))).toBe(EINVAL);
      expect(fx.host.open(fx.name("f"), RUMPUSER_OPEN_ACCMODE | RUMPUSER_OPEN_BIO, out(0))).toBe(
        EINVAL,
      );
      expect(fx.host.open(fx.name("f"), 0x100, out(0))).toBe(EINVAL);
    });

    it("refuses a directory with BIO (EISDIR), read-only or not, and a directory for writing", () => {
      fx.mkdir("d");
      expect(fx.host.open(fx.name("d"), RUMPUSER_OPEN_RDONLY | RUMPUSER_OPEN_BIO, out(0))).toBe(
        EISDIR,
      );
      expect(fx.host.open(fx.name("d"), RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO, out(0))).toBe(
        EISDIR,
      );
      expect(fx.host.open(fx.name("d"), RUMPUSER_OPEN_RDWR, out(0))).toBe(EISDIR);
      const fd = open("d", RUMPUSER_OPEN_RDONLY); // as open(2) allows
      expect(fx.host.close(fd)).toBe(0);
    });
  });

  describe("close", () => {
    it("refuses an unknown or already closed fd with EBADF", () => {
      fx.mkfile("f", "x");
      const fd = open("f", RUMPUSER_OPEN_RDONLY);
      expect(fx.host.close(fd)).toBe(0);
      expect(fx.host.close(fd)).toBe(EBADF);
      expect(fx.host.close(77)).toBe(EBADF);
      expect(fx.host.close(-1)).toBe(EBADF);
    });

    it("shutdown closes every descriptor", () => {
      fx.mkfile("f", "x");
      const a = open("f", RUMPUSER_OPEN_RDONLY);
      open("f", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO);
      fx.host.shutdown();
      expect(fx.host.close(a)).toBe(EBADF);
      expect((fx.host as unknown as { openCount: number }).openCount).toBe(0);
      // the image lock went with it: a writer gets in again
      const b = open("f", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO);
      expect(fx.host.close(b)).toBe(0);
    });
  });

  describe("getfileinfo", () => {
    it("reports regular files with their size and directories", () => {
      fx.mkfile("f", "hello");
      fx.mkdir("d");
      const size = out(-1);
      const type = out(-1);
      expect(fx.host.getfileinfo(fx.name("f"), size, type)).toBe(0);
      expect([size.v, type.v]).toEqual([5, RUMPUSER_FT_REG]);
      expect(fx.host.getfileinfo(fx.name("d"), null, type)).toBe(0);
      expect(type.v).toBe(RUMPUSER_FT_DIR);
      expect(fx.host.getfileinfo(fx.name("f"), size, null)).toBe(0);
      expect(fx.host.getfileinfo(fx.name("f"), null, null)).toBe(0);
    });

    it("refuses a missing name with ENOENT and leaves the slots alone", () => {
      const size = out(-1);
      expect(fx.host.getfileinfo(fx.name("nope"), size, null)).toBe(ENOENT);
      expect(size.v).toBe(-1);
    });
  });

  describe("iovread / iovwrite", () => {
    it("writes and reads scattered buffers at absolute offsets", () => {
      fx.mkfile("f", "");
      const fd = open("f", RUMPUSER_OPEN_RDWR);
      const n = out(-1);
      expect(fx.host.iovwrite(fd, [bytes("abc"), bytes("defg")], 10, n)).toBe(0);
      expect(n.v).toBe(7);
      const a = new Uint8Array(4);
      const b = new Uint8Array(20);
      expect(fx.host.iovread(fd, [a, b], 8, n)).toBe(0);
      expect(n.v).toBe(9); // short: end of file
      expect(Array.from(a)).toEqual([0, 0, ...bytes("ab")]);
      expect(new TextDecoder().decode(b.subarray(0, 5))).toBe("cdefg");
      expect(fx.read("f")!.length).toBe(17);
    });

    it("NOSEEK uses and advances the descriptor's own position; absolute offsets leave it alone", () => {
      fx.mkfile("f", "0123456789");
      const fd = open("f", RUMPUSER_OPEN_RDWR);
      const n = out(-1);
      const buf = new Uint8Array(3);
      expect(fx.host.iovread(fd, [buf], RUMPUSER_IOV_NOSEEK, n)).toBe(0);
      expect(new TextDecoder().decode(buf)).toBe("012");
      expect(fx.host.iovread(fd, [buf], 7, n)).toBe(0);
      expect(new TextDecoder().decode(buf)).toBe("789");
      expect(fx.host.iovread(fd, [buf], RUMPUSER_IOV_NOSEEK, n)).toBe(0);
      expect(new TextDecoder().decode(buf)).toBe("345");
      expect(fx.host.iovwrite(fd, [bytes("xy")], RUMPUSER_IOV_NOSEEK, n)).toBe(0);
      expect(new TextDecoder().decode(fx.read("f"))).toBe("012345xy89");
    });

    it("reads 0 bytes at and past the end of file", () => {
      fx.mkfile("f", "abc");
      const fd = open("f", RUMPUSER_OPEN_RDONLY);
      const n = out(-1);
      expect(fx.host.iovread(fd, [new Uint8Array(8)], 3, n)).toBe(0);
      expect(n.v).toBe(0);
      expect(fx.host.iovread(fd, [new Uint8Array(8)], 1000, n)).toBe(0);
      expect(n.v).toBe(0);
      expect(fx.host.iovread(fd, [], 0, n)).toBe(0);
      expect(n.v).toBe(0);
    });

    it("refuses negative offsets other than NOSEEK, and fractions, with EINVAL", () => {
      fx.mkfile("f", "abc");
      const fd = open("f", RUMPUSER_OPEN_RDWR);
      const n = out(-1);
      expect(fx.host.iovread(fd, [new Uint8Array(1)], -2, n)).toBe(EINVAL);
      expect(fx.host.iovwrite(fd, [new Uint8Array(1)], 1.5, n)).toBe(EINVAL);
      expect(n.v).toBe(-1);
    });

    it("refuses unknown fds and the wrong access mode with EBADF", () => {
      fx.mkfile("f", "abc");
      const n = out(-1);
      expect(fx.host.iovread(42, [new Uint8Array(1)], 0, n)).toBe(EBADF);
      const ro = open("f", RUMPUSER_OPEN_RDONLY);
      expect(fx.host.iovwrite(ro, [bytes("z")], 0, n)).toBe(EBADF);
      const wo = open("f", RUMPUSER_OPEN_WRONLY);
      expect(fx.host.iovread(wo, [new Uint8Array(1)], 0, n)).toBe(EBADF);
      expect(fx.host.close(wo)).toBe(0);
      expect(fx.host.iovread(wo, [new Uint8Array(1)], 0, n)).toBe(EBADF);
      expect(fx.read("f")).toEqual(bytes("abc"));
    });
  });

  describe("syncfd", () => {
    it("accepts READ, WRITE, BOTH, with SYNC and BARRIER, ranged or whole", () => {
      fx.mkfile("f", "abc");
      const fd = open("f", RUMPUSER_OPEN_RDWR);
      expect(fx.host.iovwrite(fd, [bytes("xyz")], 0, out(0))).toBe(0);
      for (const flags of [
        RUMPUSER_SYNCFD_READ,
        RUMPUSER_SYNCFD_WRITE,
        RUMPUSER_SYNCFD_BOTH,
        RUMPUSER_SYNCFD_WRITE | RUMPUSER_SYNCFD_SYNC,
        RUMPUSER_SYNCFD_WRITE | RUMPUSER_SYNCFD_BARRIER,
        RUMPUSER_SYNCFD_BOTH | RUMPUSER_SYNCFD_SYNC | RUMPUSER_SYNCFD_BARRIER,
      ]) {
        expect([flags, fx.host.syncfd(fd, flags, 0, 0)]).toEqual([flags, 0]);
        expect([flags, fx.host.syncfd(fd, flags, 0, 2)]).toEqual([flags, 0]);
        expect([flags, fx.host.syncfd(fd, flags, 1, 0)]).toEqual([flags, 0]);
      }
    });

    it("needs READ or WRITE, known bits and sane ranges (EINVAL), and a known fd (EBADF)", () => {
      fx.mkfile("f", "abc");
      const fd = open("f", RUMPUSER_OPEN_RDWR);
      expect(fx.host.syncfd(fd, 0, 0, 0)).toBe(EINVAL);
      expect(fx.host.syncfd(fd, RUMPUSER_SYNCFD_SYNC, 0, 0)).toBe(EINVAL);
      expect(fx.host.syncfd(fd, RUMPUSER_SYNCFD_BARRIER, 0, 0)).toBe(EINVAL);
      expect(fx.host.syncfd(fd, RUMPUSER_SYNCFD_WRITE | 0x10, 0, 0)).toBe(EINVAL);
      expect(fx.host.syncfd(fd, RUMPUSER_SYNCFD_WRITE, -1, 0)).toBe(EINVAL);
      expect(fx.host.syncfd(fd, RUMPUSER_SYNCFD_WRITE, 0, -5)).toBe(EINVAL);
      expect(fx.host.syncfd(99, RUMPUSER_SYNCFD_WRITE, 0, 0)).toBe(EBADF);
    });
  });
});
