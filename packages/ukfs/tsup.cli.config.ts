/**
 * The fsu bin, built after the library (tsup.config.ts cleans dist/ first):
 * - cli/fsu-main.cjs: the whole CLI (commands, ukfs, kernel, hypercalls) in
 *   one CommonJS file, minified and ASCII only, so that it loads as one
 *   short read and one compile, and V8 can cache that compile
 *   (cli/launch.ts). Minified names cut its load by about a tenth; a stack
 *   trace that reads comes from FSU_DEBUG=1, which runs the unbundled CLI
 *   (cli/fsu.js, with source maps) instead;
 * - cli/fsu.cjs: the launcher that loads it with the code cache.
 * Both from the packages' sources (the @rump/source condition).
 */
import { defineConfig, type Options } from "tsup";
import { WRAP_HEAD, WRAP_TAIL } from "./src/cli/wrapper.js";

const BIN: Options = {
  format: ["cjs"],
  platform: "node",
  target: "node20",
  noExternal: [/^@rump\//],
  shims: true,
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: true,
  // no source maps: the bundle's sources are other packages' src/, which a
  // map shipped in this package must not point into (FSU_DEBUG=1 above)
  sourcemap: false,
  clean: false,
  splitting: false,
  define: { DIAGNOSTIC: "false" },
  esbuildOptions(o) {
    o.charset = "ascii";
    o.conditions = ["@rump/source"];
  },
};

export default defineConfig([
  { ...BIN, entry: { "cli/fsu": "src/cli/launch.ts" } },
  // in the CommonJS wrapper the launcher compiles (src/cli/wrapper.ts)
  {
    ...BIN,
    entry: { "cli/fsu-main": "src/cli/fsu.ts" },
    banner: { js: WRAP_HEAD },
    footer: { js: `\n})${WRAP_TAIL}` },
  },
]);
