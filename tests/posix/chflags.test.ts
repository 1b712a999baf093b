/** chflags(2), fchflags(2), lchflags(2): user and system file flags. */
import {
  EPERM,
  O_APPEND,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  SF_APPEND,
  SF_IMMUTABLE,
  UF_APPEND,
  UF_IMMUTABLE,
  UF_NODUMP,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import {
  asUser,
  enc,
  exists,
  expectErrno,
  FILE_SYSTEMS,
  GID,
  readFile,
  UID,
  UID2,
  writeFile,
} from "../helpers/kernel.js";

describe.each(FILE_SYSTEMS.filter((f) => f.fileFlags))("chflags on $name", (fs) => {
  it("sets and clears flags, visible in st_flags", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    sys.rump_sys_chflags("f", UF_NODUMP);
    expect(sys.rump_sys_stat("f").st_flags).toBe(UF_NODUMP);
    sys.rump_sys_chflags("f", 0);
    expect(sys.rump_sys_stat("f").st_flags).toBe(0);
  });

  for (const [name, flag] of [
    ["UF_IMMUTABLE", UF_IMMUTABLE],
    ["SF_IMMUTABLE", SF_IMMUTABLE],
  ] as const) {
    it(`${name} blocks writing, truncating, unlinking, renaming, chmod and chown with EPERM`, () => {
      const { sys } = fs.mount();
      writeFile(sys, "f", "keep");
      sys.rump_sys_chflags("f", flag);
      expectErrno(() => sys.rump_sys_open("f", O_WRONLY), EPERM);
      expectErrno(() => sys.rump_sys_open("f", O_RDWR), EPERM);
      expectErrno(() => sys.rump_sys_open("f", O_RDONLY | O_TRUNC), EPERM);
      expectErrno(() => sys.rump_sys_truncate("f", 0), EPERM);
      expectErrno(() => sys.rump_sys_unlink("f"), EPERM);
      expectErrno(() => sys.rump_sys_rename("f", "g"), EPERM);
      expectErrno(() => sys.rump_sys_chmod("f", 0o600), EPERM);
      expectErrno(() => sys.rump_sys_chown("f", 1, 1), EPERM);
      if (fs.hardLinks) expectErrno(() => sys.rump_sys_link("f", "g"), EPERM);
      sys.rump_sys_close(sys.rump_sys_open("f", O_RDONLY));
      expect(readFile(sys, "f")).toBe("keep");
      sys.rump_sys_chflags("f", 0);
      sys.rump_sys_unlink("f");
    });
  }

  it("an immutable directory refuses new and removed entries with EPERM", () => {
    const { sys } = fs.mount();
    sys.rump_sys_mkdir("d", 0o755);
    writeFile(sys, "d/old");
    sys.rump_sys_chflags("d", UF_IMMUTABLE);
    expectErrno(() => sys.rump_sys_open("d/new", O_WRONLY | 0x200, 0o644), EPERM);
    expectErrno(() => sys.rump_sys_mkdir("d/sub", 0o755), EPERM);
    expectErrno(() => sys.rump_sys_unlink("d/old"), EPERM);
    expect(exists(sys, "d/old")).toBe(true);
    sys.rump_sys_chflags("d", 0);
    sys.rump_sys_unlink("d/old");
  });

  for (const [name, flag] of [
    ["UF_APPEND", UF_APPEND],
    ["SF_APPEND", SF_APPEND],
  ] as const) {
    it(`${name} allows only O_APPEND writes; unlink is EPERM`, () => {
      const { sys } = fs.mount();
      writeFile(sys, "f", "a");
      sys.rump_sys_chflags("f", flag);
      expectErrno(() => sys.rump_sys_open("f", O_WRONLY), EPERM);
      const fd = sys.rump_sys_open("f", O_WRONLY | O_APPEND);
      sys.rump_sys_write(fd, enc.encode("b"));
      sys.rump_sys_close(fd);
      expect(readFile(sys, "f")).toBe("ab");
      expectErrno(() => sys.rump_sys_unlink("f"), EPERM);
      expectErrno(() => sys.rump_sys_truncate("f", 0), EPERM);
      sys.rump_sys_chflags("f", 0);
    });
  }

  it("fchflags and lchflags", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    sys.rump_sys_symlink("f", "l");
    const fd = sys.rump_sys_open("f", O_RDONLY);
    sys.rump_sys_fchflags(fd, UF_NODUMP);
    expect(sys.rump_sys_stat("f").st_flags).toBe(UF_NODUMP);
    sys.rump_sys_lchflags("l", UF_NODUMP);
    expect(sys.rump_sys_lstat("l").st_flags).toBe(UF_NODUMP);
    sys.rump_sys_fchflags(fd, 0);
    expect(sys.rump_sys_lstat("l").st_flags).toBe(UF_NODUMP);
  });

  describe("as non-root", () => {
    it("the owner may set and clear user flags; a non-owner gets EPERM", () => {
      const t = fs.mount();
      writeFile(t.sys, "f", "", 0o666);
      t.sys.rump_sys_chown("f", UID, GID);
      asUser(t, UID2, GID, () => expectErrno(() => t.sys.rump_sys_chflags("f", UF_NODUMP), EPERM));
      asUser(t, UID, GID, () => {
        t.sys.rump_sys_chflags("f", UF_IMMUTABLE);
        expectErrno(() => t.sys.rump_sys_open("f", O_WRONLY), EPERM);
        t.sys.rump_sys_chflags("f", 0);
      });
      expect(t.sys.rump_sys_stat("f").st_flags).toBe(0);
    });

    it("system flags are root's only: setting one is EPERM", () => {
      const t = fs.mount();
      writeFile(t.sys, "f", "", 0o666);
      t.sys.rump_sys_chown("f", UID, GID);
      asUser(t, UID, GID, () => {
        expectErrno(() => t.sys.rump_sys_chflags("f", SF_IMMUTABLE), EPERM);
        expectErrno(() => t.sys.rump_sys_chflags("f", SF_APPEND), EPERM);
      });
      expect(t.sys.rump_sys_stat("f").st_flags).toBe(0);
    });

    it("a file with a system flag cannot have its flags changed by the owner", () => {
      const t = fs.mount();
      writeFile(t.sys, "f", "", 0o666);
      t.sys.rump_sys_chown("f", UID, GID);
      t.sys.rump_sys_chflags("f", SF_IMMUTABLE);
      asUser(t, UID, GID, () => expectErrno(() => t.sys.rump_sys_chflags("f", 0), EPERM));
      expect(t.sys.rump_sys_stat("f").st_flags).toBe(SF_IMMUTABLE);
    });
  });
});
