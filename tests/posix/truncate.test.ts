/** truncate(2) and ftruncate(2). */
import {
  EACCES,
  EBADF,
  EINVAL,
  EISDIR,
  ENOENT,
  ENOTDIR,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import {
  asUser,
  enc,
  expectErrno,
  FILE_SYSTEMS,
  GID,
  readBytes,
  readFile,
  UID,
  writeFile,
} from "../helpers/kernel.js";

describe.each(FILE_SYSTEMS)("truncate on $name", (fs) => {
  it("grows a file with zeros", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "abc");
    sys.rump_sys_truncate("f", 10000);
    const d = readBytes(sys, "f");
    expect(d.length).toBe(10000);
    expect(Array.from(d.subarray(0, 3))).toEqual([97, 98, 99]);
    expect(d.subarray(3).every((x) => x === 0)).toBe(true);
  });

  it("shrinks a file; growing again reads zeros, not the old data", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "x".repeat(9000));
    sys.rump_sys_truncate("f", 5);
    expect(readFile(sys, "f")).toBe("xxxxx");
    sys.rump_sys_truncate("f", 9000);
    const d = readBytes(sys, "f");
    expect(d.subarray(5).every((x) => x === 0)).toBe(true);
    sys.rump_sys_truncate("f", 0);
    expect(sys.rump_sys_stat("f").st_size).toBe(0);
  });

  it("a size change updates mtime and ctime", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "abc");
    sys.rump_sys_utimes("f", [
      { tv_sec: 1000, tv_usec: 0 },
      { tv_sec: 1000, tv_usec: 0 },
    ]);
    sys.rump_sys_truncate("f", 1);
    const st = sys.rump_sys_stat("f");
    expect(st.st_mtimespec.tv_sec).toBeGreaterThan(1000);
    expect(st.st_ctimespec.tv_sec).toBeGreaterThan(1000);
  });

  it("ftruncate works on a writable descriptor and leaves the offset", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "abcdef");
    const fd = sys.rump_sys_open("f", O_WRONLY);
    sys.rump_sys_lseek(fd, 4, 0);
    sys.rump_sys_ftruncate(fd, 2);
    expect(sys.rump_sys_lseek(fd, 0, 1)).toBe(4);
    sys.rump_sys_write(fd, enc.encode("Z"));
    expect(readBytes(sys, "f")).toEqual(new Uint8Array([97, 98, 0, 0, 90]));
  });

  it("a negative length is EINVAL", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "abc");
    expectErrno(() => sys.rump_sys_truncate("f", -1), EINVAL);
    const fd = sys.rump_sys_open("f", O_RDWR);
    expectErrno(() => sys.rump_sys_ftruncate(fd, -1), EINVAL);
    expect(sys.rump_sys_stat("f").st_size).toBe(3);
  });

  it("a directory is EISDIR", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("d", 0o755);
    expectErrno(() => sys.rump_sys_truncate("d", 0), EISDIR);
  });

  it("ftruncate on a read-only descriptor or a pipe is EINVAL; bad descriptor EBADF", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "abc");
    const fd = sys.rump_sys_open("f", O_RDONLY);
    expectErrno(() => sys.rump_sys_ftruncate(fd, 0), EINVAL);
    const [, w] = sys.rump_sys_pipe();
    expectErrno(() => sys.rump_sys_ftruncate(w, 0), EINVAL);
    expectErrno(() => sys.rump_sys_ftruncate(999, 0), EBADF);
    expect(sys.rump_sys_stat("f").st_size).toBe(3);
  });

  it("path errors: ENOENT, ENOTDIR; follows symlinks", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "abc");
    expectErrno(() => sys.rump_sys_truncate("missing", 0), ENOENT);
    expectErrno(() => sys.rump_sys_truncate("f/x", 0), ENOTDIR);
    if (fs.symlinks) {
      sys.rump_sys_symlink("f", "l");
      sys.rump_sys_truncate("l", 1);
      expect(sys.rump_sys_stat("f").st_size).toBe(1);
    }
  });

  it("as non-root, EACCES without write permission", () => {
    const t = fs.mount();
    writeFile(t.sys, "f", "abc", 0o644);
    asUser(t, UID, GID, () => expectErrno(() => t.sys.rump_sys_truncate("f", 0), EACCES));
    expect(t.sys.rump_sys_stat("f").st_size).toBe(3);
  });
});
