/** symlink(2), symlinkat(2), readlink(2), readlinkat(2), and following links in paths. */
import {
  AT_FDCWD,
  EBADF,
  EEXIST,
  EINVAL,
  ELOOP,
  ENAMETOOLONG,
  ENOENT,
  ENOTDIR,
  O_RDONLY,
  S_IFLNK,
  S_IFMT,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import {
  asUser,
  dec,
  expectErrno,
  FILE_SYSTEMS,
  GID,
  readFile,
  UID,
  writeFile,
} from "../helpers/kernel.js";

function readlink(sys: { rump_sys_readlink(p: string, b: Uint8Array): number }, p: string): string {
  const b = new Uint8Array(2048);
  return dec.decode(b.subarray(0, sys.rump_sys_readlink(p, b)));
}

/** NetBSD's MAXSYMLINKS */
const MAXSYMLINKS = 32;

describe.each(FILE_SYSTEMS.filter((f) => f.symlinks))("symlink on $name", (fs) => {
  it("creates a link whose content is the target; lstat size is its length", () => {
    const { sys } = fs.mount();
    sys.rump_sys_symlink("some/where/else", "l");
    const st = sys.rump_sys_lstat("l");
    expect(st.st_mode & S_IFMT).toBe(S_IFLNK);
    expect(st.st_size).toBe(15);
    expect(st.st_nlink).toBe(1);
    expect(readlink(sys, "l")).toBe("some/where/else");
  });

  it("the link is owned by the creator's euid", () => {
    const t = fs.mount();
    asUser(t, UID, GID, () => t.sys.rump_sys_symlink("x", "l"));
    expect(t.sys.rump_sys_lstat("l").st_uid).toBe(UID);
  });

  it("paths through links: relative targets resolve from the link's directory", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("d", 0o755);
    writeFile(sys, "d/f", "content");
    sys.rump_sys_symlink("f", "d/rel");
    sys.rump_sys_symlink("/mnt/d", "abs");
    sys.rump_sys_symlink("d", "dl");
    expect(readFile(sys, "d/rel")).toBe("content");
    expect(readFile(sys, "abs/f")).toBe("content");
    expect(readFile(sys, "dl/rel")).toBe("content");
    expect(readFile(sys, "dl/../d/f")).toBe("content");
  });

  it("readlink truncates to the buffer and returns the count", () => {
    const { sys } = fs.mount();
    sys.rump_sys_symlink("abcdef", "l");
    const b = new Uint8Array(3);
    expect(sys.rump_sys_readlink("l", b)).toBe(3);
    expect(dec.decode(b)).toBe("abc");
  });

  it("targets up to 1023 bytes are kept; 1024 is ENAMETOOLONG", () => {
    const { sys } = fs.mount();
    for (const n of [1, 63, 64, 65, 127, 128, 129, 255, 256, 511, 512, 1023]) {
      const target = "t".repeat(n);
      sys.rump_sys_symlink(target, `l${n}`);
      expect(sys.rump_sys_lstat(`l${n}`).st_size).toBe(n);
      expect(readlink(sys, `l${n}`)).toBe(target);
    }
    expectErrno(() => sys.rump_sys_symlink("t".repeat(1024), "long"), ENAMETOOLONG);
    sys.rump_sys_symlink("ok", "after");
  });

  it(`a chain of ${MAXSYMLINKS} links resolves; one more is ELOOP`, () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "end");
    sys.rump_sys_symlink("f", "c1");
    for (let i = 2; i <= MAXSYMLINKS + 1; i++) sys.rump_sys_symlink(`c${i - 1}`, `c${i}`);
    expect(readFile(sys, `c${MAXSYMLINKS}`)).toBe("end");
    expectErrno(() => sys.rump_sys_stat(`c${MAXSYMLINKS + 1}`), ELOOP);
    expect(sys.rump_sys_lstat(`c${MAXSYMLINKS + 1}`).st_mode & S_IFMT).toBe(S_IFLNK);
  });

  it("a self-referencing link is ELOOP", () => {
    const { sys } = fs.mount();
    sys.rump_sys_symlink("self", "self");
    expectErrno(() => sys.rump_sys_stat("self"), ELOOP);
    expectErrno(() => sys.rump_sys_open("self", O_RDONLY), ELOOP);
    expectErrno(() => sys.rump_sys_chdir("self"), ELOOP);
  });

  it("EEXIST when the name exists, even as a dangling link", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    sys.rump_sys_mkdir("d", 0o755);
    sys.rump_sys_symlink("nowhere", "l");
    expectErrno(() => sys.rump_sys_symlink("x", "f"), EEXIST);
    expectErrno(() => sys.rump_sys_symlink("x", "d"), EEXIST);
    expectErrno(() => sys.rump_sys_symlink("x", "l"), EEXIST);
  });

  it("ENOENT and ENOTDIR in the link's path", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    expectErrno(() => sys.rump_sys_symlink("x", "nodir/l"), ENOENT);
    expectErrno(() => sys.rump_sys_symlink("x", "f/l"), ENOTDIR);
    expectErrno(() => sys.rump_sys_symlink("x", ""), ENOENT);
  });

  it("readlink of a non-link is EINVAL; of a missing name ENOENT", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    sys.rump_sys_mkdir("d", 0o755);
    expectErrno(() => sys.rump_sys_readlink("f", new Uint8Array(8)), EINVAL);
    expectErrno(() => sys.rump_sys_readlink("d", new Uint8Array(8)), EINVAL);
    expectErrno(() => sys.rump_sys_readlink("missing", new Uint8Array(8)), ENOENT);
    expectErrno(() => sys.rump_sys_readlink("f/x", new Uint8Array(8)), ENOTDIR);
  });

  it("readlink of a link to a link reads the first link only", () => {
    const { sys } = fs.mount();
    sys.rump_sys_symlink("b", "a");
    sys.rump_sys_symlink("c", "b");
    expect(readlink(sys, "a")).toBe("b");
  });

  it("symlinkat and readlinkat resolve against a directory descriptor", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("d", 0o755);
    const dfd = sys.rump_sys_open("d", O_RDONLY);
    sys.rump_sys_symlinkat("target", dfd, "l");
    expect(readlink(sys, "d/l")).toBe("target");
    const b = new Uint8Array(16);
    expect(dec.decode(b.subarray(0, sys.rump_sys_readlinkat(dfd, "l", b)))).toBe("target");
    expect(sys.rump_sys_readlinkat(AT_FDCWD, "d/l", b)).toBe(6);
    expectErrno(() => sys.rump_sys_symlinkat("x", 999, "l"), EBADF);
    expectErrno(() => sys.rump_sys_readlinkat(999, "l", b), EBADF);
  });
});
