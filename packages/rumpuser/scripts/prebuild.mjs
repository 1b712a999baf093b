#!/usr/bin/env node
// Makes the prebuilt binary for this machine, the one the package ships:
// prebuilds/<platform>-<arch>/node.napi[.glibc|.musl].node (prebuildify's
// layout). One binary serves every Node >= 20 (Node-API 8).
//
// `pnpm --filter @rump/rumpuser build:prebuild` makes it; the package's
// "prepack" runs this with --pack, so every tarball (pnpm pack, changeset
// publish) carries a linux-x64 binary built from the sources it ships: on
// linux-x64 it is (re)made, elsewhere packing fails unless one is there.
//
// build/Release/rumpuser.node is reused when it is newer than the sources and
// loads with the package's ABI (the install script built it from the same
// sources with the same flags); else node-gyp rebuilds it first.
// prebuilds/sources.sha256 records which sources the binaries are made from.

import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import process from "node:process";
import { join, relative } from "node:path";
import {
  ABI,
  ADDON,
  loads,
  nodeGypRebuild,
  PREBUILD_DIR,
  PREBUILD_SOURCES,
  prebuildName,
  ROOT,
  sourceHash,
} from "./native.mjs";

const pack = process.argv.includes("--pack");
const SHIPPED = join(ROOT, "prebuilds", "linux-x64");

function fail(msg) {
  process.stderr.write(`@rump/rumpuser prebuild: ${msg}\n`);
  process.exit(1);
}

function fresh() {
  if (!existsSync(ADDON)) return false;
  const built = statSync(ADDON).mtimeMs;
  for (const src of ["native/rumpuser.cc", "binding.gyp"])
    if (statSync(join(ROOT, src)).mtimeMs > built) return false;
  return loads(ADDON) === null;
}

if (pack && `${process.platform}-${process.arch}` !== "linux-x64") {
  // another machine packs only what a linux-x64 one made
  const have = existsSync(SHIPPED) && readdirSync(SHIPPED).some((n) => n.endsWith(".node"));
  const current =
    existsSync(PREBUILD_SOURCES) && readFileSync(PREBUILD_SOURCES, "utf8").trim() === sourceHash();
  if (!have || !current)
    fail(
      `${have ? "the prebuilds/linux-x64 binary was made from other sources" : "no prebuilds/linux-x64 binary"}: pack and publish on linux-x64 (CI), which makes it (this is ${process.platform}-${process.arch})`,
    );
  process.exit(0);
}

if (!fresh()) {
  const failed = nodeGypRebuild(true);
  if (failed !== null) fail(`the build failed: ${failed}`);
}
const why = loads(ADDON);
if (why !== null) fail(`${relative(ROOT, ADDON)} ${why}`);

mkdirSync(PREBUILD_DIR, { recursive: true });
const out = join(PREBUILD_DIR, prebuildName());
copyFileSync(ADDON, out);
const check = loads(out);
if (check !== null) fail(`${relative(ROOT, out)} ${check}`);
// the install script uses a prebuilt binary only where the sources are these
writeFileSync(PREBUILD_SOURCES, sourceHash() + "\n");
process.stdout.write(
  `@rump/rumpuser prebuild: ${relative(ROOT, out)} (abi ${ABI}, ${statSync(out).size} bytes)\n`,
);
