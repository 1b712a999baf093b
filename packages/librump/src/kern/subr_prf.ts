/**
 * Kernel panic. A panic never exits the process: it throws RumpPanic and the
 * kernel instance that panicked is marked dead (DESIGN.md, hypercall answer 11).
 */
export class RumpPanic extends Error {
  override readonly name = "RumpPanic";
  constructor(message: string) {
    super(`panic: ${message}`);
  }
}

/** panic(9): stop this kernel with `message`. */
export function panic(message: string): never {
  throw new RumpPanic(message);
}

/** KASSERT under DIAGNOSTIC: panics when `cond` is false. */
export function KASSERT(cond: boolean, what: string): asserts cond {
  if (!cond) panic(`kernel diagnostic assertion "${what}" failed`);
}
