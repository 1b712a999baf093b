#!/usr/bin/env node
// The install script: makes sure an addon that fits this machine is there.
//
// A prebuilt binary for this platform that loads (prebuilds/, linux-x64 with
// glibc) and was made from these sources (prebuilds/sources.sha256: in a
// checkout, an edited native/rumpuser.cc is built anew) is used as it is:
// nothing is built, no compiler is needed. Elsewhere (or with `npm install
// --build-from-source`) the addon is built from source with the package
// manager's node-gyp into build/Release. A failed build
// prints one line and exits 0, because the package works without the addon
// (src/native.ts says what is lost). `--strict` (the "build:native" script)
// always builds, shows the compiler's output and fails with it.
// RUMPUSER_NATIVE=0 skips all of it.

import { existsSync, readFileSync } from "node:fs";
import process from "node:process";
import { relative } from "node:path";
import { loads, nodeGypRebuild, PREBUILD_SOURCES, prebuilds, ROOT, sourceHash } from "./native.mjs";

const strict = process.argv.includes("--strict");
const fromSource = /^(true|1|@rump\/rumpuser)$/.test(
  process.env.npm_config_build_from_source ?? "",
);

if (process.env.RUMPUSER_NATIVE === "0") {
  process.stderr.write("@rump/rumpuser: RUMPUSER_NATIVE=0, native addon not built\n");
  process.exit(0);
}

const current =
  existsSync(PREBUILD_SOURCES) && readFileSync(PREBUILD_SOURCES, "utf8").trim() === sourceHash();
if (!strict && !fromSource && current) {
  for (const file of prebuilds()) {
    if (loads(file) === null) {
      process.stdout.write(`@rump/rumpuser: using the prebuilt addon ${relative(ROOT, file)}\n`);
      process.exit(0);
    }
  }
}

const failed = nodeGypRebuild(strict);
if (failed !== null) {
  process.stderr.write(
    `@rump/rumpuser: native addon not built (${failed}); the package runs in pure JS\n`,
  );
  process.exit(strict ? 1 : 0);
}
process.stdout.write("@rump/rumpuser: native addon built (build/Release/rumpuser.node)\n");
