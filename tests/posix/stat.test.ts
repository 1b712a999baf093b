/** stat(2), lstat(2), fstat(2), fstatat(2): the fields and the errors. */
import {
  AT_FDCWD,
  AT_SYMLINK_NOFOLLOW,
  EACCES,
  EBADF,
  EINVAL,
  ELOOP,
  ENOENT,
  ENOTDIR,
  O_RDONLY,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import {
  asUser,
  expectErrno,
  FILE_SYSTEMS,
  GID,
  mkdirMode,
  tsCmp,
  UID,
  writeFile,
} from "../helpers/kernel.js";

describe.each(FILE_SYSTEMS)("stat on $name", (fs) => {
  it("a regular file: type and mode, nlink, owner, size, blocks, times", () => {
    const t = fs.mount();
    const { sys } = t;
    const before = sys.rump_sys_clock_gettime(0);
    writeFile(sys, "f", "hello", 0o640);
    sys.rump_sys_chown("f", 12, 34);
    const st = sys.rump_sys_stat("f");
    expect(st.st_mode & S_IFMT).toBe(S_IFREG);
    expect(st.st_mode & 0o7777).toBe(0o640);
    expect(st.st_nlink).toBe(1);
    expect([st.st_uid, st.st_gid]).toEqual([12, 34]);
    expect(st.st_size).toBe(5);
    expect(st.st_blocks * 512).toBeGreaterThanOrEqual(5);
    expect(st.st_blksize).toBeGreaterThan(0);
    expect(st.st_ino).toBeGreaterThan(0);
    for (const ts of [st.st_atimespec, st.st_mtimespec, st.st_ctimespec]) {
      expect(tsCmp(ts, before)).toBeGreaterThanOrEqual(0);
      expect(ts.tv_nsec).toBeGreaterThanOrEqual(0);
      expect(ts.tv_nsec).toBeLessThan(1e9);
    }
  });

  it("an empty file has size 0 and no blocks", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    const st = sys.rump_sys_stat("f");
    expect(st.st_size).toBe(0);
    expect(st.st_blocks).toBe(0);
  });

  it("a directory has nlink 2, plus one per subdirectory", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("d", 0o755);
    let st = sys.rump_sys_stat("d");
    expect(st.st_mode & S_IFMT).toBe(S_IFDIR);
    expect(st.st_nlink).toBe(2);
    sys.rump_sys_mkdir("d/a", 0o755);
    sys.rump_sys_mkdir("d/b", 0o755);
    writeFile(sys, "d/f");
    st = sys.rump_sys_stat("d");
    expect(st.st_nlink).toBe(4);
  });

  it("inode numbers: distinct files differ, '.' and the fd agree", () => {
    const { sys } = fs.mount();
    writeFile(sys, "a");
    writeFile(sys, "b");
    expect(sys.rump_sys_stat("a").st_ino).not.toBe(sys.rump_sys_stat("b").st_ino);
    sys.rump_sys_mkdir("d", 0o755);
    const fd = sys.rump_sys_open("d", O_RDONLY);
    expect(sys.rump_sys_fstat(fd).st_ino).toBe(sys.rump_sys_stat("d/.").st_ino);
    expect(sys.rump_sys_stat("d/..").st_ino).toBe(sys.rump_sys_stat(".").st_ino);
  });

  it("st_dev is the same within a file system and differs across mounts", () => {
    const { sys } = fs.mount();
    writeFile(sys, "a");
    expect(sys.rump_sys_stat("a").st_dev).toBe(sys.rump_sys_stat("/mnt").st_dev);
    expect(sys.rump_sys_stat("/mnt").st_dev).not.toBe(sys.rump_sys_stat("/").st_dev);
  });

  it.runIf(fs.symlinks)("lstat describes the link, stat its target", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "12345678");
    sys.rump_sys_symlink("f", "l");
    const ls = sys.rump_sys_lstat("l");
    expect(ls.st_mode & S_IFMT).toBe(S_IFLNK);
    expect(ls.st_size).toBe(1);
    const st = sys.rump_sys_stat("l");
    expect(st.st_mode & S_IFMT).toBe(S_IFREG);
    expect(st.st_size).toBe(8);
    expect(st.st_ino).toBe(sys.rump_sys_lstat("f").st_ino);
  });

  it("fstat works on any descriptor; a pipe is a fifo", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "abc");
    const fd = sys.rump_sys_open("f", O_RDONLY);
    expect(sys.rump_sys_fstat(fd).st_size).toBe(3);
    const [r] = sys.rump_sys_pipe();
    expect(sys.rump_sys_fstat(r).st_mode & S_IFMT).toBe(S_IFIFO);
  });

  it("fstatat: relative to a directory descriptor, AT_SYMLINK_NOFOLLOW", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("d", 0o755);
    writeFile(sys, "d/f", "abcd");
    const dfd = sys.rump_sys_open("d", O_RDONLY);
    expect(sys.rump_sys_fstatat(dfd, "f", 0).st_size).toBe(4);
    expect(sys.rump_sys_fstatat(AT_FDCWD, "d/f", 0).st_size).toBe(4);
    if (fs.symlinks) {
      sys.rump_sys_symlink("f", "d/l");
      expect(sys.rump_sys_fstatat(dfd, "l", AT_SYMLINK_NOFOLLOW).st_mode & S_IFMT).toBe(S_IFLNK);
      expect(sys.rump_sys_fstatat(dfd, "l", 0).st_mode & S_IFMT).toBe(S_IFREG);
    }
  });

  it("fstatat errors: EBADF, ENOTDIR for a file descriptor, EINVAL for unknown flags", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    const ffd = sys.rump_sys_open("f", O_RDONLY);
    expectErrno(() => sys.rump_sys_fstatat(999, "f", 0), EBADF);
    expectErrno(() => sys.rump_sys_fstatat(ffd, "f", 0), ENOTDIR);
    expectErrno(() => sys.rump_sys_fstatat(AT_FDCWD, "f", 0x10000), EINVAL);
  });

  it("path errors: ENOENT, ENOTDIR, ELOOP; fstat EBADF", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    expectErrno(() => sys.rump_sys_stat("missing"), ENOENT);
    expectErrno(() => sys.rump_sys_lstat("missing"), ENOENT);
    expectErrno(() => sys.rump_sys_stat(""), ENOENT);
    expectErrno(() => sys.rump_sys_stat("f/x"), ENOTDIR);
    expectErrno(() => sys.rump_sys_lstat("f/x"), ENOTDIR);
    if (fs.symlinks) {
      sys.rump_sys_symlink("l2", "l1");
      sys.rump_sys_symlink("l1", "l2");
      expectErrno(() => sys.rump_sys_stat("l1"), ELOOP);
      expect(sys.rump_sys_lstat("l1").st_mode & S_IFMT).toBe(S_IFLNK);
      sys.rump_sys_symlink("nowhere", "dangling");
      expectErrno(() => sys.rump_sys_stat("dangling"), ENOENT);
    }
    expectErrno(() => sys.rump_sys_fstat(999), EBADF);
    expectErrno(() => sys.rump_sys_fstat(-1), EBADF);
  });

  it("as non-root: EACCES without search permission, fine without read permission", () => {
    const t = fs.mount();
    mkdirMode(t.sys, "d", 0o700);
    writeFile(t.sys, "d/f");
    writeFile(t.sys, "secret", "", 0o000);
    asUser(t, UID, GID, () => {
      expectErrno(() => t.sys.rump_sys_stat("d/f"), EACCES);
      expectErrno(() => t.sys.rump_sys_lstat("d/f"), EACCES);
      expect(t.sys.rump_sys_stat("secret").st_mode & 0o777).toBe(0);
      expect(t.sys.rump_sys_stat("d").st_mode & 0o777).toBe(0o700);
    });
  });
});
