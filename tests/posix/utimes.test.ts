/**
 * utimes(2), futimes, lutimes, utimensat(2), futimens: explicit times,
 * UTIME_NOW / UTIME_OMIT, and the EPERM versus EACCES rules for non-owners.
 */
import {
  AT_FDCWD,
  AT_SYMLINK_NOFOLLOW,
  EACCES,
  EBADF,
  EINVAL,
  ENOENT,
  EPERM,
  O_RDONLY,
  UTIME_NOW,
  UTIME_OMIT,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import {
  asUser,
  expectErrno,
  FILE_SYSTEMS,
  GID,
  tsCmp,
  UID,
  writeFile,
} from "../helpers/kernel.js";

const tv = (s: number, us = 0) => ({ tv_sec: s, tv_usec: us });
const ts = (s: number, ns = 0) => ({ tv_sec: s, tv_nsec: ns });

describe.each(FILE_SYSTEMS)("utimes on $name", (fs) => {
  it("utimes sets atime and mtime (microseconds become nanoseconds) and updates ctime", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    const before = sys.rump_sys_clock_gettime(0);
    sys.rump_sys_utimes("f", [tv(1000000, 5), tv(2000000, 999999)]);
    const st = sys.rump_sys_stat("f");
    expect(st.st_atimespec).toEqual(ts(1000000, 5000));
    expect(st.st_mtimespec).toEqual(ts(2000000, 999999000));
    expect(tsCmp(st.st_ctimespec, before)).toBeGreaterThanOrEqual(0);
  });

  it("utimes with null sets both to now", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    sys.rump_sys_utimes("f", [tv(1000), tv(1000)]);
    const before = sys.rump_sys_clock_gettime(0);
    sys.rump_sys_utimes("f", null);
    const st = sys.rump_sys_stat("f");
    expect(tsCmp(st.st_atimespec, before)).toBeGreaterThanOrEqual(0);
    expect(tsCmp(st.st_mtimespec, before)).toBeGreaterThanOrEqual(0);
  });

  it("utimensat keeps nanoseconds; UTIME_OMIT leaves a time, UTIME_NOW sets it to now", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    sys.rump_sys_utimensat(AT_FDCWD, "f", [ts(100, 123456789), ts(200, 987654321)], 0);
    let st = sys.rump_sys_stat("f");
    expect(st.st_atimespec).toEqual(ts(100, 123456789));
    expect(st.st_mtimespec).toEqual(ts(200, 987654321));
    sys.rump_sys_utimensat(AT_FDCWD, "f", [ts(0, UTIME_OMIT), ts(300)], 0);
    st = sys.rump_sys_stat("f");
    expect(st.st_atimespec).toEqual(ts(100, 123456789));
    expect(st.st_mtimespec).toEqual(ts(300));
    const before = sys.rump_sys_clock_gettime(0);
    sys.rump_sys_utimensat(AT_FDCWD, "f", [ts(0, UTIME_NOW), ts(0, UTIME_OMIT)], 0);
    st = sys.rump_sys_stat("f");
    expect(tsCmp(st.st_atimespec, before)).toBeGreaterThanOrEqual(0);
    expect(st.st_mtimespec).toEqual(ts(300));
  });

  it("both UTIME_OMIT changes nothing", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    sys.rump_sys_utimensat(AT_FDCWD, "f", [ts(100), ts(200)], 0);
    sys.rump_sys_utimensat(AT_FDCWD, "f", [ts(5, UTIME_OMIT), ts(6, UTIME_OMIT)], 0);
    const st = sys.rump_sys_stat("f");
    expect([st.st_atimespec.tv_sec, st.st_mtimespec.tv_sec]).toEqual([100, 200]);
  });

  it("utimensat: a tv_nsec out of range is EINVAL; unknown flags EINVAL", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    expectErrno(() => sys.rump_sys_utimensat(AT_FDCWD, "f", [ts(1, 1e9), ts(1)], 0), EINVAL);
    expectErrno(() => sys.rump_sys_utimensat(AT_FDCWD, "f", [ts(1), ts(1, -1)], 0), EINVAL);
    expectErrno(() => sys.rump_sys_utimensat(AT_FDCWD, "f", null, 0x1), EINVAL);
  });

  it("lutimes and AT_SYMLINK_NOFOLLOW set the link's times; utimes follows", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    sys.rump_sys_symlink("f", "l");
    sys.rump_sys_lutimes("l", [tv(500), tv(600)]);
    expect(sys.rump_sys_lstat("l").st_mtimespec.tv_sec).toBe(600);
    expect(sys.rump_sys_stat("f").st_mtimespec.tv_sec).not.toBe(600);
    sys.rump_sys_utimensat(AT_FDCWD, "l", [ts(700), ts(800)], AT_SYMLINK_NOFOLLOW);
    expect(sys.rump_sys_lstat("l").st_mtimespec.tv_sec).toBe(800);
    sys.rump_sys_utimes("l", [tv(900), tv(901)]);
    expect(sys.rump_sys_stat("f").st_mtimespec.tv_sec).toBe(901);
    expect(sys.rump_sys_lstat("l").st_mtimespec.tv_sec).toBe(800);
  });

  it("futimes and futimens work on a descriptor; EBADF for a bad one", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    const fd = sys.rump_sys_open("f", O_RDONLY);
    sys.rump_sys_futimes(fd, [tv(11), tv(12)]);
    expect(sys.rump_sys_stat("f").st_mtimespec.tv_sec).toBe(12);
    sys.rump_sys_futimens(fd, [ts(13, 1), ts(14, 2)]);
    expect(sys.rump_sys_stat("f").st_mtimespec).toEqual(ts(14, 2));
    expectErrno(() => sys.rump_sys_futimens(999, null), EBADF);
    expectErrno(() => sys.rump_sys_futimes(999, null), EBADF);
    expectErrno(() => sys.rump_sys_utimes("missing", null), ENOENT);
  });

  describe("as non-root", () => {
    it("the owner may set explicit times and now", () => {
      const t = fs.mount();
      writeFile(t.sys, "f", "", 0o444);
      t.sys.rump_sys_chown("f", UID, GID);
      asUser(t, UID, GID, () => {
        t.sys.rump_sys_utimes("f", [tv(10), tv(20)]);
        t.sys.rump_sys_utimes("f", null);
      });
    });

    it("a non-owner with write permission may set now, not explicit times (EPERM)", () => {
      const t = fs.mount();
      writeFile(t.sys, "f", "", 0o666);
      asUser(t, UID, GID, () => {
        t.sys.rump_sys_utimes("f", null);
        t.sys.rump_sys_utimensat(AT_FDCWD, "f", null, 0);
        t.sys.rump_sys_utimensat(AT_FDCWD, "f", [ts(0, UTIME_NOW), ts(0, UTIME_NOW)], 0);
        expectErrno(() => t.sys.rump_sys_utimes("f", [tv(10), tv(20)]), EPERM);
        expectErrno(() => t.sys.rump_sys_utimensat(AT_FDCWD, "f", [ts(10), ts(20)], 0), EPERM);
        expectErrno(
          () => t.sys.rump_sys_utimensat(AT_FDCWD, "f", [ts(0, UTIME_NOW), ts(20)], 0),
          EPERM,
        );
      });
    });

    it("a non-owner without write permission setting now gets EACCES", () => {
      const t = fs.mount();
      writeFile(t.sys, "f", "", 0o644);
      asUser(t, UID, GID, () => {
        expectErrno(() => t.sys.rump_sys_utimes("f", null), EACCES);
        expectErrno(
          () => t.sys.rump_sys_utimensat(AT_FDCWD, "f", [ts(0, UTIME_NOW), ts(0, UTIME_NOW)], 0),
          EACCES,
        );
        expectErrno(() => t.sys.rump_sys_utimes("f", [tv(10), tv(20)]), EPERM);
      });
    });
  });
});
