import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", "cli/fsu": "src/cli/fsu.ts" },
  format: ["esm"],
  dts: { entry: { index: "src/index.ts" } },
  sourcemap: true,
  clean: true,
  target: "node20",
  define: { DIAGNOSTIC: "false" },
});
