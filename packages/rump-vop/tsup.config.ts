import { defineConfig } from "tsup";
import { LIBRARY } from "../../scripts/tsup-library.js";

export default defineConfig({ ...LIBRARY, entry: ["src/index.ts"] });
