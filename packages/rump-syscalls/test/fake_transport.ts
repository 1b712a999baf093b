import type { SyscallTransport } from "../src/index.js";

/** One recorded call. */
export interface Call {
  num: number;
  args: unknown[];
}

/** What the fake kernel does for one call: an errno, retvals, and writes into out-arguments. */
export interface Answer {
  error?: number;
  rv0?: number;
  rv1?: number;
  fill?: (args: unknown[]) => void;
}

/**
 * A SyscallTransport that records every call and answers from a script:
 * `answer(num, args)` decides errno, retval and what to write into the
 * out-arguments. It tests the stubs' marshalling, not a kernel.
 */
export class RecordingTransport implements SyscallTransport {
  readonly retval = new Float64Array(2);
  readonly calls: Call[] = [];
  answer: (num: number, args: unknown[]) => Answer = () => ({});

  syscall(num: number, ...args: unknown[]): number {
    this.calls.push({ num, args });
    const a = this.answer(num, args);
    if (a.rv0 !== undefined) this.retval[0] = a.rv0;
    if (a.rv1 !== undefined) this.retval[1] = a.rv1;
    a.fill?.(args);
    return a.error ?? 0;
  }

  get last(): Call {
    const c = this.calls[this.calls.length - 1];
    if (c === undefined) throw new Error("no call recorded");
    return c;
  }
}
