#!/usr/bin/env node
/**
 * The fsu bin (dist/cli/fsu.cjs): starts the bundled CLI (fsu-main.cjs: the
 * commands, ukfs, the kernel and the hypercall layer in one file) with V8's
 * code cache, so that a command does not parse and compile the kernel anew
 * every time it starts.
 *
 * loadCached (codecache.ts) keeps one cache file per command (of what that
 * command compiled; a failed command writes none) in $NODE_COMPILE_CACHE or
 * <tmpdir>/rump-fsu-cache, a folder only this user may write to (else no
 * cache is used); NODE_DISABLE_COMPILE_CACHE=1 turns it off. On every Node:
 * Node ≥ 22.1's own module.enableCompileCache() was measured on Node 22.23
 * and is slower for fsu (1.9–2.0× the time of `node -e 0` for `fsu ls -l`,
 * against 1.5–1.6× with this cache), since its cache holds what was
 * compiled when the module loaded, not the functions the command then ran.
 *
 * Whatever goes wrong with the cache, fsu runs uncached: a cache never
 * changes what a command does. `fsu mount` and `fsu umount` run the unbundled
 * CLI (cli/fsu.js), which shares its modules with @rump/p2k; so does every
 * command under FSU_DEBUG=1, for stack traces with the sources' names (the
 * bundle's are minified).
 */
// named imports only: a namespace import of a builtin costs a copy of all
// its properties in the CommonJS build
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { codeCacheDir, loadCached } from "./codecache.js";

const MAIN = join(__dirname, "fsu-main.cjs");
const requireMain = createRequire(MAIN);

const command = process.argv[2] ?? "";
if (command === "mount" || command === "umount" || process.env.FSU_DEBUG === "1") {
  // These hand an opened image to @rump/p2k, which imports the packages as
  // ES modules: the CLI runs as an ES module on those same modules
  // (cli/fsu.js), not on the bundle's copies, whose classes p2k would not
  // know (instanceof RumpError, the kernel's own state). A mount is long-lived;
  // its start-up time does not matter.
  import(pathToFileURL(join(__dirname, "fsu.js")).href).catch((e: unknown) => {
    process.stderr.write(`fsu: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 70;
  });
} else {
  loadCached(MAIN, {
    dir: codeCacheDir(join(tmpdir(), "rump-fsu-cache")),
    key: /^[a-z]{1,16}$/.test(command) ? command : "other",
    require: requireMain,
    writeIf: (code) => code === 0,
  });
}
