/** getrlimit(2)/setrlimit(2) and RLIMIT_NOFILE → EMFILE. */
import { EBADF, EINVAL, EMFILE, EPERM, F_DUPFD, O_RDONLY, RLIMIT_NOFILE } from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import {
  asUser,
  expectErrno,
  FILE_SYSTEMS,
  GID,
  inProcess,
  UID,
  writeFile,
} from "../helpers/kernel.js";

describe.each(FILE_SYSTEMS)("RLIMIT_NOFILE on $name", (fs) => {
  it("open fails with EMFILE once rlim_cur descriptors are in use; closing one frees a slot", () => {
    const t = fs.mount();
    writeFile(t.sys, "f");
    inProcess(t, () => {
      const { sys } = t;
      const lim = sys.rump_sys_getrlimit(RLIMIT_NOFILE);
      expect(lim.rlim_cur).toBeGreaterThan(0);
      expect(lim.rlim_max).toBeGreaterThanOrEqual(lim.rlim_cur);
      sys.rump_sys_setrlimit(RLIMIT_NOFILE, { rlim_cur: 16, rlim_max: lim.rlim_max });
      expect(sys.rump_sys_getrlimit(RLIMIT_NOFILE).rlim_cur).toBe(16);
      const fds: number[] = [];
      for (;;) {
        try {
          fds.push(sys.rump_sys_open("/mnt/f", O_RDONLY));
        } catch (e) {
          expectErrno(() => {
            throw e;
          }, EMFILE);
          break;
        }
        if (fds.length > 100) throw new Error("the limit was not enforced");
      }
      expect(Math.max(...fds)).toBe(15);
      expectErrno(() => sys.rump_sys_dup(fds[0]!), EMFILE);
      expectErrno(() => sys.rump_sys_pipe(), EMFILE);
      sys.rump_sys_close(fds.pop()!);
      expect(sys.rump_sys_open("/mnt/f", O_RDONLY)).toBe(15);
      expectErrno(() => sys.rump_sys_fcntl(fds[0]!, F_DUPFD, 16), EINVAL);
      expectErrno(() => sys.rump_sys_dup2(fds[0]!, 16), EBADF);
    });
  });

  it("rlim_cur above rlim_max is EINVAL; raising rlim_max as non-root is EPERM", () => {
    const t = fs.mount();
    const lim = t.sys.rump_sys_getrlimit(RLIMIT_NOFILE);
    inProcess(t, () => {
      expectErrno(
        () => t.sys.rump_sys_setrlimit(RLIMIT_NOFILE, { rlim_cur: 100, rlim_max: 50 }),
        EINVAL,
      );
    });
    asUser(t, UID, GID, () => {
      t.sys.rump_sys_setrlimit(RLIMIT_NOFILE, { rlim_cur: 32, rlim_max: 64 });
      expectErrno(
        () => t.sys.rump_sys_setrlimit(RLIMIT_NOFILE, { rlim_cur: 32, rlim_max: 65 }),
        EPERM,
      );
      t.sys.rump_sys_setrlimit(RLIMIT_NOFILE, { rlim_cur: 64, rlim_max: 64 });
    });
    expect(t.sys.rump_sys_getrlimit(RLIMIT_NOFILE)).toEqual(lim);
  });

  it("an unknown resource is EINVAL", () => {
    const { sys } = fs.mount();
    expectErrno(() => sys.rump_sys_getrlimit(99), EINVAL);
  });
});
