/**
 * Host error → NetBSD errno: the only place host error numbers become NetBSD
 * ones (STYLE.md §1.4, DESIGN.md hypercall answer 9). Like
 * rumpuser_errtrans.c the mapping goes by name; unlike it, an unknown host
 * error becomes EIO (not EINVAL) and is reported on the console.
 *
 * Node-only: reads the host's errno numbering from node:os. Host-free code
 * (MemoryHost, the shared host logic) produces NetBSD numbers directly.
 */
import { constants } from "node:os";
import { EFBIG, EINVAL, EIO, EOPNOTSUPP, NETBSD_ERRNO } from "./errno.js";

/**
 * Names whose NetBSD number differs from plain name lookup, or that only the
 * host has. libuv (hence Node's `.code`) knows only ENOTSUP, and Linux gives
 * ENOTSUP and EOPNOTSUPP one number: a host "not supported" is the kernel's
 * EOPNOTSUPP (45), the errno NetBSD's file systems return.
 */
const HOST_ALIASES: Readonly<Record<string, number>> = {
  ENOTSUP: EOPNOTSUPP,
  EDEADLOCK: NETBSD_ERRNO.EDEADLK!,
  // Node's own codes for host-side refusals of fs arguments
  ERR_FS_FILE_TOO_LARGE: EFBIG,
  ERR_OUT_OF_RANGE: EINVAL,
  ERR_INVALID_ARG_VALUE: EINVAL, // e.g. a name with a NUL byte
};

/**
 * host errno number → name; the first name wins for aliased numbers. Built
 * at the first host error, not at import: most runs meet none.
 */
let names: Map<number, string> | null = null;

function hostNames(): Map<number, string> {
  if (names !== null) return names;
  const m = new Map<number, string>();
  const table = constants.errno as Readonly<Record<string, number>>;
  // canonical names before their aliases (Linux: EWOULDBLOCK = EAGAIN, ENOTSUP = EOPNOTSUPP)
  const aliases = new Set(["EWOULDBLOCK", "EDEADLOCK", "ENOTSUP"]);
  for (const pass of [false, true]) {
    for (const [name, num] of Object.entries(table)) {
      if (aliases.has(name) !== pass) continue;
      if (!m.has(num)) m.set(num, name);
    }
  }
  return (names = m);
}

/** NetBSD number for a host errno name, or 0 when there is none. */
function byName(name: string): number {
  return HOST_ALIASES[name] ?? NETBSD_ERRNO[name] ?? 0;
}

/** Name of a host errno number (sign ignored), or undefined. */
export function hostErrnoName(n: number): string | undefined {
  return hostNames().get(Math.abs(n));
}

/**
 * Translate a host error to a NetBSD errno.
 *
 * `e` may be a Node error (`.code` 'ENOENT' preferred, else `.errno`), a host
 * errno number (sign ignored: the addon returns -errno), or an errno name.
 * 0 stays 0. Anything not known becomes EIO; `report`, when given (a host's
 * console), receives a line naming the host code.
 */
export function errtrans(e: unknown, report?: (line: string) => void): number {
  let code: string | undefined;
  let num: number | undefined;
  if (typeof e === "number") {
    if (e === 0) return 0;
    num = e;
  } else if (typeof e === "string") {
    code = e;
  } else if (typeof e === "object" && e !== null) {
    const c = (e as { code?: unknown }).code;
    const n = (e as { errno?: unknown }).errno;
    if (typeof c === "string") code = c;
    if (typeof n === "number") num = n;
  }
  if (code !== undefined) {
    const r = byName(code);
    if (r !== 0) return r;
  }
  if (num !== undefined && Number.isInteger(num)) {
    const name = hostErrnoName(num);
    if (name !== undefined) {
      const r = byName(name);
      if (r !== 0) return r;
    }
  }
  if (report !== undefined) {
    const what =
      code ??
      (num !== undefined ? `errno ${Math.abs(num)}` : e instanceof Error ? e.message : String(e));
    report(`rumpuser: unknown host error ${what}, reported as EIO`);
  }
  return EIO;
}
