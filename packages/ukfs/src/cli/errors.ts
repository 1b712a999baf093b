/**
 * The errors of fsu: an operation error (exit 1, one line "fsu: CODE: text,
 * syscall 'path'[: reason]") and a usage error (exit 2, with the command's
 * usage line).
 */
import { RumpError } from "@rump/syscalls";

/** A RumpError with the reason spelled out after the Node-style message. */
export class FsuError extends RumpError {
  constructor(
    errno: number,
    syscall: string,
    path: string | undefined,
    readonly reason: string,
  ) {
    super(errno, syscall, path);
  }
  override get message(): string {
    return `${super.message}: ${this.reason}`;
  }
}

/** Bad command-line syntax: exit status 2 and the usage of `command` (or of fsu). */
export class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(
    message: string,
    readonly command: string | null,
  ) {
    super(message);
  }
}

/** Some entries could not be copied (each was reported as it happened): exit status 1. */
export class IncompleteError extends Error {
  override readonly name = "IncompleteError";
}
