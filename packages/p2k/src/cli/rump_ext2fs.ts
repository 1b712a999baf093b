#!/usr/bin/env node
/** rump_ext2fs(8): see rump_fs.ts and `rump_ext2fs --help`. */
import { runRumpFs } from "./rump_fs.js";

runRumpFs("ext2fs", import.meta.url);
