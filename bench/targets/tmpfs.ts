/**
 * The kernel's tmpfs, through the rump_sys_* stubs bound to one kernel
 * (createSyscalls(kernel)) on a MemoryHost, so the host does no I/O.
 */
import "./diagnostic.js";
import { totalmem } from "node:os";
import { createKernel, type Kernel } from "@rump/librump";
import { MemoryHost } from "@rump/rumpuser";
import {
  createSyscalls,
  parseDirents,
  O_CREAT,
  O_DIRECTORY,
  O_RDONLY,
  O_TRUNC,
  O_WRONLY,
  type RumpSyscalls,
} from "@rump/syscalls";
import type { FsTarget } from "./target.js";

export const TMPFS_ARGS = {
  ta_version: 1,
  ta_nodes_max: 0,
  ta_size_max: 0,
  ta_root_uid: 0,
  ta_root_gid: 0,
  ta_root_mode: 0o777,
};

/**
 * A fresh kernel on a MemoryHost with a tmpfs mounted on /mnt. The host
 * reports this machine's memory (as a NodeHost would), from which the kernel
 * sizes its defaults (kern.maxvnodes).
 */
export function bootTmpfs(params?: Record<string, string | number>): {
  kernel: Kernel;
  sys: RumpSyscalls;
} {
  const host = new MemoryHost({ log: false, totalMemory: totalmem() });
  const kernel = createKernel({ host, params });
  const sys = createSyscalls(kernel);
  sys.rump_sys_mkdir("/mnt", 0o755);
  sys.rump_sys_mount("tmpfs", "/mnt", 0, TMPFS_ARGS);
  return { kernel, sys };
}

const WFLAGS = O_WRONLY | O_CREAT | O_TRUNC;
const DFLAGS = O_RDONLY | O_DIRECTORY;

export class TmpfsTarget implements FsTarget {
  readonly name = "tmpfs";
  readonly root = "/mnt";
  readonly note: string;
  readonly kernel: Kernel;
  readonly sys: RumpSyscalls;
  /** getdents buffer (64 KiB, as big as Node's scandir asks for at a time) */
  private readonly dbuf = new Uint8Array(65536);

  /** `params`: boot parameters (RUMP_NVNODES, …); default: the kernel's defaults */
  constructor(params?: Record<string, string | number>) {
    const { kernel, sys } = bootTmpfs(params);
    this.kernel = kernel;
    this.sys = sys;
    const mem = kernel.params.memlimit;
    this.note =
      "rump kernel tmpfs on a MemoryHost, via rump_sys_* stubs " +
      `(kern.maxvnodes ${kernel.vfs.maxvnodes}, RUMP_MEMLIMIT ${Number.isFinite(mem) ? mem : "none"})`;
  }

  openWrite(path: string): number {
    return this.sys.rump_sys_open(path, WFLAGS, 0o644);
  }
  openRead(path: string): number {
    return this.sys.rump_sys_open(path, O_RDONLY);
  }
  close(fd: number): void {
    this.sys.rump_sys_close(fd);
  }
  write(fd: number, buf: Uint8Array, n: number): number {
    return this.sys.rump_sys_write(fd, buf, n);
  }
  read(fd: number, buf: Uint8Array, n: number): number {
    return this.sys.rump_sys_read(fd, buf, n);
  }
  pread(fd: number, buf: Uint8Array, n: number, off: number): number {
    return this.sys.rump_sys_pread(fd, buf, n, off);
  }
  stat(path: string): number {
    return this.sys.rump_sys_stat(path).st_mode;
  }
  readdir(path: string): string[] {
    const sys = this.sys;
    const buf = this.dbuf;
    const names: string[] = [];
    const fd = sys.rump_sys_open(path, DFLAGS);
    try {
      for (;;) {
        const n = sys.rump_sys_getdents(fd, buf);
        if (n === 0) break;
        for (const d of parseDirents(buf, n)) {
          if (d.d_name !== "." && d.d_name !== "..") names.push(d.d_name);
        }
      }
    } finally {
      sys.rump_sys_close(fd);
    }
    return names;
  }
  unlink(path: string): void {
    this.sys.rump_sys_unlink(path);
  }
  mkdir(path: string): void {
    this.sys.rump_sys_mkdir(path, 0o755);
  }
  rmdir(path: string): void {
    this.sys.rump_sys_rmdir(path);
  }
  dispose(): void {
    this.kernel.shutdown();
  }
}
