/** chdir(2), fchdir(2), chroot(2), __getcwd(2), umask(2). */
import {
  EACCES,
  EBADF,
  ENOENT,
  ENOTDIR,
  EPERM,
  ERANGE,
  O_CREAT,
  O_RDONLY,
  O_WRONLY,
  type RumpSyscalls,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import {
  asUser,
  dec,
  exists,
  expectErrno,
  FILE_SYSTEMS,
  GID,
  inProcess,
  mkdirMode,
  readFile,
  UID,
  writeFile,
} from "../helpers/kernel.js";

function getcwd(sys: RumpSyscalls): string {
  const b = new Uint8Array(1024);
  sys.rump_sys___getcwd(b);
  const end = b.indexOf(0);
  return dec.decode(b.subarray(0, end < 0 ? b.length : end));
}

describe.each(FILE_SYSTEMS)("chdir and getcwd on $name", (fs) => {
  it("getcwd follows chdir, '..' and symlinks (resolved)", () => {
    const { sys } = fs.mount();
    expect(getcwd(sys)).toBe("/mnt");
    sys.rump_sys_mkdir("a", 0o755);
    sys.rump_sys_mkdir("a/b", 0o755);
    sys.rump_sys_chdir("a/b");
    expect(getcwd(sys)).toBe("/mnt/a/b");
    sys.rump_sys_chdir("..");
    expect(getcwd(sys)).toBe("/mnt/a");
    sys.rump_sys_symlink("/mnt/a/b", "/mnt/lb");
    sys.rump_sys_chdir("/mnt/lb");
    expect(getcwd(sys)).toBe("/mnt/a/b");
    sys.rump_sys_chdir("/");
    expect(getcwd(sys)).toBe("/");
  });

  it("relative paths resolve from the new cwd", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("d", 0o755);
    sys.rump_sys_chdir("d");
    writeFile(sys, "f", "x");
    expect(readFile(sys, "/mnt/d/f")).toBe("x");
  });

  it("fchdir to a directory descriptor; ENOTDIR for a file; EBADF", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("d", 0o755);
    writeFile(sys, "f");
    const dfd = sys.rump_sys_open("d", O_RDONLY);
    sys.rump_sys_fchdir(dfd);
    expect(getcwd(sys)).toBe("/mnt/d");
    const ffd = sys.rump_sys_open("/mnt/f", O_RDONLY);
    expectErrno(() => sys.rump_sys_fchdir(ffd), ENOTDIR);
    expectErrno(() => sys.rump_sys_fchdir(999), EBADF);
    expect(getcwd(sys)).toBe("/mnt/d");
  });

  it("chdir: ENOENT, ENOTDIR; EACCES without search permission as non-root", () => {
    const t = fs.mount();
    writeFile(t.sys, "f");
    mkdirMode(t.sys, "d", 0o766);
    expectErrno(() => t.sys.rump_sys_chdir("missing"), ENOENT);
    expectErrno(() => t.sys.rump_sys_chdir("f"), ENOTDIR);
    expectErrno(() => t.sys.rump_sys_chdir(""), ENOENT);
    asUser(t, UID, GID, () => expectErrno(() => t.sys.rump_sys_chdir("d"), EACCES));
    t.sys.rump_sys_chdir("d");
  });

  it("getcwd: a buffer too small is ERANGE", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("long-directory-name", 0o755);
    sys.rump_sys_chdir("long-directory-name");
    expectErrno(() => sys.rump_sys___getcwd(new Uint8Array(5)), ERANGE);
    expectErrno(() => sys.rump_sys___getcwd(new Uint8Array(1)), ERANGE);
    expect(getcwd(sys)).toBe("/mnt/long-directory-name");
  });

  it("getcwd of a removed directory is ENOENT", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("d", 0o755);
    sys.rump_sys_chdir("d");
    sys.rump_sys_rmdir("/mnt/d");
    expectErrno(() => sys.rump_sys___getcwd(new Uint8Array(1024)), ENOENT);
    expectErrno(() => sys.rump_sys_open("x", O_WRONLY | O_CREAT, 0o644), ENOENT);
  });

  it("each process has its own cwd; rfork copies it", () => {
    const t = fs.mount();
    t.sys.rump_sys_mkdir("d", 0o755);
    inProcess(t, () => {
      expect(getcwd(t.sys)).toBe("/mnt");
      t.sys.rump_sys_chdir("d");
      expect(getcwd(t.sys)).toBe("/mnt/d");
    });
    expect(getcwd(t.sys)).toBe("/mnt");
  });
});

describe.each(FILE_SYSTEMS)("chroot on $name", (fs) => {
  it("confines '/' and '..' to the new root", () => {
    const t = fs.mount();
    t.sys.rump_sys_mkdir("jail", 0o755);
    t.sys.rump_sys_mkdir("jail/sub", 0o755);
    writeFile(t.sys, "jail/inside", "in");
    writeFile(t.sys, "outside", "out");
    inProcess(t, () => {
      const { sys } = t;
      sys.rump_sys_chroot("/mnt/jail");
      sys.rump_sys_chdir("/");
      expect(readFile(sys, "/inside")).toBe("in");
      expect(exists(sys, "/outside")).toBe(false);
      expect(exists(sys, "/../../outside")).toBe(false);
      expect(sys.rump_sys_stat("/..").st_ino).toBe(sys.rump_sys_stat("/").st_ino);
      sys.rump_sys_chdir("/sub");
      expect(getcwd(sys)).toBe("/sub");
      sys.rump_sys_chdir("../../..");
      expect(getcwd(sys)).toBe("/");
      sys.rump_sys_symlink("/inside", "/abs");
      expect(readFile(sys, "/abs")).toBe("in");
    });
    expect(readFile(t.sys, "/mnt/outside")).toBe("out");
  });

  it("as non-root is EPERM; ENOTDIR and ENOENT for bad paths", () => {
    const t = fs.mount();
    t.sys.rump_sys_mkdir("jail", 0o755);
    writeFile(t.sys, "f");
    asUser(t, UID, GID, () => expectErrno(() => t.sys.rump_sys_chroot("/mnt/jail"), EPERM));
    inProcess(t, () => {
      expectErrno(() => t.sys.rump_sys_chroot("/mnt/f"), ENOTDIR);
      expectErrno(() => t.sys.rump_sys_chroot("/mnt/missing"), ENOENT);
    });
  });
});

describe.each(FILE_SYSTEMS)("umask on $name", (fs) => {
  it("returns the previous mask (default 022) and applies to open, mkdir, mkfifo", () => {
    const { sys } = fs.mount();
    expect(sys.rump_sys_umask(0o077)).toBe(0o022);
    expect(sys.rump_sys_umask(0o077)).toBe(0o077);
    sys.rump_sys_close(sys.rump_sys_open("f", O_WRONLY | O_CREAT, 0o666));
    sys.rump_sys_mkdir("d", 0o777);
    sys.rump_sys_mkfifo("p", 0o666);
    expect(sys.rump_sys_stat("f").st_mode & 0o777).toBe(0o600);
    expect(sys.rump_sys_stat("d").st_mode & 0o777).toBe(0o700);
    expect(sys.rump_sys_stat("p").st_mode & 0o777).toBe(0o600);
    sys.rump_sys_umask(0);
    sys.rump_sys_close(sys.rump_sys_open("g", O_WRONLY | O_CREAT, 0o666));
    expect(sys.rump_sys_stat("g").st_mode & 0o777).toBe(0o666);
  });

  it("does not apply to chmod", () => {
    const { sys } = fs.mount();
    sys.rump_sys_umask(0o777);
    writeFile(sys, "f", "", 0o644);
    sys.rump_sys_chmod("f", 0o666);
    expect(sys.rump_sys_stat("f").st_mode & 0o777).toBe(0o666);
  });

  it("is per process and inherited by rfork", () => {
    const t = fs.mount();
    t.sys.rump_sys_umask(0o027);
    inProcess(t, () => {
      expect(t.sys.rump_sys_umask(0o070)).toBe(0o027);
    });
    expect(t.sys.rump_sys_umask(0o022)).toBe(0o027);
  });
});
