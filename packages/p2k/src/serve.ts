/**
 * Serving a ukfs handle's file system at a host mount point: the kernel
 * side (root vnode, p2k's own process, the server), the host side (mount(2)
 * or fusermount3, the libfuse session and its threads), and how it ends —
 * unmounted by anyone (umount, fusermount3 -u, `unmount()`), aborted, or
 * taken down by a kernel panic, each leaving no dead mount behind.
 */
import { writeFileSync } from "node:fs";
import { resolve as hostResolve } from "node:path";
import { RUMP_RFCFDG, RumpPanic, type Lwp, type Vnode, type VnodeOut } from "@rump/librump";
import { errtrans } from "@rump/rumpuser";
import { EBUSY, RumpError } from "@rump/syscalls";
import type { Ukfs } from "@rump/ukfs";

/** What can be served: a ukfs handle, or anything shaped like one (the kernel's own root). */
export type P2kSource = Pick<Ukfs, "kernel" | "getmp" | "alive" | "close">;
import { findMount } from "./mountinfo.js";
import { p2kAddon, type P2kAddon } from "./native.js";
import { P2kServer, type P2kEnd, type P2kSettings } from "./p2k_server.js";

/** A host-side failure of mounting or unmounting, with the reason spelled out. */
export class P2kMountError extends RumpError {
  constructor(
    errno: number,
    syscall: string,
    path: string,
    readonly reason: string,
  ) {
    super(errno, syscall, path);
  }
  override get message(): string {
    return this.reason === "" ? super.message : `${super.message}: ${this.reason}`;
  }
}

/** How the host mount looks (mount(8) options of the FUSE mount). */
export interface HostMountOptions {
  /** the mount's source as mount(8) and /proc/self/mountinfo show it (the image) */
  fsname: string;
  /** the type after "fuse." ("p2k.ffs") */
  subtype: string;
  readonly: boolean;
  allowOther: boolean;
  defaultPermissions: boolean;
  nosuid: boolean;
  nodev: boolean;
  noexec: boolean;
  noatime: boolean;
  sync: boolean;
  dirsync: boolean;
}

const MS_RDONLY = 1;
const MS_NOSUID = 2;
const MS_NODEV = 4;
const MS_NOEXEC = 8;
const MS_SYNCHRONOUS = 16;
const MS_DIRSYNC = 128;
const MS_NOATIME = 1024;

/** fusermount3 -o values: commas and backslashes in a value are escaped. */
function fmEscape(v: string): string {
  return v.replace(/[\\,]/g, (c) => `\\${c}`);
}

function hostMountArgs(o: HostMountOptions): { flags: number; kernel: string; fusermount: string } {
  let flags = 0;
  const kernel: string[] = [];
  const fm: string[] = [`fsname=${fmEscape(o.fsname)}`, `subtype=${fmEscape(o.subtype)}`];
  const flag = (on: boolean, bit: number, name: string, off?: string): void => {
    if (on) {
      flags |= bit;
      fm.push(name);
    } else if (off !== undefined) fm.push(off);
  };
  flag(o.readonly, MS_RDONLY, "ro", "rw");
  flag(o.nosuid, MS_NOSUID, "nosuid", "suid");
  flag(o.nodev, MS_NODEV, "nodev", "dev");
  flag(o.noexec, MS_NOEXEC, "noexec");
  flag(o.noatime, MS_NOATIME, "noatime");
  flag(o.sync, MS_SYNCHRONOUS, "sync");
  flag(o.dirsync, MS_DIRSYNC, "dirsync");
  if (o.allowOther) {
    kernel.push("allow_other");
    fm.push("allow_other");
  }
  if (o.defaultPermissions) {
    kernel.push("default_permissions");
    fm.push("default_permissions");
  }
  return { flags, kernel: kernel.join(","), fusermount: fm.join(",") };
}

/** Processes' exit hooks of live mounts: a dying process takes its mounts down (lazily). */
const live = new Set<P2kMount>();
let exitHooked = false;
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on("exit", () => {
    for (const m of live) m.abandon();
  });
}

/**
 * A file system served at a host mount point. Requests are served on this
 * thread's event loop, so a program that mounts must not touch the mount
 * with synchronous calls itself (they would wait for the thread that serves
 * them); other processes, and this one's asynchronous fs calls, may.
 */
export class P2kMount {
  /** resolves once serving has ended and the kernel's file system is released */
  readonly closed: Promise<P2kEnd>;
  private unmounting: Promise<void> | null = null;

  constructor(
    readonly mountpoint: string,
    readonly fs: P2kSource,
    readonly server: P2kServer,
    private readonly addon: P2kAddon,
    private readonly release: (end: P2kEnd) => void,
  ) {
    this.closed = server.done.then((end) => {
      live.delete(this);
      this.release(end);
      return end;
    });
  }

  /** Whether the host may still send requests. */
  get mounted(): boolean {
    return !this.server.isEnded;
  }

  /**
   * Unmount from the host (umount2 as root, else fusermount3 -u) and wait
   * until serving has ended and the kernel's file system is released (the
   * image is then clean and unlocked). A mount in use fails with EBUSY
   * unless `lazy` (detach now, finish when the last user lets go).
   */
  unmount(options: { lazy?: boolean } = {}): Promise<void> {
    if (!this.mounted) return this.closed.then(() => undefined);
    // unmounted already (by us, or lazily): the end is on its way
    if (this.unmounting !== null) return this.unmounting;
    const [rc, msg] = this.addon.unmount(this.mountpoint, options.lazy === true);
    if (rc < 0 && this.mounted && findMount(this.mountpoint)?.fstype.startsWith("fuse.") === true)
      return Promise.reject(new P2kMountError(errtrans(-rc), "unmount", this.mountpoint, msg));
    // done, or unmounted meanwhile by someone else
    this.unmounting = this.closed.then(() => undefined);
    return this.unmounting;
  }

  /**
   * Take the mount down now: detach it lazily and stop serving (requests
   * still in flight fail). For a broken server; `unmount()` is the clean way.
   */
  abandon(): void {
    if (!this.mounted) return;
    this.addon.unmount(this.mountpoint, true);
    this.server.stopSession();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.mounted) {
      await this.closed;
      return;
    }
    try {
      await this.unmount();
    } catch (e) {
      if (!(e instanceof RumpError) || e.errno !== EBUSY) throw e;
      await this.unmount({ lazy: true });
    }
  }
}

/** What serve() needs besides the handle. */
export interface ServeOptions {
  host: HostMountOptions;
  settings: P2kSettings;
  /** called when serving ended (default: release the handle unless it died) */
  release?: (fs: P2kSource, end: P2kEnd) => void;
}

/** Give back what the kernel side took for serving (setup failed). */
function undoKernel(fs: P2kSource, rootvp: Vnode | null, lwp: Lwp | null): void {
  const k = fs.kernel;
  if (k.dead !== null) return;
  if (rootvp !== null) k.rump_pub_vp_rele(rootvp);
  if (lwp !== null) {
    const prev = k.rump_pub_lwproc_curlwp();
    k.rump_pub_lwproc_switch(lwp);
    k.rump_pub_lwproc_releaselwp();
    if (prev !== null && prev !== lwp) k.rump_pub_lwproc_switch(prev);
  }
}

/**
 * Serve `fs` at `mountpoint`. Returns once the host mount is in place;
 * requests are answered on this thread's event loop from then on.
 */
export function serve(fs: P2kSource, mountpoint: string, options: ServeOptions): P2kMount {
  const addon = p2kAddon("mount");
  const mnt = hostResolve(mountpoint);
  const k = fs.kernel;
  const mp = fs.getmp();
  let rootvp: Vnode | null = null;
  let lwp: Lwp | null = null;
  try {
    const vpp: VnodeOut = { vp: null };
    const error = k.rump_pub_vfs_root(mp, vpp, false);
    if (error !== 0) throw new RumpError(error, "vfs_root", mnt);
    rootvp = vpp.vp!;
    // p2k runs in a process of its own, with an empty descriptor table
    const prev = k.rump_pub_lwproc_curlwp();
    if (prev !== null) k.rump_pub_lwproc_switch(null);
    const e2 = k.rump_pub_lwproc_rfork(RUMP_RFCFDG);
    if (e2 !== 0) throw new RumpError(e2, "rfork");
    lwp = k.rump_pub_lwproc_curlwp();
    k.rump_pub_lwproc_switch(prev);
  } catch (e) {
    undoKernel(fs, rootvp, lwp);
    throw e;
  }
  const server = new P2kServer(k, mp, rootvp, lwp!, options.settings);
  const args = hostMountArgs(options.host);
  const [fd, msg] = addon.mount(
    mnt,
    options.host.fsname,
    `fuse.${options.host.subtype}`,
    args.flags,
    args.kernel,
    args.fusermount,
  );
  if (fd < 0) {
    undoKernel(fs, rootvp, lwp);
    throw new P2kMountError(errtrans(-fd), "mount", mnt, msg);
  }
  let session;
  try {
    session = new addon.Session(
      fd,
      server.dispatch,
      server.shared,
      server.scratch,
      options.settings.fuseDebug,
    );
  } catch (e) {
    addon.unmount(mnt, true);
    undoKernel(fs, rootvp, lwp);
    throw e;
  }
  if (!session.info().ok) {
    session.close();
    addon.unmount(mnt, true);
    undoKernel(fs, rootvp, lwp);
    throw new P2kMountError(5 /* EIO */, "mount", mnt, "libfuse could not start a session");
  }
  server.attach(session);
  const release =
    options.release ??
    ((h: P2kSource, end: P2kEnd): void => {
      if (end.panic === null && h.alive) h.close();
    });
  const m = new P2kMount(mnt, fs, server, addon, (end) => release(fs, end));
  server.onPanic = (p: RumpPanic): void => {
    options.settings.log(`p2k: ${p.message}; unmounting ${mnt}`);
    m.abandon();
  };
  live.add(m);
  hookExit();
  session.start();
  raiseReadahead(mnt);
  return m;
}

/** Readahead of the mount, in KiB: one of FUSE's largest requests (1 MiB) instead of 128 KiB. */
const READAHEAD_KB = 1024;

/**
 * A sequential reader gets 1 MiB requests instead of the default 128 KiB
 * ones (a quarter of the round trips per byte), where the system lets us:
 * the mount's backing_dev_info is root's to tune. Best effort.
 */
function raiseReadahead(mnt: string): void {
  if (process.getuid?.() !== 0) return;
  const dev = findMount(mnt)?.dev;
  if (dev === undefined || !/^\d+:\d+$/.test(dev)) return;
  try {
    writeFileSync(`/sys/class/bdi/${dev}/read_ahead_kb`, String(READAHEAD_KB));
  } catch {
    // no sysfs, or not ours to change: the default readahead stays
  }
}
