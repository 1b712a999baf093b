/** unlink(2) and unlinkat(2) (with AT_REMOVEDIR). */
import {
  AT_FDCWD,
  AT_REMOVEDIR,
  EACCES,
  EBADF,
  EBUSY,
  EINVAL,
  ENOENT,
  ENOTDIR,
  ENOTEMPTY,
  EPERM,
  O_RDONLY,
  O_RDWR,
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
  UID,
  UID2,
  writeFile,
} from "../helpers/kernel.js";

describe.each(FILE_SYSTEMS)("unlink on $name", (fs) => {
  it("removes the name; an open descriptor still reads the data", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "still here");
    const fd = sys.rump_sys_open("f", O_RDWR);
    sys.rump_sys_unlink("f");
    expect(exists(sys, "f")).toBe(false);
    const b = new Uint8Array(32);
    const n = sys.rump_sys_read(fd, b);
    expect(dec.decode(b.subarray(0, n))).toBe("still here");
    expect(sys.rump_sys_fstat(fd).st_nlink).toBe(0);
  });

  it("updates the parent's mtime and ctime, and the ctime of a file with other links", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("d", 0o755);
    writeFile(sys, "d/f");
    const old = { tv_sec: 1000, tv_usec: 0 };
    if (fs.hardLinks) sys.rump_sys_link("d/f", "g");
    sys.rump_sys_utimes("d", [old, old]);
    const fctime = sys.rump_sys_stat("d/f").st_ctimespec;
    sys.rump_sys_unlink("d/f");
    const st = sys.rump_sys_stat("d");
    expect(st.st_mtimespec.tv_sec).toBeGreaterThan(1000);
    expect(st.st_ctimespec.tv_sec).toBeGreaterThan(1000);
    if (fs.hardLinks) {
      const g = sys.rump_sys_stat("g");
      expect(g.st_nlink).toBe(1);
      expect(g.st_ctimespec.tv_sec * 1e9 + g.st_ctimespec.tv_nsec).toBeGreaterThanOrEqual(
        fctime.tv_sec * 1e9 + fctime.tv_nsec,
      );
    }
  });

  it.runIf(fs.symlinks)("removes a symlink, not its target", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    sys.rump_sys_symlink("f", "l");
    sys.rump_sys_unlink("l");
    expect(exists(sys, "l")).toBe(false);
    expect(exists(sys, "f")).toBe(true);
  });

  it("a directory is EPERM (use rmdir or AT_REMOVEDIR)", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("d", 0o755);
    expectErrno(() => sys.rump_sys_unlink("d"), EPERM);
    expectErrno(() => sys.rump_sys_unlinkat(AT_FDCWD, "d", 0), EPERM);
    expect(exists(sys, "d")).toBe(true);
  });

  it("ENOENT, ENOTDIR", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    expectErrno(() => sys.rump_sys_unlink("missing"), ENOENT);
    expectErrno(() => sys.rump_sys_unlink("f/x"), ENOTDIR);
    expectErrno(() => sys.rump_sys_unlink(""), ENOENT);
  });

  it("the root and a mount point are EBUSY (or EPERM as directories)", () => {
    // NetBSD checks VV_ROOT first: EBUSY
    const { sys } = fs.mount();
    expectErrno(() => sys.rump_sys_unlink("/mnt"), EBUSY);
    writeFile(sys, "still-usable");
  });

  it("as non-root, EACCES without write permission on the directory", () => {
    const t = fs.mount();
    mkdirMode(t.sys, "d", 0o755);
    writeFile(t.sys, "d/f", "", 0o666);
    t.sys.rump_sys_chown("d/f", UID, GID);
    asUser(t, UID, GID, () => expectErrno(() => t.sys.rump_sys_unlink("d/f"), EACCES));
  });

  it("as non-root, a file without write permission may be removed from a writable directory", () => {
    const t = fs.mount();
    mkdirMode(t.sys, "d", 0o777);
    writeFile(t.sys, "d/f", "", 0o000);
    asUser(t, UID, GID, () => t.sys.rump_sys_unlink("d/f"));
  });

  it("in a sticky directory, EPERM unless owner of the file or of the directory", () => {
    const t = fs.mount();
    mkdirMode(t.sys, "s", 0o777 | S_ISVTX);
    t.sys.rump_sys_chown("s", UID2, GID2);
    for (const n of ["a", "b", "c"]) {
      writeFile(t.sys, `s/${n}`, "", 0o666);
      t.sys.rump_sys_chown(`s/${n}`, UID, GID);
    }
    asUser(t, 3000, 3000, () => expectErrno(() => t.sys.rump_sys_unlink("s/a"), EPERM));
    asUser(t, UID, GID, () => t.sys.rump_sys_unlink("s/a"));
    asUser(t, UID2, GID2, () => t.sys.rump_sys_unlink("s/b"));
    t.sys.rump_sys_unlink("s/c");
  });
});

describe.each(FILE_SYSTEMS)("unlinkat on $name", (fs) => {
  it("AT_REMOVEDIR removes an empty directory, ENOTEMPTY otherwise", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("d", 0o755);
    sys.rump_sys_mkdir("e", 0o755);
    writeFile(sys, "e/f");
    sys.rump_sys_unlinkat(AT_FDCWD, "d", AT_REMOVEDIR);
    expect(exists(sys, "d")).toBe(false);
    expectErrno(() => sys.rump_sys_unlinkat(AT_FDCWD, "e", AT_REMOVEDIR), ENOTEMPTY);
  });

  it("AT_REMOVEDIR on a file is ENOTDIR", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    expectErrno(() => sys.rump_sys_unlinkat(AT_FDCWD, "f", AT_REMOVEDIR), ENOTDIR);
    expect(exists(sys, "f")).toBe(true);
  });

  it("relative to a directory descriptor", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("d", 0o755);
    writeFile(sys, "d/f");
    sys.rump_sys_mkdir("d/e", 0o755);
    const dfd = sys.rump_sys_open("d", O_RDONLY);
    sys.rump_sys_unlinkat(dfd, "f", 0);
    sys.rump_sys_unlinkat(dfd, "e", AT_REMOVEDIR);
    expect(exists(sys, "d/f") || exists(sys, "d/e")).toBe(false);
  });

  it("unknown flags are EINVAL; bad descriptors EBADF / ENOTDIR", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    expectErrno(() => sys.rump_sys_unlinkat(AT_FDCWD, "f", 0x1), EINVAL);
    expectErrno(() => sys.rump_sys_unlinkat(999, "f", 0), EBADF);
    const ffd = sys.rump_sys_open("f", O_RDONLY);
    expectErrno(() => sys.rump_sys_unlinkat(ffd, "x", 0), ENOTDIR);
    expect(exists(sys, "f")).toBe(true);
  });
});
