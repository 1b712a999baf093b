/** link(2) and linkat(2). */
import {
  AT_FDCWD,
  AT_SYMLINK_FOLLOW,
  EACCES,
  EBADF,
  EEXIST,
  EINVAL,
  ENOENT,
  ENOTDIR,
  EPERM,
  EXDEV,
  O_RDONLY,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import {
  asUser,
  exists,
  expectErrno,
  FILE_SYSTEMS,
  GID,
  mkdirMode,
  readFile,
  TMPFS_DEFAULT,
  UID,
  writeFile,
} from "../helpers/kernel.js";

describe.each(FILE_SYSTEMS.filter((f) => f.hardLinks))("link on $name", (fs) => {
  it("adds a name for the same inode; nlink counts both; unlinking one keeps the other", () => {
    const { sys } = fs.mount();
    writeFile(sys, "a", "shared");
    sys.rump_sys_link("a", "b");
    const sa = sys.rump_sys_stat("a");
    const sb = sys.rump_sys_stat("b");
    expect(sb.st_ino).toBe(sa.st_ino);
    expect([sa.st_nlink, sb.st_nlink]).toEqual([2, 2]);
    sys.rump_sys_unlink("a");
    expect(sys.rump_sys_stat("b").st_nlink).toBe(1);
    expect(readFile(sys, "b")).toBe("shared");
  });

  it("updates the file's ctime and the directory's mtime and ctime", () => {
    const { sys } = fs.mount();
    writeFile(sys, "a");
    sys.rump_sys_mkdir("d", 0o755);
    const old = { tv_sec: 1000, tv_usec: 0 };
    sys.rump_sys_utimes("a", [old, old]);
    sys.rump_sys_utimes("d", [old, old]);
    const c0 = sys.rump_sys_stat("a").st_ctimespec;
    sys.rump_sys_link("a", "d/b");
    const st = sys.rump_sys_stat("a");
    expect(st.st_ctimespec.tv_sec * 1e9 + st.st_ctimespec.tv_nsec).toBeGreaterThanOrEqual(
      c0.tv_sec * 1e9 + c0.tv_nsec,
    );
    expect(st.st_mtimespec.tv_sec).toBe(1000);
    const d = sys.rump_sys_stat("d");
    expect(d.st_mtimespec.tv_sec).toBeGreaterThan(1000);
    expect(d.st_ctimespec.tv_sec).toBeGreaterThan(1000);
  });

  it("EEXIST when the new name exists (file, directory, dangling symlink)", () => {
    const { sys } = fs.mount();
    writeFile(sys, "a");
    writeFile(sys, "b");
    sys.rump_sys_mkdir("d", 0o755);
    expectErrno(() => sys.rump_sys_link("a", "b"), EEXIST);
    expectErrno(() => sys.rump_sys_link("a", "d"), EEXIST);
    expectErrno(() => sys.rump_sys_link("a", "a"), EEXIST);
    if (fs.symlinks) {
      sys.rump_sys_symlink("nowhere", "l");
      expectErrno(() => sys.rump_sys_link("a", "l"), EEXIST);
    }
    expect(sys.rump_sys_stat("a").st_nlink).toBe(1);
  });

  it("a directory is EPERM, even for root", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("d", 0o755);
    expectErrno(() => sys.rump_sys_link("d", "e"), EPERM);
    expect(sys.rump_sys_stat("d").st_nlink).toBe(2);
  });

  it("EXDEV across file systems", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("/mnt2", 0o755);
    sys.rump_sys_mount("tmpfs", "/mnt2", 0, { ...TMPFS_DEFAULT });
    writeFile(sys, "a");
    expectErrno(() => sys.rump_sys_link("/mnt/a", "/mnt2/a"), EXDEV);
    expect(exists(sys, "/mnt2/a")).toBe(false);
  });

  it("ENOENT, ENOTDIR", () => {
    const { sys } = fs.mount();
    writeFile(sys, "a");
    expectErrno(() => sys.rump_sys_link("missing", "b"), ENOENT);
    expectErrno(() => sys.rump_sys_link("a", "nodir/b"), ENOENT);
    expectErrno(() => sys.rump_sys_link("a/x", "b"), ENOTDIR);
    expectErrno(() => sys.rump_sys_link("a", "a/b"), ENOTDIR);
  });

  it("as non-root, EACCES without write permission on the target directory", () => {
    const t = fs.mount();
    writeFile(t.sys, "a", "", 0o666);
    mkdirMode(t.sys, "ro", 0o755);
    asUser(t, UID, GID, () => {
      expectErrno(() => t.sys.rump_sys_link("a", "ro/b"), EACCES);
      t.sys.rump_sys_link("a", "b"); // /mnt is 0777
    });
  });

  it("linkat: flags 0 links a symlink itself, AT_SYMLINK_FOLLOW its target", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    sys.rump_sys_symlink("f", "l");
    sys.rump_sys_linkat(AT_FDCWD, "l", AT_FDCWD, "l2", 0);
    expect(sys.rump_sys_lstat("l2").st_mode & S_IFMT).toBe(S_IFLNK);
    expect(sys.rump_sys_lstat("l2").st_ino).toBe(sys.rump_sys_lstat("l").st_ino);
    sys.rump_sys_linkat(AT_FDCWD, "l", AT_FDCWD, "f2", AT_SYMLINK_FOLLOW);
    expect(sys.rump_sys_lstat("f2").st_mode & S_IFMT).toBe(S_IFREG);
    expect(sys.rump_sys_stat("f").st_nlink).toBe(2);
  });

  it("linkat: directory descriptors, EBADF, EINVAL for unknown flags", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("a", 0o755);
    sys.rump_sys_mkdir("b", 0o755);
    writeFile(sys, "a/f");
    const fa = sys.rump_sys_open("a", O_RDONLY);
    const fb = sys.rump_sys_open("b", O_RDONLY);
    sys.rump_sys_linkat(fa, "f", fb, "g", 0);
    expect(sys.rump_sys_stat("b/g").st_nlink).toBe(2);
    expectErrno(() => sys.rump_sys_linkat(999, "f", fb, "h", 0), EBADF);
    expectErrno(() => sys.rump_sys_linkat(fa, "f", 999, "h", 0), EBADF);
    expectErrno(() => sys.rump_sys_linkat(fa, "f", fb, "h", 0x1), EINVAL);
  });
});
