#!/usr/bin/env node
// Builds build/Release/p2k.node (libfuse3's low-level API) with node-gyp.
//
// Run by the "install" script. FUSE is optional for the rest of the project,
// so a build that cannot happen (not Linux, no libfuse3 headers, no
// compiler) prints one line saying what to install and exits 0; the package
// then loads, and p2k_init / mount() fail with that reason (src/native.ts).
// `--strict` (the "build:native" script) shows the compiler's output and
// fails with it. P2K_NATIVE=0 skips the build.

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
const HOWTO =
  "Debian/Ubuntu: apt install libfuse3-dev fuse3 pkg-config, then pnpm --filter @rump/p2k build:native";

function giveUp(why) {
  process.stderr.write(
    `@rump/p2k: FUSE addon not built (${why}); mounting is unavailable until it is\n`,
  );
  process.exit(strict ? 1 : 0);
}

if (process.env.P2K_NATIVE === "0") {
  process.stderr.write("@rump/p2k: P2K_NATIVE=0, FUSE addon not built\n");
  process.exit(0);
}
if (process.platform !== "linux")
  giveUp(`FUSE through libfuse3 is supported on Linux only, not ${process.platform}`);

const pc = spawnSync("pkg-config", ["--exists", "fuse3"], { stdio: "ignore" });
if (pc.error) giveUp(`pkg-config is not installed; ${HOWTO}`);
if (pc.status !== 0) giveUp(`libfuse3's headers are not installed; ${HOWTO}`);

let gyp;
try {
  gyp = createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js");
} catch {
  giveUp("node-gyp is not installed");
}

const args = [gyp, "rebuild"];
// Node's headers beside the running node (distribution packages, official
// tarballs): no download, and they match the node that loads the addon
const prefix = join(dirname(process.execPath), "..");
if (!process.env.npm_config_nodedir && existsSync(join(prefix, "include", "node", "node.h")))
  args.push(`--nodedir=${prefix}`);

// rebuild empties build/, so the log is written elsewhere and copied in
const tmp = mkdtempSync(join(tmpdir(), "p2k-gyp-"));
const tmpLog = join(tmp, "log");
const out = strict ? "inherit" : openSync(tmpLog, "w");
const r = spawnSync(process.execPath, args, {
  cwd: root,
  stdio: ["ignore", out, out],
  timeout: 10 * 60 * 1000,
});
if (typeof out === "number") closeSync(out);
if (!strict && r.status !== 0) {
  mkdirSync(join(root, "build"), { recursive: true });
  copyFileSync(tmpLog, join(root, LOG));
}
rmSync(tmp, { recursive: true, force: true });

if (r.error) giveUp(`node-gyp did not run: ${r.error.message}`);
if (r.status !== 0)
  giveUp(`node-gyp exited with ${r.status ?? r.signal}${strict ? "" : `, see ${join(root, LOG)}`}`);
if (!existsSync(join(root, "build", "Release", "p2k.node")))
  giveUp("node-gyp made no build/Release/p2k.node");
process.stdout.write("@rump/p2k: FUSE addon built (build/Release/p2k.node)\n");
