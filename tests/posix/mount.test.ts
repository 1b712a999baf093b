/**
 * mount(2) / unmount(2) with tmpfs: argument validation, EBUSY, MNT_FORCE,
 * MNT_RDONLY (EROFS) and MNT_UPDATE.
 */
import {
  EBUSY,
  EINVAL,
  ENODEV,
  ENOENT,
  ENOTDIR,
  EPERM,
  EROFS,
  MNT_FORCE,
  MNT_RDONLY,
  MNT_UPDATE,
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  S_IFDIR,
  S_IFMT,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import {
  asUser,
  bootKernel,
  exists,
  expectErrno,
  GID,
  inProcess,
  readFile,
  TMPFS_DEFAULT,
  UID,
  writeFile,
} from "../helpers/kernel.js";

function boot() {
  const t = bootKernel();
  t.sys.rump_sys_mkdir("/mnt", 0o755);
  return t;
}

describe("mount and unmount (tmpfs)", () => {
  it("the root of a new tmpfs has the mode, uid and gid from the arguments", () => {
    const { sys } = boot();
    sys.rump_sys_mount("tmpfs", "/mnt", 0, {
      ...TMPFS_DEFAULT,
      ta_root_mode: 0o1750,
      ta_root_uid: 7,
      ta_root_gid: 8,
    });
    const st = sys.rump_sys_stat("/mnt");
    expect(st.st_mode).toBe(S_IFDIR | 0o1750);
    expect([st.st_uid, st.st_gid]).toEqual([7, 8]);
    expect(st.st_nlink).toBe(2);
  });

  it("hides the covered directory's contents until unmounted", () => {
    const { sys } = boot();
    writeFile(sys, "/mnt/under", "below");
    sys.rump_sys_mount("tmpfs", "/mnt", 0, { ...TMPFS_DEFAULT });
    expect(exists(sys, "/mnt/under")).toBe(false);
    writeFile(sys, "/mnt/over");
    sys.rump_sys_unmount("/mnt", 0);
    expect(readFile(sys, "/mnt/under")).toBe("below");
    expect(exists(sys, "/mnt/over")).toBe(false);
  });

  it("invalid arguments are EINVAL: bad version, no data, short data", () => {
    const { sys } = boot();
    expectErrno(
      () => sys.rump_sys_mount("tmpfs", "/mnt", 0, { ...TMPFS_DEFAULT, ta_version: 2 }),
      EINVAL,
    );
    expectErrno(() => sys.rump_sys_mount("tmpfs", "/mnt", 0, null), EINVAL);
    expectErrno(() => sys.rump_sys_mount("tmpfs", "/mnt", 0, { ...TMPFS_DEFAULT }, 4), EINVAL);
    sys.rump_sys_mount("tmpfs", "/mnt", 0, { ...TMPFS_DEFAULT }); // still mountable
  });

  it("an unknown file system type is ENODEV; bad mount points ENOENT / ENOTDIR", () => {
    const { sys } = boot();
    writeFile(sys, "/file");
    expectErrno(() => sys.rump_sys_mount("nosuchfs", "/mnt", 0, { ...TMPFS_DEFAULT }), ENODEV);
    expectErrno(() => sys.rump_sys_mount("tmpfs", "/missing", 0, { ...TMPFS_DEFAULT }), ENOENT);
    expectErrno(() => sys.rump_sys_mount("tmpfs", "/file", 0, { ...TMPFS_DEFAULT }), ENOTDIR);
  });

  it("non-root may neither mount nor unmount: EPERM", () => {
    const t = boot();
    asUser(t, UID, GID, () =>
      expectErrno(() => t.sys.rump_sys_mount("tmpfs", "/mnt", 0, { ...TMPFS_DEFAULT }), EPERM),
    );
    t.sys.rump_sys_mount("tmpfs", "/mnt", 0, { ...TMPFS_DEFAULT });
    asUser(t, UID, GID, () => expectErrno(() => t.sys.rump_sys_unmount("/mnt", 0), EPERM));
  });

  it("unmount of a directory that is not a mount point is EINVAL", () => {
    const { sys } = boot();
    expectErrno(() => sys.rump_sys_unmount("/mnt", 0), EINVAL);
    expectErrno(() => sys.rump_sys_unmount("/missing", 0), ENOENT);
  });

  it("an open file keeps the mount busy: EBUSY; closing it lets unmount through", () => {
    const { sys } = boot();
    sys.rump_sys_mount("tmpfs", "/mnt", 0, { ...TMPFS_DEFAULT });
    const fd = sys.rump_sys_open("/mnt/f", O_RDWR | O_CREAT, 0o644);
    expectErrno(() => sys.rump_sys_unmount("/mnt", 0), EBUSY);
    sys.rump_sys_close(fd);
    sys.rump_sys_unmount("/mnt", 0);
  });

  it("a process's cwd inside keeps it busy: EBUSY", () => {
    const t = boot();
    t.sys.rump_sys_mount("tmpfs", "/mnt", 0, { ...TMPFS_DEFAULT });
    t.sys.rump_sys_mkdir("/mnt/d", 0o755);
    t.sys.rump_sys_chdir("/mnt/d");
    expectErrno(() => t.sys.rump_sys_unmount("/mnt", 0), EBUSY);
    t.sys.rump_sys_chdir("/");
    inProcess(t, () => t.sys.rump_sys_unmount("/mnt", 0));
  });

  it("a mount below keeps it busy: EBUSY", () => {
    const { sys } = boot();
    sys.rump_sys_mount("tmpfs", "/mnt", 0, { ...TMPFS_DEFAULT });
    sys.rump_sys_mkdir("/mnt/inner", 0o755);
    sys.rump_sys_mount("tmpfs", "/mnt/inner", 0, { ...TMPFS_DEFAULT });
    expectErrno(() => sys.rump_sys_unmount("/mnt", 0), EBUSY);
    sys.rump_sys_unmount("/mnt/inner", 0);
    sys.rump_sys_unmount("/mnt", 0);
  });

  it("MNT_FORCE unmounts despite an open file; the kernel stays usable", () => {
    const { sys } = boot();
    sys.rump_sys_mount("tmpfs", "/mnt", 0, { ...TMPFS_DEFAULT });
    const fd = sys.rump_sys_open("/mnt/f", O_RDWR | O_CREAT, 0o644);
    sys.rump_sys_unmount("/mnt", MNT_FORCE);
    expect(exists(sys, "/mnt/f")).toBe(false);
    let failed = false;
    try {
      sys.rump_sys_read(fd, new Uint8Array(1)); // the vnode is dead now
    } catch {
      failed = true;
    }
    expect(failed).toBe(true);
    sys.rump_sys_close(fd);
    sys.rump_sys_mount("tmpfs", "/mnt", 0, { ...TMPFS_DEFAULT });
    writeFile(sys, "/mnt/g", "fresh");
    expect(readFile(sys, "/mnt/g")).toBe("fresh");
  });

  it("MNT_RDONLY: creating, writing, removing and changing attributes are EROFS; reading works", () => {
    const { sys } = boot();
    sys.rump_sys_mount("tmpfs", "/mnt", 0, { ...TMPFS_DEFAULT });
    writeFile(sys, "/mnt/f", "content");
    sys.rump_sys_mkdir("/mnt/d", 0o755);
    sys.rump_sys_mount("tmpfs", "/mnt", MNT_UPDATE | MNT_RDONLY, { ...TMPFS_DEFAULT });
    expectErrno(() => sys.rump_sys_open("/mnt/new", O_WRONLY | O_CREAT, 0o644), EROFS);
    expectErrno(() => sys.rump_sys_open("/mnt/f", O_WRONLY), EROFS);
    expectErrno(() => sys.rump_sys_open("/mnt/f", O_RDONLY | O_TRUNC), EROFS);
    expectErrno(() => sys.rump_sys_mkdir("/mnt/e", 0o755), EROFS);
    expectErrno(() => sys.rump_sys_rmdir("/mnt/d"), EROFS);
    expectErrno(() => sys.rump_sys_unlink("/mnt/f"), EROFS);
    expectErrno(() => sys.rump_sys_rename("/mnt/f", "/mnt/g"), EROFS);
    expectErrno(() => sys.rump_sys_symlink("x", "/mnt/l"), EROFS);
    expectErrno(() => sys.rump_sys_link("/mnt/f", "/mnt/h"), EROFS);
    expectErrno(() => sys.rump_sys_chmod("/mnt/f", 0o600), EROFS);
    expectErrno(() => sys.rump_sys_chown("/mnt/f", 1, 1), EROFS);
    expectErrno(() => sys.rump_sys_utimes("/mnt/f", null), EROFS);
    expectErrno(() => sys.rump_sys_truncate("/mnt/f", 0), EROFS);
    expectErrno(() => sys.rump_sys_mkfifo("/mnt/p", 0o644), EROFS);
    expectErrno(() => sys.rump_sys_access("/mnt/f", 2 /* W_OK */), EROFS);
    expect(readFile(sys, "/mnt/f")).toBe("content");
    // back to read-write
    sys.rump_sys_mount("tmpfs", "/mnt", MNT_UPDATE, { ...TMPFS_DEFAULT });
    writeFile(sys, "/mnt/f", "again");
    expect(readFile(sys, "/mnt/f")).toBe("again");
  });

  it("a fresh read-only tmpfs can be mounted and read", () => {
    const { sys } = boot();
    sys.rump_sys_mount("tmpfs", "/mnt", MNT_RDONLY, { ...TMPFS_DEFAULT });
    expect(sys.rump_sys_stat("/mnt").st_mode & S_IFMT).toBe(S_IFDIR);
    expectErrno(() => sys.rump_sys_mkdir("/mnt/d", 0o755), EROFS);
  });

  it("unmounting the root is EBUSY (or refused) and leaves the kernel usable", () => {
    const { sys } = boot();
    expectErrno(() => sys.rump_sys_unmount("/", 0), EBUSY);
    sys.rump_sys_mkdir("/still", 0o755);
  });
});
