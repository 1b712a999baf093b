import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  define: { DIAGNOSTIC: "false" },
  // the maps point at src/, which the package ships, instead of carrying a second copy of it
  esbuildOptions(o) {
    o.sourcesContent = false;
  },
});
