/**
 * rump_lwproc (rump_lwproc(3), librump.md §4) at the unit level: rfork
 * flags, pids and parents, newlwp, switching between processes, release,
 * and credentials made with rump_pub_cred_create.
 */
import { describe, expect, it } from "vitest";
import { EACCES, EBADF, EINVAL, ESRCH, O_CREAT, O_RDONLY, O_RDWR } from "@rump/syscalls";
import { RUMP_VOP_ACCESS, RUMP_VOP_UNLOCK } from "../../rump-vop/src/index.js";
import { RumpPanic } from "../src/kern/subr_prf.js";
import { RUMP_RFCFDG, RUMP_RFFDG, RUMP_RFFD_SHARE } from "../src/rump/lwproc.js";
import { LOCKLEAF, LOOKUP } from "../src/sys/namei.js";
import type { Vnode } from "../src/sys/vnode.js";
import { VREAD, VWRITE } from "../src/miscfs/genfs/genfs_vnops.js";
import { boot, bytes, errnoOf, readN, text } from "./helpers/kernel.js";

describe("rfork", () => {
  it("rejects unknown bits and RFFDG|RFCFDG together with EINVAL, changing nothing", () => {
    const { k, sys } = boot();
    for (const flags of [RUMP_RFFDG | RUMP_RFCFDG, 0x4, 0x100, RUMP_RFFDG | 0x80, -1]) {
      expect(k.rump_pub_lwproc_rfork(flags), `flags ${flags}`).toBe(EINVAL);
      expect(k.rump_pub_lwproc_curlwp()).toBeNull();
    }
    expect(sys.rump_sys_getpid()).toBe(1);
    expect(k.procs.size).toBe(2); // proc0 and pid 1 only
  });

  it("RUMP_RFFD_SHARE (0): parent and child use one descriptor table", () => {
    const { k, sys } = boot();
    expect(k.rump_pub_lwproc_rfork(RUMP_RFFDG)).toBe(0);
    const parent = k.rump_pub_lwproc_curlwp()!;
    expect(k.rump_pub_lwproc_rfork(RUMP_RFFD_SHARE)).toBe(0);
    const child = k.rump_pub_lwproc_curlwp()!;
    const fd = sys.rump_sys_open("/tmp/shared", O_CREAT | O_RDWR, 0o644);
    k.rump_pub_lwproc_switch(parent);
    expect(sys.rump_sys_write(fd, bytes("seen"))).toBe(4); // the child's fd exists here
    sys.rump_sys_close(fd);
    k.rump_pub_lwproc_switch(child);
    expect(errnoOf(() => sys.rump_sys_close(fd))).toBe(EBADF); // and its close is seen there
  });

  it("RUMP_RFFDG copies the table: existing fds in both, new ones private", () => {
    const { k, sys } = boot();
    expect(k.rump_pub_lwproc_rfork(RUMP_RFFDG)).toBe(0);
    const parent = k.rump_pub_lwproc_curlwp()!;
    const fd = sys.rump_sys_open("/tmp/f", O_CREAT | O_RDWR, 0o644);
    expect(k.rump_pub_lwproc_rfork(RUMP_RFFDG)).toBe(0);
    const child = k.rump_pub_lwproc_curlwp()!;
    expect(sys.rump_sys_write(fd, bytes("child"))).toBe(5);
    const fd2 = sys.rump_sys_open("/tmp/g", O_CREAT | O_RDWR, 0o644);
    sys.rump_sys_close(fd);
    k.rump_pub_lwproc_switch(parent);
    expect(errnoOf(() => sys.rump_sys_close(fd2))).toBe(EBADF);
    expect(sys.rump_sys_write(fd, bytes("+parent"))).toBe(7); // still open here
    k.rump_pub_lwproc_switch(child);
    k.rump_pub_lwproc_releaselwp();
    const r = sys.rump_sys_open("/tmp/f", O_RDONLY);
    expect(text(readN(sys, r, 100))).toBe("child+parent"); // one shared offset
    sys.rump_sys_close(r);
  });

  it("RUMP_RFCFDG starts empty: not even the console fds", () => {
    const { k, sys } = boot();
    expect(sys.rump_sys_write(1, bytes(""))).toBe(0);
    expect(k.rump_pub_lwproc_rfork(RUMP_RFCFDG)).toBe(0);
    for (const fd of [0, 1, 2]) expect(errnoOf(() => sys.rump_sys_fstat(fd))).toBe(EBADF);
    expect(sys.rump_sys_open("/tmp/x", O_CREAT | O_RDWR, 0o600)).toBe(0); // lowest free
  });

  it("the child inherits cwd, root and umask of its parent", () => {
    const { k, sys } = boot();
    k.rump_pub_lwproc_rfork(RUMP_RFFDG);
    sys.rump_sys_chdir("/dev");
    sys.rump_sys_umask(0o077);
    k.rump_pub_lwproc_rfork(RUMP_RFFDG);
    sys.rump_sys_close(sys.rump_sys_open("/tmp/m", O_CREAT | O_RDWR, 0o666));
    expect(sys.rump_sys_stat("/tmp/m").st_mode & 0o777).toBe(0o600);
    expect(sys.rump_sys_stat("null").st_mode & 0o777).toBe(0o666); // relative to /dev
    expect(sys.rump_sys_umask(0o022)).toBe(0o077);
  });
});

describe("pids and parents", () => {
  it("pids are allocated from 2 up; getppid names the creator", () => {
    const { k, sys } = boot();
    expect(sys.rump_sys_getppid()).toBe(0); // pid 1's parent is proc0
    k.rump_pub_lwproc_rfork(0);
    expect(sys.rump_sys_getpid()).toBe(2);
    expect(sys.rump_sys_getppid()).toBe(1);
    const p2 = k.rump_pub_lwproc_curlwp()!;
    k.rump_pub_lwproc_rfork(0);
    expect(sys.rump_sys_getpid()).toBe(3);
    expect(sys.rump_sys_getppid()).toBe(2);
    const p3 = k.rump_pub_lwproc_curlwp()!;
    k.rump_pub_lwproc_switch(null);
    k.rump_pub_lwproc_rfork(0); // from the implicit context: parent is pid 1
    expect(sys.rump_sys_getpid()).toBe(4);
    expect(sys.rump_sys_getppid()).toBe(1);
    // releasing pid 2 re-parents pid 3 to pid 1
    k.rump_pub_lwproc_switch(p2);
    k.rump_pub_lwproc_releaselwp();
    k.rump_pub_lwproc_switch(p3);
    expect(sys.rump_sys_getpid()).toBe(3);
    expect(sys.rump_sys_getppid()).toBe(1);
    expect(k.procs.has(2)).toBe(false);
  });

  it("a freed pid is not reused at once", () => {
    const { k, sys } = boot();
    k.rump_pub_lwproc_rfork(0);
    expect(sys.rump_sys_getpid()).toBe(2);
    k.rump_pub_lwproc_releaselwp();
    k.rump_pub_lwproc_rfork(0);
    expect(sys.rump_sys_getpid()).toBe(3);
  });
});

describe("newlwp", () => {
  it("ESRCH for a pid that does not exist (or no longer does)", () => {
    const { k, sys } = boot();
    expect(k.rump_pub_lwproc_newlwp(999)).toBe(ESRCH);
    expect(k.rump_pub_lwproc_curlwp()).toBeNull();
    k.rump_pub_lwproc_rfork(0);
    const pid = sys.rump_sys_getpid();
    k.rump_pub_lwproc_releaselwp();
    expect(k.rump_pub_lwproc_newlwp(pid)).toBe(ESRCH);
  });

  it("into pid 0 (proc0) is allowed", () => {
    const { k, sys } = boot();
    expect(k.rump_pub_lwproc_newlwp(0)).toBe(0);
    expect(sys.rump_sys_getpid()).toBe(0);
    expect(sys.rump_sys_getuid()).toBe(0);
    k.rump_pub_lwproc_releaselwp(); // proc0 itself stays
    expect(k.rump_pub_lwproc_newlwp(0)).toBe(0);
    expect(sys.rump_sys_getpid()).toBe(0);
    k.rump_pub_lwproc_releaselwp();
  });

  it("a second lwp shares the process; releasing one keeps the process", () => {
    const { k, sys } = boot();
    k.rump_pub_lwproc_rfork(RUMP_RFCFDG);
    const l1 = k.rump_pub_lwproc_curlwp()!;
    const pid = sys.rump_sys_getpid();
    const fd = sys.rump_sys_open("/tmp/t", O_CREAT | O_RDWR, 0o644);
    expect(k.rump_pub_lwproc_newlwp(pid)).toBe(0);
    const l2 = k.rump_pub_lwproc_curlwp()!;
    expect(l2).not.toBe(l1);
    expect(l2.l_proc).toBe(l1.l_proc);
    expect(l2.l_lid).not.toBe(l1.l_lid);
    expect(sys.rump_sys_getpid()).toBe(pid);
    expect(sys.rump_sys_write(fd, bytes("x"))).toBe(1);
    k.rump_pub_lwproc_releaselwp(); // l2
    expect(k.procs.has(pid)).toBe(true);
    k.rump_pub_lwproc_switch(l1);
    expect(sys.rump_sys_write(fd, bytes("y"))).toBe(1); // descriptors still open
    k.rump_pub_lwproc_releaselwp(); // last lwp: the process goes
    expect(k.procs.has(pid)).toBe(false);
  });

  it("newlwp into pid 1 runs in the implicit context's process", () => {
    const { k, sys } = boot();
    expect(k.rump_pub_lwproc_newlwp(1)).toBe(0);
    expect(k.rump_pub_lwproc_curlwp()).not.toBeNull();
    expect(sys.rump_sys_getpid()).toBe(1);
    expect(sys.rump_sys_write(1, bytes(""))).toBe(0); // pid 1's console fds
    k.rump_pub_lwproc_releaselwp();
    expect(k.procs.has(1)).toBe(true); // pid 1 never goes away
    expect(sys.rump_sys_getpid()).toBe(1);
  });
});

describe("switch", () => {
  it("keeps cwd, umask, credentials and descriptors of two processes apart", () => {
    const { k, sys } = boot();
    sys.rump_sys_mkdir("/a", 0o777);
    sys.rump_sys_mkdir("/b", 0o777);
    sys.rump_sys_chmod("/b", 0o777);
    k.rump_pub_lwproc_rfork(RUMP_RFCFDG);
    const A = k.rump_pub_lwproc_curlwp()!;
    sys.rump_sys_chdir("/a");
    sys.rump_sys_umask(0o077);
    const fdA = sys.rump_sys_open("fa", O_CREAT | O_RDWR, 0o666);
    k.rump_pub_lwproc_switch(null);
    k.rump_pub_lwproc_rfork(RUMP_RFCFDG);
    const B = k.rump_pub_lwproc_curlwp()!;
    sys.rump_sys_chdir("/b");
    sys.rump_sys_umask(0o002);
    sys.rump_sys_setgid(20);
    sys.rump_sys_setuid(1000);
    const fdB1 = sys.rump_sys_open("fb", O_CREAT | O_RDWR, 0o666);
    const fdB2 = sys.rump_sys_open("fb2", O_CREAT | O_RDWR, 0o666);
    expect(fdA).toBe(0);
    expect(fdB1).toBe(0); // each table starts empty

    for (let round = 0; round < 3; round++) {
      k.rump_pub_lwproc_switch(A);
      expect(sys.rump_sys_getuid()).toBe(0);
      expect(sys.rump_sys_getgid()).toBe(0);
      expect(sys.rump_sys_umask(0o077)).toBe(0o077);
      const cwd = new Uint8Array(64);
      const n = sys.rump_sys___getcwd(cwd, 64);
      expect(text(cwd.subarray(0, n)).replace(/\0.*$/, "")).toBe("/a");
      expect(errnoOf(() => sys.rump_sys_fstat(fdB2))).toBe(EBADF);
      expect(sys.rump_sys_fstat(fdA).st_ino).toBe(sys.rump_sys_stat("/a/fa").st_ino);

      k.rump_pub_lwproc_switch(B);
      expect(sys.rump_sys_getuid()).toBe(1000);
      expect(sys.rump_sys_getgid()).toBe(20);
      expect(sys.rump_sys_umask(0o002)).toBe(0o002);
      expect(sys.rump_sys_stat("fb").st_uid).toBe(1000); // relative to /b
      expect(sys.rump_sys_fstat(fdB2).st_ino).toBe(sys.rump_sys_stat("/b/fb2").st_ino);
      expect(sys.rump_sys_fstat(fdB1).st_ino).toBe(sys.rump_sys_stat("/b/fb").st_ino);

      k.rump_pub_lwproc_switch(null);
      expect(sys.rump_sys_getpid()).toBe(1);
      expect(sys.rump_sys_getuid()).toBe(0);
    }
    expect(sys.rump_sys_stat("/a/fa").st_mode & 0o777).toBe(0o600);
    expect(sys.rump_sys_stat("/b/fb").st_mode & 0o777).toBe(0o664);
  });

  it("switching to a released lwp panics", () => {
    const { k } = boot();
    k.rump_pub_lwproc_rfork(0);
    const l = k.rump_pub_lwproc_curlwp()!;
    k.rump_pub_lwproc_releaselwp();
    expect(() => k.rump_pub_lwproc_switch(l)).toThrow(RumpPanic);
  });
});

describe("release", () => {
  it("curlwp is null in the implicit context and after releaselwp", () => {
    const { k, sys } = boot();
    expect(k.rump_pub_lwproc_curlwp()).toBeNull();
    k.rump_pub_lwproc_rfork(0);
    expect(k.rump_pub_lwproc_curlwp()).not.toBeNull();
    k.rump_pub_lwproc_releaselwp();
    expect(k.rump_pub_lwproc_curlwp()).toBeNull();
    expect(sys.rump_sys_getpid()).toBe(1);
  });

  it("frees the process: its descriptors are closed (a pipe reader sees EOF)", () => {
    const { k, sys } = boot();
    const [r, w] = sys.rump_sys_pipe();
    k.rump_pub_lwproc_rfork(RUMP_RFFDG); // the writer process has both ends too
    const writer = k.rump_pub_lwproc_curlwp()!;
    sys.rump_sys_close(r);
    k.rump_pub_lwproc_switch(null);
    sys.rump_sys_close(w); // pid 1 keeps only the read end
    k.rump_pub_lwproc_switch(writer);
    expect(sys.rump_sys_write(w, bytes("last words"))).toBe(10);
    k.rump_pub_lwproc_releaselwp();
    expect(text(readN(sys, r, 100))).toBe("last words");
    expect(sys.rump_sys_read(r, new Uint8Array(10), 10)).toBe(0); // EOF, not EDEADLK
    sys.rump_sys_close(r);
  });

  it("a shared table stays open while another process uses it", () => {
    const { k, sys } = boot();
    k.rump_pub_lwproc_rfork(RUMP_RFCFDG);
    const parent = k.rump_pub_lwproc_curlwp()!;
    const fd = sys.rump_sys_open("/tmp/s", O_CREAT | O_RDWR, 0o644);
    k.rump_pub_lwproc_rfork(RUMP_RFFD_SHARE);
    k.rump_pub_lwproc_releaselwp();
    k.rump_pub_lwproc_switch(parent);
    expect(sys.rump_sys_write(fd, bytes("ok"))).toBe(2);
    k.rump_pub_lwproc_releaselwp();
  });

  it("releases the cwd reference of the process", () => {
    const { k, sys } = boot();
    sys.rump_sys_mkdir("/wd", 0o755);
    const out = { vp: null as Vnode | null };
    expect(k.rump_pub_namei(LOOKUP, 0, "/wd", null, out, null)).toBe(0);
    const vp = out.vp!;
    const base = k.rump_pub_vp_getref(vp);
    k.rump_pub_lwproc_rfork(0);
    const first = k.rump_pub_lwproc_curlwp()!;
    sys.rump_sys_chdir("/wd");
    expect(k.rump_pub_vp_getref(vp)).toBe(base + 1);
    k.rump_pub_lwproc_rfork(0); // a child inherits it: one more
    expect(k.rump_pub_vp_getref(vp)).toBe(base + 2);
    k.rump_pub_lwproc_releaselwp();
    expect(k.rump_pub_vp_getref(vp)).toBe(base + 1);
    k.rump_pub_lwproc_newlwp(first.l_proc.p_pid);
    k.rump_pub_lwproc_releaselwp(); // a second lwp: the process stays
    expect(k.rump_pub_vp_getref(vp)).toBe(base + 1);
    k.rump_pub_lwproc_switch(first);
    k.rump_pub_lwproc_releaselwp();
    expect(k.rump_pub_vp_getref(vp)).toBe(base);
    k.rump_pub_vp_rele(vp);
  });
});

describe("credentials", () => {
  it("cred_create sets real, effective and saved ids and the groups", () => {
    const { k } = boot();
    const c = k.rump_pub_cred_create(1000, 100, 2, [5, 6, 7]);
    expect([c.cr_uid, c.cr_euid, c.cr_svuid]).toEqual([1000, 1000, 1000]);
    expect([c.cr_gid, c.cr_egid, c.cr_svgid]).toEqual([100, 100, 100]);
    expect(c.cr_groups).toEqual([5, 6]);
    expect(c.cr_refcnt).toBe(1);
    k.rump_pub_cred_put(c);
    expect(c.cr_refcnt).toBe(0);
    expect(() => k.rump_pub_cred_create(0, 0, 17, new Array<number>(17).fill(1))).toThrow(
      RangeError,
    );
    expect(() => k.rump_pub_cred_create(0, 0, 3, [1])).toThrow(RangeError);
  });

  it("a created credential decides VOP_ACCESS", () => {
    const { k, sys } = boot();
    sys.rump_sys_close(sys.rump_sys_open("/tmp/secret", O_CREAT | O_RDWR, 0o640));
    sys.rump_sys_chown("/tmp/secret", 1000, 100);
    const out = { vp: null as Vnode | null };
    expect(k.rump_pub_namei(LOOKUP, LOCKLEAF, "/tmp/secret", null, out, null)).toBe(0);
    const vp = out.vp!;
    const owner = k.rump_pub_cred_create(1000, 1);
    const group = k.rump_pub_cred_create(2000, 2, 1, [100]);
    const other = k.rump_pub_cred_create(3000, 3);
    const root = k.rump_pub_cred_create(0, 0);
    expect(RUMP_VOP_ACCESS(vp, VREAD | VWRITE, owner)).toBe(0);
    expect(RUMP_VOP_ACCESS(vp, VREAD, group)).toBe(0);
    expect(RUMP_VOP_ACCESS(vp, VWRITE, group)).toBe(EACCES);
    expect(RUMP_VOP_ACCESS(vp, VREAD, other)).toBe(EACCES);
    expect(RUMP_VOP_ACCESS(vp, VREAD | VWRITE, root)).toBe(0);
    for (const c of [owner, group, other, root]) k.rump_pub_cred_put(c);
    RUMP_VOP_UNLOCK(vp); // namei's LOCKLEAF left it locked
    k.rump_pub_vp_rele(vp);
  });
});
