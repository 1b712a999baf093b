/**
 * Build flags replaced at build time (tsup `define`) and set by vitest.
 * DIAGNOSTIC turns on the kernel's self-checks (vnode lock protocol, invariants):
 * on under vitest, off in published builds.
 */
declare const DIAGNOSTIC: boolean;
