/**
 * Pipes (sys_pipe.c) at their edges: the PIPE_SIZE (16 KiB) buffer filled
 * exactly, the ring buffer wrapping, PIPE_BUF atomicity against partial
 * writes, and where a sleep would be — EDEADLK for a blocking caller
 * versus EAGAIN for a non-blocking one, with no side effects.
 */
import { describe, expect, it } from "vitest";
import {
  EAGAIN,
  EDEADLK,
  EPIPE,
  F_SETFL,
  F_SETNOSIGPIPE,
  O_NONBLOCK,
  PIPE_BUF,
} from "@rump/syscalls";
import { PIPE_SIZE } from "../src/kern/sys_pipe.js";
import { boot, errnoOf, type Booted } from "./helpers/kernel.js";

const SIGPIPE = 13;

function pattern(n: number, seed = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

function setup(nonblock = false): Booted & { r: number; w: number } {
  const t = boot();
  const [r, w] = t.sys.rump_sys_pipe();
  if (nonblock) {
    t.sys.rump_sys_fcntl(r, F_SETFL, O_NONBLOCK);
    t.sys.rump_sys_fcntl(w, F_SETFL, O_NONBLOCK);
  }
  return { ...t, r, w };
}

describe("PIPE_SIZE", () => {
  it("is 16384 and PIPE_BUF is 512", () => {
    expect(PIPE_SIZE).toBe(16384);
    expect(PIPE_BUF).toBe(512);
    const { sys, r } = setup();
    expect(sys.rump_sys_fstat(r).st_blksize).toBe(PIPE_SIZE);
  });

  it("takes exactly PIPE_SIZE bytes; one more is EAGAIN / EDEADLK", () => {
    for (const nonblock of [true, false]) {
      const { sys, r, w } = setup(nonblock);
      expect(sys.rump_sys_write(w, pattern(PIPE_SIZE))).toBe(PIPE_SIZE);
      expect(sys.rump_sys_fstat(r).st_size).toBe(PIPE_SIZE);
      expect(errnoOf(() => sys.rump_sys_write(w, new Uint8Array(1)))).toBe(
        nonblock ? EAGAIN : EDEADLK,
      );
      expect(errnoOf(() => sys.rump_sys_write(w, new Uint8Array(PIPE_BUF + 1)))).toBe(
        nonblock ? EAGAIN : EDEADLK,
      );
      // reading one byte makes room for exactly one
      expect(sys.rump_sys_read(r, new Uint8Array(1))).toBe(1);
      expect(sys.rump_sys_write(w, new Uint8Array([0xee]))).toBe(1);
      expect(errnoOf(() => sys.rump_sys_write(w, new Uint8Array(1)))).toBe(
        nonblock ? EAGAIN : EDEADLK,
      );
      const all = new Uint8Array(PIPE_SIZE + 10);
      expect(sys.rump_sys_read(r, all)).toBe(PIPE_SIZE);
      expect(all.subarray(0, PIPE_SIZE - 1)).toEqual(pattern(PIPE_SIZE).subarray(1));
      expect(all[PIPE_SIZE - 1]).toBe(0xee);
    }
  });

  it("a write larger than PIPE_SIZE is partial: what fits", () => {
    const { sys, r, w } = setup();
    expect(sys.rump_sys_write(w, pattern(PIPE_SIZE + 5000))).toBe(PIPE_SIZE);
    const buf = new Uint8Array(PIPE_SIZE);
    expect(sys.rump_sys_read(r, buf)).toBe(PIPE_SIZE);
    expect(buf).toEqual(pattern(PIPE_SIZE));
  });

  it("data stays in order when the ring buffer wraps around", () => {
    const { sys, r, w } = setup();
    const a = pattern(10000, 1);
    const b = pattern(10000, 2);
    expect(sys.rump_sys_write(w, a)).toBe(10000);
    const first = new Uint8Array(6000);
    expect(sys.rump_sys_read(r, first)).toBe(6000);
    expect(sys.rump_sys_write(w, b)).toBe(10000); // wraps past the end of the buffer
    expect(sys.rump_sys_fstat(r).st_size).toBe(14000);
    const rest = new Uint8Array(20000);
    // read in odd-sized pieces through readv
    const iov = [rest.subarray(0, 3333), rest.subarray(3333, 9000), rest.subarray(9000)];
    expect(sys.rump_sys_readv(r, iov)).toBe(14000);
    expect(first).toEqual(a.subarray(0, 6000));
    expect(rest.subarray(0, 4000)).toEqual(a.subarray(6000));
    expect(rest.subarray(4000, 14000)).toEqual(b);
  });
});

describe("PIPE_BUF atomicity", () => {
  /** A pipe with exactly `room` bytes free. */
  function withRoom(room: number, nonblock: boolean) {
    const t = setup(nonblock);
    t.sys.rump_sys_write(t.w, new Uint8Array(PIPE_SIZE - room));
    return t;
  }

  it("a write of at most PIPE_BUF bytes is all or nothing", () => {
    for (const nonblock of [true, false]) {
      const { sys, r, w } = withRoom(100, nonblock);
      expect(errnoOf(() => sys.rump_sys_write(w, new Uint8Array(PIPE_BUF)))).toBe(
        nonblock ? EAGAIN : EDEADLK,
      );
      expect(errnoOf(() => sys.rump_sys_write(w, new Uint8Array(101)))).toBe(
        nonblock ? EAGAIN : EDEADLK,
      );
      expect(sys.rump_sys_fstat(r).st_size).toBe(PIPE_SIZE - 100); // nothing went in
      expect(sys.rump_sys_write(w, new Uint8Array(100))).toBe(100); // exactly the room
    }
  });

  it("a write of more than PIPE_BUF bytes may be partial", () => {
    for (const nonblock of [true, false]) {
      const { sys, r, w } = withRoom(100, nonblock);
      expect(sys.rump_sys_write(w, pattern(PIPE_BUF + 1))).toBe(100);
      expect(sys.rump_sys_fstat(r).st_size).toBe(PIPE_SIZE);
      const buf = new Uint8Array(PIPE_SIZE);
      sys.rump_sys_read(r, buf);
      expect(buf.subarray(PIPE_SIZE - 100)).toEqual(pattern(100));
    }
  });

  it("writev counts the whole request for atomicity", () => {
    const { sys, r, w } = withRoom(300, true);
    const iov = [new Uint8Array(200), new Uint8Array(200)]; // 400 ≤ PIPE_BUF, > room
    expect(errnoOf(() => sys.rump_sys_writev(w, iov))).toBe(EAGAIN);
    expect(sys.rump_sys_fstat(r).st_size).toBe(PIPE_SIZE - 300);
    expect(sys.rump_sys_writev(w, [new Uint8Array(150), new Uint8Array(150)])).toBe(300);
  });
});

describe("where NetBSD would sleep", () => {
  it("reading an empty pipe: EDEADLK blocking, EAGAIN non-blocking, 0 at EOF", () => {
    const { sys, r, w } = setup();
    expect(errnoOf(() => sys.rump_sys_read(r, new Uint8Array(8)))).toBe(EDEADLK);
    sys.rump_sys_fcntl(r, F_SETFL, O_NONBLOCK);
    expect(errnoOf(() => sys.rump_sys_read(r, new Uint8Array(8)))).toBe(EAGAIN);
    sys.rump_sys_fcntl(r, F_SETFL, 0);
    expect(errnoOf(() => sys.rump_sys_read(r, new Uint8Array(8)))).toBe(EDEADLK);
    sys.rump_sys_close(w);
    expect(sys.rump_sys_read(r, new Uint8Array(8))).toBe(0);
    expect(sys.rump_sys_read(r, new Uint8Array(0))).toBe(0);
  });

  it("a read takes what is there without waiting for more", () => {
    const { sys, r, w } = setup();
    sys.rump_sys_write(w, pattern(10));
    const buf = new Uint8Array(100);
    expect(sys.rump_sys_read(r, buf)).toBe(10);
    expect(errnoOf(() => sys.rump_sys_read(r, buf))).toBe(EDEADLK);
  });

  it("a zero-length write to a full pipe succeeds", () => {
    const { sys, w } = setup();
    sys.rump_sys_write(w, new Uint8Array(PIPE_SIZE));
    expect(sys.rump_sys_write(w, new Uint8Array(0))).toBe(0);
  });

  it("EPIPE without a reader, with SIGPIPE unless F_SETNOSIGPIPE", () => {
    const { sys, host, r, w } = setup();
    sys.rump_sys_close(r);
    expect(errnoOf(() => sys.rump_sys_write(w, new Uint8Array(1)))).toBe(EPIPE);
    expect(host.signals).toEqual([{ pid: 1, sig: SIGPIPE }]);
    sys.rump_sys_fcntl(w, F_SETNOSIGPIPE, 1);
    expect(errnoOf(() => sys.rump_sys_write(w, new Uint8Array(1)))).toBe(EPIPE);
    expect(host.signals.length).toBe(1);
  });

  it("EPIPE wins over a full buffer", () => {
    const { sys, host, r, w } = setup();
    sys.rump_sys_write(w, new Uint8Array(PIPE_SIZE));
    sys.rump_sys_close(r);
    expect(errnoOf(() => sys.rump_sys_write(w, new Uint8Array(1)))).toBe(EPIPE);
    expect(host.signals.map((s) => s.sig)).toEqual([SIGPIPE]);
  });
});
