/**
 * pipe(2), pipe2(2): data, EOF, EPIPE, non-blocking EAGAIN, PIPE_BUF
 * atomicity, and EDEADLK where a blocking call could never be woken
 * (DESIGN.md, execution model).
 */
import {
  EBADF,
  EDEADLK,
  EAGAIN,
  EINVAL,
  EPIPE,
  FD_CLOEXEC,
  F_GETFD,
  F_GETFL,
  F_SETFL,
  O_CLOEXEC,
  O_NONBLOCK,
  PIPE_BUF,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import { bootKernel, dec, enc, expectErrno } from "../helpers/kernel.js";

/** Fill a non-blocking pipe; returns how many bytes it took. */
function fill(sys: ReturnType<typeof bootKernel>["sys"], w: number): number {
  let total = 0;
  const chunk = new Uint8Array(4096);
  for (;;) {
    try {
      total += sys.rump_sys_write(w, chunk);
    } catch {
      break;
    }
  }
  return total;
}

describe("pipe", () => {
  it("carries bytes in order from the write end to the read end", () => {
    const { sys } = bootKernel();
    const [r, w] = sys.rump_sys_pipe();
    expect(r).not.toBe(w);
    sys.rump_sys_write(w, enc.encode("hello "));
    sys.rump_sys_write(w, enc.encode("world"));
    const b = new Uint8Array(64);
    expect(dec.decode(b.subarray(0, sys.rump_sys_read(r, b)))).toBe("hello world");
  });

  it("the read end cannot write and the write end cannot read: EBADF", () => {
    const { sys } = bootKernel();
    const [r, w] = sys.rump_sys_pipe();
    expectErrno(() => sys.rump_sys_write(r, enc.encode("x")), EBADF);
    expectErrno(() => sys.rump_sys_read(w, new Uint8Array(1)), EBADF);
  });

  it("a read returns what is there, then 0 (EOF) once the writer is closed", () => {
    const { sys } = bootKernel();
    const [r, w] = sys.rump_sys_pipe();
    sys.rump_sys_write(w, enc.encode("abc"));
    sys.rump_sys_close(w);
    const b = new Uint8Array(2);
    expect(sys.rump_sys_read(r, b)).toBe(2);
    expect(sys.rump_sys_read(r, b)).toBe(1);
    expect(sys.rump_sys_read(r, b)).toBe(0);
    expect(sys.rump_sys_read(r, b)).toBe(0);
  });

  it("writing with no reader is EPIPE", () => {
    const { sys } = bootKernel();
    const [r, w] = sys.rump_sys_pipe();
    sys.rump_sys_close(r);
    expectErrno(() => sys.rump_sys_write(w, enc.encode("x")), EPIPE);
    sys.rump_sys_getpid(); // the kernel is fine
  });

  it("O_NONBLOCK: an empty pipe is EAGAIN to read, a full one EAGAIN to write", () => {
    const { sys } = bootKernel();
    const [r, w] = sys.rump_sys_pipe2(O_NONBLOCK);
    expectErrno(() => sys.rump_sys_read(r, new Uint8Array(1)), EAGAIN);
    const size = fill(sys, w);
    expect(size).toBeGreaterThanOrEqual(PIPE_BUF);
    expectErrno(() => sys.rump_sys_write(w, enc.encode("x")), EAGAIN);
    expect(sys.rump_sys_read(r, new Uint8Array(size + 10))).toBe(size);
  });

  it("a write of at most PIPE_BUF bytes is atomic: all or EAGAIN, never partial", () => {
    const { sys } = bootKernel();
    const [r, w] = sys.rump_sys_pipe2(O_NONBLOCK);
    fill(sys, w);
    sys.rump_sys_read(r, new Uint8Array(PIPE_BUF - 1)); // room for PIPE_BUF - 1
    expectErrno(() => sys.rump_sys_write(w, new Uint8Array(PIPE_BUF)), EAGAIN);
    sys.rump_sys_read(r, new Uint8Array(1));
    expect(sys.rump_sys_write(w, new Uint8Array(PIPE_BUF))).toBe(PIPE_BUF);
  });

  it("a larger non-blocking write may be partial", () => {
    const { sys } = bootKernel();
    const [r, w] = sys.rump_sys_pipe2(O_NONBLOCK);
    const size = fill(sys, w);
    sys.rump_sys_read(r, new Uint8Array(1000));
    expect(sys.rump_sys_write(w, new Uint8Array(4 * PIPE_BUF))).toBe(1000);
    expect(size).toBeGreaterThan(0);
  });

  it("a blocking read of an empty pipe that nothing can fill is EDEADLK, without side effects", () => {
    const { sys } = bootKernel();
    const [r, w] = sys.rump_sys_pipe();
    expectErrno(() => sys.rump_sys_read(r, new Uint8Array(1)), EDEADLK);
    sys.rump_sys_write(w, enc.encode("z"));
    expect(sys.rump_sys_read(r, new Uint8Array(1))).toBe(1);
  });

  it("a blocking write to a full pipe is EDEADLK", () => {
    const { sys } = bootKernel();
    const [r, w] = sys.rump_sys_pipe2(O_NONBLOCK);
    const size = fill(sys, w);
    sys.rump_sys_fcntl(w, F_SETFL, 0);
    expectErrno(() => sys.rump_sys_write(w, enc.encode("x")), EDEADLK);
    expect(sys.rump_sys_read(r, new Uint8Array(size + 1))).toBe(size);
  });

  it("pipe2: O_CLOEXEC and O_NONBLOCK on both ends; other flags EINVAL", () => {
    const { sys } = bootKernel();
    const [r, w] = sys.rump_sys_pipe2(O_CLOEXEC | O_NONBLOCK);
    for (const fd of [r, w]) {
      expect(sys.rump_sys_fcntl(fd, F_GETFD)).toBe(FD_CLOEXEC);
      expect(sys.rump_sys_fcntl(fd, F_GETFL) & O_NONBLOCK).toBe(O_NONBLOCK);
    }
    const [r2] = sys.rump_sys_pipe2(0);
    expect(sys.rump_sys_fcntl(r2, F_GETFD)).toBe(0);
    expectErrno(() => sys.rump_sys_pipe2(0x200 /* O_CREAT */), EINVAL);
  });
});
