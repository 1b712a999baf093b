/**
 * access(2) and faccessat(2): permission bits per class, real versus
 * effective ids (access uses the real ones, AT_EACCESS the effective ones).
 */
import {
  AT_EACCESS,
  AT_FDCWD,
  EACCES,
  EBADF,
  EINVAL,
  ELOOP,
  ENOENT,
  ENOTDIR,
  F_OK,
  O_RDONLY,
  R_OK,
  W_OK,
  X_OK,
} from "@rump/syscalls";
import { describe, it } from "vitest";
import {
  asUser,
  expectErrno,
  FILE_SYSTEMS,
  GID,
  inProcess,
  mkdirMode,
  UID,
  writeFile,
} from "../helpers/kernel.js";

describe.each(FILE_SYSTEMS)("access on $name", (fs) => {
  it("root may read and write a mode-000 file", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "", 0o000);
    sys.rump_sys_access("f", F_OK);
    sys.rump_sys_access("f", R_OK | W_OK);
  });

  it("checks the owner, group and other bits for a non-root process", () => {
    const t = fs.mount();
    writeFile(t.sys, "own", "", 0o400);
    t.sys.rump_sys_chown("own", UID, 0);
    writeFile(t.sys, "grp", "", 0o020);
    t.sys.rump_sys_chown("grp", 0, GID);
    writeFile(t.sys, "oth", "", 0o001);
    asUser(t, UID, GID, () => {
      const { sys } = t;
      sys.rump_sys_access("own", R_OK);
      expectErrno(() => sys.rump_sys_access("own", W_OK), EACCES);
      expectErrno(() => sys.rump_sys_access("own", X_OK), EACCES);
      sys.rump_sys_access("grp", W_OK);
      expectErrno(() => sys.rump_sys_access("grp", R_OK), EACCES);
      sys.rump_sys_access("oth", X_OK);
      expectErrno(() => sys.rump_sys_access("oth", R_OK | X_OK), EACCES);
      sys.rump_sys_access("oth", F_OK);
    });
  });

  it("the owner class wins over more generous group and other bits", () => {
    const t = fs.mount();
    writeFile(t.sys, "f", "", 0o077);
    t.sys.rump_sys_chown("f", UID, GID);
    asUser(t, UID, GID, () => expectErrno(() => t.sys.rump_sys_access("f", R_OK), EACCES));
  });

  it("supplementary groups count for the group class", () => {
    const t = fs.mount();
    writeFile(t.sys, "f", "", 0o040);
    t.sys.rump_sys_chown("f", 0, 55);
    asUser(t, UID, GID, () => expectErrno(() => t.sys.rump_sys_access("f", R_OK), EACCES));
    asUser(t, UID, GID, () => t.sys.rump_sys_access("f", R_OK), [55]);
  });

  it("access uses the real uid, AT_EACCESS the effective uid", () => {
    const t = fs.mount();
    writeFile(t.sys, "f", "", 0o600); // root's
    inProcess(t, () => {
      t.sys.rump_sys_seteuid(UID); // real uid stays 0
      t.sys.rump_sys_access("f", R_OK | W_OK);
      t.sys.rump_sys_faccessat(AT_FDCWD, "f", R_OK, 0);
      expectErrno(() => t.sys.rump_sys_faccessat(AT_FDCWD, "f", R_OK, AT_EACCESS), EACCES);
    });
  });

  it("a real non-root uid with effective root is refused by access, allowed with AT_EACCESS", () => {
    const t = fs.mount();
    writeFile(t.sys, "f", "", 0o600);
    inProcess(t, () => {
      t.sys.rump_sys_setreuid(UID, 0);
      expectErrno(() => t.sys.rump_sys_access("f", R_OK), EACCES);
      t.sys.rump_sys_faccessat(AT_FDCWD, "f", R_OK, AT_EACCESS);
    });
  });

  it("the real gid is used for the group class", () => {
    const t = fs.mount();
    writeFile(t.sys, "f", "", 0o060);
    t.sys.rump_sys_chown("f", 0, 77);
    inProcess(t, () => {
      t.sys.rump_sys_setgid(77);
      t.sys.rump_sys_setegid(GID);
      t.sys.rump_sys_setuid(UID);
      t.sys.rump_sys_access("f", R_OK);
      expectErrno(() => t.sys.rump_sys_faccessat(AT_FDCWD, "f", R_OK, AT_EACCESS), EACCES);
    });
  });

  it("an invalid mode or flag is EINVAL", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    expectErrno(() => sys.rump_sys_access("f", 0x10), EINVAL);
    expectErrno(() => sys.rump_sys_faccessat(AT_FDCWD, "f", R_OK, 0x4000), EINVAL);
  });

  it("path errors: ENOENT, ENOTDIR, ELOOP, EACCES on search, EBADF", () => {
    const t = fs.mount();
    const { sys } = t;
    writeFile(sys, "f");
    expectErrno(() => sys.rump_sys_access("missing", F_OK), ENOENT);
    expectErrno(() => sys.rump_sys_access("f/x", F_OK), ENOTDIR);
    if (fs.symlinks) {
      sys.rump_sys_symlink("b", "a");
      sys.rump_sys_symlink("a", "b");
      expectErrno(() => sys.rump_sys_access("a", F_OK), ELOOP);
    }
    mkdirMode(sys, "d", 0o700);
    writeFile(sys, "d/f", "", 0o777);
    asUser(t, UID, GID, () => expectErrno(() => sys.rump_sys_access("d/f", F_OK), EACCES));
    expectErrno(() => sys.rump_sys_faccessat(999, "f", F_OK, 0), EBADF);
    const ffd = sys.rump_sys_open("f", O_RDONLY);
    expectErrno(() => sys.rump_sys_faccessat(ffd, "f", F_OK, 0), ENOTDIR);
  });
});
