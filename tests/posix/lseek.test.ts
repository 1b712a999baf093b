/** lseek(2): whence values, offsets past the end, holes, and errors. */
import {
  EBADF,
  EINVAL,
  ESPIPE,
  O_RDONLY,
  O_RDWR,
  SEEK_CUR,
  SEEK_END,
  SEEK_SET,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import { enc, expectErrno, FILE_SYSTEMS, readBytes, writeFile } from "../helpers/kernel.js";

describe.each(FILE_SYSTEMS)("lseek on $name", (fs) => {
  it("SEEK_SET, SEEK_CUR and SEEK_END return the new offset", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "0123456789");
    const fd = sys.rump_sys_open("f", O_RDONLY);
    expect(sys.rump_sys_lseek(fd, 3, SEEK_SET)).toBe(3);
    expect(sys.rump_sys_lseek(fd, 2, SEEK_CUR)).toBe(5);
    expect(sys.rump_sys_lseek(fd, -1, SEEK_CUR)).toBe(4);
    expect(sys.rump_sys_lseek(fd, 0, SEEK_END)).toBe(10);
    expect(sys.rump_sys_lseek(fd, -3, SEEK_END)).toBe(7);
    const b = new Uint8Array(1);
    sys.rump_sys_read(fd, b);
    expect(b[0]).toBe("7".charCodeAt(0));
  });

  it("may go past the end; reading there returns 0, writing leaves a hole of zeros", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "ab");
    const fd = sys.rump_sys_open("f", O_RDWR);
    expect(sys.rump_sys_lseek(fd, 100, SEEK_SET)).toBe(100);
    expect(sys.rump_sys_read(fd, new Uint8Array(4))).toBe(0);
    expect(sys.rump_sys_fstat(fd).st_size).toBe(2);
    sys.rump_sys_lseek(fd, 70000, SEEK_SET);
    sys.rump_sys_write(fd, enc.encode("z"));
    const data = readBytes(sys, "f");
    expect(data.length).toBe(70001);
    expect(data.subarray(2, 70000).every((x) => x === 0)).toBe(true);
    expect(data[70000]).toBe(122);
  });

  it("a resulting negative offset is EINVAL and leaves the offset alone", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "abc");
    const fd = sys.rump_sys_open("f", O_RDONLY);
    sys.rump_sys_lseek(fd, 2, SEEK_SET);
    expectErrno(() => sys.rump_sys_lseek(fd, -1, SEEK_SET), EINVAL);
    expectErrno(() => sys.rump_sys_lseek(fd, -3, SEEK_CUR), EINVAL);
    expectErrno(() => sys.rump_sys_lseek(fd, -4, SEEK_END), EINVAL);
    expect(sys.rump_sys_lseek(fd, 0, SEEK_CUR)).toBe(2);
  });

  it("an unknown whence is EINVAL", () => {
    const { sys } = fs.mount();
    writeFile(sys, "f", "abc");
    const fd = sys.rump_sys_open("f", O_RDONLY);
    expectErrno(() => sys.rump_sys_lseek(fd, 0, 3), EINVAL);
    expectErrno(() => sys.rump_sys_lseek(fd, 0, -1), EINVAL);
    expectErrno(() => sys.rump_sys_lseek(fd, 0, 99), EINVAL);
  });

  it("a pipe is ESPIPE, a bad descriptor EBADF", () => {
    const { sys } = fs.mount();
    const [r, w] = sys.rump_sys_pipe();
    expectErrno(() => sys.rump_sys_lseek(r, 0, SEEK_SET), ESPIPE);
    expectErrno(() => sys.rump_sys_lseek(w, 0, SEEK_CUR), ESPIPE);
    expectErrno(() => sys.rump_sys_lseek(999, 0, SEEK_SET), EBADF);
    expectErrno(() => sys.rump_sys_lseek(-1, 0, SEEK_SET), EBADF);
  });

  it("works on a directory descriptor", () => {
    const { sys } = fs.mount();
    const fd = sys.rump_sys_open(".", O_RDONLY);
    expect(sys.rump_sys_lseek(fd, 0, SEEK_SET)).toBe(0);
  });
});
