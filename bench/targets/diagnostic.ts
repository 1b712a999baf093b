/**
 * librump's sources test the build flag DIAGNOSTIC (global.d.ts), which tsup
 * folds to `false` in published builds and vitest defines as `true`. The
 * benchmark runs the sources through tsx, where nothing defines it: give it
 * the published value before the kernel runs, so the bench measures what
 * users get. (Imported for its side effect, before @rump/librump.)
 */
const g = globalThis as { DIAGNOSTIC?: boolean };
g.DIAGNOSTIC ??= false;

export {};
