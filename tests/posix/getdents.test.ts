/** getdents(2): NetBSD struct dirent records, ".", "..", resuming, concurrent changes. */
import {
  _DIRENT_RECLEN,
  DT_DIR,
  DT_FIFO,
  DT_LNK,
  DT_REG,
  EBADF,
  EINVAL,
  O_RDONLY,
  parseDirents,
  SEEK_SET,
  type Dirent,
  type RumpSyscalls,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import { exists, expectErrno, FILE_SYSTEMS, writeFile } from "../helpers/kernel.js";

function readAll(sys: RumpSyscalls, fd: number, bufsize = 4096): Dirent[] {
  const out: Dirent[] = [];
  const buf = new Uint8Array(bufsize);
  for (;;) {
    const n = sys.rump_sys_getdents(fd, buf);
    if (n === 0) return out;
    const ents = parseDirents(buf, n);
    expect(ents.length).toBeGreaterThan(0);
    out.push(...ents);
  }
}

function names(ents: Dirent[]): string[] {
  return ents.map((e) => e.d_name).sort();
}

describe.each(FILE_SYSTEMS)("getdents on $name", (fs) => {
  it("an empty directory lists '.' and '..' with their inode numbers", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("d", 0o755);
    const fd = sys.rump_sys_open("d", O_RDONLY);
    const ents = readAll(sys, fd);
    expect(names(ents)).toEqual([".", ".."]);
    const dot = ents.find((e) => e.d_name === ".")!;
    const dotdot = ents.find((e) => e.d_name === "..")!;
    expect(dot.d_fileno).toBe(sys.rump_sys_stat("d").st_ino);
    expect(dotdot.d_fileno).toBe(sys.rump_sys_stat(".").st_ino);
    expect([dot.d_type, dotdot.d_type]).toEqual([DT_DIR, DT_DIR]);
  });

  it("lists every entry once with the right type, inode and record length", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("d", 0o755);
    writeFile(sys, "d/file");
    sys.rump_sys_mkdir("d/sub", 0o755);
    sys.rump_sys_symlink("file", "d/link");
    sys.rump_sys_mkfifo("d/fifo", 0o644);
    const fd = sys.rump_sys_open("d", O_RDONLY);
    const ents = readAll(sys, fd);
    expect(names(ents)).toEqual([".", "..", "fifo", "file", "link", "sub"]);
    const types = Object.fromEntries(ents.map((e) => [e.d_name, e.d_type]));
    expect(types).toMatchObject({ file: DT_REG, sub: DT_DIR, link: DT_LNK, fifo: DT_FIFO });
    for (const e of ents) {
      expect(e.d_namlen).toBe(e.d_name.length);
      expect(e.d_reclen).toBe(_DIRENT_RECLEN(e.d_namlen));
      expect(e.d_reclen % 8).toBe(0);
      expect(e.d_fileno).toBe(sys.rump_sys_lstat(`d/${e.d_name}`).st_ino);
    }
  });

  it("resumes across calls with a buffer that holds one or two records", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("d", 0o755);
    const want = [".", ".."];
    for (let i = 0; i < 100; i++) {
      const n = `entry-${i}-${"y".repeat(i % 40)}`;
      writeFile(sys, `d/${n}`);
      want.push(n);
    }
    const fd = sys.rump_sys_open("d", O_RDONLY);
    const ents = readAll(sys, fd, _DIRENT_RECLEN(60));
    expect(names(ents)).toEqual(want.sort());
  });

  it("lseek to 0 rewinds", () => {
    const { sys } = fs.mount();
    writeFile(sys, "a");
    writeFile(sys, "b");
    const fd = sys.rump_sys_open(".", O_RDONLY);
    const first = names(readAll(sys, fd));
    sys.rump_sys_lseek(fd, 0, SEEK_SET);
    expect(names(readAll(sys, fd))).toEqual(first);
  });

  it("entries created or removed between calls: the others are returned exactly once", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("d", 0o755);
    for (let i = 0; i < 50; i++) writeFile(sys, `d/f${i}`);
    const fd = sys.rump_sys_open("d", O_RDONLY);
    const buf = new Uint8Array(_DIRENT_RECLEN(4) * 5);
    const seen: string[] = [];
    let n = sys.rump_sys_getdents(fd, buf);
    seen.push(...parseDirents(buf, n).map((e) => e.d_name));
    // remove some already returned and some not yet, add new ones
    for (const name of seen) if (name.startsWith("f")) sys.rump_sys_unlink(`d/${name}`);
    const removedLater = ["f40", "f41", "f42"].filter((x) => !seen.includes(x));
    for (const x of removedLater) sys.rump_sys_unlink(`d/${x}`);
    for (let i = 0; i < 10; i++) writeFile(sys, `d/new${i}`);
    while ((n = sys.rump_sys_getdents(fd, buf)) > 0)
      seen.push(...parseDirents(buf, n).map((e) => e.d_name));
    // no duplicates
    expect(new Set(seen).size).toBe(seen.length);
    // every entry that existed throughout was returned
    const stable = Array.from({ length: 50 }, (_, i) => `f${i}`).filter(
      (x) => !removedLater.includes(x) && exists(sys, `d/${x}`),
    );
    for (const x of stable) expect(seen).toContain(x);
    expect(seen).toContain(".");
    expect(seen).toContain("..");
  });

  it("a non-directory or a buffer too small for one record is EINVAL; a bad descriptor EBADF", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    const ffd = sys.rump_sys_open("f", O_RDONLY);
    expectErrno(() => sys.rump_sys_getdents(ffd, new Uint8Array(4096)), EINVAL);
    const dfd = sys.rump_sys_open(".", O_RDONLY);
    expectErrno(() => sys.rump_sys_getdents(dfd, new Uint8Array(8)), EINVAL);
    expect(sys.rump_sys_getdents(dfd, new Uint8Array(4096))).toBeGreaterThan(0);
    expectErrno(() => sys.rump_sys_getdents(999, new Uint8Array(4096)), EBADF);
  });

  it("names of 255 bytes come back whole", () => {
    const { sys } = fs.mount();
    const long = "n".repeat(fs.nameMax);
    writeFile(sys, long);
    const fd = sys.rump_sys_open(".", O_RDONLY);
    const ents = readAll(sys, fd, _DIRENT_RECLEN(fs.nameMax));
    const e = ents.find((x) => x.d_name === long)!;
    expect(e.d_namlen).toBe(fs.nameMax);
  });
});
