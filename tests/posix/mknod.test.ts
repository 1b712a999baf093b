/** mknod(2), mknodat(2), mkfifo(2), mkfifoat(2). */
import {
  EEXIST,
  ENOENT,
  ENXIO,
  EPERM,
  O_NONBLOCK,
  O_RDONLY,
  O_WRONLY,
  S_IFBLK,
  S_IFCHR,
  S_IFIFO,
  S_IFMT,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import {
  asUser,
  dec,
  enc,
  expectErrno,
  FILE_SYSTEMS,
  GID,
  UID,
  writeFile,
} from "../helpers/kernel.js";

describe.each(FILE_SYSTEMS.filter((f) => f.fifos))("mknod and mkfifo on $name", (fs) => {
  it("mkfifo creates a fifo with mode & ~umask, owned by the creator", () => {
    const t = fs.mount();
    t.sys.rump_sys_mkfifo("p", 0o666);
    const st = t.sys.rump_sys_stat("p");
    expect(st.st_mode & S_IFMT).toBe(S_IFIFO);
    expect(st.st_mode & 0o7777).toBe(0o644);
    asUser(t, UID, GID, () => t.sys.rump_sys_mkfifo("q", 0o600));
    expect(t.sys.rump_sys_stat("q").st_uid).toBe(UID);
  });

  it("mkfifo: EEXIST, ENOENT", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    expectErrno(() => sys.rump_sys_mkfifo("f", 0o644), EEXIST);
    expectErrno(() => sys.rump_sys_mkfifo("missing/p", 0o644), ENOENT);
  });

  it("a fifo carries data; a non-blocking writer without reader is ENXIO", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkfifo("p", 0o644);
    expectErrno(() => sys.rump_sys_open("p", O_WRONLY | O_NONBLOCK), ENXIO);
    const r = sys.rump_sys_open("p", O_RDONLY | O_NONBLOCK);
    const w = sys.rump_sys_open("p", O_WRONLY | O_NONBLOCK);
    expect(sys.rump_sys_write(w, enc.encode("through"))).toBe(7);
    const b = new Uint8Array(16);
    expect(dec.decode(b.subarray(0, sys.rump_sys_read(r, b)))).toBe("through");
    expect(sys.rump_sys_stat("p").st_size).toBe(0);
  });

  it("root creates character and block devices with st_rdev", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mknod("c", S_IFCHR | 0o600, 0x1234);
    sys.rump_sys_mknod("b", S_IFBLK | 0o600, 0x5678);
    const c = sys.rump_sys_stat("c");
    expect(c.st_mode & S_IFMT).toBe(S_IFCHR);
    expect(c.st_rdev).toBe(0x1234);
    expect(sys.rump_sys_stat("b").st_mode & S_IFMT).toBe(S_IFBLK);
    expect(sys.rump_sys_stat("b").st_rdev).toBe(0x5678);
    expectErrno(() => sys.rump_sys_mknod("c", S_IFCHR | 0o600, 1), EEXIST);
  });

  it("as non-root, device nodes are EPERM but fifos through mknod are fine", () => {
    const t = fs.mount();
    asUser(t, UID, GID, () => {
      expectErrno(() => t.sys.rump_sys_mknod("c", S_IFCHR | 0o600, 1), EPERM);
      expectErrno(() => t.sys.rump_sys_mknod("b", S_IFBLK | 0o600, 1), EPERM);
      t.sys.rump_sys_mknod("p", S_IFIFO | 0o600, 0);
    });
    expect(t.sys.rump_sys_stat("p").st_mode & S_IFMT).toBe(S_IFIFO);
  });

  it("mknodat and mkfifoat resolve against a directory descriptor", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("d", 0o755);
    const dfd = sys.rump_sys_open("d", O_RDONLY);
    sys.rump_sys_mkfifoat(dfd, "p", 0o644);
    sys.rump_sys_mknodat(dfd, "c", S_IFCHR | 0o644, 7);
    expect(sys.rump_sys_stat("d/p").st_mode & S_IFMT).toBe(S_IFIFO);
    expect(sys.rump_sys_stat("d/c").st_rdev).toBe(7);
  });
});
