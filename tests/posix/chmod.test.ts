/** chmod(2), fchmod(2), lchmod(2), fchmodat(2) (NetBSD genfs_can_chmod policy). */
import {
  AT_FDCWD,
  AT_SYMLINK_NOFOLLOW,
  EACCES,
  EBADF,
  EFTYPE,
  EINVAL,
  ELOOP,
  ENOENT,
  ENOTDIR,
  EPERM,
  O_RDONLY,
  S_IFREG,
  S_ISGID,
  S_ISTXT,
  S_ISUID,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import {
  asUser,
  expectErrno,
  FILE_SYSTEMS,
  GID,
  mkdirMode,
  UID,
  UID2,
  writeFile,
} from "../helpers/kernel.js";

describe.each(FILE_SYSTEMS.filter((f) => f.owners))("chmod on $name", (fs) => {
  it("sets all 12 permission bits and keeps the file type; updates ctime only", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    const old = { tv_sec: 1000, tv_usec: 0 };
    sys.rump_sys_utimes("f", [old, old]);
    for (const m of [0o7777, 0o4755, 0o2644, 0o1600, 0o0, 0o777]) {
      sys.rump_sys_chmod("f", m);
      expect(sys.rump_sys_stat("f").st_mode).toBe(S_IFREG | m);
    }
    const st = sys.rump_sys_stat("f");
    expect(st.st_mtimespec.tv_sec).toBe(1000);
    expect(st.st_atimespec.tv_sec).toBe(1000);
    expect(st.st_ctimespec.tv_sec).toBeGreaterThan(1000);
  });

  it("ignores file-type bits in the mode argument", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("d", 0o755);
    sys.rump_sys_chmod("d", S_IFREG | 0o700);
    expect(sys.rump_sys_stat("d").st_mode & ~0o7777).not.toBe(S_IFREG);
    expect(sys.rump_sys_stat("d").st_mode & 0o7777).toBe(0o700);
  });

  it("follows symlinks; lchmod and AT_SYMLINK_NOFOLLOW change the link", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "", 0o644);
    sys.rump_sys_symlink("f", "l");
    const lmode = sys.rump_sys_lstat("l").st_mode & 0o7777;
    sys.rump_sys_chmod("l", 0o600);
    expect(sys.rump_sys_stat("f").st_mode & 0o7777).toBe(0o600);
    expect(sys.rump_sys_lstat("l").st_mode & 0o7777).toBe(lmode);
    sys.rump_sys_lchmod("l", 0o700);
    expect(sys.rump_sys_lstat("l").st_mode & 0o7777).toBe(0o700);
    expect(sys.rump_sys_stat("f").st_mode & 0o7777).toBe(0o600);
    sys.rump_sys_fchmodat(AT_FDCWD, "l", 0o711, AT_SYMLINK_NOFOLLOW);
    expect(sys.rump_sys_lstat("l").st_mode & 0o7777).toBe(0o711);
    expect(sys.rump_sys_stat("f").st_mode & 0o7777).toBe(0o600);
  });

  it("fchmod works on a descriptor, even one opened read-only", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "", 0o644);
    const fd = sys.rump_sys_open("f", O_RDONLY);
    sys.rump_sys_fchmod(fd, 0o400);
    expect(sys.rump_sys_stat("f").st_mode & 0o7777).toBe(0o400);
  });

  it("fchmod of a pipe is EINVAL; of a bad descriptor EBADF", () => {
    const { sys } = fs.mount();
    const [r] = sys.rump_sys_pipe();
    expectErrno(() => sys.rump_sys_fchmod(r, 0o600), EINVAL);
    expectErrno(() => sys.rump_sys_fchmod(999, 0o600), EBADF);
  });

  it("fchmodat: unknown flags EINVAL, EBADF, ENOTDIR", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    const ffd = sys.rump_sys_open("f", O_RDONLY);
    expectErrno(() => sys.rump_sys_fchmodat(AT_FDCWD, "f", 0o600, 0x1), EINVAL);
    expectErrno(() => sys.rump_sys_fchmodat(999, "f", 0o600, 0), EBADF);
    expectErrno(() => sys.rump_sys_fchmodat(ffd, "f", 0o600, 0), ENOTDIR);
  });

  it("path errors: ENOENT, ENOTDIR, ELOOP", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    expectErrno(() => sys.rump_sys_chmod("missing", 0o600), ENOENT);
    expectErrno(() => sys.rump_sys_chmod("f/x", 0o600), ENOTDIR);
    sys.rump_sys_symlink("b", "a");
    sys.rump_sys_symlink("a", "b");
    expectErrno(() => sys.rump_sys_chmod("a", 0o600), ELOOP);
  });

  describe("as non-root", () => {
    it("the owner may chmod; anyone else gets EPERM", () => {
      const t = fs.mount();
      writeFile(t.sys, "f", "", 0o666);
      t.sys.rump_sys_chown("f", UID, GID);
      asUser(t, UID2, GID, () => expectErrno(() => t.sys.rump_sys_chmod("f", 0o600), EPERM));
      asUser(t, UID, GID, () => t.sys.rump_sys_chmod("f", 0o600));
      expect(t.sys.rump_sys_stat("f").st_mode & 0o7777).toBe(0o600);
    });

    it("EACCES without search permission on a component", () => {
      const t = fs.mount();
      mkdirMode(t.sys, "d", 0o700);
      writeFile(t.sys, "d/f");
      t.sys.rump_sys_chown("d/f", UID, GID);
      asUser(t, UID, GID, () => expectErrno(() => t.sys.rump_sys_chmod("d/f", 0o600), EACCES));
    });

    it("S_ISTXT on a non-directory is EFTYPE; on a directory it is fine", () => {
      const t = fs.mount();
      writeFile(t.sys, "f", "", 0o644);
      t.sys.rump_sys_chown("f", UID, GID);
      t.sys.rump_sys_mkdir("d", 0o755);
      t.sys.rump_sys_chown("d", UID, GID);
      asUser(t, UID, GID, () => {
        expectErrno(() => t.sys.rump_sys_chmod("f", 0o1644), EFTYPE);
        t.sys.rump_sys_chmod("d", 0o1755);
      });
      expect(t.sys.rump_sys_stat("f").st_mode & 0o7777).toBe(0o644);
      expect(t.sys.rump_sys_stat("d").st_mode & 0o7777).toBe(0o1755);
      t.sys.rump_sys_chmod("f", 0o1644); // root may
      expect(t.sys.rump_sys_stat("f").st_mode & S_ISTXT).toBe(S_ISTXT);
    });

    it("setuid on the owner's own file is kept", () => {
      const t = fs.mount();
      writeFile(t.sys, "f", "", 0o755);
      t.sys.rump_sys_chown("f", UID, GID);
      asUser(t, UID, GID, () => t.sys.rump_sys_chmod("f", 0o4755));
      expect(t.sys.rump_sys_stat("f").st_mode & S_ISUID).toBe(S_ISUID);
    });

    it("setgid on a file of the caller's own group is kept", () => {
      const t = fs.mount();
      writeFile(t.sys, "f", "", 0o755);
      t.sys.rump_sys_chown("f", UID, GID);
      asUser(t, UID, GID, () => t.sys.rump_sys_chmod("f", 0o2755));
      expect(t.sys.rump_sys_stat("f").st_mode & S_ISGID).toBe(S_ISGID);
    });

    // NetBSD's genfs_can_chmod returns EPERM when a non-member sets S_ISGID
    // (FreeBSD clears the bit silently instead).
    it("setgid on a file of a group the caller is not in is EPERM", () => {
      const t = fs.mount();
      writeFile(t.sys, "f", "", 0o755);
      t.sys.rump_sys_chown("f", UID, 555);
      asUser(t, UID, GID, () => expectErrno(() => t.sys.rump_sys_chmod("f", 0o2755), EPERM));
      expect(t.sys.rump_sys_stat("f").st_mode & 0o7777).toBe(0o755);
    });
  });
});
