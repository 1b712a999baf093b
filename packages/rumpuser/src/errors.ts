/**
 * What a hypercall throws. Failures a caller can handle are errno returns;
 * these are the cases with no errno: the kernel ending (exit), a wait that
 * can never end on a single-threaded host, and a kernel breaking the
 * hypercall contract.
 */
import { EDEADLK } from "./errno.js";
import { RUMPUSER_PANIC } from "./rumpuser.js";

/** `exit(value)`: the kernel has ended with `status`; the process lives on. */
export class RumpuserExit extends Error {
  override readonly name: string = "RumpuserExit";
  readonly status: number;
  constructor(status: number, message = `rump kernel exited with status ${status}`) {
    super(message);
    this.status = status;
  }
}

/** `exit(RUMPUSER_PANIC)`: the kernel panicked. */
export class RumpuserPanic extends RumpuserExit {
  override readonly name: string = "RumpuserPanic";
  constructor() {
    super(RUMPUSER_PANIC, "rump kernel panic");
  }
}

/**
 * A wait nothing could ever end: a lock held by another lwp, or a condvar
 * wait, on a host with one thread. The kernel turns it into EDEADLK
 * (DESIGN.md, execution model); `errno` carries that number.
 */
export class RumpuserDeadlock extends Error {
  override readonly name: string = "RumpuserDeadlock";
  readonly errno = EDEADLK;
  constructor(what: string) {
    super(`${what} would wait forever: no other thread can release it`);
  }
}

/** The kernel broke the hypercall contract (recursive enter, exit of a free lock, …). */
export class RumpuserBug extends Error {
  override readonly name: string = "RumpuserBug";
  constructor(what: string) {
    super(`rumpuser: kernel bug: ${what}`);
  }
}
