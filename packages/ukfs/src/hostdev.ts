/**
 * Host files as the block devices newfs and fsck work on (a byte window of
 * an image file), and the image lock a kernel would hold, for tools that
 * work on an image without booting a kernel.
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import type { BlockDev } from "@rump/librump";
import {
  NodeHost,
  RUMPUSER_OPEN_BIO,
  RUMPUSER_OPEN_RDONLY,
  RUMPUSER_OPEN_RDWR,
} from "@rump/rumpuser";
import { EAGAIN } from "@rump/syscalls";
import { FsuError } from "./cli/errors.js";

/** Hold the image lock of `image` while `fn` runs (a NodeHost block-I/O open, as a kernel's). */
export function withImageLock<T>(image: string, exclusive: boolean, fn: () => T): T {
  const lines: string[] = [];
  const host = new NodeHost({ console: (l) => lines.push(l) });
  const fdp = { v: -1 };
  const e = host.open(
    image,
    (exclusive ? RUMPUSER_OPEN_RDWR : RUMPUSER_OPEN_RDONLY) | RUMPUSER_OPEN_BIO,
    fdp,
  );
  if (e !== 0) {
    const line = lines.find((l) => l.trim() !== "") ?? "";
    const why = line.startsWith(image + ": ") ? line.slice(image.length + 2) : line;
    throw new FsuError(
      e,
      "open",
      image,
      why !== "" ? why : e === EAGAIN ? "the image is in use by another process" : "cannot open",
    );
  }
  try {
    return fn();
  } finally {
    host.close(fdp.v);
  }
}

/** A window of a host file as a BlockDev (for newfs and fsck); close() when done. */
export function fileDev(
  path: string,
  offset: number,
  size: number,
  writable: boolean,
): BlockDev & { close(): void } {
  const fd = openSync(path, writable ? "r+" : "r");
  const end = Math.min(offset + size, writable ? offset + size : fstatSync(fd).size);
  const clip = (off: number, n: number): number => Math.max(0, Math.min(n, end - offset - off));
  return {
    size,
    read: (off, buf) => {
      try {
        return readSync(fd, buf, 0, clip(off, buf.length), offset + off);
      } catch {
        return -5; // EIO
      }
    },
    write: (off, buf) => {
      try {
        return writeSync(fd, buf, 0, clip(off, buf.length), offset + off);
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === "ENOSPC" ? -28 : -5;
      }
    },
    close: () => closeSync(fd),
  };
}
