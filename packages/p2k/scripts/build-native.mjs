#!/usr/bin/env node
// The install script: builds build/Release/p2k.node (libfuse3's low-level
// API) from source with the package manager's node-gyp, through the build
// helper @rump/rumpuser shares with its own install script.
//
// The addon is built at install rather than shipped prebuilt: it links
// libfuse3, whose headers a machine that mounts has anyway (see the README's
// "Requirements and errors"). FUSE is optional for the rest of the project,
// so a build that cannot happen (not Linux, no libfuse3 headers, no
// compiler) prints one line saying what to install and exits 0; the package
// then loads, and p2k_init / mount() fail with that reason (src/native.ts).
// `--strict` (the "build:native" script) shows the compiler's output and
// fails with it. P2K_NATIVE=0 skips the build.

import { spawnSync } from "node:child_process";
import process from "node:process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeGypBuild } from "@rump/rumpuser/node-gyp";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const strict = process.argv.includes("--strict");
const HOWTO =
  "Debian/Ubuntu: apt install libfuse3-dev fuse3 pkg-config, then `npm rebuild @rump/p2k`";

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

const failed = nodeGypBuild({
  root,
  addon: join(root, "build", "Release", "p2k.node"),
  log: join(root, "build", "native-build.log"),
  loud: strict,
});
if (failed !== null) giveUp(failed);
process.stdout.write("@rump/p2k: FUSE addon built (build/Release/p2k.node)\n");
