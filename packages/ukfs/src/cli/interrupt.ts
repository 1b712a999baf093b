/**
 * Ctrl-C (SIGINT) and SIGTERM during a long command: the work stops at the
 * next checkpoint and the command fails the usual way, so the image is
 * unmounted cleanly instead of the process dying with it mounted. A second
 * signal ends the process at once.
 */
import { EINTR } from "@rump/syscalls";
import { FsuError } from "./errors.js";

let requested = false;
let lastYield = 0;

export function catchInterrupts(): void {
  const on = (): void => {
    if (requested) process.exit(130);
    requested = true;
    // a command waiting for stdin (write) sees its end, then the checkpoint
    process.stdin.destroy();
  };
  process.on("SIGINT", on);
  process.on("SIGTERM", on);
}

/**
 * Let signals in (a turn of the event loop, at most every 50 ms) and throw
 * if one asked to stop.
 */
export async function checkpoint(syscall: string, path: string): Promise<void> {
  const now = process.uptime() * 1000; // not performance.now(): that loads perf_hooks, a millisecond of every start
  if (now - lastYield >= 50) {
    lastYield = now;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (requested)
    throw new FsuError(EINTR, syscall, path, "interrupted; the image was unmounted cleanly");
}

/** True once a signal asked to stop. */
export function interrupted(): boolean {
  return requested;
}
