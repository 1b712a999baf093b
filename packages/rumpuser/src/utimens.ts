/**
 * Setting a host file's times to the nanosecond, for tools that copy trees
 * out of an image (fsu get). node:fs passes times as a double of seconds,
 * which at today's dates is about 240 ns coarse; the addon's utimensat(2)
 * carries whole nanoseconds. Without the addon this falls back to node:fs
 * (the times are then rounded) and `exact` tells callers which they got.
 */
import { lutimesSync, utimesSync } from "node:fs";
import { getSystemErrorMap } from "node:util";
import { native } from "./native.js";

/** A time as seconds and nanoseconds (struct timespec). */
export interface HostTimespec {
  tv_sec: number;
  tv_nsec: number;
}

/** Whether hostUtimens keeps nanoseconds here (the addon is loaded). */
export const hostUtimensExact: boolean = native !== null;

/**
 * Set the access and modification times of host `path` (of a symbolic link
 * itself when `nofollow`). Throws a Node-style error (`code`, `syscall`,
 * `path`) on failure.
 */
export function hostUtimens(
  path: string,
  atime: HostTimespec,
  mtime: HostTimespec,
  nofollow: boolean,
): void {
  if (native === null) {
    const sec = (t: HostTimespec): number => t.tv_sec + t.tv_nsec / 1e9;
    (nofollow ? lutimesSync : utimesSync)(path, sec(atime), sec(mtime));
    return;
  }
  const rv = native.utimens(
    path,
    atime.tv_sec,
    atime.tv_nsec,
    mtime.tv_sec,
    mtime.tv_nsec,
    nofollow,
  );
  if (rv === 0) return;
  const [code, text] = getSystemErrorMap().get(rv) ?? ["EIO", "i/o error"];
  const e = new Error(`${code}: ${text}, utimensat '${path}'`) as NodeJS.ErrnoException;
  e.code = code;
  e.errno = rv;
  e.syscall = "utimensat";
  e.path = path;
  throw e;
}
