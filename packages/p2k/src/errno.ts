/**
 * NetBSD errno → host errno, for fuse_reply_err: the one place kernel
 * answers become host numbers (the reverse of rumpuser's errtrans). By name,
 * through Node's table of the host's numbers; the few NetBSD errors the host
 * lacks get the nearest host meaning.
 */
import { constants } from "node:os";
import { errnoNames } from "@rump/librump";

const host = constants.errno as Readonly<Record<string, number>>;

/** NetBSD names without a host errno of the same name. */
const NEAREST: Readonly<Record<string, string>> = {
  // chmod of S_ISTXT on a file by a user, and other refused file types
  EFTYPE: "EPERM",
  ENOATTR: "ENODATA",
  EAUTH: "EACCES",
  ENEEDAUTH: "EACCES",
  EPROCLIM: "EAGAIN",
  EPROCUNAVAIL: "EIO",
  EPROGMISMATCH: "EIO",
  EPROGUNAVAIL: "EIO",
  ERPCMISMATCH: "EIO",
  EBADRPC: "EIO",
};

const EIO_HOST = host.EIO ?? 5;

const table: Int32Array = (() => {
  const t = new Int32Array(errnoNames.length).fill(EIO_HOST);
  for (let n = 1; n < errnoNames.length; n++) {
    const name = errnoNames[n];
    if (name === undefined || name === "") continue;
    const h = host[name] ?? host[NEAREST[name] ?? ""];
    if (h !== undefined) t[n] = h;
  }
  return t;
})();

/** The host's number for NetBSD errno `e` (EIO for anything unknown). */
export function hostErrno(e: number): number {
  return e > 0 && e < table.length ? table[e]! : EIO_HOST;
}

/** Host errno numbers p2k uses directly. */
export const HOST_ENOENT = host.ENOENT ?? 2;
export const HOST_EIO = EIO_HOST;
export const HOST_ENOSYS = host.ENOSYS ?? 38;
export const HOST_EINTR = host.EINTR ?? 4;
export const HOST_EINVAL = host.EINVAL ?? 22;
export const HOST_EBADF = host.EBADF ?? 9;
export const HOST_ERANGE = host.ERANGE ?? 34;
export const HOST_ENODEV = host.ENODEV ?? 19;
