/**
 * ukfs(3) under its C names (ukfs.md §2–§6). The C conventions map as the
 * rump_sys_* stubs do: a failure throws RumpError (errno, code, syscall,
 * path) instead of returning -1; `int` results are returned (0 on success),
 * `struct stat *` is returned, buffers are the caller's Uint8Array.
 *
 * Kernel: like C, the mount functions use the process's default kernel
 * (rump_init / ukfs_init) unless `opts.kernel` names another one. Handles
 * share that kernel; each is mounted on its own mount point (default
 * /ukfs/1, /ukfs/2, …) and every path call runs chrooted there, so each
 * handle sees only its own file system. openImage (open.ts) gives each
 * handle a private kernel instead.
 */
import { readdirSync } from "node:fs";
import { resolve as hostResolve } from "node:path";
import {
  CTL_VFS,
  Kauth_cred,
  LOCKLEAF,
  FOLLOW,
  LOOKUP,
  LK_SHARED,
  RUMP_ETFS_BLK,
  rump_default_kernel,
  rump_init,
  UIO_READ,
  VDIR,
  VFS_FSTYPES,
  VFS_GENERIC,
  type Kernel,
  type Mount,
  type Vnode,
  type VnodeOut,
} from "@rump/librump";
import { errtrans } from "@rump/rumpuser";
import {
  EEXIST,
  EINVAL,
  ENOENT,
  ENOSYS,
  ENOTDIR,
  EPROGMISMATCH,
  O_CREAT,
  O_RDONLY,
  O_WRONLY,
  RumpError,
  type Stat,
  type Timeval,
} from "@rump/syscalls";
import { RUMP_VOP_LOCK, RUMP_VOP_READDIR, RUMP_VOP_UNLOCK } from "@rump/vop";
import { Ukfs } from "./api.js";
import { check, inImplicitContext, syscallsOf } from "./handle.js";
import {
  ukfs_part_na,
  ukfs_part_none,
  ukfs_part_probe,
  UKFS_PARTITION_NA,
  UKFS_PARTITION_NONE,
  UKFS_MAXPARTITIONS,
  type UkfsPart,
} from "./part.js";

export { UKFS_RELFLAG_FORCE, UKFS_RELFLAG_NOUNMOUNT } from "./handle.js";

/** Default mount point inside the rump kernel (handles get /ukfs/<n> below it). */
export const UKFS_DEFAULTMP = "/ukfs";
/** Interface version of ukfs_init. */
export const UKFS_VERSION = 2;

/** A ukfs handle (C's `struct ukfs *`); also the object API. */
export type { Ukfs };

/** Options beyond the C arguments of the mount functions. */
export interface UkfsMountOptions {
  /** the kernel to mount in (default: the default kernel, booted by ukfs_init) */
  kernel?: Kernel;
  /** release shuts `kernel` down (it was made for this handle) */
  ownsKernel?: boolean;
}

/* ------------------------------------------------------------------------ */
/* initialisation                                                            */

/** _ukfs_init(version): EPROGMISMATCH unless version is UKFS_VERSION; boots the default kernel. */
export function _ukfs_init(version: number): number {
  if (version !== UKFS_VERSION) throw new RumpError(EPROGMISMATCH, "ukfs_init");
  const error = rump_init();
  if (error !== 0) throw new RumpError(error, "ukfs_init");
  return 0;
}

/** ukfs_init(): `_ukfs_init(UKFS_VERSION)`. */
export function ukfs_init(): number {
  return _ukfs_init(UKFS_VERSION);
}

/** The error of ukfs_modload: there is no dlopen in this port. */
export class UkfsModloadError extends RumpError {
  override get message(): string {
    return (
      `${super.message}: this port cannot load shared objects (no dlopen); ` +
      `its file systems are built into @rump/librump (ukfs_vfstypes() lists them)`
    );
  }
}

/**
 * ukfs_modload: C dlopen()s a librumpfs_*.so. There is no such thing here —
 * every file system is compiled into @rump/librump — so this always throws
 * UkfsModloadError (ENOSYS).
 */
export function ukfs_modload(fname: string): number {
  throw new UkfsModloadError(ENOSYS, "ukfs_modload", fname);
}

/**
 * ukfs_modload_dir: the number of librumpfs_*.so modules loaded from
 * `dir` — always 0 here (see ukfs_modload); throws only when the directory
 * cannot be read, as C returns -1 only then.
 */
export function ukfs_modload_dir(dir: string): number {
  try {
    readdirSync(dir);
  } catch (e) {
    throw new RumpError(errtrans(e), "ukfs_modload_dir", dir);
  }
  return 0;
}

/**
 * ukfs_vfstypes: sysctl vfs.generic.fstypes — the file-system types of the
 * kernel, space separated ("ffs rumpfs tmpfs"). C fills a buffer; this
 * returns the string.
 */
export function ukfs_vfstypes(kernel?: Kernel): string {
  const k = kernel ?? defaultKernel();
  const sys = syscallsOf(k);
  return inImplicitContext(k, () => {
    const mib = [CTL_VFS, VFS_GENERIC, VFS_FSTYPES];
    const len = { v: 0 };
    sys.rump_sys___sysctl(mib, null, len, null);
    const buf = new Uint8Array(len.v);
    len.v = buf.length;
    sys.rump_sys___sysctl(mib, buf, len, null);
    let s = "";
    for (let i = 0; i < len.v && buf[i] !== 0; i++) s += String.fromCharCode(buf[i]!);
    return s;
  });
}

function defaultKernel(): Kernel {
  ukfs_init();
  return rump_default_kernel();
}

/* ------------------------------------------------------------------------ */
/* mounting                                                                  */

/** Host umask (C applies it to the mount point and to builddirs). */
function hostUmask(): number {
  try {
    return process.umask();
  } catch {
    return 0o022; // worker threads cannot read it
  }
}

const nextMp = new WeakMap<Kernel, number>();

/** A free /ukfs/<n> in `k`. */
function allocMountpath(k: Kernel): string {
  const sys = syscallsOf(k);
  for (;;) {
    const n = (nextMp.get(k) ?? 0) + 1;
    nextMp.set(k, n);
    const mp = `${UKFS_DEFAULTMP}/${n}`;
    try {
      sys.rump_sys_lstat(mp);
    } catch (e) {
      if (e instanceof RumpError && e.errno === ENOENT) return mp;
      throw e;
    }
  }
}

/** mkdir -p of `path` in the current context; existing directories are fine. */
function mkdirp(k: Kernel, path: string, mode: number): void {
  const sys = syscallsOf(k);
  let cur = "";
  for (const part of path.split("/")) {
    if (part === "") continue;
    cur += "/" + part;
    try {
      sys.rump_sys_mkdir(cur, mode);
    } catch (e) {
      if (!(e instanceof RumpError) || e.errno !== EEXIST) throw e;
    }
  }
}

function tmpfsDefaultArgs(): object {
  return {
    ta_version: 1,
    ta_nodes_max: 0,
    ta_size_max: 0,
    ta_root_uid: 0,
    ta_root_gid: 0,
    ta_root_mode: 0o755,
  };
}

/** doukfsmount (ukfs.md §3): the steps of ukfs_mount and ukfs_mount_disk. */
function doukfsmount(
  vfsname: string,
  devpath: string | null,
  part: UkfsPart,
  mountpath: string | null | undefined,
  mntflags: number,
  args: object | null | undefined,
  opts: UkfsMountOptions,
): Ukfs {
  if (typeof vfsname !== "string" || vfsname === "")
    throw new RumpError(EINVAL, "ukfs_mount", String(devpath));
  const k = opts.kernel ?? defaultKernel();
  const owns = opts.kernel !== undefined && opts.ownsKernel === true;
  const sys = syscallsOf(k);
  const disk = part.kind !== "na";
  let key: string | null = null;
  if (disk) {
    if (typeof devpath !== "string" || devpath === "")
      throw new RumpError(EINVAL, "ukfs_mount_disk", String(devpath));
    // the etfs key is the absolute host path, as in C (which requires it absolute)
    key = hostResolve(devpath);
  }
  return inImplicitContext(k, () => {
    const mp =
      mountpath === null || mountpath === undefined || mountpath === ""
        ? allocMountpath(k)
        : mountpath.startsWith("/")
          ? mountpath
          : "/" + mountpath;
    mkdirp(k, mp, 0o777 & ~hostUmask());
    if (key !== null)
      check(
        k.rump_pub_etfs_register_withsize(key, key, RUMP_ETFS_BLK, part.offset, part.size),
        "etfs_register",
        key,
      );
    try {
      // a disk's arguments name its device unless they name one themselves
      const data =
        args !== undefined && args !== null && key !== null && !("fspec" in args)
          ? { fspec: key, ...args }
          : (args ??
            (key !== null ? { fspec: key } : vfsname === "tmpfs" ? tmpfsDefaultArgs() : null));
      sys.rump_sys_mount(vfsname, mp, mntflags, data);
    } catch (e) {
      if (key !== null) k.rump_pub_etfs_remove(key);
      if (e instanceof RumpError && key !== null && e.path === mp) {
        // name the image, which is what failed to mount
        throw new RumpError(e.errno, "mount", key);
      }
      throw e;
    }
    return new Ukfs({
      kernel: k,
      ownsKernel: owns,
      vfsname,
      mountpath: mp,
      devkey: key,
      mntflags,
    });
  });
}

/**
 * ukfs_mount: mount a file system without a host device (tmpfs, …); `args`
 * go unchanged to rump_sys_mount (tmpfs gets default tmpfs_args when
 * omitted). `devpath` is informational only. `mountpath` null/"" → a fresh
 * /ukfs/<n>.
 */
export function ukfs_mount(
  vfsname: string,
  devpath: string,
  mountpath: string | null,
  mntflags: number,
  args?: object | null,
  opts: UkfsMountOptions = {},
): Ukfs {
  void devpath;
  return doukfsmount(vfsname, null, ukfs_part_na, mountpath, mntflags, args, opts);
}

/**
 * ukfs_mount_disk: mount the disk image `devpath` (a host path), restricted
 * to `part` — a UkfsPart (ukfs_part_none, one from ukfs_part_probe), a
 * partition number of the older interface (UKFS_PARTITION_NONE, or 0…21
 * for disklabel partition a…v), or null: probe `devpath` for a
 * `%DISKLABEL:a%` / `%OFFSET:s,n%` suffix. The image is registered as an
 * etfs block device whose key is its absolute host path, and mounted with
 * `{ fspec: key }` unless `args` are given. Read-write only if `mntflags`
 * lacks MNT_RDONLY (and the file system supports it).
 */
export function ukfs_mount_disk(
  vfsname: string,
  devpath: string,
  part: UkfsPart | number | null,
  mountpath: string | null,
  mntflags: number,
  args?: object | null,
  opts: UkfsMountOptions = {},
): Ukfs {
  let p: UkfsPart;
  let dev = devpath;
  if (part === null) ({ devpath: dev, part: p } = ukfs_part_probe(devpath));
  else if (typeof part === "number") {
    if (part === UKFS_PARTITION_NONE) p = ukfs_part_none;
    else if (part === UKFS_PARTITION_NA) p = ukfs_part_na;
    else if (Number.isInteger(part) && part >= 0 && part < UKFS_MAXPARTITIONS)
      ({ devpath: dev, part: p } = ukfs_part_probe(
        `${devpath}%DISKLABEL:${String.fromCharCode(97 + part)}%`,
      ));
    else throw new RumpError(EINVAL, "ukfs_mount_disk", devpath);
  } else p = part;
  return doukfsmount(vfsname, dev, p, mountpath, mntflags, args, opts);
}

/** ukfs_release(fs, flags): see UkfsCore.release. Returns 0. */
export function ukfs_release(fs: Ukfs, flags = 0): number {
  fs.release(flags);
  return 0;
}

/** ukfs_getmp: the kernel's mount of the handle. */
export function ukfs_getmp(fs: Ukfs): Mount {
  return fs.getmp();
}

export function ukfs_setspecific(fs: Ukfs, v: unknown): void {
  fs.specific = v;
}

export function ukfs_getspecific(fs: Ukfs): unknown {
  return fs.specific;
}

/* ------------------------------------------------------------------------ */
/* path operations (ukfs.md §5), each in a per-call process                  */

/** ukfs_chdir: change the handle's cwd (all later calls on the handle start there). */
export function ukfs_chdir(fs: Ukfs, path: string): number {
  fs.chdir(path);
  return 0;
}

/** readdir of a referenced vnode into `buf` from `off.v` (VOP_READDIR, root credential). */
function readdirVnode(vp: Vnode, off: { v: number }, buf: Uint8Array, bufsize: number): number {
  const k = vp.v_mount!.mnt_kernel as Kernel;
  const uio = k.rump_pub_uio_setup(buf, Math.min(bufsize, buf.length), off.v, UIO_READ);
  const eof = { v: 0 };
  const error = RUMP_VOP_READDIR(vp, uio, Kauth_cred.root(), eof, null, null);
  if (error !== 0) return -error;
  off.v = k.rump_pub_uio_getoff(uio);
  return Math.min(bufsize, buf.length) - k.rump_pub_uio_free(uio);
}

/**
 * ukfs_getdents: NetBSD `struct dirent` records of `dirname` into `buf`
 * (parseDirents reads them), starting at directory offset `off.v`, which is
 * advanced. Returns the bytes placed; 0 at the end.
 */
export function ukfs_getdents(
  fs: Ukfs,
  dirname: string,
  off: { v: number },
  buf: Uint8Array,
  bufsize: number = buf.length,
): number {
  return fs.run("getdents", () => {
    const k = fs.kernel;
    const vpp: VnodeOut = { vp: null };
    check(k.rump_pub_namei(LOOKUP, LOCKLEAF | FOLLOW, dirname, null, vpp, null), "namei", dirname);
    const vp = vpp.vp!;
    try {
      if (vp.v_type !== VDIR) throw new RumpError(ENOTDIR, "getdents", dirname);
      const n = readdirVnode(vp, off, buf, bufsize);
      if (n < 0) throw new RumpError(-n, "getdents", dirname);
      return n;
    } finally {
      RUMP_VOP_UNLOCK(vp);
      k.rump_pub_vp_rele(vp);
    }
  });
}

/** A directory kept referenced between ukfs_getdents_cookie calls. */
export interface UkfsDircookie {
  vp: Vnode | null;
  path: string;
}

/** ukfs_opendir: look `dirname` up and keep its vnode referenced. */
export function ukfs_opendir(fs: Ukfs, dirname: string): UkfsDircookie {
  return fs.run("opendir", () => {
    const vpp: VnodeOut = { vp: null };
    check(fs.kernel.rump_pub_namei(LOOKUP, FOLLOW, dirname, null, vpp, null), "namei", dirname);
    if (vpp.vp!.v_type !== VDIR) {
      fs.kernel.rump_pub_vp_rele(vpp.vp!);
      throw new RumpError(ENOTDIR, "opendir", dirname);
    }
    return { vp: vpp.vp, path: dirname };
  });
}

/** ukfs_getdents_cookie: like ukfs_getdents on an opened directory. */
export function ukfs_getdents_cookie(
  fs: Ukfs,
  c: UkfsDircookie,
  off: { v: number },
  buf: Uint8Array,
  bufsize: number = buf.length,
): number {
  if (c.vp === null) throw new RumpError(9 /* EBADF */, "getdents", c.path);
  const vp = c.vp;
  check(RUMP_VOP_LOCK(vp, LK_SHARED), "getdents", c.path);
  try {
    const n = readdirVnode(vp, off, buf, bufsize);
    if (n < 0) throw new RumpError(-n, "getdents", c.path);
    return n;
  } finally {
    RUMP_VOP_UNLOCK(vp);
  }
}

/** ukfs_closedir: drop the directory's reference. Returns 0. */
export function ukfs_closedir(fs: Ukfs, c: UkfsDircookie): number {
  if (c.vp !== null) fs.kernel.rump_pub_vp_rele(c.vp);
  c.vp = null;
  return 0;
}

/** ukfs_read: open + pread + close; bytes read. */
export function ukfs_read(
  fs: Ukfs,
  path: string,
  off: number,
  buf: Uint8Array,
  n: number = buf.length,
): number {
  return fs.run("read", (sys) => {
    const fd = sys.rump_sys_open(path, O_RDONLY);
    try {
      return sys.rump_sys_pread(fd, buf, n, off);
    } finally {
      sys.rump_sys_close(fd);
    }
  });
}

/** ukfs_write: open (no O_CREAT) + pwrite + fsync + close; bytes written. */
export function ukfs_write(
  fs: Ukfs,
  path: string,
  off: number,
  buf: Uint8Array,
  n: number = buf.length,
): number {
  return fs.run("write", (sys) => {
    const fd = sys.rump_sys_open(path, O_WRONLY);
    try {
      const w = sys.rump_sys_pwrite(fd, buf, n, off);
      if (w > 0) sys.rump_sys_fsync(fd);
      return w;
    } finally {
      sys.rump_sys_close(fd);
    }
  });
}

/** ukfs_create: open(O_WRONLY|O_CREAT, mode) + close. */
export function ukfs_create(fs: Ukfs, path: string, mode: number): number {
  return fs.run("open", (sys) =>
    sys.rump_sys_close(sys.rump_sys_open(path, O_WRONLY | O_CREAT, mode)),
  );
}

export function ukfs_mknod(fs: Ukfs, path: string, mode: number, dev: number): number {
  return fs.run("mknod", (sys) => sys.rump_sys_mknod(path, mode, dev));
}

export function ukfs_mkfifo(fs: Ukfs, path: string, mode: number): number {
  return fs.run("mkfifo", (sys) => sys.rump_sys_mkfifo(path, mode));
}

export function ukfs_mkdir(fs: Ukfs, path: string, mode: number): number {
  return fs.run("mkdir", (sys) => sys.rump_sys_mkdir(path, mode));
}

/** ukfs_remove: unlink */
export function ukfs_remove(fs: Ukfs, path: string): number {
  return fs.run("unlink", (sys) => sys.rump_sys_unlink(path));
}

export function ukfs_rmdir(fs: Ukfs, path: string): number {
  return fs.run("rmdir", (sys) => sys.rump_sys_rmdir(path));
}

export function ukfs_link(fs: Ukfs, existing: string, newname: string): number {
  return fs.run("link", (sys) => sys.rump_sys_link(existing, newname));
}

export function ukfs_symlink(fs: Ukfs, target: string, linkname: string): number {
  return fs.run("symlink", (sys) => sys.rump_sys_symlink(target, linkname));
}

/** ukfs_readlink: the target's bytes into `buf` (not NUL-terminated); their count. */
export function ukfs_readlink(
  fs: Ukfs,
  path: string,
  buf: Uint8Array,
  n: number = buf.length,
): number {
  return fs.run("readlink", (sys) => sys.rump_sys_readlink(path, buf, n));
}

export function ukfs_rename(fs: Ukfs, from: string, to: string): number {
  return fs.run("rename", (sys) => sys.rump_sys_rename(from, to));
}

export function ukfs_stat(fs: Ukfs, path: string): Stat {
  return fs.run("stat", (sys) => sys.rump_sys_stat(path));
}

export function ukfs_lstat(fs: Ukfs, path: string): Stat {
  return fs.run("lstat", (sys) => sys.rump_sys_lstat(path));
}

export function ukfs_chmod(fs: Ukfs, path: string, mode: number): number {
  return fs.run("chmod", (sys) => sys.rump_sys_chmod(path, mode));
}

export function ukfs_lchmod(fs: Ukfs, path: string, mode: number): number {
  return fs.run("lchmod", (sys) => sys.rump_sys_lchmod(path, mode));
}

export function ukfs_chown(fs: Ukfs, path: string, uid: number, gid: number): number {
  return fs.run("chown", (sys) => sys.rump_sys_chown(path, uid, gid));
}

export function ukfs_lchown(fs: Ukfs, path: string, uid: number, gid: number): number {
  return fs.run("lchown", (sys) => sys.rump_sys_lchown(path, uid, gid));
}

export function ukfs_chflags(fs: Ukfs, path: string, flags: number): number {
  return fs.run("chflags", (sys) => sys.rump_sys_chflags(path, flags));
}

export function ukfs_lchflags(fs: Ukfs, path: string, flags: number): number {
  return fs.run("lchflags", (sys) => sys.rump_sys_lchflags(path, flags));
}

/** ukfs_utimes: [access, modification] as timevals, or null for now. */
export function ukfs_utimes(
  fs: Ukfs,
  path: string,
  tv: readonly [Timeval, Timeval] | null,
): number {
  return fs.run("utimes", (sys) => sys.rump_sys_utimes(path, tv));
}

export function ukfs_lutimes(
  fs: Ukfs,
  path: string,
  tv: readonly [Timeval, Timeval] | null,
): number {
  return fs.run("lutimes", (sys) => sys.rump_sys_lutimes(path, tv));
}

/* ------------------------------------------------------------------------ */
/* descriptors                                                               */

/**
 * ukfs_open: open `path` and return the descriptor. Unlike C (whose
 * descriptor died with the per-call process), it lives in the handle's
 * descriptor process until ukfs_close or ukfs_release, so the _fd calls work.
 */
export function ukfs_open(fs: Ukfs, path: string, flags: number): number {
  const cwd = fs.cwd;
  return fs.inFdProc("open", (sys) => {
    sys.rump_sys_chdir(cwd);
    return sys.rump_sys_open(path, flags, 0);
  });
}

export function ukfs_read_fd(
  fs: Ukfs,
  fd: number,
  off: number,
  buf: Uint8Array,
  n: number = buf.length,
): number {
  return fs.inFdProc("pread", (sys) => sys.rump_sys_pread(fd, buf, n, off));
}

export function ukfs_write_fd(
  fs: Ukfs,
  fd: number,
  off: number,
  buf: Uint8Array,
  n: number = buf.length,
  dosync = 0,
): number {
  return fs.inFdProc("pwrite", (sys) => {
    const w = sys.rump_sys_pwrite(fd, buf, n, off);
    if (dosync && w > 0) sys.rump_sys_fsync(fd);
    return w;
  });
}

/** ukfs_close: close the descriptor; returns 0 (errors ignored, as in C). */
export function ukfs_close(fs: Ukfs, fd: number): number {
  try {
    fs.inFdProc("close", (sys) => sys.rump_sys_close(fd));
  } catch (e) {
    if (!(e instanceof RumpError)) throw e;
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* utility                                                                   */

/**
 * ukfs_util_builddirs: mkdir -p `pathname`, each component with
 * `mode & ~umask` (host umask); existing components are fine.
 */
export function ukfs_util_builddirs(fs: Ukfs, pathname: string, mode: number): number {
  const m = mode & ~hostUmask();
  let cur = pathname.startsWith("/") ? "" : ".";
  for (const part of pathname.split("/")) {
    if (part === "") continue;
    cur += "/" + part;
    try {
      ukfs_mkdir(fs, cur, m);
    } catch (e) {
      if (!(e instanceof RumpError) || e.errno !== EEXIST) throw e;
    }
  }
  return 0;
}
