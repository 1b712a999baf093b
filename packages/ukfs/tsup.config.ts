import { defineConfig } from "tsup";
import { LIBRARY } from "../../scripts/tsup-library.js";

// the library; the fsu bin is built after it (tsup.cli.config.ts)
export default defineConfig({
  ...LIBRARY,
  entry: { index: "src/index.ts" },
  dts: { entry: { index: "src/index.ts" } },
});
