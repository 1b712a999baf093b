/**
 * The README's examples run as a user runs them, and its links work
 * (tests/helpers/readme.ts). The example mounts, so it runs only where FUSE
 * can be used; elsewhere it is skipped, saying why.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readmeSuite } from "../../../tests/helpers/readme_suite.js";
import { fuseSkipReason } from "./helpers.js";

readmeSuite(join(dirname(fileURLToPath(import.meta.url)), ".."), {
  skipExamples: fuseSkipReason,
});
