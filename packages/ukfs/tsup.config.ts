import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", "cli/fsu": "src/cli/fsu.ts" },
  format: ["esm"],
  dts: { entry: { index: "src/index.ts" } },
  sourcemap: true,
  clean: true,
  target: "node20",
  define: { DIAGNOSTIC: "false" },
  // the maps point at src/, which the package ships, instead of carrying a second copy of it
  esbuildOptions(o) {
    o.sourcesContent = false;
  },
});
