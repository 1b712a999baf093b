/**
 * What a stub needs from a kernel: one entry point and the retval pair.
 * The in-process kernel implements it structurally; a remote client
 * (sysproxy) can too.
 */
export interface SyscallTransport {
  /**
   * retval[0], retval[1] of the last call (NetBSD's register_t retval[2]).
   * The stubs keep a reference to this array: it must not be replaced.
   */
  readonly retval: Float64Array;
  /**
   * Run system call `num` with its C arguments in order, PAD slots dropped
   * (see the type table in the README). Returns 0 or a NetBSD errno; results
   * are left in `retval`.
   */
  syscall(
    num: number,
    a0?: unknown,
    a1?: unknown,
    a2?: unknown,
    a3?: unknown,
    a4?: unknown,
    a5?: unknown,
    a6?: unknown,
    a7?: unknown,
  ): number;
}
