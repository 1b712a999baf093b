/**
 * Boot and life cycle of kernel instances (rump.c, librump.md §2): several
 * independent kernels per process, boot parameters from `params` and from
 * the host, the initial name space (/dev, /tmp), the default kernel of the
 * C-style API, shutdown, panics, and the event counters.
 */
/// <reference types="node" />
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MemoryHost, NodeHost } from "@rump/rumpuser";
import {
  createSyscalls,
  CTL_KERN,
  KERN_MAXVNODES,
  KERN_OSREV,
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  RumpError,
  rump_sys_getpid,
  rump_sys_mkdir,
  rump_sys_open,
  rump_sys_close,
  rump_sys_stat,
  rump_sys_rmdir,
  S_IFCHR,
  S_IFDIR,
  S_IFMT,
  ENOENT,
  ENOSYS,
  type RumpSyscalls,
} from "@rump/syscalls";
import { createKernel, rump_default_kernel, rump_getversion, rump_init } from "../src/rump/rump.js";
import {
  rump_boot_gethowto,
  rump_boot_sethowto,
  rump_pub_lwproc_curlwp,
} from "../src/rump/pub_default.js";
import { RUMP_ETFS_REG } from "../src/rump/etfs.js";
import { RumpPanic } from "../src/kern/subr_prf.js";
import { SYS_getpid } from "../src/gen/syscall.js";
import { vfs_desiredvnodes } from "../src/kern/vfs_vnode.js";
import { boot, bytes, errnoOf, listdir, readN } from "./helpers/kernel.js";

const AB_VERBOSE = 0x00020000;

function sysctlInt(sys: RumpSyscalls, name: number[]): number {
  const buf = new Uint8Array(4);
  const len = { v: 4 };
  sys.rump_sys___sysctl(name, buf, len, null);
  return new DataView(buf.buffer).getInt32(0, true);
}

function setSysctlInt(sys: RumpSyscalls, name: number[], v: number): void {
  const nv = new Uint8Array(4);
  new DataView(nv.buffer).setInt32(0, v, true);
  sys.rump_sys___sysctl(name, null, null, nv, 4);
}

describe("several kernels in one process", () => {
  it("are independent: a file made in one is invisible in the others", () => {
    const a = boot();
    const b = boot();
    const c = boot();
    a.sys.rump_sys_close(a.sys.rump_sys_open("/tmp/only-in-a", O_CREAT | O_WRONLY, 0o644));
    b.sys.rump_sys_mkdir("/only-in-b", 0o755);
    expect(a.sys.rump_sys_stat("/tmp/only-in-a").st_mode & S_IFMT).toBe(0o100000);
    expect(errnoOf(() => b.sys.rump_sys_stat("/tmp/only-in-a"))).toBe(ENOENT);
    expect(errnoOf(() => c.sys.rump_sys_stat("/tmp/only-in-a"))).toBe(ENOENT);
    expect(errnoOf(() => a.sys.rump_sys_stat("/only-in-b"))).toBe(ENOENT);
    expect(listdir(c.sys, "/").sort()).toEqual([".", "..", "dev", "tmp"]);
  });

  it("each has pid 1 in its implicit context, and its own pid space", () => {
    const a = boot();
    const b = boot();
    expect(a.sys.rump_sys_getpid()).toBe(1);
    expect(b.sys.rump_sys_getpid()).toBe(1);
    expect(a.k.rump_pub_lwproc_rfork(0)).toBe(0);
    const pa = a.sys.rump_sys_getpid();
    expect(b.k.rump_pub_lwproc_rfork(0)).toBe(0);
    expect(b.sys.rump_sys_getpid()).toBe(pa); // same first pid: not a shared counter
    b.k.rump_pub_lwproc_releaselwp();
    expect(b.sys.rump_sys_getpid()).toBe(1);
    expect(a.sys.rump_sys_getpid()).toBe(pa); // a's current lwp untouched
  });

  it("an lwp of one kernel cannot be switched to in another", () => {
    const a = boot();
    const b = boot();
    a.k.rump_pub_lwproc_rfork(0);
    const la = a.k.rump_pub_lwproc_curlwp();
    expect(() => b.k.rump_pub_lwproc_switch(la)).toThrow(RumpPanic);
    expect(() => b.sys.rump_sys_getpid()).toThrow(RumpPanic);
    expect(a.sys.rump_sys_getpid()).toBeGreaterThan(1);
  });
});

describe("hosts", () => {
  it("createKernel on a MemoryHost boots with a sane boot time", () => {
    const host = new MemoryHost({ log: true });
    const before = Math.floor(Date.now() / 1000);
    const k = createKernel({ host });
    const after = Math.ceil(Date.now() / 1000);
    try {
      expect(k.booted).toBe(true);
      expect(k.boottime.tv_sec).toBeGreaterThanOrEqual(before);
      expect(k.boottime.tv_sec).toBeLessThanOrEqual(after);
      expect(k.boottime.tv_nsec).toBeGreaterThanOrEqual(0);
      expect(k.boottime.tv_nsec).toBeLessThan(1e9);
      // the boot went through the hypercalls: init first, parameters read
      expect(host.log[0]!.op).toBe("init");
      expect(host.calls("getparam").map((r) => r.args[0])).toContain("RUMP_NVNODES");
      expect(createSyscalls(k).rump_sys_getpid()).toBe(1);
    } finally {
      k.shutdown();
    }
  });

  it("createKernel on a NodeHost boots and reaches host files through etfs", () => {
    const dir = mkdtempSync(join(tmpdir(), "rump-boot-"));
    try {
      writeFileSync(join(dir, "hello"), "hello from the host");
      const k = createKernel({ host: new NodeHost({ env: false, console: () => {} }) });
      try {
        const sys = createSyscalls(k);
        expect(sys.rump_sys_getpid()).toBe(1);
        expect(k.rump_pub_etfs_register("/hello", join(dir, "hello"), RUMP_ETFS_REG)).toBe(0);
        const fd = sys.rump_sys_open("/hello", O_RDONLY);
        expect(new TextDecoder().decode(readN(sys, fd, 100))).toBe("hello from the host");
        sys.rump_sys_close(fd);
      } finally {
        k.shutdown();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a host cannot serve two kernels", () => {
    const host = new MemoryHost({ log: false });
    const k = createKernel({ host });
    try {
      expect(() => createKernel({ host })).toThrow(RumpPanic);
    } finally {
      k.shutdown();
    }
  });
});

describe("boot parameters", () => {
  it("RUMP_NVNODES and RUMP_MEMLIMIT given as params", () => {
    const { k, sys } = boot({ RUMP_NVNODES: 77, RUMP_MEMLIMIT: "16m" });
    expect(k.params.nvnodes).toBe(77);
    expect(sysctlInt(sys, [CTL_KERN, KERN_MAXVNODES])).toBe(77);
    expect(k.params.memlimit).toBe(16 * 1024 * 1024);
  });

  it("defaults: vnodes sized from memory, no memory limit, not verbose", () => {
    // a MemoryHost reports 1 GiB: 10 % of it at 2048 bytes a vnode, as NetBSD sizes desiredvnodes
    const { k, sys, host } = boot();
    expect(k.params.nvnodes).toBe(52428);
    expect(sysctlInt(sys, [CTL_KERN, KERN_MAXVNODES])).toBe(52428);
    expect(k.params.memlimit).toBe(Infinity);
    expect(k.params.verbose).toBe(false);
    expect(k.rump_boot_gethowto() & AB_VERBOSE).toBe(0);
    expect(host.output.join("\n")).not.toMatch(/Copyright/);
  });

  it("from the MemoryHost's params option (percentages of its memory)", () => {
    const { k } = boot(undefined, {
      params: { RUMP_NVNODES: "33", RUMP_MEMLIMIT: "25%" },
      totalMemory: 64 * 1024 * 1024,
    });
    expect(k.params.nvnodes).toBe(33);
    expect(k.params.memlimit).toBe(16 * 1024 * 1024);
  });

  it("the default kern.maxvnodes follows RUMP_MEMLIMIT, then the host's memory", () => {
    expect(boot(undefined, { totalMemory: 4 * 1024 ** 3 }).k.params.nvnodes).toBe(209715);
    expect(boot({ RUMP_MEMLIMIT: "64m" }).k.params.nvnodes).toBe(3276);
    // never fewer than rump's own 1024, never more than the heap can sensibly hold
    expect(boot({ RUMP_MEMLIMIT: "4m" }).k.params.nvnodes).toBe(1024);
    expect(boot(undefined, { totalMemory: 2 ** 50 }).k.params.nvnodes).toBe(1 << 20);
    expect(vfs_desiredvnodes(0)).toBe(1024);
    expect(vfs_desiredvnodes(Infinity)).toBe(1024);
  });

  it("params given to createKernel win over the host's", () => {
    const { k } = boot({ RUMP_NVNODES: 5 }, { params: { RUMP_NVNODES: "33" } });
    expect(k.params.nvnodes).toBe(5);
  });

  it("a NodeHost reads them from the environment unless env: false", () => {
    const saved = process.env.RUMP_NVNODES;
    process.env.RUMP_NVNODES = "42";
    try {
      const k1 = createKernel({ host: new NodeHost({ console: () => {} }) });
      const k2 = createKernel({ host: new NodeHost({ env: false, console: () => {} }) });
      const k3 = createKernel({
        host: new NodeHost({ params: { RUMP_NVNODES: "43" }, console: () => {} }),
      });
      try {
        expect(k1.params.nvnodes).toBe(42);
        expect(k2.params.nvnodes).toBe(vfs_desiredvnodes(totalmem()));
        expect(k3.params.nvnodes).toBe(43); // options before the environment
      } finally {
        k1.shutdown();
        k2.shutdown();
        k3.shutdown();
      }
    } finally {
      if (saved === undefined) delete process.env.RUMP_NVNODES;
      else process.env.RUMP_NVNODES = saved;
    }
  });

  it("RUMP_VERBOSE prints the banner and sets AB_VERBOSE", () => {
    const { k, host } = boot({ RUMP_VERBOSE: 1 });
    expect(k.params.verbose).toBe(true);
    expect(k.rump_boot_gethowto() & AB_VERBOSE).toBe(AB_VERBOSE);
    const out = host.output.join("\n");
    expect(out).toMatch(/The NetBSD Foundation/);
    expect(out).toMatch(/cpu0 at thinair0: rump virtual cpu/);
  });

  it("RUMP_VERBOSE through the host's params", () => {
    const { k } = boot(undefined, { params: { RUMP_VERBOSE: "1" } });
    expect(k.params.verbose).toBe(true);
  });

  it("an invalid mandatory value panics the boot", () => {
    const host = new MemoryHost({ log: false });
    expect(() => createKernel({ host, params: { RUMP_NVNODES: "lots" } })).toThrow(RumpPanic);
    const host2 = new MemoryHost({ log: false });
    expect(() => createKernel({ host: host2, params: { RUMP_MEMLIMIT: "x" } })).toThrow(RumpPanic);
  });
});

describe("the initial name space", () => {
  it("/dev holds null, zero, random and urandom, character devices", () => {
    const { sys } = boot();
    expect(listdir(sys, "/dev").sort()).toEqual([".", "..", "null", "random", "urandom", "zero"]);
    for (const d of ["null", "zero", "random", "urandom"]) {
      expect(sys.rump_sys_stat(`/dev/${d}`).st_mode & S_IFMT).toBe(S_IFCHR);
    }
    const dev = sys.rump_sys_stat("/dev");
    expect(dev.st_mode & S_IFMT).toBe(S_IFDIR);
    expect(dev.st_mode & 0o7777).toBe(0o755);
  });

  it("/dev/zero reads zeros and swallows writes", () => {
    const { sys } = boot();
    const fd = sys.rump_sys_open("/dev/zero", O_RDWR);
    const buf = new Uint8Array(10000).fill(0xaa);
    expect(sys.rump_sys_read(fd, buf, buf.length)).toBe(10000);
    expect(buf.every((b) => b === 0)).toBe(true);
    expect(sys.rump_sys_write(fd, bytes("abc"), 3)).toBe(3);
    sys.rump_sys_close(fd);
  });

  it("/dev/null is at EOF and swallows writes", () => {
    const { sys } = boot();
    const fd = sys.rump_sys_open("/dev/null", O_RDWR);
    expect(sys.rump_sys_read(fd, new Uint8Array(16), 16)).toBe(0);
    expect(sys.rump_sys_write(fd, new Uint8Array(70000), 70000)).toBe(70000);
    expect(sys.rump_sys_read(fd, new Uint8Array(16), 16)).toBe(0);
    sys.rump_sys_close(fd);
  });

  it("/dev/urandom and /dev/random give random bytes", () => {
    const { sys } = boot();
    for (const dev of ["/dev/urandom", "/dev/random"]) {
      const fd = sys.rump_sys_open(dev, O_RDONLY);
      const a = readN(sys, fd, 5000);
      const b = readN(sys, fd, 5000);
      expect(a.length).toBe(5000);
      expect(new Set(a).size).toBeGreaterThan(200); // not constant
      expect(a).not.toEqual(b);
      sys.rump_sys_close(fd);
    }
  });

  it("with a seeded host two kernels read the same random bytes", () => {
    const read = (seed: number): Uint8Array => {
      const { sys } = boot(undefined, { randomSeed: seed });
      const fd = sys.rump_sys_open("/dev/urandom", O_RDONLY);
      const r = readN(sys, fd, 64);
      sys.rump_sys_close(fd);
      return r;
    };
    const a = read(1234);
    const b = read(1234);
    const c = read(4321);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("/tmp is 01777 and owned by root", () => {
    const { sys } = boot();
    const st = sys.rump_sys_stat("/tmp");
    expect(st.st_mode & S_IFMT).toBe(S_IFDIR);
    expect(st.st_mode & 0o7777).toBe(0o1777);
    expect(st.st_uid).toBe(0);
  });

  it("fds 0, 1 and 2 of pid 1 are the console: writes reach the host console", () => {
    const { sys, host } = boot();
    expect(sys.rump_sys_write(1, bytes("to the console\n"))).toBe(15);
    expect(sys.rump_sys_write(2, bytes("and stderr\n"))).toBe(11);
    expect(host.output).toContain("to the console");
    expect(host.output).toContain("and stderr");
    expect(sys.rump_sys_read(0, new Uint8Array(8), 8)).toBe(0);
  });
});

describe("version and boothowto", () => {
  it("rump_getversion is 7.99.34, as kern.osrevision says", () => {
    expect(rump_getversion()).toBe(799003400);
    const { sys } = boot();
    expect(sysctlInt(sys, [CTL_KERN, KERN_OSREV])).toBe(799003400);
  });

  it("sethowto/gethowto round-trip per kernel", () => {
    const a = boot();
    const b = boot();
    expect(a.k.rump_boot_gethowto()).toBe(0);
    a.k.rump_boot_sethowto(AB_VERBOSE | 0x4);
    expect(a.k.rump_boot_gethowto()).toBe(AB_VERBOSE | 0x4);
    expect(b.k.rump_boot_gethowto()).toBe(0);
  });
});

describe("the default kernel (C-style API)", () => {
  it("rump_init twice returns 0; the plain rump_sys_* and rump_* functions use it", () => {
    expect(rump_init()).toBe(0);
    expect(rump_init()).toBe(0);
    const k = rump_default_kernel();
    expect(rump_default_kernel()).toBe(k);
    expect(k.booted).toBe(true);
    expect(rump_sys_getpid()).toBe(1);
    expect(rump_pub_lwproc_curlwp()).toBeNull();
    const dir = `/boot-test-${process.pid}`;
    rump_sys_mkdir(dir, 0o700);
    expect(rump_sys_stat(dir).st_mode & 0o777).toBe(0o700);
    // the same kernel seen through its object
    expect(createSyscalls(k).rump_sys_stat(dir).st_ino).toBe(rump_sys_stat(dir).st_ino);
    rump_sys_close(rump_sys_open(`${dir}/f`, O_CREAT | O_RDWR, 0o600));
    expect(() => rump_sys_rmdir(dir)).toThrow(RumpError);
    const saved = rump_boot_gethowto();
    rump_boot_sethowto(saved | 0x8);
    expect(k.rump_boot_gethowto()).toBe(saved | 0x8);
    rump_boot_sethowto(saved);
  });
});

describe("shutdown", () => {
  it("syncs and unmounts, closes host descriptors; later calls throw", () => {
    const host = new MemoryHost({ log: true });
    host.files.writeFile("img", "some host data");
    const k = createKernel({ host });
    const sys = createSyscalls(k);
    expect(k.rump_pub_etfs_register("/img", "img", RUMP_ETFS_REG)).toBe(0);
    const fd = sys.rump_sys_open("/img", O_RDWR);
    sys.rump_sys_write(fd, bytes("SOME"));
    sys.rump_sys_mkdir("/mnt", 0o755);
    sys.rump_sys_mount("tmpfs", "/mnt", 0, {
      ta_version: 1,
      ta_nodes_max: 0,
      ta_size_max: 0,
      ta_root_uid: 0,
      ta_root_gid: 0,
      ta_root_mode: 0o755,
    });
    sys.rump_sys_close(sys.rump_sys_open("/mnt/x", O_CREAT | O_RDWR, 0o644));
    expect(k.vfs.mountlist.length).toBe(2);
    const opens = host.calls("open").filter((r) => r.ret === 0);
    expect(opens.length).toBe(1);
    const hostFd = host.openCount;
    expect(hostFd).toBe(1);
    host.log.length = 0;

    k.shutdown(); // with the etfs file and tmpfs still in use

    const ops = host.log.map((r) => r.op);
    expect(ops).toContain("close");
    expect(ops).toContain("fsync"); // the written descriptor was synced at close
    expect(ops[ops.length - 1]).toBe("shutdown");
    expect(host.openCount).toBe(0);
    expect(k.vfs.mountlist.length).toBe(1); // only the root is left, with the kernel
    expect(new TextDecoder().decode(host.files.readFile("img"))).toBe("SOME host data");

    expect(() => sys.rump_sys_getpid()).toThrow(RumpPanic);
    expect(() => k.rump_pub_lwproc_rfork(0)).toThrow(RumpPanic);
    expect(() => k.rump_pub_vfs_getmp("/", { v: null })).toThrow(RumpPanic);
    expect(() => k.syscall(SYS_getpid)).toThrow(RumpPanic);
    k.shutdown(); // a second shutdown is harmless
  });
});

describe("reboot", () => {
  it("rump_sys_reboot by root shuts the kernel down like shutdown(); non-root gets EPERM", () => {
    const host = new MemoryHost({ log: true });
    const k = createKernel({ host });
    const sys = createSyscalls(k);
    sys.rump_sys_mkdir("/mnt", 0o755);
    sys.rump_sys_mount("tmpfs", "/mnt", 0, {
      ta_version: 1,
      ta_nodes_max: 0,
      ta_size_max: 0,
      ta_root_uid: 0,
      ta_root_gid: 0,
      ta_root_mode: 0o755,
    });
    k.rump_pub_lwproc_rfork(0x01);
    sys.rump_sys_setuid(1000);
    expect(() => sys.rump_sys_reboot(0, null)).toThrow(
      expect.objectContaining({ errno: 1 /* EPERM */ }),
    );
    k.rump_pub_lwproc_releaselwp();
    expect(k.vfs.mountlist.length).toBe(2);
    host.log.length = 0;
    sys.rump_sys_reboot(0, null);
    expect(host.log.map((r) => r.op)).toContain("shutdown");
    expect(() => sys.rump_sys_getpid()).toThrow(RumpPanic);
  });
});

describe("panics", () => {
  it("releaselwp in the implicit context panics; the instance is dead, others live", () => {
    const a = boot();
    const b = boot();
    let panic: unknown = null;
    try {
      a.k.rump_pub_lwproc_releaselwp();
    } catch (e) {
      panic = e;
    }
    expect(panic).toBeInstanceOf(RumpPanic);
    expect(a.k.dead).toBe(panic);
    expect(a.host.output.some((l) => l.includes("releasing implicit context"))).toBe(true);
    // every later call throws that same panic
    for (const call of [
      () => a.sys.rump_sys_getpid(),
      () => a.sys.rump_sys_open("/tmp", O_RDONLY),
      () => a.k.rump_pub_lwproc_rfork(0),
      () => a.k.rump_pub_etfs_remove("/x"),
      () => a.k.rump_pub_vfs_getmp("/", { v: null }),
    ]) {
      let got: unknown = null;
      try {
        call();
      } catch (e) {
        got = e;
      }
      expect(got).toBe(panic);
    }
    a.k.shutdown(); // shutting a dead kernel down is a no-op
    // the other instance is untouched
    expect(b.sys.rump_sys_getpid()).toBe(1);
    b.sys.rump_sys_mkdir("/still-alive", 0o755);
    expect(b.sys.rump_sys_stat("/still-alive").st_mode & S_IFMT).toBe(S_IFDIR);
  });

  it("a kernel bug (a vnode with a broken op vector) panics the instance", () => {
    const a = boot();
    const b = boot();
    const out = { vp: null as import("../src/sys/vnode.js").Vnode | null };
    expect(a.k.rump_pub_namei(0, 0, "/tmp", null, out, null)).toBe(0);
    const vp = out.vp!;
    const saved = vp.v_op;
    vp.v_op = [];
    let panic: unknown = null;
    try {
      a.sys.rump_sys_stat("/tmp");
    } catch (e) {
      panic = e;
    }
    vp.v_op = saved;
    expect(panic).toBeInstanceOf(RumpPanic);
    expect((panic as Error).message).toMatch(/kernel bug/);
    expect(a.k.dead).toBe(panic);
    expect(() => a.sys.rump_sys_getpid()).toThrow(panic as Error);
    expect(() => a.k.rump_pub_vp_rele(vp)).toThrow(panic as Error);
    expect(b.sys.rump_sys_stat("/tmp").st_mode & 0o7777).toBe(0o1777);
  });

  it("an unknown system call is ENOSYS, not a panic", () => {
    const { k, sys } = boot();
    expect(k.syscall(100000)).toBe(ENOSYS);
    expect(sys.rump_sys_getpid()).toBe(1);
  });
});

describe("rump_printevcnts", () => {
  it("prints real counters to the host's debug console, and they move", () => {
    const lines: string[] = [];
    const { k, sys, host } = boot(undefined, {
      console: (line, stream) => {
        if (stream === "debug") lines.push(line);
      },
    });
    const snap = (): Map<string, number> => {
      lines.length = 0;
      k.rump_printevcnts();
      const m = new Map<string, number>();
      for (const line of lines) {
        const mm = /^(\S+)\s+(.+?)\s+(\d+)$/.exec(line);
        if (mm) m.set(`${mm[1]} ${mm[2]}`, Number(mm[3]));
      }
      return m;
    };
    const c0 = snap();
    expect(lines[0]).toMatch(/evcnt/);
    for (const name of [
      "syscall calls",
      "vfs vnodes allocated",
      "vfs vnodes reclaimed",
      "namecache hits",
      "namecache misses",
    ]) {
      expect(c0.has(name), name).toBe(true);
    }
    expect(host.output).toEqual(expect.arrayContaining([lines[0]]));

    // system calls are counted
    for (let i = 0; i < 10; i++) sys.rump_sys_getpid();
    const c1 = snap();
    expect(c1.get("syscall calls")! - c0.get("syscall calls")!).toBe(10);

    // name-cache hits: the same lookup twice
    sys.rump_sys_mkdir("/tmp/d", 0o755);
    sys.rump_sys_stat("/tmp/d");
    const c2 = snap();
    sys.rump_sys_stat("/tmp/d");
    sys.rump_sys_stat("/tmp/d");
    const c3 = snap();
    expect(c3.get("namecache hits")!).toBeGreaterThanOrEqual(c2.get("namecache hits")! + 2);

    // vnodes: more files than kern.maxvnodes allows reclaims idle ones
    setSysctlInt(sys, [CTL_KERN, KERN_MAXVNODES], 8);
    for (let i = 0; i < 40; i++) {
      sys.rump_sys_close(sys.rump_sys_open(`/tmp/d/f${i}`, O_CREAT | O_RDWR, 0o644));
    }
    const c4 = snap();
    expect(
      c4.get("vfs vnodes allocated")! - c3.get("vfs vnodes allocated")!,
    ).toBeGreaterThanOrEqual(40);
    expect(
      c4.get("vfs vnodes reclaimed")! - c3.get("vfs vnodes reclaimed")!,
    ).toBeGreaterThanOrEqual(30);
    expect(k.vfs.numvnodes).toBeLessThanOrEqual(8 + 4); // a few are held (root, cwd, /tmp/d)
    // the files are still there after their vnodes were recycled
    for (let i = 0; i < 40; i += 7) expect(sys.rump_sys_stat(`/tmp/d/f${i}`).st_nlink).toBe(1);
  });
});
