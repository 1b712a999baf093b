/** chown(2), fchown(2), lchown(2), fchownat(2) (NetBSD genfs_can_chown policy). */
import {
  AT_FDCWD,
  AT_SYMLINK_NOFOLLOW,
  EACCES,
  EBADF,
  EINVAL,
  ENOENT,
  ENOTDIR,
  EPERM,
  O_RDONLY,
  O_WRONLY,
  S_ISGID,
  S_ISUID,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import {
  asUser,
  enc,
  expectErrno,
  FILE_SYSTEMS,
  GID,
  GID2,
  mkdirMode,
  UID,
  UID2,
  writeFile,
} from "../helpers/kernel.js";

function owner(
  sys: { rump_sys_lstat(p: string): { st_uid: number; st_gid: number } },
  p: string,
): number[] {
  const st = sys.rump_sys_lstat(p);
  return [st.st_uid, st.st_gid];
}

describe.each(FILE_SYSTEMS.filter((f) => f.owners))("chown on $name", (fs) => {
  it("root sets any owner and group; updates ctime", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    const old = { tv_sec: 1000, tv_usec: 0 };
    sys.rump_sys_utimes("f", [old, old]);
    sys.rump_sys_chown("f", 123, 456);
    expect(owner(sys, "f")).toEqual([123, 456]);
    const st = sys.rump_sys_stat("f");
    expect(st.st_ctimespec.tv_sec).toBeGreaterThan(1000);
    expect(st.st_mtimespec.tv_sec).toBe(1000);
  });

  it("-1 leaves the owner or the group unchanged", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    sys.rump_sys_chown("f", 10, 20);
    sys.rump_sys_chown("f", -1, 30);
    expect(owner(sys, "f")).toEqual([10, 30]);
    sys.rump_sys_chown("f", 40, -1);
    expect(owner(sys, "f")).toEqual([40, 30]);
    sys.rump_sys_chown("f", -1, -1);
    expect(owner(sys, "f")).toEqual([40, 30]);
  });

  it("chown follows symlinks, lchown and AT_SYMLINK_NOFOLLOW do not", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    sys.rump_sys_symlink("f", "l");
    sys.rump_sys_chown("l", 1, 2);
    expect(owner(sys, "f")).toEqual([1, 2]);
    expect(owner(sys, "l")).toEqual([0, 0]);
    sys.rump_sys_lchown("l", 3, 4);
    expect(owner(sys, "l")).toEqual([3, 4]);
    expect(owner(sys, "f")).toEqual([1, 2]);
    sys.rump_sys_fchownat(AT_FDCWD, "l", 5, 6, AT_SYMLINK_NOFOLLOW);
    expect(owner(sys, "l")).toEqual([5, 6]);
    sys.rump_sys_fchownat(AT_FDCWD, "l", 7, 8, 0);
    expect(owner(sys, "f")).toEqual([7, 8]);
  });

  it("fchown on a descriptor; EBADF; EINVAL for a pipe; fchownat flags", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    const fd = sys.rump_sys_open("f", O_RDONLY);
    sys.rump_sys_fchown(fd, 9, 9);
    expect(owner(sys, "f")).toEqual([9, 9]);
    expectErrno(() => sys.rump_sys_fchown(999, 1, 1), EBADF);
    const [r] = sys.rump_sys_pipe();
    expectErrno(() => sys.rump_sys_fchown(r, 1, 1), EINVAL);
    expectErrno(() => sys.rump_sys_fchownat(AT_FDCWD, "f", 1, 1, 0x1), EINVAL);
    expectErrno(() => sys.rump_sys_fchownat(fd, "f", 1, 1, 0), ENOTDIR);
  });

  it("path errors: ENOENT, ENOTDIR", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    expectErrno(() => sys.rump_sys_chown("missing", 1, 1), ENOENT);
    expectErrno(() => sys.rump_sys_chown("f/x", 1, 1), ENOTDIR);
  });

  describe("as non-root", () => {
    it("a non-owner gets EPERM, even for a no-op", () => {
      const t = fs.mount();
      writeFile(t.sys, "f");
      t.sys.rump_sys_chown("f", UID2, GID);
      asUser(t, UID, GID, () => {
        expectErrno(() => t.sys.rump_sys_chown("f", UID, GID), EPERM);
        expectErrno(() => t.sys.rump_sys_chown("f", -1, GID), EPERM);
      });
      expect(owner(t.sys, "f")).toEqual([UID2, GID]);
    });

    it("the owner may not give the file away: EPERM", () => {
      const t = fs.mount();
      writeFile(t.sys, "f");
      t.sys.rump_sys_chown("f", UID, GID);
      asUser(t, UID, GID, () => expectErrno(() => t.sys.rump_sys_chown("f", UID2, -1), EPERM));
      expect(owner(t.sys, "f")).toEqual([UID, GID]);
    });

    it("the owner may change the group to the egid or a supplementary group", () => {
      const t = fs.mount();
      writeFile(t.sys, "f");
      t.sys.rump_sys_chown("f", UID, 0);
      asUser(t, UID, GID, () => t.sys.rump_sys_chown("f", -1, GID), [GID2]);
      expect(owner(t.sys, "f")).toEqual([UID, GID]);
      asUser(t, UID, GID, () => t.sys.rump_sys_chown("f", UID, GID2), [GID2]);
      expect(owner(t.sys, "f")).toEqual([UID, GID2]);
    });

    it("the owner may not choose a foreign group: EPERM", () => {
      const t = fs.mount();
      writeFile(t.sys, "f");
      t.sys.rump_sys_chown("f", UID, GID);
      asUser(t, UID, GID, () => expectErrno(() => t.sys.rump_sys_chown("f", -1, 4242), EPERM));
      expect(owner(t.sys, "f")).toEqual([UID, GID]);
    });

    it("a non-root chown that changes the group clears setuid and setgid", () => {
      const t = fs.mount();
      writeFile(t.sys, "f", "", 0o755);
      t.sys.rump_sys_chown("f", UID, 0);
      t.sys.rump_sys_chmod("f", 0o6755);
      asUser(t, UID, GID, () => t.sys.rump_sys_chown("f", -1, GID));
      expect(t.sys.rump_sys_stat("f").st_mode & (S_ISUID | S_ISGID)).toBe(0);
    });

    it("root's chown keeps setuid and setgid", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f", "", 0o6755);
      sys.rump_sys_chown("f", 5, 5);
      expect(sys.rump_sys_stat("f").st_mode & 0o7777).toBe(0o6755);
    });

    it("a non-root write clears setuid and setgid (chmod(2): writing turns them off)", () => {
      const t = fs.mount();
      writeFile(t.sys, "f", "", 0o6777);
      asUser(t, UID, GID, () => {
        const fd = t.sys.rump_sys_open("f", O_WRONLY);
        t.sys.rump_sys_write(fd, enc.encode("x"));
        t.sys.rump_sys_close(fd);
      });
      expect(t.sys.rump_sys_stat("f").st_mode & 0o7777).toBe(0o777);
    });

    it("root's write keeps setuid and setgid", () => {
      const { sys } = fs.mount();
      writeFile(sys, "f", "x", 0o6755);
      expect(sys.rump_sys_stat("f").st_mode & 0o7777).toBe(0o6755);
    });

    it("EACCES without search permission on a component", () => {
      const t = fs.mount();
      mkdirMode(t.sys, "d", 0o700);
      writeFile(t.sys, "d/f");
      t.sys.rump_sys_chown("d/f", UID, GID);
      asUser(t, UID, GID, () => expectErrno(() => t.sys.rump_sys_chown("d/f", -1, GID), EACCES));
    });
  });
});
