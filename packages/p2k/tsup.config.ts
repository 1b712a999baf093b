import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "cli/rump_ffs": "src/cli/rump_ffs.ts",
    "cli/rump_ext2fs": "src/cli/rump_ext2fs.ts",
    "cli/rump_tmpfs": "src/cli/rump_tmpfs.ts",
  },
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
