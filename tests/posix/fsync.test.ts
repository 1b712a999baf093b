/** fsync(2), fdatasync(2), fsync_range(2), sync(2). */
import { EBADF, EINVAL, O_RDONLY, O_RDWR } from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import { enc, expectErrno, FILE_SYSTEMS, readFile, writeFile } from "../helpers/kernel.js";

/** sys/fcntl.h */
const FFILESYNC = 0x20;
const FDATASYNC = 0x10;

describe.each(FILE_SYSTEMS)("fsync on $name", (fs) => {
  it("fsync, fdatasync and fsync_range succeed on a written file", () => {
    const { sys } = fs.mount();
    const fd = sys.rump_sys_open("f", O_RDWR | 0x200, 0o644);
    sys.rump_sys_write(fd, enc.encode("data"));
    sys.rump_sys_fsync(fd);
    sys.rump_sys_fdatasync(fd);
    sys.rump_sys_fsync_range(fd, FFILESYNC, 0, 0);
    sys.rump_sys_fsync_range(fd, FDATASYNC, 0, 4);
    expect(readFile(sys, "f")).toBe("data");
  });

  it("fsync of a read-only descriptor and of a directory succeeds", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f");
    sys.rump_sys_fsync(sys.rump_sys_open("f", O_RDONLY));
    sys.rump_sys_fsync(sys.rump_sys_open(".", O_RDONLY));
  });

  it("EBADF for bad descriptors; EINVAL for a pipe", () => {
    const { sys } = fs.mount();
    expectErrno(() => sys.rump_sys_fsync(999), EBADF);
    expectErrno(() => sys.rump_sys_fdatasync(-1), EBADF);
    const [r] = sys.rump_sys_pipe();
    expectErrno(() => sys.rump_sys_fsync(r), EINVAL);
  });

  it("fsync_range: no sync flag or a negative length is EINVAL; a read-only descriptor EBADF", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "abc");
    const fd = sys.rump_sys_open("f", O_RDWR);
    expectErrno(() => sys.rump_sys_fsync_range(fd, 0, 0, 0), EINVAL);
    expectErrno(() => sys.rump_sys_fsync_range(fd, FFILESYNC, 0, -1), EINVAL);
    const ro = sys.rump_sys_open("f", O_RDONLY);
    expectErrno(() => sys.rump_sys_fsync_range(ro, FFILESYNC, 0, 0), EBADF);
  });

  it("sync returns and the data stays readable", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "synced");
    sys.rump_sys_sync();
    expect(readFile(sys, "f")).toBe("synced");
  });
});
