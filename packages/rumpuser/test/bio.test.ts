/** rumpuser_bio: synchronous block I/O, completion exactly once before return. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FIXTURES, block, out } from "./helpers.js";
import type { FileFixture } from "./helpers.js";
import {
  RUMPUSER_BIO_READ,
  RUMPUSER_BIO_SYNC,
  RUMPUSER_BIO_WRITE,
  RUMPUSER_OPEN_BIO,
  RUMPUSER_OPEN_CREATE,
  RUMPUSER_OPEN_RDONLY,
  RUMPUSER_OPEN_RDWR,
} from "../src/rumpuser.js";

const EBADF = 9;
const EINVAL = 22;

/** What a kernel's buf looks like to biodone: the donearg. */
interface Done {
  calls: number;
  count: number;
  error: number;
}
function biodone(d: Done, count: number, error: number): void {
  d.calls++;
  d.count = count;
  d.error = error;
}

describe.each(FIXTURES)("%s bio", (_label, make) => {
  let fx: FileFixture;
  beforeEach(() => {
    fx = make();
  });
  afterEach(() => fx.dispose());

  function openImage(size: number, mode = RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO): number {
    fx.mkfile("img", new Uint8Array(size));
    const fdp = out(-1);
    expect(fx.host.open(fx.name("img"), mode, fdp)).toBe(0);
    return fdp.v;
  }

  function bio(fd: number, op: number, data: Uint8Array, dlen: number, off: number): Done {
    const d: Done = { calls: 0, count: -1, error: -1 };
    fx.host.bio(fd, op, data, dlen, off, biodone, d);
    expect(d.calls).toBe(1); // completed before bio returned, exactly once
    return d;
  }

  it("writes and reads back blocks at byte offsets", () => {
    const fd = openImage(8192);
    expect(bio(fd, RUMPUSER_BIO_WRITE, block(1024, 0xab), 1024, 2048)).toEqual({
      calls: 1,
      count: 1024,
      error: 0,
    });
    const back = new Uint8Array(1536);
    expect(bio(fd, RUMPUSER_BIO_READ, back, 1536, 1536)).toEqual({
      calls: 1,
      count: 1536,
      error: 0,
    });
    expect(back.subarray(0, 512)).toEqual(block(512, 0));
    expect(back.subarray(512)).toEqual(block(1024, 0xab));
    const img = fx.read("img")!;
    expect(img.length).toBe(8192);
    expect(img.subarray(2048, 3072)).toEqual(block(1024, 0xab));
  });

  it("transfers only data[0, dlen) of a larger buffer", () => {
    const fd = openImage(4096);
    const data = block(2048, 7);
    expect(bio(fd, RUMPUSER_BIO_WRITE, data, 512, 0).count).toBe(512);
    expect(fx.read("img")!.subarray(0, 1024)).toEqual(
      new Uint8Array([...block(512, 7), ...block(512, 0)]),
    );
  });

  it("BIO_SYNC writes reach the file and are reported like any write", () => {
    const fd = openImage(4096);
    const d = bio(fd, RUMPUSER_BIO_WRITE | RUMPUSER_BIO_SYNC, block(512, 1), 512, 512);
    expect([d.count, d.error]).toEqual([512, 0]);
    expect(fx.read("img")!.subarray(512, 1024)).toEqual(block(512, 1));
  });

  it("grows a regular file written past its end", () => {
    const fd = openImage(0);
    expect(bio(fd, RUMPUSER_BIO_WRITE, block(512, 3), 512, 4096).error).toBe(0);
    expect(fx.read("img")!.length).toBe(4608);
  });

  it("reports a short read at the end of file, and 0 bytes past it", () => {
    const fd = openImage(1024 + 100);
    const buf = block(1024, 0xff);
    expect(bio(fd, RUMPUSER_BIO_READ, buf, 1024, 512)).toEqual({ calls: 1, count: 612, error: 0 });
    expect(bio(fd, RUMPUSER_BIO_READ, buf, 512, 4096)).toEqual({ calls: 1, count: 0, error: 0 });
  });

  it("refuses an unaligned length, a length beyond the buffer, negative, fractional or unsafe offsets, and bad ops with EINVAL", () => {
    const fd = openImage(4096);
    const buf = new Uint8Array(1024);
    for (const [op, dlen, off] of [
      [RUMPUSER_BIO_READ, 100, 0],
      [RUMPUSER_BIO_WRITE, 513, 0],
      [RUMPUSER_BIO_READ, 2048, 0],
      [RUMPUSER_BIO_READ, 512, -512],
      [RUMPUSER_BIO_WRITE, 512, -1],
      [RUMPUSER_BIO_READ, 512, 0.5],
      [RUMPUSER_BIO_READ, 512, 2 ** 53],
      [RUMPUSER_BIO_READ | RUMPUSER_BIO_WRITE, 512, 0],
      [RUMPUSER_BIO_SYNC, 512, 0],
      [0, 512, 0],
      [RUMPUSER_BIO_READ | 0x40, 512, 0],
    ] as const) {
      expect([op, dlen, off, bio(fd, op, buf, dlen, off)]).toEqual([
        op,
        dlen,
        off,
        { calls: 1, count: 0, error: EINVAL },
      ]);
    }
    expect(fx.read("img")).toEqual(new Uint8Array(4096));
  });

  it("refuses a descriptor not opened with BIO with EINVAL", () => {
    fx.mkfile("plain", new Uint8Array(1024));
    const fdp = out(-1);
    expect(fx.host.open(fx.name("plain"), RUMPUSER_OPEN_RDWR, fdp)).toBe(0);
    expect(bio(fdp.v, RUMPUSER_BIO_READ, new Uint8Array(512), 512, 0).error).toBe(EINVAL);
  });

  it("refuses closed and unknown descriptors with EBADF", () => {
    const fd = openImage(1024);
    expect(fx.host.close(fd)).toBe(0);
    expect(bio(fd, RUMPUSER_BIO_READ, new Uint8Array(512), 512, 0)).toEqual({
      calls: 1,
      count: 0,
      error: EBADF,
    });
    expect(bio(1234, RUMPUSER_BIO_WRITE, new Uint8Array(512), 512, 0).error).toBe(EBADF);
    expect(bio(-1, RUMPUSER_BIO_WRITE, new Uint8Array(512), 512, 0).error).toBe(EBADF);
  });

  it("refuses writes on a read-only descriptor with EBADF", () => {
    const fd = openImage(1024, RUMPUSER_OPEN_RDONLY | RUMPUSER_OPEN_BIO);
    expect(bio(fd, RUMPUSER_BIO_WRITE, block(512, 9), 512, 0).error).toBe(EBADF);
    expect(bio(fd, RUMPUSER_BIO_READ, new Uint8Array(512), 512, 0).error).toBe(0);
    expect(fx.read("img")).toEqual(new Uint8Array(1024));
  });

  it("a zero-length transfer completes with 0 bytes", () => {
    const fd = openImage(1024);
    expect(bio(fd, RUMPUSER_BIO_READ, new Uint8Array(0), 0, 0)).toEqual({
      calls: 1,
      count: 0,
      error: 0,
    });
  });

  it("a second read-write BIO opener of the same image gets EAGAIN and a console line naming it", () => {
    openImage(1024);
    fx.lines.length = 0;
    const r = fx.host.open(fx.name("img"), RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO, out(0));
    expect(r).toBe(35);
    expect(fx.lines.join("\n")).toContain("img");
  });

  it("CREATE with BIO makes a new image", () => {
    const fdp = out(-1);
    expect(
      fx.host.open(
        fx.name("new.img"),
        RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_CREATE | RUMPUSER_OPEN_BIO,
        fdp,
      ),
    ).toBe(0);
    expect(bio(fdp.v, RUMPUSER_BIO_WRITE, block(512, 5), 512, 0).count).toBe(512);
    expect(fx.host.close(fdp.v)).toBe(0);
    expect(fx.read("new.img")).toEqual(block(512, 5));
  });
});
