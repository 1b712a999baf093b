import { errnoNames, strerror } from "@rump/librump";
import { decodeUtf8 } from "./utf8.js";

/**
 * A failed system call, shaped like Node's fs errors: `errno` is the NetBSD
 * number, `code` its name ("ENOENT"), `syscall` the call ("open", "stat"),
 * `path` the file named by the call if there is one. The message
 * ("ENOENT: no such file or directory, open '/x'") is built only when read.
 */
export class RumpError extends Error {
  override readonly name = "RumpError";
  /** NetBSD errno */
  readonly errno: number;
  /** symbolic name of the errno, "UNKNOWN" for a number NetBSD does not define */
  readonly code: string;
  readonly syscall: string;
  readonly path: string | undefined;

  constructor(errno: number, syscall: string, path?: string | Uint8Array) {
    super();
    this.errno = errno;
    const code = errno > 0 ? errnoNames[errno] : undefined;
    this.code = code === undefined || code === "" ? "UNKNOWN" : code;
    this.syscall = syscall;
    if (typeof path === "string" || path === undefined) this.path = path;
    else this.path = decodeUtf8(path);
  }

  override get message(): string {
    const text = strerror(this.errno);
    // Node style: lower-case first letter, unless the text starts with an acronym ("RPC struct is bad")
    const desc = /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
    const where = this.path === undefined ? this.syscall : `${this.syscall} '${this.path}'`;
    return `${this.code}: ${desc}, ${where}`;
  }
}
