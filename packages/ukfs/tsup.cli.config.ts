/**
 * The fsu bin, built after the library (tsup.config.ts cleans dist/ first):
 * - cli/fsu-main.cjs: the whole CLI (commands, ukfs, kernel, hypercalls) in
 *   one CommonJS file, comments and whitespace dropped and ASCII only, so
 *   that it loads as one read and one compile, and V8 can cache that
 *   compile (cli/launch.ts); identifiers are kept, so stack traces read;
 * - cli/fsu.cjs: the launcher that loads it with the code cache.
 * Both from the packages' sources (the @rump/source condition).
 */
import { defineConfig } from "tsup";

export default defineConfig({
  entry: { "cli/fsu": "src/cli/launch.ts", "cli/fsu-main": "src/cli/fsu.ts" },
  format: ["cjs"],
  platform: "node",
  target: "node20",
  noExternal: [/^@rump\//],
  shims: true,
  minifyWhitespace: true,
  minifySyntax: true,
  // no source maps: the bundle's sources are other packages' src/, which a
  // map shipped in this package must not point into (it reads without one:
  // identifiers are kept)
  sourcemap: false,
  clean: false,
  splitting: false,
  define: { DIAGNOSTIC: "false" },
  esbuildOptions(o) {
    o.charset = "ascii";
    o.conditions = ["@rump/source"];
  },
});
