import { defineConfig } from "tsup";
import { LIBRARY } from "../../scripts/tsup-library.js";

// the library, and the CLI as an ES module on it (cli/fsu.js: what the bin runs
// for fsu mount/umount, sharing its modules with @rump/p2k); the bin itself
// is built after it (tsup.cli.config.ts)
export default defineConfig({
  ...LIBRARY,
  entry: { index: "src/index.ts", "cli/fsu": "src/cli/fsu.ts" },
  dts: { entry: { index: "src/index.ts" } },
});
