/** getpid/getppid, get[e]uid/get[e]gid, set[e]uid/set[e]gid/setgroups rules. */
import { EINVAL, EPERM, NGROUPS_MAX } from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import { asUser, bootKernel, expectErrno, GID, inProcess, UID, UID2 } from "../helpers/kernel.js";

describe("process ids and credentials", () => {
  it("the implicit context is pid 1, root", () => {
    const { sys } = bootKernel();
    expect(sys.rump_sys_getpid()).toBe(1);
    expect([sys.rump_sys_getuid(), sys.rump_sys_geteuid()]).toEqual([0, 0]);
    expect([sys.rump_sys_getgid(), sys.rump_sys_getegid()]).toEqual([0, 0]);
  });

  it("root's setuid sets real, effective and saved ids; afterwards setuid(0) is EPERM", () => {
    const t = bootKernel();
    inProcess(t, () => {
      t.sys.rump_sys_setuid(UID);
      expect([t.sys.rump_sys_getuid(), t.sys.rump_sys_geteuid()]).toEqual([UID, UID]);
      expectErrno(() => t.sys.rump_sys_setuid(0), EPERM);
      expectErrno(() => t.sys.rump_sys_seteuid(0), EPERM);
    });
  });

  it("root's seteuid keeps the real and saved uid: it can come back", () => {
    const t = bootKernel();
    inProcess(t, () => {
      t.sys.rump_sys_seteuid(UID);
      expect([t.sys.rump_sys_getuid(), t.sys.rump_sys_geteuid()]).toEqual([0, UID]);
      t.sys.rump_sys_seteuid(0);
      expect(t.sys.rump_sys_geteuid()).toBe(0);
    });
  });

  it("non-root: setuid/seteuid to another uid is EPERM, to the own uid fine", () => {
    const t = bootKernel();
    asUser(t, UID, GID, () => {
      expectErrno(() => t.sys.rump_sys_setuid(UID2), EPERM);
      expectErrno(() => t.sys.rump_sys_seteuid(UID2), EPERM);
      t.sys.rump_sys_setuid(UID);
      t.sys.rump_sys_seteuid(UID);
    });
  });

  it("non-root: setgid/setegid to a foreign group and setgroups are EPERM", () => {
    const t = bootKernel();
    asUser(t, UID, GID, () => {
      expectErrno(() => t.sys.rump_sys_setgid(GID + 1), EPERM);
      expectErrno(() => t.sys.rump_sys_setegid(GID + 1), EPERM);
      expectErrno(() => t.sys.rump_sys_setgroups([GID]), EPERM);
      t.sys.rump_sys_setgid(GID);
      t.sys.rump_sys_setegid(GID);
      expect([t.sys.rump_sys_getgid(), t.sys.rump_sys_getegid()]).toEqual([GID, GID]);
    });
  });

  it("setgroups/getgroups round-trip; more than NGROUPS_MAX is EINVAL", () => {
    const t = bootKernel();
    inProcess(t, () => {
      t.sys.rump_sys_setgroups([5, 6, 7]);
      expect(t.sys.rump_sys_getgroups()).toEqual([5, 6, 7]);
      const many = Array.from({ length: NGROUPS_MAX + 1 }, (_, i) => i + 1);
      expectErrno(() => t.sys.rump_sys_setgroups(many), EINVAL);
    });
  });

  it("credentials changed in one process do not leak to its parent", () => {
    const t = bootKernel();
    asUser(t, UID, GID, () => expect(t.sys.rump_sys_getuid()).toBe(UID), [9]);
    expect(t.sys.rump_sys_getuid()).toBe(0);
    expect(t.sys.rump_sys_getgroups()).not.toContain(9);
  });
});
