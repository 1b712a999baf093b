#!/usr/bin/env node
/** rump_ffs(8): see rump_fs.ts and `rump_ffs --help`. */
import { runRumpFs } from "./rump_fs.js";

runRumpFs("ffs", import.meta.url);
