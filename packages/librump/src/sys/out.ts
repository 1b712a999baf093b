/**
 * Out-parameters. NetBSD routines return an errno and write results through
 * pointers; ours write into caller-owned slot objects, which hot paths reuse
 * instead of allocating a result object per call.
 */

/** `T *` out-parameter (int *, size_t *, bool *, register_t *, …). */
export interface Out<T> {
  v: T;
}

/** A fresh slot, for callers that do not keep one around. */
export function out<T>(v: T): Out<T> {
  return { v };
}
