/**
 * Advisory locks between processes: fcntl F_GETLK/F_SETLK/F_SETLKW (POSIX,
 * per process, dropped on any close) and flock(2) (per open file). A
 * blocking request that would wait forever fails with EDEADLK.
 */
import {
  EAGAIN,
  EBADF,
  EDEADLK,
  EINVAL,
  EOPNOTSUPP,
  EWOULDBLOCK,
  F_GETLK,
  F_RDLCK,
  F_SETLK,
  F_SETLKW,
  F_UNLCK,
  F_WRLCK,
  LOCK_EX,
  LOCK_NB,
  LOCK_SH,
  LOCK_UN,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  SEEK_SET,
  type Flock,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import { expectErrno, FILE_SYSTEMS, spawn, writeFile } from "../helpers/kernel.js";

const lk = (l_type: number, l_start = 0, l_len = 0, l_whence = SEEK_SET): Flock => ({
  l_type,
  l_start,
  l_len,
  l_whence,
  l_pid: 0,
});

describe.each(FILE_SYSTEMS)("fcntl locks on $name", (fs) => {
  function setup() {
    const t = fs.mount();
    writeFile(t.sys, "/mnt/f", "0123456789");
    const a = spawn(t);
    const b = spawn(t);
    const fa = a.run(() => t.sys.rump_sys_open("/mnt/f", O_RDWR));
    const fb = b.run(() => t.sys.rump_sys_open("/mnt/f", O_RDWR));
    return { t, sys: t.sys, a, b, fa, fb };
  }

  it("a write lock excludes other processes: EAGAIN; F_GETLK reports the holder", () => {
    const { sys, a, b, fa, fb } = setup();
    a.run(() => sys.rump_sys_fcntl(fa, F_SETLK, lk(F_WRLCK, 0, 5)));
    b.run(() => {
      expectErrno(() => sys.rump_sys_fcntl(fb, F_SETLK, lk(F_WRLCK, 2, 1)), EAGAIN);
      expectErrno(() => sys.rump_sys_fcntl(fb, F_SETLK, lk(F_RDLCK, 0, 0)), EAGAIN);
      const q = lk(F_WRLCK, 0, 0);
      sys.rump_sys_fcntl(fb, F_GETLK, q);
      expect(q).toMatchObject({ l_type: F_WRLCK, l_start: 0, l_len: 5, l_pid: a.pid });
      sys.rump_sys_fcntl(fb, F_SETLK, lk(F_WRLCK, 5, 5)); // beyond the range: fine
    });
  });

  it("read locks are shared; a write lock then conflicts", () => {
    const { sys, a, b, fa, fb } = setup();
    a.run(() => sys.rump_sys_fcntl(fa, F_SETLK, lk(F_RDLCK)));
    b.run(() => {
      sys.rump_sys_fcntl(fb, F_SETLK, lk(F_RDLCK));
      expectErrno(() => sys.rump_sys_fcntl(fb, F_SETLK, lk(F_WRLCK)), EAGAIN);
    });
  });

  it("F_GETLK without conflict answers F_UNLCK; the holder's own locks never conflict", () => {
    const { sys, a, fa } = setup();
    a.run(() => {
      sys.rump_sys_fcntl(fa, F_SETLK, lk(F_WRLCK));
      sys.rump_sys_fcntl(fa, F_SETLK, lk(F_RDLCK, 2, 2)); // downgrade a part
      const q = lk(F_WRLCK);
      sys.rump_sys_fcntl(fa, F_GETLK, q);
      expect(q.l_type).toBe(F_UNLCK);
    });
  });

  it("F_SETLKW on a conflicting lock would wait forever: EDEADLK", () => {
    const { sys, a, b, fa, fb } = setup();
    a.run(() => sys.rump_sys_fcntl(fa, F_SETLK, lk(F_WRLCK, 0, 1)));
    b.run(() => sys.rump_sys_fcntl(fb, F_SETLK, lk(F_WRLCK, 1, 1)));
    b.run(() => expectErrno(() => sys.rump_sys_fcntl(fb, F_SETLKW, lk(F_WRLCK, 0, 1)), EDEADLK));
    a.run(() => expectErrno(() => sys.rump_sys_fcntl(fa, F_SETLKW, lk(F_WRLCK, 1, 1)), EDEADLK));
    b.run(() => sys.rump_sys_fcntl(fb, F_SETLKW, lk(F_WRLCK, 5, 1))); // no conflict: no wait
  });

  it("F_UNLCK releases; closing any descriptor of the file drops the process's locks", () => {
    const { sys, a, b, fa, fb } = setup();
    a.run(() => sys.rump_sys_fcntl(fa, F_SETLK, lk(F_WRLCK)));
    a.run(() => sys.rump_sys_fcntl(fa, F_SETLK, lk(F_UNLCK)));
    b.run(() => sys.rump_sys_fcntl(fb, F_SETLK, lk(F_WRLCK)));
    b.run(() => sys.rump_sys_fcntl(fb, F_SETLK, lk(F_UNLCK)));
    a.run(() => {
      sys.rump_sys_fcntl(fa, F_SETLK, lk(F_WRLCK));
      const other = sys.rump_sys_open("/mnt/f", O_RDONLY);
      sys.rump_sys_close(other); // a different descriptor of the same file
    });
    b.run(() => sys.rump_sys_fcntl(fb, F_SETLK, lk(F_WRLCK)));
  });

  it("a process's locks go away when it exits", () => {
    const { sys, a, b, fa, fb } = setup();
    a.run(() => sys.rump_sys_fcntl(fa, F_SETLK, lk(F_WRLCK)));
    a.release();
    b.run(() => sys.rump_sys_fcntl(fb, F_SETLK, lk(F_WRLCK)));
  });

  it("the lock type must match the open mode: EBADF", () => {
    const t = fs.mount();
    writeFile(t.sys, "f", "x");
    const ro = t.sys.rump_sys_open("f", O_RDONLY);
    const wo = t.sys.rump_sys_open("f", O_WRONLY);
    expectErrno(() => t.sys.rump_sys_fcntl(ro, F_SETLK, lk(F_WRLCK)), EBADF);
    expectErrno(() => t.sys.rump_sys_fcntl(wo, F_SETLK, lk(F_RDLCK)), EBADF);
  });

  it("bad lock requests: EINVAL", () => {
    const t = fs.mount();
    writeFile(t.sys, "f", "x");
    const fd = t.sys.rump_sys_open("f", O_RDWR);
    expectErrno(() => t.sys.rump_sys_fcntl(fd, F_SETLK, lk(99)), EINVAL);
    expectErrno(() => t.sys.rump_sys_fcntl(fd, F_SETLK, lk(F_WRLCK, 0, 0, 7)), EINVAL);
    expectErrno(() => t.sys.rump_sys_fcntl(fd, F_SETLK, lk(F_WRLCK, -5, 1)), EINVAL);
    const [r] = t.sys.rump_sys_pipe();
    expectErrno(() => t.sys.rump_sys_fcntl(r, F_SETLK, lk(F_RDLCK)), EINVAL);
  });
});

describe.each(FILE_SYSTEMS)("flock on $name", (fs) => {
  function setup() {
    const t = fs.mount();
    writeFile(t.sys, "/mnt/f", "x");
    const a = spawn(t);
    const b = spawn(t);
    const fa = a.run(() => t.sys.rump_sys_open("/mnt/f", O_RDONLY));
    const fb = b.run(() => t.sys.rump_sys_open("/mnt/f", O_RDONLY));
    return { sys: t.sys, a, b, fa, fb };
  }

  it("shared locks coexist; an exclusive one conflicts: EWOULDBLOCK with LOCK_NB", () => {
    const { sys, a, b, fa, fb } = setup();
    a.run(() => sys.rump_sys_flock(fa, LOCK_SH));
    b.run(() => sys.rump_sys_flock(fb, LOCK_SH));
    b.run(() => expectErrno(() => sys.rump_sys_flock(fb, LOCK_EX | LOCK_NB), EWOULDBLOCK));
    expect(EWOULDBLOCK).toBe(35);
  });

  it("an exclusive lock excludes everyone; without LOCK_NB the wait would be forever: EDEADLK", () => {
    const { sys, a, b, fa, fb } = setup();
    a.run(() => sys.rump_sys_flock(fa, LOCK_EX));
    b.run(() => {
      expectErrno(() => sys.rump_sys_flock(fb, LOCK_SH | LOCK_NB), EWOULDBLOCK);
      expectErrno(() => sys.rump_sys_flock(fb, LOCK_EX), EDEADLK);
    });
  });

  it("LOCK_UN, closing the last descriptor, or exiting releases the lock", () => {
    const { sys, a, b, fa, fb } = setup();
    a.run(() => sys.rump_sys_flock(fa, LOCK_EX));
    a.run(() => sys.rump_sys_flock(fa, LOCK_UN));
    b.run(() => sys.rump_sys_flock(fb, LOCK_EX | LOCK_NB));
    b.run(() => sys.rump_sys_close(fb));
    a.run(() => sys.rump_sys_flock(fa, LOCK_EX | LOCK_NB));
    a.release();
    b.run(() => {
      const fd = sys.rump_sys_open("/mnt/f", O_RDONLY);
      sys.rump_sys_flock(fd, LOCK_EX | LOCK_NB);
    });
  });

  it("the lock belongs to the open file: a dup shares it, a second open in the same process conflicts", () => {
    const { sys, a, fa } = setup();
    a.run(() => {
      sys.rump_sys_flock(fa, LOCK_EX);
      const d = sys.rump_sys_dup(fa);
      sys.rump_sys_flock(d, LOCK_EX | LOCK_NB); // same lock
      const other = sys.rump_sys_open("/mnt/f", O_RDONLY);
      expectErrno(() => sys.rump_sys_flock(other, LOCK_EX | LOCK_NB), EWOULDBLOCK);
      sys.rump_sys_close(fa); // d still holds it
      expectErrno(() => sys.rump_sys_flock(other, LOCK_SH | LOCK_NB), EWOULDBLOCK);
      sys.rump_sys_close(d);
      sys.rump_sys_flock(other, LOCK_SH | LOCK_NB);
    });
  });

  it("a lock can be converted between shared and exclusive", () => {
    const { sys, a, b, fa, fb } = setup();
    a.run(() => sys.rump_sys_flock(fa, LOCK_EX));
    a.run(() => sys.rump_sys_flock(fa, LOCK_SH));
    b.run(() => sys.rump_sys_flock(fb, LOCK_SH | LOCK_NB));
  });

  it("bad operations are EINVAL, bad descriptors EBADF, pipes EOPNOTSUPP", () => {
    const t = fs.mount();
    writeFile(t.sys, "f");
    const fd = t.sys.rump_sys_open("f", O_RDONLY);
    expectErrno(() => t.sys.rump_sys_flock(fd, 0), EINVAL);
    expectErrno(() => t.sys.rump_sys_flock(fd, LOCK_NB), EINVAL);
    expectErrno(() => t.sys.rump_sys_flock(999, LOCK_SH), EBADF);
    const [r] = t.sys.rump_sys_pipe();
    expectErrno(() => t.sys.rump_sys_flock(r, LOCK_SH), EOPNOTSUPP);
  });
});
