/**
 * rump_lwproc(3): rfork with a copied (RUMP_RFFDG), empty (RUMP_RFCFDG) or
 * shared (0) descriptor table, newlwp, switch, releaselwp, curlwp.
 */
import { RUMP_RFCFDG, RUMP_RFFDG, RUMP_RFFD_SHARE } from "@rump/librump";
import { EBADF, EINVAL, ESRCH, O_CREAT, O_RDONLY, O_RDWR, SEEK_CUR } from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import {
  bootKernel,
  bootTmpfs,
  dec,
  enc,
  expectErrno,
  spawn,
  writeFile,
} from "../helpers/kernel.js";

describe("lwproc", () => {
  it("the implicit context: curlwp is null and getpid is 1", () => {
    const { k, sys } = bootKernel();
    expect(k.rump_pub_lwproc_curlwp()).toBeNull();
    expect(sys.rump_sys_getpid()).toBe(1);
  });

  it("rfork makes a new current process whose parent is the caller", () => {
    const { k, sys } = bootKernel();
    expect(k.rump_pub_lwproc_rfork(RUMP_RFFDG)).toBe(0);
    const l = k.rump_pub_lwproc_curlwp();
    expect(l).not.toBeNull();
    const pid = sys.rump_sys_getpid();
    expect(pid).not.toBe(1);
    expect(sys.rump_sys_getppid()).toBe(1);
    expect(k.rump_pub_lwproc_rfork(RUMP_RFFDG)).toBe(0);
    expect(sys.rump_sys_getppid()).toBe(pid);
    const grandchild = sys.rump_sys_getpid();
    expect(grandchild).not.toBe(pid);
    k.rump_pub_lwproc_releaselwp();
    expect(k.rump_pub_lwproc_curlwp()).toBeNull();
    k.rump_pub_lwproc_switch(l);
    expect(sys.rump_sys_getpid()).toBe(pid);
    k.rump_pub_lwproc_releaselwp();
    expect(sys.rump_sys_getpid()).toBe(1);
  });

  it("rfork with invalid flags is EINVAL", () => {
    const { k } = bootKernel();
    expect(k.rump_pub_lwproc_rfork(RUMP_RFFDG | RUMP_RFCFDG)).toBe(EINVAL);
    expect(k.rump_pub_lwproc_rfork(0x100)).toBe(EINVAL);
    expect(k.rump_pub_lwproc_curlwp()).toBeNull();
  });

  it("RUMP_RFFDG copies the table: same open files (shared offset), separate slots", () => {
    const t = bootTmpfs();
    const { sys } = t;
    writeFile(sys, "f", "abcdef");
    const fd = sys.rump_sys_open("f", O_RDONLY);
    const child = spawn(t, RUMP_RFFDG);
    child.run(() => {
      sys.rump_sys_read(fd, new Uint8Array(2));
      sys.rump_sys_close(fd);
      expectErrno(() => sys.rump_sys_fstat(fd), EBADF);
      expect(sys.rump_sys_open("f", O_RDONLY)).toBe(fd); // the slot is free here
    });
    expect(sys.rump_sys_lseek(fd, 0, SEEK_CUR)).toBe(2);
    const b = new Uint8Array(2);
    sys.rump_sys_read(fd, b);
    expect(dec.decode(b)).toBe("cd");
    child.release();
    sys.rump_sys_fstat(fd);
  });

  it("RUMP_RFCFDG starts with an empty table", () => {
    const t = bootTmpfs();
    writeFile(t.sys, "f");
    const fd = t.sys.rump_sys_open("f", O_RDONLY);
    const child = spawn(t, RUMP_RFCFDG);
    child.run(() => {
      expectErrno(() => t.sys.rump_sys_fstat(fd), EBADF);
      expect(t.sys.rump_sys_open("/mnt/f", O_RDONLY)).toBe(0);
    });
    child.release();
  });

  it("rfork(0) shares the table: descriptors opened by either are seen by both", () => {
    const t = bootTmpfs();
    writeFile(t.sys, "f");
    const child = spawn(t, RUMP_RFFD_SHARE);
    const fd = child.run(() => t.sys.rump_sys_open("f", O_RDONLY));
    t.sys.rump_sys_fstat(fd);
    t.sys.rump_sys_close(fd);
    child.run(() => expectErrno(() => t.sys.rump_sys_fstat(fd), EBADF));
    child.release();
  });

  it("newlwp adds a thread to a process: same pid, same descriptors", () => {
    const t = bootTmpfs();
    const { k, sys } = t;
    const p = spawn(t, RUMP_RFCFDG);
    const fd = p.run(() => sys.rump_sys_open("/mnt/g", O_RDWR | O_CREAT, 0o644));
    expect(k.rump_pub_lwproc_newlwp(p.pid)).toBe(0);
    const l2 = k.rump_pub_lwproc_curlwp();
    expect(l2).not.toBe(p.lwp);
    expect(sys.rump_sys_getpid()).toBe(p.pid);
    sys.rump_sys_write(fd, enc.encode("x"));
    k.rump_pub_lwproc_releaselwp(); // the process lives on in its first lwp
    p.run(() => expect(sys.rump_sys_fstat(fd).st_size).toBe(1));
    p.release();
    expect(k.rump_pub_lwproc_newlwp(p.pid)).toBe(ESRCH);
    expect(k.rump_pub_lwproc_newlwp(99999)).toBe(ESRCH);
  });

  it("releasing a process closes its descriptors: the pipe's reader sees EOF", () => {
    const t = bootKernel();
    const { sys } = t;
    const [r, w] = sys.rump_sys_pipe();
    const writer = spawn(t, RUMP_RFFDG);
    sys.rump_sys_close(w); // only the writer process holds the write end now
    writer.run(() => sys.rump_sys_write(w, enc.encode("bye")));
    const b = new Uint8Array(8);
    expect(sys.rump_sys_read(r, b)).toBe(3);
    writer.release();
    expect(sys.rump_sys_read(r, b)).toBe(0);
  });

  it("credentials are inherited by rfork and private afterwards", () => {
    const t = bootKernel();
    const { sys } = t;
    const p = spawn(t, RUMP_RFFDG, { uid: 1000, gid: 100 });
    p.run(() => {
      expect([sys.rump_sys_getuid(), sys.rump_sys_getgid()]).toEqual([1000, 100]);
      const child = spawn(t, RUMP_RFFDG);
      child.run(() => expect(sys.rump_sys_geteuid()).toBe(1000));
      child.release();
    });
    expect(sys.rump_sys_getuid()).toBe(0);
  });
});
