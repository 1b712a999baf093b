/** The README's examples run as a user runs them, and its links work (tests/helpers/readme.ts). */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readmeSuite } from "../../../tests/helpers/readme_suite.js";

readmeSuite(join(dirname(fileURLToPath(import.meta.url)), ".."));
