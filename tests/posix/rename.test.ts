/**
 * rename(2) / renameat(2): every case of NetBSD's rename(2) and pjdfstest's
 * tests/rename: file over file, directory over empty directory, type
 * mismatches, moves into the own subtree, same-file no-ops, EXDEV, "..".
 */
import {
  AT_FDCWD,
  EACCES,
  EBADF,
  EBUSY,
  EINVAL,
  EISDIR,
  ENOENT,
  ENOTDIR,
  ENOTEMPTY,
  EPERM,
  EXDEV,
  O_RDONLY,
  S_IFLNK,
  S_IFMT,
  S_ISVTX,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import {
  asUser,
  dec,
  exists,
  expectErrno,
  FILE_SYSTEMS,
  GID,
  GID2,
  mkdirMode,
  readFile,
  TMPFS_DEFAULT,
  UID,
  UID2,
  writeFile,
} from "../helpers/kernel.js";

describe.each(FILE_SYSTEMS)("rename on $name", (fs) => {
  describe("files", () => {
    it("moves a file to a new name, keeping the inode and updating ctime", () => {
      const { sys } = fs.mount();
      writeFile(sys, "a", "data");
      const old = { tv_sec: 1000, tv_usec: 0 };
      sys.rump_sys_utimes("a", [old, old]);
      const ino = sys.rump_sys_stat("a").st_ino;
      const ctime = sys.rump_sys_stat("a").st_ctimespec;
      sys.rump_sys_rename("a", "b");
      expect(exists(sys, "a")).toBe(false);
      const st = sys.rump_sys_stat("b");
      expect(st.st_ino).toBe(ino);
      expect(st.st_mtimespec.tv_sec).toBe(1000);
      expect(st.st_ctimespec.tv_sec * 1e9 + st.st_ctimespec.tv_nsec).toBeGreaterThanOrEqual(
        ctime.tv_sec * 1e9 + ctime.tv_nsec,
      );
      expect(readFile(sys, "b")).toBe("data");
    });

    it("moves a file into another directory and updates both directories' times", () => {
      const { sys } = fs.mount();
      sys.rump_sys_mkdir("s", 0o755);
      sys.rump_sys_mkdir("t", 0o755);
      writeFile(sys, "s/f", "x");
      const old = { tv_sec: 1000, tv_usec: 0 };
      sys.rump_sys_utimes("s", [old, old]);
      sys.rump_sys_utimes("t", [old, old]);
      sys.rump_sys_rename("s/f", "t/g");
      expect(readFile(sys, "t/g")).toBe("x");
      for (const d of ["s", "t"]) {
        const st = sys.rump_sys_stat(d);
        expect(st.st_mtimespec.tv_sec).toBeGreaterThan(1000);
        expect(st.st_ctimespec.tv_sec).toBeGreaterThan(1000);
      }
    });

    it("replaces an existing file; an open descriptor keeps the old data", () => {
      const { sys } = fs.mount();
      writeFile(sys, "a", "new");
      writeFile(sys, "b", "old");
      const fd = sys.rump_sys_open("b", O_RDONLY);
      sys.rump_sys_rename("a", "b");
      expect(readFile(sys, "b")).toBe("new");
      expect(exists(sys, "a")).toBe(false);
      const buf = new Uint8Array(8);
      expect(dec.decode(buf.subarray(0, sys.rump_sys_read(fd, buf)))).toBe("old");
      expect(sys.rump_sys_fstat(fd).st_nlink).toBe(0);
    });

    it.runIf(fs.hardLinks)("replacing one link of a file drops its nlink", () => {
      const { sys } = fs.mount();
      writeFile(sys, "a");
      writeFile(sys, "b");
      sys.rump_sys_link("b", "c");
      sys.rump_sys_rename("a", "b");
      expect(sys.rump_sys_stat("c").st_nlink).toBe(1);
    });

    it("renaming a file onto itself does nothing", () => {
      const { sys } = fs.mount();
      writeFile(sys, "a", "x");
      sys.rump_sys_rename("a", "a");
      expect(readFile(sys, "a")).toBe("x");
    });

    it.runIf(fs.hardLinks)(
      "renaming onto another link of the same file does nothing (both names stay)",
      () => {
        const { sys } = fs.mount();
        writeFile(sys, "a", "x");
        sys.rump_sys_link("a", "b");
        sys.rump_sys_rename("a", "b");
        expect(exists(sys, "a")).toBe(true);
        expect(exists(sys, "b")).toBe(true);
        expect(sys.rump_sys_stat("a").st_nlink).toBe(2);
      },
    );

    it.runIf(fs.symlinks)("renames a symlink itself, not its target", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f");
      sys.rump_sys_symlink("f", "l");
      sys.rump_sys_rename("l", "m");
      expect(sys.rump_sys_lstat("m").st_mode & S_IFMT).toBe(S_IFLNK);
      expect(exists(sys, "f")).toBe(true);
      sys.rump_sys_symlink("nowhere", "dangling");
      sys.rump_sys_rename("dangling", "d2");
      expect(sys.rump_sys_lstat("d2").st_mode & S_IFMT).toBe(S_IFLNK);
    });

    it("a file over a directory is EISDIR", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f");
      sys.rump_sys_mkdir("d", 0o755);
      expectErrno(() => sys.rump_sys_rename("f", "d"), EISDIR);
      expect(exists(sys, "f")).toBe(true);
    });
  });

  describe("directories", () => {
    it("moves a directory to another parent: '..' and both link counts follow", () => {
      const { sys } = fs.mount();
      sys.rump_sys_mkdir("a", 0o755);
      sys.rump_sys_mkdir("b", 0o755);
      sys.rump_sys_mkdir("a/d", 0o755);
      writeFile(sys, "a/d/f", "in d");
      const na = sys.rump_sys_stat("a").st_nlink;
      const nb = sys.rump_sys_stat("b").st_nlink;
      sys.rump_sys_rename("a/d", "b/e");
      expect(sys.rump_sys_stat("a").st_nlink).toBe(na - 1);
      expect(sys.rump_sys_stat("b").st_nlink).toBe(nb + 1);
      expect(sys.rump_sys_stat("b/e/..").st_ino).toBe(sys.rump_sys_stat("b").st_ino);
      expect(readFile(sys, "b/e/f")).toBe("in d");
      expect(readFile(sys, "b/e/../e/f")).toBe("in d");
    });

    it("renames a directory within its parent without changing link counts", () => {
      const { sys } = fs.mount();
      sys.rump_sys_mkdir("d", 0o755);
      const n = sys.rump_sys_stat(".").st_nlink;
      sys.rump_sys_rename("d", "e");
      expect(sys.rump_sys_stat(".").st_nlink).toBe(n);
      expect(sys.rump_sys_stat("e").st_nlink).toBe(2);
    });

    it("replaces an empty directory", () => {
      const { sys } = fs.mount();
      sys.rump_sys_mkdir("a", 0o755);
      writeFile(sys, "a/f");
      sys.rump_sys_mkdir("b", 0o755);
      const n = sys.rump_sys_stat(".").st_nlink;
      sys.rump_sys_rename("a", "b");
      expect(exists(sys, "a")).toBe(false);
      expect(exists(sys, "b/f")).toBe(true);
      expect(sys.rump_sys_stat(".").st_nlink).toBe(n - 1);
    });

    it("over a non-empty directory is ENOTEMPTY", () => {
      const { sys } = fs.mount();
      sys.rump_sys_mkdir("a", 0o755);
      sys.rump_sys_mkdir("b", 0o755);
      writeFile(sys, "b/f");
      expectErrno(() => sys.rump_sys_rename("a", "b"), ENOTEMPTY);
      expect(exists(sys, "a")).toBe(true);
    });

    it("a directory over a file is ENOTDIR", () => {
      const { sys } = fs.mount();
      sys.rump_sys_mkdir("d", 0o755);
      writeFile(sys, "f");
      expectErrno(() => sys.rump_sys_rename("d", "f"), ENOTDIR);
    });

    it("into its own subtree is EINVAL, at any depth", () => {
      const { sys } = fs.mount();
      sys.rump_sys_mkdir("a", 0o755);
      sys.rump_sys_mkdir("a/b", 0o755);
      sys.rump_sys_mkdir("a/b/c", 0o755);
      expectErrno(() => sys.rump_sys_rename("a", "a/x"), EINVAL);
      expectErrno(() => sys.rump_sys_rename("a", "a/b/c/x"), EINVAL);
      expectErrno(() => sys.rump_sys_rename("a", "a/b/c"), EINVAL);
      expect(exists(sys, "a/b/c")).toBe(true);
      sys.rump_sys_rename("a/b/c", "c"); // moving up is fine
    });

    it("'.' or '..' as the last component is EINVAL", () => {
      const { sys } = fs.mount();
      sys.rump_sys_mkdir("d", 0o755);
      sys.rump_sys_mkdir("d/e", 0o755);
      expectErrno(() => sys.rump_sys_rename("d/.", "x"), EINVAL);
      expectErrno(() => sys.rump_sys_rename("d/e/..", "x"), EINVAL);
      writeFile(sys, "x");
      expectErrno(() => sys.rump_sys_rename("x", "d/."), EINVAL);
      expectErrno(() => sys.rump_sys_rename("x", "d/e/.."), EINVAL);
      expect(exists(sys, "d/e")).toBe(true);
    });

    it("a trailing slash on a directory is fine, on a file ENOTDIR", () => {
      const { sys } = fs.mount();
      sys.rump_sys_mkdir("d", 0o755);
      writeFile(sys, "f");
      sys.rump_sys_rename("d/", "e/");
      expect(exists(sys, "e")).toBe(true);
      expectErrno(() => sys.rump_sys_rename("f/", "g"), ENOTDIR);
    });

    it("a mount point or the root is EBUSY", () => {
      const { sys } = fs.mount();
      expectErrno(() => sys.rump_sys_rename("/mnt", "/elsewhere"), EBUSY);
      expectErrno(() => sys.rump_sys_rename("/", "/elsewhere"), EBUSY);
      writeFile(sys, "usable");
    });
  });

  describe("errors", () => {
    it("ENOENT for a missing source or target directory; ENOTDIR in a path", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f");
      expectErrno(() => sys.rump_sys_rename("missing", "x"), ENOENT);
      expectErrno(() => sys.rump_sys_rename("f", "nodir/x"), ENOENT);
      expectErrno(() => sys.rump_sys_rename("f/x", "y"), ENOTDIR);
      expectErrno(() => sys.rump_sys_rename("f", "f/y"), ENOTDIR);
      expectErrno(() => sys.rump_sys_rename("", "y"), ENOENT);
      expectErrno(() => sys.rump_sys_rename("f", ""), ENOENT);
      expect(exists(sys, "f")).toBe(true);
    });

    it("EXDEV across file systems", () => {
      const { sys } = fs.mount();
      sys.rump_sys_mkdir("/mnt2", 0o755);
      sys.rump_sys_mount("tmpfs", "/mnt2", 0, { ...TMPFS_DEFAULT });
      writeFile(sys, "f");
      sys.rump_sys_mkdir("d", 0o755);
      expectErrno(() => sys.rump_sys_rename("/mnt/f", "/mnt2/f"), EXDEV);
      expectErrno(() => sys.rump_sys_rename("/mnt/d", "/mnt2/d"), EXDEV);
      writeFile(sys, "/mnt2/g");
      expectErrno(() => sys.rump_sys_rename("/mnt2/g", "/mnt/f"), EXDEV);
      expect(exists(sys, "f")).toBe(true);
    });

    it("as non-root, EACCES without write permission on either directory", () => {
      const t = fs.mount();
      mkdirMode(t.sys, "ro", 0o755);
      mkdirMode(t.sys, "rw", 0o777);
      writeFile(t.sys, "ro/f");
      writeFile(t.sys, "rw/g");
      asUser(t, UID, GID, () => {
        expectErrno(() => t.sys.rump_sys_rename("ro/f", "rw/f"), EACCES);
        expectErrno(() => t.sys.rump_sys_rename("rw/g", "ro/g"), EACCES);
        t.sys.rump_sys_rename("rw/g", "rw/h");
      });
    });

    it("as non-root, moving a directory to a new parent needs write permission on it ('..')", () => {
      const t = fs.mount();
      mkdirMode(t.sys, "a", 0o777);
      mkdirMode(t.sys, "b", 0o777);
      mkdirMode(t.sys, "a/d", 0o555);
      asUser(t, UID, GID, () => {
        expectErrno(() => t.sys.rump_sys_rename("a/d", "b/d"), EACCES);
        t.sys.rump_sys_rename("a/d", "a/e"); // same parent: ".." unchanged
      });
    });

    it("in a sticky directory, EPERM unless owner of the entry or of the directory", () => {
      const t = fs.mount();
      mkdirMode(t.sys, "s", 0o777 | S_ISVTX);
      t.sys.rump_sys_chown("s", UID2, GID2);
      writeFile(t.sys, "s/f", "", 0o666);
      t.sys.rump_sys_chown("s/f", UID, GID);
      writeFile(t.sys, "s/victim", "", 0o666);
      t.sys.rump_sys_chown("s/victim", UID2, GID2);
      asUser(t, 3000, 3000, () => expectErrno(() => t.sys.rump_sys_rename("s/f", "s/g"), EPERM));
      // the target of a replacing rename is checked too
      asUser(t, UID, GID, () => expectErrno(() => t.sys.rump_sys_rename("s/f", "s/victim"), EPERM));
      asUser(t, UID, GID, () => t.sys.rump_sys_rename("s/f", "s/g"));
      asUser(t, UID2, GID2, () => t.sys.rump_sys_rename("s/g", "s/h"));
    });
  });

  describe("renameat", () => {
    it("resolves each name against its own directory descriptor", () => {
      const { sys } = fs.mount();
      sys.rump_sys_mkdir("a", 0o755);
      sys.rump_sys_mkdir("b", 0o755);
      writeFile(sys, "a/f", "x");
      const fa = sys.rump_sys_open("a", O_RDONLY);
      const fb = sys.rump_sys_open("b", O_RDONLY);
      sys.rump_sys_renameat(fa, "f", fb, "g");
      expect(readFile(sys, "b/g")).toBe("x");
      sys.rump_sys_renameat(fb, "g", AT_FDCWD, "h");
      expect(readFile(sys, "h")).toBe("x");
    });

    it("EBADF for a bad descriptor, ENOTDIR for a file descriptor", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f");
      const ffd = sys.rump_sys_open("f", O_RDONLY);
      expectErrno(() => sys.rump_sys_renameat(999, "f", AT_FDCWD, "g"), EBADF);
      expectErrno(() => sys.rump_sys_renameat(AT_FDCWD, "f", 999, "g"), EBADF);
      expectErrno(() => sys.rump_sys_renameat(ffd, "f", AT_FDCWD, "g"), ENOTDIR);
      expect(exists(sys, "f")).toBe(true);
    });
  });
});
