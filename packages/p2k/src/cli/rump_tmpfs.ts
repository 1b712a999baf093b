#!/usr/bin/env node
/** rump_tmpfs(8): see rump_fs.ts and `rump_tmpfs --help`. */
import { runRumpFs } from "./rump_fs.js";

runRumpFs("tmpfs", import.meta.url);
