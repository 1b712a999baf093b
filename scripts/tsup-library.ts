/**
 * The build every package's dist/ shares (each tsup.config.ts spreads it):
 * ESM with types and source maps, DIAGNOSTIC folded to false, and a shape
 * that loads fast, since most uses of these packages are short processes:
 * no comments or indentation and ASCII only (one non-ASCII character in a
 * comment makes V8 decode and scan the whole file as UTF-16), identifiers
 * and structure kept so that stack traces still read; the source maps lead
 * back to src/ (shipped with each package; the maps carry no copy of it).
 */
import type { Options } from "tsup";

export const LIBRARY: Options = {
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  define: { DIAGNOSTIC: "false" },
  minifyWhitespace: true,
  minifySyntax: true,
  esbuildOptions(o) {
    o.charset = "ascii";
    // the maps point at src/, which the package ships, instead of carrying a second copy of it
    o.sourcesContent = false;
  },
};
