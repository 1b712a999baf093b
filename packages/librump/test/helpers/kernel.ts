/**
 * Helpers for the per-subsystem unit tests: every test boots its own kernel
 * (on a MemoryHost unless it needs host files) and shuts it down when the
 * test finishes.
 */
import { MemoryHost, type MemoryHostOptions } from "@rump/rumpuser";
import {
  createSyscalls,
  O_CREAT,
  O_RDONLY,
  O_TRUNC,
  O_WRONLY,
  parseDirents,
  RumpError,
  type RumpSyscalls,
} from "@rump/syscalls";
import { onTestFinished } from "vitest";
import type { Kernel } from "../../src/rump/kernel.js";
import { createKernel } from "../../src/rump/rump.js";

export interface Booted {
  k: Kernel;
  sys: RumpSyscalls;
  host: MemoryHost;
}

/** Boot a kernel on a fresh MemoryHost; shut down when the test finishes. */
export function boot(
  params?: Record<string, string | number>,
  hostOptions: MemoryHostOptions = {},
): Booted {
  const host = new MemoryHost({ log: false, ...hostOptions });
  const k = createKernel({ host, params });
  onTestFinished(() => release(k));
  return { k, sys: createSyscalls(k), host };
}

/** Shut `k` down unless it already is (or panicked). */
export function release(k: Kernel): void {
  if (k.dead !== null) return;
  if (k.rump_pub_lwproc_curlwp() !== null) k.rump_pub_lwproc_switch(null);
  k.shutdown();
}

/** The NetBSD errno `fn` fails with (throws if it does not fail with a RumpError). */
export function errnoOf(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof RumpError) return e.errno;
    throw e;
  }
  throw new Error("expected the call to fail");
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function bytes(s: string): Uint8Array {
  return enc.encode(s);
}

export function text(b: Uint8Array): string {
  return dec.decode(b);
}

/** Read up to `n` bytes from `fd` and return them. */
export function readN(sys: RumpSyscalls, fd: number, n: number): Uint8Array {
  const buf = new Uint8Array(n);
  const got = sys.rump_sys_read(fd, buf, n);
  return buf.subarray(0, got);
}

/** Names in directory `path`, as getdents reports them. */
export function listdir(sys: RumpSyscalls, path: string): string[] {
  const fd = sys.rump_sys_open(path, 0);
  try {
    const names: string[] = [];
    const buf = new Uint8Array(4096);
    for (;;) {
      const n = sys.rump_sys_getdents(fd, buf, buf.length);
      if (n === 0) break;
      for (const d of parseDirents(buf, n)) names.push(d.d_name);
    }
    return names;
  } finally {
    sys.rump_sys_close(fd);
  }
}

/**
 * Create (or truncate, or with O_APPEND append to) `path` and write all of
 * `data`; the descriptor is closed also when a write fails (ENOSPC).
 */
export function writeFile(
  sys: RumpSyscalls,
  path: string,
  data: Uint8Array,
  flags = O_TRUNC,
): void {
  const fd = sys.rump_sys_open(path, O_WRONLY | O_CREAT | flags, 0o644);
  try {
    let off = 0;
    while (off < data.length) off += sys.rump_sys_write(fd, data.subarray(off));
  } finally {
    sys.rump_sys_close(fd);
  }
}

/**
 * What reads of `path` give, up to `size` + 1 bytes in reads of at most
 * 1 MiB: one byte more than a file is meant to hold shows that it read on
 * past its end.
 */
export function readUpTo(sys: RumpSyscalls, path: string, size: number): Uint8Array {
  const fd = sys.rump_sys_open(path, O_RDONLY);
  try {
    const out = new Uint8Array(size + 1);
    let got = 0;
    while (got < out.length) {
      const n = sys.rump_sys_read(fd, out.subarray(got), Math.min(1 << 20, out.length - got));
      if (n === 0) break;
      got += n;
    }
    return out.subarray(0, got);
  } finally {
    sys.rump_sys_close(fd);
  }
}

/** The whole contents of `path` (as far as reads go, up to its size). */
export function readFile(sys: RumpSyscalls, path: string): Uint8Array {
  const st = sys.rump_sys_stat(path);
  const fd = sys.rump_sys_open(path, O_RDONLY);
  try {
    const buf = new Uint8Array(st.st_size);
    let off = 0;
    while (off < buf.length) {
      const n = sys.rump_sys_read(fd, buf.subarray(off));
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    sys.rump_sys_close(fd);
  }
}
