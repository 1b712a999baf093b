/**
 * Every ukfs(3) function on tmpfs handles in the default kernel (as C's
 * ukfs uses it): the per-call process model, several handles at once,
 * release flags, descriptors, getdents, builddirs.
 */
import { afterEach, describe, expect, it } from "vitest";
import { rump_default_kernel } from "@rump/librump";
import {
  DT_DIR,
  DT_REG,
  EBUSY,
  EEXIST,
  ENOENT,
  ENOSYS,
  ENOTDIR,
  ENOTEMPTY,
  EPROGMISMATCH,
  O_RDWR,
  O_CREAT,
  parseDirents,
  RumpError,
  rump_sys_statvfs1,
  rump_sys_unmount,
  S_IFCHR,
  S_IFIFO,
  S_IFMT,
  S_IFDIR,
  UF_NODUMP,
} from "@rump/syscalls";
import {
  _ukfs_init,
  ukfs_chdir,
  ukfs_chflags,
  ukfs_chmod,
  ukfs_chown,
  ukfs_close,
  ukfs_closedir,
  ukfs_create,
  ukfs_getdents,
  ukfs_getdents_cookie,
  ukfs_getmp,
  ukfs_getspecific,
  ukfs_init,
  ukfs_lchflags,
  ukfs_lchmod,
  ukfs_lchown,
  ukfs_link,
  ukfs_lstat,
  ukfs_lutimes,
  ukfs_mkdir,
  ukfs_mkfifo,
  ukfs_mknod,
  ukfs_modload,
  ukfs_modload_dir,
  ukfs_mount,
  ukfs_open,
  ukfs_opendir,
  ukfs_read,
  ukfs_read_fd,
  ukfs_readlink,
  ukfs_release,
  ukfs_remove,
  ukfs_rename,
  ukfs_rmdir,
  ukfs_setspecific,
  ukfs_stat,
  ukfs_symlink,
  ukfs_util_builddirs,
  ukfs_utimes,
  ukfs_vfstypes,
  ukfs_write,
  ukfs_write_fd,
  UKFS_RELFLAG_FORCE,
  UKFS_RELFLAG_NOUNMOUNT,
  UkfsModloadError,
  type Ukfs,
} from "../src/index.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

function errnoOf(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof RumpError) return e.errno;
    throw e;
  }
  throw new Error("did not fail");
}

const open: Ukfs[] = [];
function tmpfs(): Ukfs {
  const fs = ukfs_mount("tmpfs", "tmpfs", null, 0);
  open.push(fs);
  return fs;
}

afterEach(() => {
  for (const fs of open.splice(0)) if (fs.alive) ukfs_release(fs, UKFS_RELFLAG_FORCE);
});

describe("initialisation", () => {
  it("ukfs_init boots the default kernel; a wrong version is EPROGMISMATCH", () => {
    expect(ukfs_init()).toBe(0);
    expect(errnoOf(() => _ukfs_init(1))).toBe(EPROGMISMATCH);
  });

  it("ukfs_vfstypes lists the kernel's file systems", () => {
    const types = ukfs_vfstypes().split(" ");
    expect(types).toContain("tmpfs");
    expect(types).toContain("ffs");
  });

  it("ukfs_modload has no dlopen here; ukfs_modload_dir loads nothing", () => {
    let err: unknown;
    try {
      ukfs_modload("/usr/lib/librumpfs_ffs.so");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UkfsModloadError);
    expect((err as RumpError).errno).toBe(ENOSYS);
    expect((err as Error).message).toContain("no dlopen");
    expect(ukfs_modload_dir("/")).toBe(0);
    expect(errnoOf(() => ukfs_modload_dir("/nonexistent-dir-xyz"))).toBe(ENOENT);
  });
});

describe("path operations on a tmpfs handle", () => {
  it("create, write, read, stat, remove", () => {
    const fs = tmpfs();
    expect(ukfs_create(fs, "/f", 0o640)).toBe(0);
    expect(ukfs_write(fs, "/f", 0, enc.encode("hello world"))).toBe(11);
    expect(ukfs_write(fs, "/f", 6, enc.encode("there"))).toBe(5);
    const buf = new Uint8Array(32);
    const n = ukfs_read(fs, "/f", 0, buf);
    expect(dec.decode(buf.subarray(0, n))).toBe("hello there");
    expect(ukfs_read(fs, "f", 6, buf, 3)).toBe(3);
    const st = ukfs_stat(fs, "/f");
    expect(st.st_size).toBe(11);
    expect(st.st_mode & 0o777).toBe(0o640);
    // ukfs_write does not create
    expect(errnoOf(() => ukfs_write(fs, "/missing", 0, buf))).toBe(ENOENT);
    expect(ukfs_remove(fs, "/f")).toBe(0);
    expect(errnoOf(() => ukfs_stat(fs, "/f"))).toBe(ENOENT);
  });

  it("mkdir, rmdir, rename, link, symlink, readlink, lstat", () => {
    const fs = tmpfs();
    ukfs_mkdir(fs, "/d", 0o755);
    expect(errnoOf(() => ukfs_mkdir(fs, "/d", 0o755))).toBe(EEXIST);
    ukfs_create(fs, "/d/a", 0o644);
    expect(errnoOf(() => ukfs_rmdir(fs, "/d"))).toBe(ENOTEMPTY);
    ukfs_rename(fs, "/d/a", "/d/b");
    ukfs_link(fs, "/d/b", "/c");
    expect(ukfs_stat(fs, "/c").st_nlink).toBe(2);
    ukfs_symlink(fs, "d/b", "/s");
    const buf = new Uint8Array(64);
    const n = ukfs_readlink(fs, "/s", buf);
    expect(dec.decode(buf.subarray(0, n))).toBe("d/b");
    expect(ukfs_lstat(fs, "/s").st_mode & S_IFMT).toBe(0o120000);
    expect(ukfs_stat(fs, "/s").st_ino).toBe(ukfs_stat(fs, "/c").st_ino);
    ukfs_remove(fs, "/d/b");
    expect(ukfs_rmdir(fs, "/d")).toBe(0);
  });

  it("mknod, mkfifo", () => {
    const fs = tmpfs();
    ukfs_mknod(fs, "/null", S_IFCHR | 0o666, 0x0202);
    const st = ukfs_stat(fs, "/null");
    expect(st.st_mode & S_IFMT).toBe(S_IFCHR);
    ukfs_mkfifo(fs, "/fifo", 0o600);
    expect(ukfs_stat(fs, "/fifo").st_mode & S_IFMT).toBe(S_IFIFO);
  });

  it("chmod, lchmod, chown, lchown, chflags, lchflags, utimes, lutimes", () => {
    const fs = tmpfs();
    ukfs_create(fs, "/f", 0o644);
    ukfs_symlink(fs, "/f", "/l");
    ukfs_chmod(fs, "/f", 0o600);
    expect(ukfs_stat(fs, "/f").st_mode & 0o7777).toBe(0o600);
    ukfs_lchmod(fs, "/l", 0o700);
    expect(ukfs_lstat(fs, "/l").st_mode & 0o7777).toBe(0o700);
    expect(ukfs_stat(fs, "/f").st_mode & 0o7777).toBe(0o600);
    ukfs_chown(fs, "/f", 12, 34);
    expect(ukfs_stat(fs, "/f").st_uid).toBe(12);
    ukfs_lchown(fs, "/l", 56, 78);
    expect(ukfs_lstat(fs, "/l").st_gid).toBe(78);
    expect(ukfs_stat(fs, "/f").st_gid).toBe(34);
    ukfs_chflags(fs, "/f", UF_NODUMP);
    expect(ukfs_stat(fs, "/f").st_flags & UF_NODUMP).toBe(UF_NODUMP);
    ukfs_lchflags(fs, "/l", UF_NODUMP);
    expect(ukfs_lstat(fs, "/l").st_flags & UF_NODUMP).toBe(UF_NODUMP);
    ukfs_utimes(fs, "/f", [
      { tv_sec: 1000, tv_usec: 5 },
      { tv_sec: 2000, tv_usec: 6 },
    ]);
    const st = ukfs_stat(fs, "/f");
    expect(st.st_atimespec).toEqual({ tv_sec: 1000, tv_nsec: 5000 });
    expect(st.st_mtimespec).toEqual({ tv_sec: 2000, tv_nsec: 6000 });
    ukfs_lutimes(fs, "/l", [
      { tv_sec: 3000, tv_usec: 0 },
      { tv_sec: 4000, tv_usec: 0 },
    ]);
    expect(ukfs_lstat(fs, "/l").st_mtimespec.tv_sec).toBe(4000);
    expect(ukfs_stat(fs, "/f").st_mtimespec.tv_sec).toBe(2000);
  });

  it("ukfs_chdir moves the handle's cwd; paths stay inside the file system", () => {
    const fs = tmpfs();
    ukfs_util_builddirs(fs, "/a/b/c", 0o755);
    ukfs_chdir(fs, "/a/b");
    expect(fs.cwd).toBe("/a/b");
    ukfs_create(fs, "here", 0o644);
    expect(ukfs_stat(fs, "/a/b/here").st_size).toBe(0);
    ukfs_chdir(fs, "c");
    expect(fs.cwd).toBe("/a/b/c");
    // ".." at the root stays at the root: the handle is chrooted to its mount
    ukfs_chdir(fs, "/../../..");
    expect(fs.cwd).toBe("/");
    expect(errnoOf(() => ukfs_stat(fs, "/ukfs"))).toBe(ENOENT);
    expect(errnoOf(() => ukfs_chdir(fs, "/a/b/here"))).toBe(ENOTDIR);
  });

  it("ukfs_util_builddirs: existing components are fine; a file in the way is not", () => {
    const fs = tmpfs();
    expect(ukfs_util_builddirs(fs, "/x/y/z", 0o777)).toBe(0);
    expect(ukfs_util_builddirs(fs, "/x/y/z/w", 0o777)).toBe(0);
    expect(ukfs_stat(fs, "/x/y/z/w").st_mode & S_IFMT).toBe(S_IFDIR);
    // host umask applied (0o022 by default in tests, at least it takes away world-write)
    expect(ukfs_stat(fs, "/x").st_mode & 0o002).toBe(0);
    ukfs_create(fs, "/x/file", 0o644);
    expect(errnoOf(() => ukfs_util_builddirs(fs, "/x/file/sub", 0o755))).toBe(ENOTDIR);
  });

  it("ukfs_getdents reads records from an offset and advances it", () => {
    const fs = tmpfs();
    ukfs_mkdir(fs, "/dir", 0o755);
    for (let i = 0; i < 50; i++) ukfs_create(fs, `/dir/file-${i}`, 0o644);
    ukfs_mkdir(fs, "/dir/sub", 0o755);
    const off = { v: 0 };
    const buf = new Uint8Array(512);
    const names = new Map<string, number>();
    for (;;) {
      const n = ukfs_getdents(fs, "/dir", off, buf);
      if (n === 0) break;
      for (const d of parseDirents(buf, n)) names.set(d.d_name, d.d_type);
    }
    expect(names.size).toBe(53);
    expect(names.get("file-7")).toBe(DT_REG);
    expect(names.get("sub")).toBe(DT_DIR);
    expect(errnoOf(() => ukfs_getdents(fs, "/dir/file-1", { v: 0 }, buf))).toBe(ENOTDIR);
    // the cookie interface
    const c = ukfs_opendir(fs, "/dir");
    const off2 = { v: 0 };
    let count = 0;
    for (;;) {
      const n = ukfs_getdents_cookie(fs, c, off2, buf);
      if (n === 0) break;
      count += parseDirents(buf, n).length;
    }
    expect(count).toBe(53);
    expect(ukfs_closedir(fs, c)).toBe(0);
  });

  it("ukfs_open keeps its descriptor for the _fd calls", () => {
    const fs = tmpfs();
    ukfs_mkdir(fs, "/d", 0o755);
    ukfs_chdir(fs, "/d");
    const fd = ukfs_open(fs, "f", O_RDWR | O_CREAT);
    expect(ukfs_write_fd(fs, fd, 0, enc.encode("abcdef"), 6, 1)).toBe(6);
    const buf = new Uint8Array(4);
    expect(ukfs_read_fd(fs, fd, 2, buf)).toBe(4);
    expect(dec.decode(buf)).toBe("cdef");
    expect(ukfs_close(fs, fd)).toBe(0);
    expect(ukfs_close(fs, fd)).toBe(0); // errors are ignored, as in C
    expect(ukfs_stat(fs, "/d/f").st_size).toBe(6);
  });

  it("specific data and the mount structure", () => {
    const fs = tmpfs();
    ukfs_setspecific(fs, { mine: 1 });
    expect(ukfs_getspecific(fs)).toEqual({ mine: 1 });
    expect(ukfs_getmp(fs).mnt_stat.f_fstypename).toBe("tmpfs");
  });

  it("per-call processes leave nothing behind, and a caller's bound lwp is restored", () => {
    const fs = tmpfs();
    const k = rump_default_kernel();
    const before = k.procs.size;
    for (let i = 0; i < 20; i++) ukfs_create(fs, `/f${i}`, 0o644);
    expect(k.procs.size).toBe(before);
    k.rump_pub_lwproc_rfork(0);
    const mine = k.rump_pub_lwproc_curlwp();
    ukfs_stat(fs, "/f1");
    expect(k.rump_pub_lwproc_curlwp()).toBe(mine);
    k.rump_pub_lwproc_releaselwp();
  });
});

describe("several handles", () => {
  it("each handle sees only its own file system", () => {
    const a = tmpfs();
    const b = tmpfs();
    const c = ukfs_mount("tmpfs", "tmpfs", "/my/own/mnt", 0);
    open.push(c);
    expect(new Set([a.mountpath, b.mountpath, c.mountpath]).size).toBe(3);
    expect(c.mountpath).toBe("/my/own/mnt");
    ukfs_create(a, "/only-in-a", 0o644);
    ukfs_create(b, "/only-in-b", 0o644);
    expect(errnoOf(() => ukfs_stat(b, "/only-in-a"))).toBe(ENOENT);
    expect(errnoOf(() => ukfs_stat(c, "/only-in-b"))).toBe(ENOENT);
    expect(ukfs_stat(a, "/only-in-a").st_size).toBe(0);
  });
});

describe("ukfs_release", () => {
  it("unmounts; the handle is dead afterwards", () => {
    const fs = ukfs_mount("tmpfs", "tmpfs", null, 0);
    const mp = fs.mountpath;
    expect(rump_sys_statvfs1(mp, 1).f_fstypename).toBe("tmpfs");
    expect(ukfs_release(fs, 0)).toBe(0);
    expect(rump_sys_statvfs1(mp, 1).f_fstypename).not.toBe("tmpfs");
    expect(() => ukfs_stat(fs, "/")).toThrow(RumpError);
  });

  it("an unmount failure leaves the handle valid; FORCE unmounts anyway", () => {
    const fs = ukfs_mount("tmpfs", "tmpfs", null, 0);
    open.push(fs);
    ukfs_create(fs, "/f", 0o644);
    const k = rump_default_kernel();
    // a process of the caller's with its cwd inside the file system keeps it busy
    k.rump_pub_lwproc_rfork(0);
    const sys = fs.sys;
    sys.rump_sys_chdir(fs.mountpath);
    const mine = k.rump_pub_lwproc_curlwp()!;
    k.rump_pub_lwproc_switch(null);
    expect(errnoOf(() => ukfs_release(fs, 0))).toBe(EBUSY);
    expect(fs.alive).toBe(true);
    expect(ukfs_stat(fs, "/f").st_size).toBe(0);
    expect(ukfs_release(fs, UKFS_RELFLAG_FORCE)).toBe(0);
    expect(fs.alive).toBe(false);
    k.rump_pub_lwproc_switch(mine);
    k.rump_pub_lwproc_releaselwp();
  });

  it("NOUNMOUNT leaves the file system mounted", () => {
    const fs = ukfs_mount("tmpfs", "tmpfs", null, 0);
    ukfs_create(fs, "/kept", 0o644);
    const mp = fs.mountpath;
    ukfs_release(fs, UKFS_RELFLAG_NOUNMOUNT);
    expect(fs.alive).toBe(false);
    expect(rump_sys_statvfs1(mp, 1).f_fstypename).toBe("tmpfs");
    rump_sys_unmount(mp, 0);
  });
});
