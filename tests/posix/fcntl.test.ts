/** dup(2), dup2(2), dup3(2) and fcntl(2) descriptor commands. */
import {
  EBADF,
  EINVAL,
  FD_CLOEXEC,
  F_CLOSEM,
  F_DUPFD,
  F_DUPFD_CLOEXEC,
  F_GETFD,
  F_GETFL,
  F_MAXFD,
  F_SETFD,
  F_SETFL,
  O_ACCMODE,
  O_APPEND,
  O_CLOEXEC,
  O_NONBLOCK,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  SEEK_CUR,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import { enc, expectErrno, FILE_SYSTEMS, readFile, writeFile } from "../helpers/kernel.js";

describe.each(FILE_SYSTEMS)("dup and fcntl on $name", (fs) => {
  describe("dup, dup2, dup3", () => {
    it("dup returns the lowest free descriptor sharing offset and status flags, FD_CLOEXEC clear", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f", "abcdef");
      const a = sys.rump_sys_open("f", O_RDONLY | O_CLOEXEC | O_NONBLOCK);
      const b = sys.rump_sys_dup(a);
      expect(b).toBe(a + 1);
      expect(sys.rump_sys_fcntl(b, F_GETFD)).toBe(0);
      expect(sys.rump_sys_fcntl(b, F_GETFL) & O_NONBLOCK).toBe(O_NONBLOCK);
      sys.rump_sys_lseek(a, 3, 0);
      expect(sys.rump_sys_lseek(b, 0, SEEK_CUR)).toBe(3);
      sys.rump_sys_fcntl(b, F_SETFL, 0);
      expect(sys.rump_sys_fcntl(a, F_GETFL) & O_NONBLOCK).toBe(0);
    });

    it("the duplicate stays usable after the original is closed", () => {
      const { sys } = fs.mount();
      const a = sys.rump_sys_open("f", O_RDWR | 0x200, 0o644);
      const b = sys.rump_sys_dup(a);
      sys.rump_sys_close(a);
      sys.rump_sys_write(b, enc.encode("ok"));
      expect(readFile(sys, "f")).toBe("ok");
    });

    it("dup2 closes the target first; dup2(fd, fd) returns fd unchanged", () => {
      const { sys } = fs.mount();
      writeFile(sys, "a", "A");
      writeFile(sys, "b", "B");
      const fa = sys.rump_sys_open("a", O_RDONLY);
      const fb = sys.rump_sys_open("b", O_RDONLY);
      sys.rump_sys_fcntl(fa, F_SETFD, FD_CLOEXEC);
      expect(sys.rump_sys_dup2(fa, fb)).toBe(fb);
      const buf = new Uint8Array(1);
      sys.rump_sys_read(fb, buf);
      expect(buf[0]).toBe(65);
      expect(sys.rump_sys_fcntl(fb, F_GETFD)).toBe(0);
      expect(sys.rump_sys_dup2(fa, fa)).toBe(fa);
      expect(sys.rump_sys_fcntl(fa, F_GETFD)).toBe(FD_CLOEXEC);
      expect(sys.rump_sys_dup2(fa, 50)).toBe(50);
    });

    it("dup and dup2 of a bad descriptor, dup2 to a negative one: EBADF", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f");
      const fd = sys.rump_sys_open("f", O_RDONLY);
      expectErrno(() => sys.rump_sys_dup(999), EBADF);
      expectErrno(() => sys.rump_sys_dup(-1), EBADF);
      expectErrno(() => sys.rump_sys_dup2(999, fd), EBADF);
      expectErrno(() => sys.rump_sys_dup2(fd, -1), EBADF);
      expectErrno(() => sys.rump_sys_dup2(fd, 1 << 20), EBADF);
      sys.rump_sys_read(fd, new Uint8Array(1)); // fd untouched
    });

    it("dup3 sets O_CLOEXEC; the same descriptor twice or unknown flags is EINVAL", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f");
      const fd = sys.rump_sys_open("f", O_RDONLY);
      expect(sys.rump_sys_dup3(fd, 20, O_CLOEXEC)).toBe(20);
      expect(sys.rump_sys_fcntl(20, F_GETFD)).toBe(FD_CLOEXEC);
      expect(sys.rump_sys_dup3(fd, 21, 0)).toBe(21);
      expect(sys.rump_sys_fcntl(21, F_GETFD)).toBe(0);
      expectErrno(() => sys.rump_sys_dup3(fd, fd, 0), EINVAL);
      expectErrno(() => sys.rump_sys_dup3(fd, 22, O_APPEND), EINVAL);
      expectErrno(() => sys.rump_sys_dup3(999, 22, 0), EBADF);
    });
  });

  describe("fcntl", () => {
    it("F_DUPFD returns the lowest free descriptor >= arg", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f");
      const fd = sys.rump_sys_open("f", O_RDONLY);
      expect(sys.rump_sys_fcntl(fd, F_DUPFD, 10)).toBe(10);
      expect(sys.rump_sys_fcntl(fd, F_DUPFD, 10)).toBe(11);
      expect(sys.rump_sys_fcntl(fd, F_DUPFD, 0)).toBe(fd + 1);
      expect(sys.rump_sys_fcntl(10, F_GETFD)).toBe(0);
      expectErrno(() => sys.rump_sys_fcntl(fd, F_DUPFD, -1), EINVAL);
      expectErrno(() => sys.rump_sys_fcntl(fd, F_DUPFD, 1 << 20), EINVAL);
    });

    it("F_DUPFD_CLOEXEC sets FD_CLOEXEC on the new descriptor only", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f");
      const fd = sys.rump_sys_open("f", O_RDONLY);
      const d = sys.rump_sys_fcntl(fd, F_DUPFD_CLOEXEC, 5);
      expect(d).toBeGreaterThanOrEqual(5);
      expect(sys.rump_sys_fcntl(d, F_GETFD)).toBe(FD_CLOEXEC);
      expect(sys.rump_sys_fcntl(fd, F_GETFD)).toBe(0);
    });

    it("F_GETFD / F_SETFD are per descriptor", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f");
      const a = sys.rump_sys_open("f", O_RDONLY);
      const b = sys.rump_sys_dup(a);
      sys.rump_sys_fcntl(a, F_SETFD, FD_CLOEXEC);
      expect(sys.rump_sys_fcntl(a, F_GETFD)).toBe(FD_CLOEXEC);
      expect(sys.rump_sys_fcntl(b, F_GETFD)).toBe(0);
      sys.rump_sys_fcntl(a, F_SETFD, 0);
      expect(sys.rump_sys_fcntl(a, F_GETFD)).toBe(0);
    });

    it("F_GETFL reports the access mode; F_SETFL changes O_APPEND and O_NONBLOCK only", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f", "abc");
      const fd = sys.rump_sys_open("f", O_WRONLY);
      expect(sys.rump_sys_fcntl(fd, F_GETFL) & O_ACCMODE).toBe(O_WRONLY);
      sys.rump_sys_fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK | O_RDWR);
      const fl = sys.rump_sys_fcntl(fd, F_GETFL);
      expect(fl & (O_APPEND | O_NONBLOCK)).toBe(O_APPEND | O_NONBLOCK);
      expect(fl & O_ACCMODE).toBe(O_WRONLY);
      sys.rump_sys_write(fd, enc.encode("d"));
      expect(readFile(sys, "f")).toBe("abcd");
      sys.rump_sys_fcntl(fd, F_SETFL, 0);
      expect(sys.rump_sys_fcntl(fd, F_GETFL) & (O_APPEND | O_NONBLOCK)).toBe(0);
    });

    it("F_CLOSEM closes every descriptor >= arg; F_MAXFD reports the highest open", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f");
      const fd = sys.rump_sys_open("f", O_RDONLY);
      sys.rump_sys_dup2(fd, 7);
      sys.rump_sys_dup2(fd, 9);
      expect(sys.rump_sys_fcntl(0, F_MAXFD)).toBe(9);
      sys.rump_sys_fcntl(7, F_CLOSEM);
      expectErrno(() => sys.rump_sys_fcntl(7, F_GETFD), EBADF);
      expectErrno(() => sys.rump_sys_fcntl(9, F_GETFD), EBADF);
      expect(sys.rump_sys_fcntl(fd, F_GETFD)).toBe(0);
    });

    it("a bad descriptor is EBADF, an unknown command EINVAL", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f");
      const fd = sys.rump_sys_open("f", O_RDONLY);
      expectErrno(() => sys.rump_sys_fcntl(999, F_GETFD), EBADF);
      expectErrno(() => sys.rump_sys_fcntl(-1, F_GETFL), EBADF);
      expectErrno(() => sys.rump_sys_fcntl(fd, 9999), EINVAL);
    });
  });
});
