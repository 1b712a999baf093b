/**
 * open(2) / openat(2) (pjdfstest tests/open): creation, flags, and every
 * errno NetBSD's open(2) documents, as root and as an unprivileged process.
 */
import {
  AT_FDCWD,
  EACCES,
  EBADF,
  EEXIST,
  EFTYPE,
  EINVAL,
  EISDIR,
  ELOOP,
  ENOENT,
  ENOTDIR,
  FD_CLOEXEC,
  F_GETFD,
  F_GETFL,
  O_ACCMODE,
  O_APPEND,
  O_CLOEXEC,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_NOFOLLOW,
  O_NONBLOCK,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  S_IFMT,
  S_IFREG,
  SEEK_CUR,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import {
  asUser,
  enc,
  expectErrno,
  FILE_SYSTEMS,
  GID,
  mkdirMode,
  readFile,
  UID,
  writeFile,
} from "../helpers/kernel.js";

describe.each(FILE_SYSTEMS)("open on $name", (fs) => {
  describe("O_CREAT", () => {
    it("creates a regular file with the mode, the caller's uid and the parent's gid", () => {
      const { sys } = fs.mount();
      sys.rump_sys_umask(0);
      sys.rump_sys_mkdir("d", 0o777);
      sys.rump_sys_chown("d", 0, 5);
      const fd = sys.rump_sys_open("d/f", O_RDWR | O_CREAT, 0o640);
      sys.rump_sys_close(fd);
      const st = sys.rump_sys_stat("d/f");
      expect(st.st_mode & S_IFMT).toBe(S_IFREG);
      expect(st.st_mode & 0o7777).toBe(0o640);
      expect(st.st_uid).toBe(0);
      expect(st.st_gid).toBe(5); // BSD: the group of the directory
      expect(st.st_size).toBe(0);
      expect(st.st_nlink).toBe(1);
    });

    it("gives a non-root creator's file its euid and the directory's group", () => {
      const t = fs.mount();
      mkdirMode(t.sys, "d", 0o777);
      t.sys.rump_sys_chown("d", 0, 5);
      asUser(t, UID, GID, () => {
        t.sys.rump_sys_close(t.sys.rump_sys_open("d/f", O_WRONLY | O_CREAT, 0o600));
      });
      const st = t.sys.rump_sys_stat("d/f");
      expect(st.st_uid).toBe(UID);
      expect(st.st_gid).toBe(5);
    });

    it("applies the umask to the creation mode", () => {
      const { sys } = fs.mount();
      expect(sys.rump_sys_umask(0o027)).toBe(0o022);
      sys.rump_sys_close(sys.rump_sys_open("f", O_WRONLY | O_CREAT, 0o777));
      expect(sys.rump_sys_stat("f").st_mode & 0o7777).toBe(0o750);
    });

    it("opens an existing file without changing it", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f", "hello", 0o600);
      const fd = sys.rump_sys_open("f", O_RDWR | O_CREAT, 0o777);
      sys.rump_sys_close(fd);
      expect(readFile(sys, "f")).toBe("hello");
      expect(sys.rump_sys_stat("f").st_mode & 0o7777).toBe(0o600);
    });

    it("updates the parent directory's mtime and ctime", () => {
      const { sys } = fs.mount();
      sys.rump_sys_mkdir("d", 0o755);
      sys.rump_sys_utimes("d", [
        { tv_sec: 1000, tv_usec: 0 },
        { tv_sec: 1000, tv_usec: 0 },
      ]);
      sys.rump_sys_close(sys.rump_sys_open("d/f", O_WRONLY | O_CREAT, 0o644));
      const st = sys.rump_sys_stat("d");
      expect(st.st_mtimespec.tv_sec).toBeGreaterThan(1000);
      expect(st.st_ctimespec.tv_sec).toBeGreaterThan(1000);
    });

    it("O_EXCL fails with EEXIST on an existing file", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f");
      expectErrno(() => sys.rump_sys_open("f", O_WRONLY | O_CREAT | O_EXCL, 0o644), EEXIST);
    });

    it("O_EXCL fails with EEXIST on a directory", () => {
      const { sys } = fs.mount();
      sys.rump_sys_mkdir("d", 0o755);
      expectErrno(() => sys.rump_sys_open("d", O_RDONLY | O_CREAT | O_EXCL, 0o644), EEXIST);
    });

    it.runIf(fs.symlinks)("O_EXCL does not follow a dangling symlink: EEXIST", () => {
      const { sys } = fs.mount();
      sys.rump_sys_symlink("nowhere", "l");
      expectErrno(() => sys.rump_sys_open("l", O_WRONLY | O_CREAT | O_EXCL, 0o644), EEXIST);
      expectErrno(() => sys.rump_sys_lstat("nowhere"), ENOENT);
    });

    it.runIf(fs.symlinks)("without O_EXCL creates the target of a dangling symlink", () => {
      const { sys } = fs.mount();
      sys.rump_sys_symlink("target", "l");
      sys.rump_sys_close(sys.rump_sys_open("l", O_WRONLY | O_CREAT, 0o644));
      expect(sys.rump_sys_stat("target").st_mode & S_IFMT).toBe(S_IFREG);
    });

    it("fails with ENOENT when a parent is missing", () => {
      const { sys } = fs.mount();
      expectErrno(() => sys.rump_sys_open("nodir/f", O_WRONLY | O_CREAT, 0o644), ENOENT);
    });

    it("fails with EACCES without write permission on the directory", () => {
      const t = fs.mount();
      t.sys.rump_sys_mkdir("d", 0o755);
      asUser(t, UID, GID, () => {
        expectErrno(() => t.sys.rump_sys_open("d/f", O_WRONLY | O_CREAT, 0o644), EACCES);
      });
      expectErrno(() => t.sys.rump_sys_stat("d/f"), ENOENT);
    });

    it("fails with EACCES without search permission on a path component", () => {
      const t = fs.mount();
      t.sys.rump_sys_mkdir("d", 0o777);
      t.sys.rump_sys_mkdir("d/e", 0o777);
      t.sys.rump_sys_chmod("d", 0o766);
      asUser(t, UID, GID, () => {
        expectErrno(() => t.sys.rump_sys_open("d/e/f", O_WRONLY | O_CREAT, 0o644), EACCES);
      });
    });
  });

  describe("O_TRUNC", () => {
    it("truncates an existing file to 0 and updates mtime and ctime", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f", "hello");
      sys.rump_sys_utimes("f", [
        { tv_sec: 1000, tv_usec: 0 },
        { tv_sec: 1000, tv_usec: 0 },
      ]);
      sys.rump_sys_close(sys.rump_sys_open("f", O_WRONLY | O_TRUNC));
      const st = sys.rump_sys_stat("f");
      expect(st.st_size).toBe(0);
      expect(st.st_mtimespec.tv_sec).toBeGreaterThan(1000);
      expect(st.st_ctimespec.tv_sec).toBeGreaterThan(1000);
    });

    it("fails with EACCES for a non-owner without write permission", () => {
      const t = fs.mount();
      writeFile(t.sys, "f", "hello", 0o644);
      asUser(t, UID, GID, () => {
        expectErrno(() => t.sys.rump_sys_open("f", O_WRONLY | O_TRUNC), EACCES);
      });
      expect(t.sys.rump_sys_stat("f").st_size).toBe(5);
    });
  });

  describe("access modes", () => {
    it("O_RDONLY descriptors cannot write: EBADF", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f", "x");
      const fd = sys.rump_sys_open("f", O_RDONLY);
      expectErrno(() => sys.rump_sys_write(fd, enc.encode("y")), EBADF);
      expectErrno(() => sys.rump_sys_pwrite(fd, enc.encode("y"), 1, 0), EBADF);
      expect(sys.rump_sys_read(fd, new Uint8Array(4))).toBe(1);
    });

    it("O_WRONLY descriptors cannot read: EBADF", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f", "x");
      const fd = sys.rump_sys_open("f", O_WRONLY);
      expectErrno(() => sys.rump_sys_read(fd, new Uint8Array(4)), EBADF);
      expectErrno(() => sys.rump_sys_pread(fd, new Uint8Array(4), 4, 0), EBADF);
      expect(sys.rump_sys_write(fd, enc.encode("y"))).toBe(1);
    });

    it("O_RDWR descriptors read and write", () => {
      const { sys } = fs.mount();
      const fd = sys.rump_sys_open("f", O_RDWR | O_CREAT, 0o644);
      expect(sys.rump_sys_write(fd, enc.encode("abc"))).toBe(3);
      expect(sys.rump_sys_pread(fd, new Uint8Array(3), 3, 0)).toBe(3);
    });

    it("O_ACCMODE (both bits) is EINVAL", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f");
      expectErrno(() => sys.rump_sys_open("f", O_ACCMODE), EINVAL);
      sys.rump_sys_close(sys.rump_sys_open("f", O_RDONLY));
    });

    it("opening a directory for writing is EISDIR, reading is fine", () => {
      const { sys } = fs.mount();
      sys.rump_sys_mkdir("d", 0o755);
      expectErrno(() => sys.rump_sys_open("d", O_WRONLY), EISDIR);
      expectErrno(() => sys.rump_sys_open("d", O_RDWR), EISDIR);
      expectErrno(() => sys.rump_sys_open(".", O_RDWR), EISDIR);
      sys.rump_sys_close(sys.rump_sys_open("d", O_RDONLY));
    });

    it("reading a directory descriptor is EISDIR", () => {
      const { sys } = fs.mount();
      sys.rump_sys_mkdir("d", 0o755);
      const fd = sys.rump_sys_open("d", O_RDONLY);
      expectErrno(() => sys.rump_sys_read(fd, new Uint8Array(16)), EISDIR);
    });

    it("as non-root, EACCES without read or write permission", () => {
      const t = fs.mount();
      writeFile(t.sys, "r", "", 0o604); // others: read only
      writeFile(t.sys, "w", "", 0o602); // others: write only
      writeFile(t.sys, "n", "", 0o600);
      asUser(t, UID, GID, () => {
        t.sys.rump_sys_close(t.sys.rump_sys_open("r", O_RDONLY));
        expectErrno(() => t.sys.rump_sys_open("r", O_WRONLY), EACCES);
        expectErrno(() => t.sys.rump_sys_open("r", O_RDWR), EACCES);
        t.sys.rump_sys_close(t.sys.rump_sys_open("w", O_WRONLY));
        expectErrno(() => t.sys.rump_sys_open("w", O_RDONLY), EACCES);
        expectErrno(() => t.sys.rump_sys_open("n", O_RDONLY), EACCES);
      });
    });

    it("as non-root, owner bits apply to the owner even if others may read", () => {
      const t = fs.mount();
      writeFile(t.sys, "f", "", 0o044);
      t.sys.rump_sys_chown("f", UID, 0);
      asUser(t, UID, GID, () => {
        expectErrno(() => t.sys.rump_sys_open("f", O_RDONLY), EACCES);
      });
    });

    it("as non-root, group bits apply to members of the file's group", () => {
      const t = fs.mount();
      writeFile(t.sys, "f", "", 0o640);
      t.sys.rump_sys_chown("f", 0, 77);
      asUser(t, UID, GID, () => expectErrno(() => t.sys.rump_sys_open("f", O_RDONLY), EACCES));
      asUser(t, UID, 77, () => t.sys.rump_sys_close(t.sys.rump_sys_open("f", O_RDONLY)));
      asUser(t, UID, GID, () => t.sys.rump_sys_close(t.sys.rump_sys_open("f", O_RDONLY)), [77]);
    });

    it("root opens a mode-000 file for reading and writing", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f", "", 0o000);
      sys.rump_sys_close(sys.rump_sys_open("f", O_RDWR));
    });
  });

  describe("O_APPEND", () => {
    it("every write goes to the end, whatever the offset", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f", "abc");
      const fd = sys.rump_sys_open("f", O_WRONLY | O_APPEND);
      sys.rump_sys_lseek(fd, 0, 0);
      sys.rump_sys_write(fd, enc.encode("de"));
      expect(sys.rump_sys_lseek(fd, 0, SEEK_CUR)).toBe(5);
      sys.rump_sys_lseek(fd, 1, 0);
      sys.rump_sys_write(fd, enc.encode("f"));
      expect(readFile(sys, "f")).toBe("abcdef");
      expect(sys.rump_sys_fcntl(fd, F_GETFL) & O_APPEND).toBe(O_APPEND);
    });
  });

  describe("O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC, O_NONBLOCK", () => {
    it("O_DIRECTORY opens a directory and refuses a file with ENOTDIR", () => {
      const { sys } = fs.mount();
      sys.rump_sys_mkdir("d", 0o755);
      writeFile(sys, "f");
      sys.rump_sys_close(sys.rump_sys_open("d", O_RDONLY | O_DIRECTORY));
      expectErrno(() => sys.rump_sys_open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
    });

    it.runIf(fs.symlinks)(
      "O_NOFOLLOW on a symlink fails with EFTYPE (NetBSD; POSIX says ELOOP)",
      () => {
        const { sys } = fs.mount();
        writeFile(sys, "f");
        sys.rump_sys_symlink("f", "l");
        expectErrno(() => sys.rump_sys_open("l", O_RDONLY | O_NOFOLLOW), EFTYPE);
        expectErrno(() => sys.rump_sys_open("l", O_RDWR | O_CREAT | O_NOFOLLOW, 0o644), EFTYPE);
        sys.rump_sys_close(sys.rump_sys_open("f", O_RDONLY | O_NOFOLLOW));
      },
    );

    it.runIf(fs.symlinks)("O_NOFOLLOW follows symlinks in the leading components", () => {
      const { sys } = fs.mount();
      sys.rump_sys_mkdir("d", 0o755);
      writeFile(sys, "d/f");
      sys.rump_sys_symlink("d", "ld");
      sys.rump_sys_close(sys.rump_sys_open("ld/f", O_RDONLY | O_NOFOLLOW));
    });

    it("O_CLOEXEC sets FD_CLOEXEC; without it the flag is clear", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f");
      const a = sys.rump_sys_open("f", O_RDONLY | O_CLOEXEC);
      const b = sys.rump_sys_open("f", O_RDONLY);
      expect(sys.rump_sys_fcntl(a, F_GETFD)).toBe(FD_CLOEXEC);
      expect(sys.rump_sys_fcntl(b, F_GETFD)).toBe(0);
      expect(sys.rump_sys_fcntl(a, F_GETFL) & O_CLOEXEC).toBe(0);
    });

    it("O_NONBLOCK shows in F_GETFL", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f");
      const fd = sys.rump_sys_open("f", O_RDWR | O_NONBLOCK);
      expect(sys.rump_sys_fcntl(fd, F_GETFL) & (O_NONBLOCK | O_ACCMODE)).toBe(O_NONBLOCK | O_RDWR);
    });
  });

  describe("path errors", () => {
    it("a missing file without O_CREAT is ENOENT", () => {
      const { sys } = fs.mount();
      expectErrno(() => sys.rump_sys_open("nothing", O_RDONLY), ENOENT);
    });

    it("the empty path is ENOENT", () => {
      const { sys } = fs.mount();
      expectErrno(() => sys.rump_sys_open("", O_RDONLY), ENOENT);
      expectErrno(() => sys.rump_sys_open("", O_RDWR | O_CREAT, 0o644), ENOENT);
    });

    it("a file used as a directory is ENOTDIR", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f");
      expectErrno(() => sys.rump_sys_open("f/x", O_RDONLY), ENOTDIR);
      expectErrno(() => sys.rump_sys_open("f/x", O_RDWR | O_CREAT, 0o644), ENOTDIR);
      expectErrno(() => sys.rump_sys_open("f/", O_RDONLY), ENOTDIR);
    });

    it.runIf(fs.symlinks)("a symlink loop is ELOOP", () => {
      const { sys } = fs.mount();
      sys.rump_sys_symlink("b", "a");
      sys.rump_sys_symlink("a", "b");
      expectErrno(() => sys.rump_sys_open("a", O_RDONLY), ELOOP);
      expectErrno(() => sys.rump_sys_open("a", O_RDWR | O_CREAT, 0o644), ELOOP);
      expectErrno(() => sys.rump_sys_open("a/x", O_RDONLY), ELOOP);
    });

    it("returns the lowest free descriptor", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f");
      const a = sys.rump_sys_open("f", O_RDONLY);
      const b = sys.rump_sys_open("f", O_RDONLY);
      const c = sys.rump_sys_open("f", O_RDONLY);
      expect([b - a, c - b]).toEqual([1, 1]);
      sys.rump_sys_close(b);
      expect(sys.rump_sys_open("f", O_RDONLY)).toBe(b);
    });
  });

  describe("openat", () => {
    it("resolves a relative path against the directory descriptor", () => {
      const { sys } = fs.mount();
      sys.rump_sys_mkdir("d", 0o755);
      writeFile(sys, "d/f", "in d");
      writeFile(sys, "f", "in cwd");
      const dfd = sys.rump_sys_open("d", O_RDONLY | O_DIRECTORY);
      const fd = sys.rump_sys_openat(dfd, "f", O_RDONLY);
      const b = new Uint8Array(16);
      expect(new TextDecoder().decode(b.subarray(0, sys.rump_sys_read(fd, b)))).toBe("in d");
      sys.rump_sys_close(sys.rump_sys_openat(dfd, "g", O_WRONLY | O_CREAT, 0o644));
      sys.rump_sys_stat("d/g");
    });

    it("AT_FDCWD is the current directory; an absolute path ignores the descriptor", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f");
      sys.rump_sys_close(sys.rump_sys_openat(AT_FDCWD, "f", O_RDONLY));
      const ffd = sys.rump_sys_open("f", O_RDONLY);
      sys.rump_sys_close(sys.rump_sys_openat(ffd, "/mnt/f", O_RDONLY));
      sys.rump_sys_close(sys.rump_sys_openat(12345, "/mnt/f", O_RDONLY));
    });

    it("a bad descriptor is EBADF, a file descriptor is ENOTDIR", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f");
      const ffd = sys.rump_sys_open("f", O_RDONLY);
      expectErrno(() => sys.rump_sys_openat(12345, "f", O_RDONLY), EBADF);
      expectErrno(() => sys.rump_sys_openat(-1, "f", O_RDONLY), EBADF);
      expectErrno(() => sys.rump_sys_openat(ffd, "f", O_RDONLY), ENOTDIR);
    });

    it("as non-root, EACCES when the directory is not searchable", () => {
      const t = fs.mount();
      t.sys.rump_sys_mkdir("d", 0o700);
      writeFile(t.sys, "d/f", "", 0o644);
      asUser(t, UID, GID, () => {
        const dfd = t.sys.rump_sys_open(".", O_RDONLY);
        expectErrno(() => t.sys.rump_sys_openat(dfd, "d/f", O_RDONLY), EACCES);
      });
    });
  });
});
