// What the install and prebuild scripts share: where the addon's files are,
// the ABI the package wants, whether a binary loads, and running node-gyp
// (node-gyp.mjs, shared with @rump/p2k's install script).

import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import process from "node:process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeGypBuild } from "./node-gyp.mjs";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The addon node-gyp builds. */
export const ADDON = join(ROOT, "build", "Release", "rumpuser.node");
/** Where a failed build at install leaves node-gyp's output (src/native.ts points to it). */
export const BUILD_LOG = join(ROOT, "build", "native-build.log");

/** RUMPUSER_NATIVE_ABI of native/rumpuser.cc: what src/native.ts accepts. */
export const ABI = Number(
  /#define RUMPUSER_NATIVE_ABI (\d+)/.exec(
    readFileSync(join(ROOT, "native", "rumpuser.cc"), "utf8"),
  )?.[1],
);

/** sha256 of the sources a binary is built from (native/rumpuser.cc, binding.gyp). */
export function sourceHash() {
  const h = createHash("sha256");
  for (const f of ["native/rumpuser.cc", "binding.gyp"]) h.update(readFileSync(join(ROOT, f)));
  return h.digest("hex");
}

/** Where prebuild.mjs records sourceHash() of the sources the prebuilt binaries were made from. */
export const PREBUILD_SOURCES = join(ROOT, "prebuilds", "sources.sha256");

/** prebuilds/<platform>-<arch>: the prebuilt binaries for this machine. */
export const PREBUILD_DIR = join(ROOT, "prebuilds", `${process.platform}-${process.arch}`);

/** The prebuilt binary's name for this machine, prebuildify's: node.napi[.glibc|.musl].node. */
export function prebuildName() {
  if (process.platform !== "linux") return "node.napi.node";
  const glibc = process.report?.getReport()?.header?.glibcVersionRuntime;
  return `node.napi.${glibc ? "glibc" : "musl"}.node`;
}

/** The prebuilt binaries shipped for this platform. */
export function prebuilds() {
  if (!existsSync(PREBUILD_DIR)) return [];
  return readdirSync(PREBUILD_DIR)
    .filter((n) => n.endsWith(".node"))
    .sort()
    .map((n) => join(PREBUILD_DIR, n));
}

/** null when `file` loads in this node and has our ABI, else why not. */
export function loads(file) {
  let m;
  try {
    m = createRequire(import.meta.url)(file);
  } catch (e) {
    return `does not load: ${String(e.message).split("\n")[0]}`;
  }
  return m.abi === ABI ? null : `has abi ${m.abi}, the package wants ${ABI}`;
}

/**
 * `node-gyp rebuild` of the addon. Its output goes to the terminal when
 * `loud`, else into BUILD_LOG when the build fails. Returns null on success,
 * else why it failed.
 */
export function nodeGypRebuild(loud) {
  return nodeGypBuild({ root: ROOT, addon: ADDON, log: BUILD_LOG, loud });
}
