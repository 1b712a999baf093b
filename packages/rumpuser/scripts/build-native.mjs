#!/usr/bin/env node
// Builds build/Release/rumpuser.node with the package's own node-gyp.
//
// Run by the "install" script: a failed build prints one line and exits 0,
// because the package works without the addon (src/native.ts says what is
// lost). `--strict` (the "build:native" script) shows the compiler's output
// and fails with it. RUMPUSER_NATIVE=0 skips the build.
//
// Node's headers: node-gyp downloads them unless told where they are. When
// the running node has them beside it (<prefix>/include/node/node.h, as in
// distribution packages and the official tarballs) and no nodedir is
// configured, this passes --nodedir=<prefix>: no network needed, and the
// headers match the node that will load the addon.

import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  rmSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import process from "node:process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const strict = process.argv.includes("--strict");
const LOG = "build/native-build.log";

/** One line on stderr; in strict mode the build's failure is also ours. */
function giveUp(why) {
  process.stderr.write(
    `@rump/rumpuser: native addon not built (${why}); the package runs in pure JS\n`,
  );
  process.exit(strict ? 1 : 0);
}

if (process.env.RUMPUSER_NATIVE === "0") {
  process.stderr.write("@rump/rumpuser: RUMPUSER_NATIVE=0, native addon not built\n");
  process.exit(0);
}

let gyp;
try {
  gyp = createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js");
} catch {
  giveUp("node-gyp is not installed");
}

const args = [gyp, "rebuild"];
const prefix = join(dirname(process.execPath), "..");
if (
  !process.env.npm_config_nodedir &&
  process.platform !== "win32" &&
  existsSync(join(prefix, "include", "node", "node.h"))
) {
  args.push(`--nodedir=${prefix}`);
}

// node-gyp's output goes to a log (both streams, in order); rebuild empties
// build/ first, so the log is written elsewhere and copied in afterwards.
const tmp = mkdtempSync(join(tmpdir(), "rumpuser-gyp-"));
const tmpLog = join(tmp, "log");
const out = strict ? "inherit" : openSync(tmpLog, "w");
const r = spawnSync(process.execPath, args, {
  cwd: root,
  stdio: ["ignore", out, out],
  timeout: 10 * 60 * 1000,
});
if (typeof out === "number") closeSync(out);
// the log stays only when the build failed: src/native.ts points to it then
if (!strict && r.status !== 0) {
  mkdirSync(join(root, "build"), { recursive: true });
  copyFileSync(tmpLog, join(root, LOG));
}
rmSync(tmp, { recursive: true, force: true });

if (r.error) giveUp(`node-gyp did not run: ${r.error.message}`);
if (r.status !== 0)
  giveUp(`node-gyp exited with ${r.status ?? r.signal}${strict ? "" : `, see ${join(root, LOG)}`}`);
if (!existsSync(join(root, "build", "Release", "rumpuser.node")))
  giveUp("node-gyp made no build/Release/rumpuser.node");
process.stdout.write("@rump/rumpuser: native addon built (build/Release/rumpuser.node)\n");
