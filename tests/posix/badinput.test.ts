/**
 * Bad input: closed and invalid descriptors, negative sizes and offsets,
 * names and paths at and over their limits, NUL bytes inside paths, symlink
 * and rename loops, file-system limits, busy mount points. Every case is
 * followed by an ordinary call to show the kernel is still usable.
 */
import {
  EBADF,
  EBUSY,
  EINVAL,
  ELOOP,
  ENAMETOOLONG,
  ENOSPC,
  ENOTDIR,
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  type RumpSyscalls,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import {
  bootTmpfs,
  exists,
  expectErrno,
  FILE_SYSTEMS,
  nameOf,
  readFile,
  writeFile,
} from "../helpers/kernel.js";

/** The kernel still answers ordinary calls. */
function stillUsable(sys: RumpSyscalls): void {
  writeFile(sys, "/mnt/.alive", "yes");
  expect(readFile(sys, "/mnt/.alive")).toBe("yes");
  sys.rump_sys_unlink("/mnt/.alive");
}

describe.each(FILE_SYSTEMS)("bad input on $name", (fs) => {
  it("closed, negative, huge and non-integer descriptors are EBADF everywhere", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    const closed = sys.rump_sys_open("f", O_RDONLY);
    sys.rump_sys_close(closed);
    for (const fd of [closed, -1, -100, 1 << 30, 2 ** 40, 1.5, Number.NaN]) {
      expectErrno(() => sys.rump_sys_read(fd, new Uint8Array(1)), EBADF);
      expectErrno(() => sys.rump_sys_write(fd, new Uint8Array(1)), EBADF);
      expectErrno(() => sys.rump_sys_close(fd), EBADF);
      expectErrno(() => sys.rump_sys_fstat(fd), EBADF);
      expectErrno(() => sys.rump_sys_lseek(fd, 0, 0), EBADF);
      expectErrno(() => sys.rump_sys_fsync(fd), EBADF);
      expectErrno(() => sys.rump_sys_ftruncate(fd, 0), EBADF);
      expectErrno(() => sys.rump_sys_fchmod(fd, 0o644), EBADF);
      expectErrno(() => sys.rump_sys_fchown(fd, 0, 0), EBADF);
      expectErrno(() => sys.rump_sys_fchdir(fd), EBADF);
      expectErrno(() => sys.rump_sys_getdents(fd, new Uint8Array(512)), EBADF);
      expectErrno(() => sys.rump_sys_dup(fd), EBADF);
      expectErrno(() => sys.rump_sys_fcntl(fd, 1), EBADF);
      expectErrno(() => sys.rump_sys_flock(fd, 1), EBADF);
    }
    stillUsable(sys);
  });

  it("negative lengths and offsets are EINVAL", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "abc");
    const fd = sys.rump_sys_open("f", O_RDWR);
    expectErrno(() => sys.rump_sys_truncate("f", -1), EINVAL);
    expectErrno(() => sys.rump_sys_ftruncate(fd, -(2 ** 40)), EINVAL);
    expectErrno(() => sys.rump_sys_pread(fd, new Uint8Array(1), 1, -1), EINVAL);
    expectErrno(() => sys.rump_sys_pwrite(fd, new Uint8Array(1), 1, -(2 ** 50)), EINVAL);
    expectErrno(() => sys.rump_sys_lseek(fd, -1, 0), EINVAL);
    expect(readFile(sys, "f")).toBe("abc");
    stillUsable(sys);
  });

  it(`a name of ${fs.nameMax} bytes works; one more is ENAMETOOLONG for every call`, () => {
    const { sys } = fs.mount();
    const ok = nameOf(fs.nameMax);
    const long = nameOf(fs.nameMax + 1);
    writeFile(sys, ok, "fits");
    expect(readFile(sys, ok)).toBe("fits");
    sys.rump_sys_mkdir(nameOf(fs.nameMax, "d"), 0o755);
    sys.rump_sys_rename(ok, nameOf(fs.nameMax, "r"));
    expectErrno(() => sys.rump_sys_open(long, O_WRONLY | O_CREAT, 0o644), ENAMETOOLONG);
    expectErrno(() => sys.rump_sys_open(long, O_RDONLY), ENAMETOOLONG);
    expectErrno(() => sys.rump_sys_stat(long), ENAMETOOLONG);
    expectErrno(() => sys.rump_sys_mkdir(long, 0o755), ENAMETOOLONG);
    expectErrno(() => sys.rump_sys_rmdir(long), ENAMETOOLONG);
    expectErrno(() => sys.rump_sys_unlink(long), ENAMETOOLONG);
    expectErrno(() => sys.rump_sys_rename(nameOf(fs.nameMax, "r"), long), ENAMETOOLONG);
    expectErrno(() => sys.rump_sys_link(nameOf(fs.nameMax, "r"), long), ENAMETOOLONG);
    expectErrno(() => sys.rump_sys_symlink("x", long), ENAMETOOLONG);
    expectErrno(() => sys.rump_sys_mkfifo(long, 0o644), ENAMETOOLONG);
    expectErrno(() => sys.rump_sys_stat(`${long}/x`), ENAMETOOLONG);
    expect(exists(sys, nameOf(fs.nameMax, "r"))).toBe(true);
    stillUsable(sys);
  });

  it("a path of 1023 bytes works; 1024 or more is ENAMETOOLONG", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "deep");
    const p1023 = "./".repeat(511) + "f"; // 1023 bytes
    expect(p1023.length).toBe(1023);
    expect(readFile(sys, p1023)).toBe("deep");
    const p1024 = "./".repeat(511) + "/f";
    expect(p1024.length).toBe(1024);
    expectErrno(() => sys.rump_sys_stat(p1024), ENAMETOOLONG);
    expectErrno(() => sys.rump_sys_open(p1024, O_RDONLY), ENAMETOOLONG);
    expectErrno(() => sys.rump_sys_mkdir("/" + "a/".repeat(600), 0o755), ENAMETOOLONG);
    expectErrno(() => sys.rump_sys_stat("x".repeat(100000)), ENAMETOOLONG);
    stillUsable(sys);
  });

  it("a symlink whose expansion makes the path too long is ENAMETOOLONG", () => {
    const { sys } = fs.mount();
    sys.rump_sys_symlink("./".repeat(400) + ".", "l");
    expectErrno(() => sys.rump_sys_stat("l/" + "./".repeat(350) + "."), ENAMETOOLONG);
    stillUsable(sys);
  });

  it("a NUL byte inside a string path is EINVAL and touches nothing", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "x");
    expectErrno(() => sys.rump_sys_open("g\0h", O_WRONLY | O_CREAT, 0o644), EINVAL);
    expectErrno(() => sys.rump_sys_stat("f\0junk"), EINVAL);
    expectErrno(() => sys.rump_sys_unlink("f\0"), EINVAL);
    expect(exists(sys, "g")).toBe(false);
    expect(exists(sys, "f")).toBe(true);
    // a byte path is a C string: it ends at its first NUL, as in C
    sys.rump_sys_mkdir(new Uint8Array([100, 0, 101]), 0o755);
    expect(exists(sys, "d")).toBe(true);
    expect(exists(sys, "de")).toBe(false);
    stillUsable(sys);
  });

  it.runIf(fs.symlinks)("symlink loops are ELOOP for every path call", () => {
    const { sys } = fs.mount();
    sys.rump_sys_symlink("loop2", "loop1");
    sys.rump_sys_symlink("loop1", "loop2");
    expectErrno(() => sys.rump_sys_open("loop1", O_RDONLY), ELOOP);
    expectErrno(() => sys.rump_sys_stat("loop1/x"), ELOOP);
    expectErrno(() => sys.rump_sys_chdir("loop1"), ELOOP);
    expectErrno(() => sys.rump_sys_mkdir("loop1/d", 0o755), ELOOP);
    expectErrno(() => sys.rump_sys_truncate("loop1", 0), ELOOP);
    expectErrno(() => sys.rump_sys_chmod("loop1", 0o644), ELOOP);
    expectErrno(() => sys.rump_sys_rename("loop1/a", "b"), ELOOP);
    sys.rump_sys_unlink("loop1"); // the link itself can go
    stillUsable(sys);
  });

  it("rename loops (a directory into itself) are EINVAL", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("a", 0o755);
    sys.rump_sys_mkdir("a/b", 0o755);
    expectErrno(() => sys.rump_sys_rename("a", "a/b/a"), EINVAL);
    expectErrno(() => sys.rump_sys_rename("/mnt/a", "/mnt/a/b/../b/x"), EINVAL);
    expect(exists(sys, "a/b")).toBe(true);
    stillUsable(sys);
  });

  it("removing or renaming a mount point or the root is EBUSY", () => {
    const { sys } = fs.mount();
    expectErrno(() => sys.rump_sys_rmdir("/mnt"), EBUSY);
    expectErrno(() => sys.rump_sys_rmdir("/"), EBUSY);
    expectErrno(() => sys.rump_sys_rename("/mnt", "/x"), EBUSY);
    stillUsable(sys);
  });

  it("trailing slashes on non-directories are ENOTDIR", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    expectErrno(() => sys.rump_sys_stat("f/"), ENOTDIR);
    expectErrno(() => sys.rump_sys_unlink("f/"), ENOTDIR);
    stillUsable(sys);
  });
});

describe("bad input on tmpfs limits", () => {
  it("writes past the tmpfs limit are ENOSPC and the kernel stays usable", () => {
    const { sys } = bootTmpfs({ ta_size_max: 64 * 1024 });
    const fd = sys.rump_sys_open("big", O_WRONLY | O_CREAT, 0o644);
    expectErrno(() => {
      for (;;) sys.rump_sys_write(fd, new Uint8Array(8192));
    }, ENOSPC);
    sys.rump_sys_close(fd);
    sys.rump_sys_unlink("big");
    stillUsable(sys);
  });
});
