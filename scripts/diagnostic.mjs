/* global process */
// Running the TypeScript sources directly (tsx, the "@rump/source" condition)
// skips the build step that replaces the DIAGNOSTIC flag (global.d.ts).
// Preload this to define it: off unless RUMP_DIAGNOSTIC=1.
globalThis.DIAGNOSTIC = process.env.RUMP_DIAGNOSTIC === "1";
