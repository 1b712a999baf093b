/**
 * A disk file system of the kernel (FFS, ext2fs or msdosfs) on an image file on the
 * host, through a kernel on a NodeHost: every block goes through the buffer
 * cache, rumpblk and rumpuser_bio to the host file, so real host I/O happens.
 * The same FsTarget interface as the tmpfs target, so the core workloads
 * (W1, W2, W4) run on it unchanged.
 */
import "./diagnostic.js";
import * as fs from "node:fs";
import {
  createKernel,
  newfs_ffs,
  newfs_msdos,
  RUMP_ETFS_BLK,
  type BlockDev,
  type Kernel,
} from "@rump/librump";
import { NodeHost } from "@rump/rumpuser";
import {
  createSyscalls,
  parseDirents,
  O_CREAT,
  O_DIRECTORY,
  O_RDONLY,
  O_TRUNC,
  O_WRONLY,
  RumpError,
  type RumpSyscalls,
} from "@rump/syscalls";
import type { FsTarget } from "./target.js";

export type DiskFs = "ffs" | "ext2fs" | "msdos";

const WFLAGS = O_WRONLY | O_CREAT | O_TRUNC;
const DFLAGS = O_RDONLY | O_DIRECTORY;

/** A BlockDev over a host file (node:fs positional I/O), for newfs_ffs. */
export function fileBlockDev(fd: number, size: number): BlockDev {
  return {
    size,
    read: (off, buf) => fs.readSync(fd, buf, 0, buf.length, off),
    write: (off, buf) => fs.writeSync(fd, buf, 0, buf.length, off),
  };
}

/** Make `path` a fresh FFS (UFS2) image of `bytes` with newfs_ffs. */
export function makeFfsImage(path: string, bytes: number): void {
  fs.rmSync(path, { force: true });
  const fd = fs.openSync(path, "w+");
  try {
    fs.ftruncateSync(fd, bytes);
    const why = { v: "" };
    const e = newfs_ffs(fileBlockDev(fd, bytes), { version: 2, bsize: 32768, fsize: 4096 }, why);
    if (e !== 0) throw new Error(`newfs_ffs ${path}: errno ${e} ${why.v}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Make `path` a fresh FAT32 image of `bytes` with newfs_msdos. */
export function makeMsdosImage(path: string, bytes: number): void {
  fs.rmSync(path, { force: true });
  const fd = fs.openSync(path, "w+");
  try {
    fs.ftruncateSync(fd, bytes);
    const why = { v: "" };
    const e = newfs_msdos(fileBlockDev(fd, bytes), { fatType: 32, time: 1_700_000_000 }, why);
    if (e !== 0) throw new Error(`newfs_msdos ${path}: errno ${e} ${why.v}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** A kernel on a NodeHost with `image` (of type `fstype`) mounted on /mnt. */
export class DiskTarget implements FsTarget {
  readonly name = "tmpfs"; // the kernel's column in the core tables; reports use their own labels
  readonly root = "/mnt/b";
  readonly note: string;
  readonly kernel: Kernel;
  readonly sys: RumpSyscalls;
  /** kernel console lines (a corrupt image says why here) */
  readonly console: string[] = [];
  private readonly dbuf = new Uint8Array(65536);
  private mounted = false;

  /**
   * Mount `image` with `flags` (MNT_RDONLY, MNT_ASYNC, …). Throws a RumpError
   * when the mount is refused (e.g. a read-only file system type asked to
   * write). `mkroot`: make the working directory /mnt/b (a writable mount).
   */
  constructor(
    readonly fstype: DiskFs,
    readonly image: string,
    flags: number,
    mkroot = true,
  ) {
    const lines = this.console;
    this.kernel = createKernel({
      host: new NodeHost({ env: false, console: (s: string) => void lines.push(s) }),
    });
    this.sys = createSyscalls(this.kernel);
    try {
      this.kernel.rump_pub_etfs_register("/dev/disk0", image, RUMP_ETFS_BLK);
      this.sys.rump_sys_mkdir("/mnt", 0o755);
      this.sys.rump_sys_mount(fstype, "/mnt", flags, { fspec: "/dev/disk0" });
      this.mounted = true;
      if (mkroot) {
        try {
          this.sys.rump_sys_mkdir(this.root, 0o777);
        } catch (e) {
          if (!(e instanceof RumpError) || e.errno !== 17 /* EEXIST */) throw e;
        }
      }
    } catch (e) {
      this.kernel.shutdown();
      throw e;
    }
    this.note = `rump kernel ${fstype} on ${image} (NodeHost, real host I/O)`;
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
  fsync(fd: number): void {
    this.sys.rump_sys_fsync(fd);
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
  /** Unmount (every delayed block reaches the image) and shut the kernel down. */
  dispose(): void {
    try {
      if (this.mounted) this.sys.rump_sys_unmount("/mnt", 0);
      this.mounted = false;
    } finally {
      this.kernel.shutdown();
    }
  }
}
