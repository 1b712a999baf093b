import { defineConfig } from "tsup";

export default defineConfig([
  // the library: ESM with its types, @rump/* left to the importer's node_modules
  {
    entry: { index: "src/index.ts" },
    format: ["esm"],
    dts: { entry: { index: "src/index.ts" } },
    sourcemap: true,
    clean: true,
    target: "node20",
    define: { DIAGNOSTIC: "false" },
  },
]);
