/**
 * read(2), write(2), pread/pwrite, readv/writev, preadv/pwritev: data,
 * file offsets (shared by dup, untouched by the positional calls) and errors.
 */
import {
  EBADF,
  EINVAL,
  ESPIPE,
  O_APPEND,
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  SEEK_CUR,
  SEEK_SET,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import {
  dec,
  enc,
  expectErrno,
  FILE_SYSTEMS,
  readBytes,
  readFile,
  writeFile,
} from "../helpers/kernel.js";

function pattern(n: number, seed = 7): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

describe.each(FILE_SYSTEMS)("read and write on $name", (fs) => {
  it("writes, then reads the same bytes back; read at EOF returns 0", () => {
    const { sys } = fs.mount();
    const fd = sys.rump_sys_open("f", O_RDWR | O_CREAT, 0o644);
    expect(sys.rump_sys_write(fd, enc.encode("hello world"))).toBe(11);
    sys.rump_sys_lseek(fd, 0, SEEK_SET);
    const b = new Uint8Array(64);
    expect(sys.rump_sys_read(fd, b)).toBe(11);
    expect(dec.decode(b.subarray(0, 11))).toBe("hello world");
    expect(sys.rump_sys_read(fd, b)).toBe(0);
    expect(sys.rump_sys_fstat(fd).st_size).toBe(11);
  });

  it("reads and writes 200 KiB across many pages", () => {
    const { sys } = fs.mount();
    const data = pattern(200 * 1024 + 13);
    writeFile(sys, "big", data);
    expect(sys.rump_sys_stat("big").st_size).toBe(data.length);
    expect(readBytes(sys, "big")).toEqual(data);
  });

  it("nbyte limits the transfer; zero-length read and write return 0", () => {
    const { sys } = fs.mount();
    const fd = sys.rump_sys_open("f", O_RDWR | O_CREAT, 0o644);
    expect(sys.rump_sys_write(fd, enc.encode("abcdef"), 3)).toBe(3);
    expect(sys.rump_sys_write(fd, new Uint8Array(0))).toBe(0);
    sys.rump_sys_lseek(fd, 0, SEEK_SET);
    const b = new Uint8Array(8);
    expect(sys.rump_sys_read(fd, b, 2)).toBe(2);
    expect(sys.rump_sys_read(fd, b, 0)).toBe(0);
    expect(readFile(sys, "f")).toBe("abc");
  });

  it("overwrites in the middle without changing the size", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "0123456789");
    const fd = sys.rump_sys_open("f", O_WRONLY);
    sys.rump_sys_lseek(fd, 3, SEEK_SET);
    sys.rump_sys_write(fd, enc.encode("xyz"));
    expect(readFile(sys, "f")).toBe("012xyz6789");
  });

  it("a write updates mtime and ctime, a read updates atime", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "abc");
    const old = { tv_sec: 1000, tv_usec: 0 };
    sys.rump_sys_utimes("f", [old, old]);
    const fd = sys.rump_sys_open("f", O_RDWR);
    sys.rump_sys_read(fd, new Uint8Array(3));
    let st = sys.rump_sys_fstat(fd);
    expect(st.st_atimespec.tv_sec).toBeGreaterThan(1000);
    expect(st.st_mtimespec.tv_sec).toBe(1000);
    sys.rump_sys_utimes("f", [old, old]);
    sys.rump_sys_write(fd, enc.encode("d"));
    st = sys.rump_sys_fstat(fd);
    expect(st.st_mtimespec.tv_sec).toBeGreaterThan(1000);
    expect(st.st_ctimespec.tv_sec).toBeGreaterThan(1000);
  });

  describe("offsets", () => {
    it("a dup'd descriptor shares the offset", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f", "abcdef");
      const a = sys.rump_sys_open("f", O_RDONLY);
      const b = sys.rump_sys_dup(a);
      const buf = new Uint8Array(2);
      sys.rump_sys_read(a, buf);
      expect(sys.rump_sys_lseek(b, 0, SEEK_CUR)).toBe(2);
      sys.rump_sys_read(b, buf);
      expect(dec.decode(buf)).toBe("cd");
      expect(sys.rump_sys_lseek(a, 0, SEEK_CUR)).toBe(4);
    });

    it("two opens of one file have their own offsets", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f", "abcdef");
      const a = sys.rump_sys_open("f", O_RDONLY);
      const b = sys.rump_sys_open("f", O_RDONLY);
      sys.rump_sys_read(a, new Uint8Array(4));
      expect(sys.rump_sys_lseek(b, 0, SEEK_CUR)).toBe(0);
    });

    it("pread and pwrite use their offset and leave the file offset alone", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f", "abcdef");
      const fd = sys.rump_sys_open("f", O_RDWR);
      sys.rump_sys_lseek(fd, 1, SEEK_SET);
      const b = new Uint8Array(3);
      expect(sys.rump_sys_pread(fd, b, 3, 2)).toBe(3);
      expect(dec.decode(b)).toBe("cde");
      expect(sys.rump_sys_pwrite(fd, enc.encode("XY"), 2, 4)).toBe(2);
      expect(sys.rump_sys_lseek(fd, 0, SEEK_CUR)).toBe(1);
      expect(readFile(sys, "f")).toBe("abcdXY");
      expect(sys.rump_sys_pread(fd, b, 3, 100)).toBe(0);
    });

    it("pwrite past the end extends the file with a zero-filled hole", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f", "ab");
      const fd = sys.rump_sys_open("f", O_RDWR);
      sys.rump_sys_pwrite(fd, enc.encode("z"), 1, 10);
      expect(readBytes(sys, "f")).toEqual(new Uint8Array([97, 98, 0, 0, 0, 0, 0, 0, 0, 0, 122]));
    });

    it("O_APPEND writes move the offset to the new end", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f", "abc");
      const fd = sys.rump_sys_open("f", O_RDWR | O_APPEND);
      expect(sys.rump_sys_lseek(fd, 0, SEEK_CUR)).toBe(0);
      sys.rump_sys_write(fd, enc.encode("d"));
      expect(sys.rump_sys_lseek(fd, 0, SEEK_CUR)).toBe(4);
    });

    it("negative positional offsets are EINVAL", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f", "abc");
      const fd = sys.rump_sys_open("f", O_RDWR);
      expectErrno(() => sys.rump_sys_pread(fd, new Uint8Array(1), 1, -1), EINVAL);
      expectErrno(() => sys.rump_sys_pwrite(fd, enc.encode("x"), 1, -1), EINVAL);
      expectErrno(() => sys.rump_sys_preadv(fd, [new Uint8Array(1)], -5), EINVAL);
      expectErrno(() => sys.rump_sys_pwritev(fd, [enc.encode("x")], -5), EINVAL);
      expect(readFile(sys, "f")).toBe("abc");
    });
  });

  describe("vectors", () => {
    it("writev gathers and readv scatters in order", () => {
      const { sys } = fs.mount();
      const fd = sys.rump_sys_open("f", O_RDWR | O_CREAT, 0o644);
      expect(
        sys.rump_sys_writev(fd, [enc.encode("ab"), new Uint8Array(0), enc.encode("cde")]),
      ).toBe(5);
      sys.rump_sys_lseek(fd, 0, SEEK_SET);
      const a = new Uint8Array(1);
      const b = new Uint8Array(3);
      const c = new Uint8Array(4);
      expect(sys.rump_sys_readv(fd, [a, b, c])).toBe(5);
      expect(dec.decode(a) + dec.decode(b) + dec.decode(c.subarray(0, 1))).toBe("abcde");
      expect(sys.rump_sys_lseek(fd, 0, SEEK_CUR)).toBe(5);
    });

    it("preadv and pwritev use their offset and leave the file offset alone", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f", "0123456789");
      const fd = sys.rump_sys_open("f", O_RDWR);
      expect(sys.rump_sys_pwritev(fd, [enc.encode("a"), enc.encode("b")], 4)).toBe(2);
      const x = new Uint8Array(2);
      const y = new Uint8Array(2);
      expect(sys.rump_sys_preadv(fd, [x, y], 3)).toBe(4);
      expect(dec.decode(x) + dec.decode(y)).toBe("3ab6");
      expect(sys.rump_sys_lseek(fd, 0, SEEK_CUR)).toBe(0);
    });

    it("an empty vector or more than IOV_MAX (1024) entries is EINVAL", () => {
      const { sys } = fs.mount();
      const fd = sys.rump_sys_open("f", O_RDWR | O_CREAT, 0o644);
      expectErrno(() => sys.rump_sys_readv(fd, []), EINVAL);
      expectErrno(() => sys.rump_sys_writev(fd, []), EINVAL);
      const many = Array.from({ length: 1025 }, () => new Uint8Array(1));
      expectErrno(() => sys.rump_sys_writev(fd, many), EINVAL);
      expect(sys.rump_sys_writev(fd, many.slice(0, 1024))).toBe(1024);
    });
  });

  describe("descriptors", () => {
    it("closed, negative and never-opened descriptors are EBADF", () => {
      const { sys } = fs.mount();
      const fd = sys.rump_sys_open("f", O_RDWR | O_CREAT, 0o644);
      sys.rump_sys_close(fd);
      for (const bad of [fd, -1, 999]) {
        expectErrno(() => sys.rump_sys_read(bad, new Uint8Array(1)), EBADF);
        expectErrno(() => sys.rump_sys_write(bad, enc.encode("x")), EBADF);
        expectErrno(() => sys.rump_sys_pread(bad, new Uint8Array(1), 1, 0), EBADF);
        expectErrno(() => sys.rump_sys_pwrite(bad, enc.encode("x"), 1, 0), EBADF);
        expectErrno(() => sys.rump_sys_readv(bad, [new Uint8Array(1)]), EBADF);
        expectErrno(() => sys.rump_sys_writev(bad, [enc.encode("x")]), EBADF);
        expectErrno(() => sys.rump_sys_close(bad), EBADF);
      }
    });

    it("positional I/O on a pipe is ESPIPE", () => {
      const { sys } = fs.mount();
      const [r, w] = sys.rump_sys_pipe();
      expectErrno(() => sys.rump_sys_pwrite(w, enc.encode("x"), 1, 0), ESPIPE);
      expectErrno(() => sys.rump_sys_pread(r, new Uint8Array(1), 1, 0), ESPIPE);
      expectErrno(() => sys.rump_sys_preadv(r, [new Uint8Array(1)], 0), ESPIPE);
      expectErrno(() => sys.rump_sys_pwritev(w, [enc.encode("x")], 0), ESPIPE);
      expect(sys.rump_sys_write(w, enc.encode("x"))).toBe(1);
    });
  });
});
