// What the install and prebuild scripts share: where the addon's files are,
// the ABI the package wants, whether a binary loads, and running node-gyp.
//
// node-gyp is not a dependency of the package: at install the package
// manager's own is used (npm and pnpm hand it to install scripts, as
// npm_config_node_gyp or a node-gyp on PATH); in the workspace it is a
// devDependency. node-addon-api (headers only) is a dependency, for builds
// from source.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  accessSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import process from "node:process";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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

function executable(p) {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** How to run node-gyp here: [command, ...args], or null. */
export function findNodeGyp() {
  const given = process.env.npm_config_node_gyp;
  if (given && existsSync(given)) return [process.execPath, given];
  try {
    return [
      process.execPath,
      createRequire(join(ROOT, "package.json")).resolve("node-gyp/bin/node-gyp.js"),
    ];
  } catch {
    // not installed beside the package: look on PATH (pnpm puts its own there)
  }
  for (const d of (process.env.PATH ?? "").split(delimiter)) {
    const p = join(d, process.platform === "win32" ? "node-gyp.cmd" : "node-gyp");
    if (d !== "" && executable(p)) return [p];
  }
  return null;
}

/**
 * `node-gyp rebuild` in the package. Its output goes to the terminal when
 * `loud`, else into BUILD_LOG when the build fails. Returns null on success,
 * else why it failed.
 *
 * Node's headers: node-gyp downloads them unless told where they are. When
 * the running node has them beside it (<prefix>/include/node/node.h, as in
 * distribution packages and the official tarballs) and no nodedir is
 * configured, --nodedir=<prefix> is passed: no network needed, and the
 * headers match the node that will load the addon.
 */
export function nodeGypRebuild(loud) {
  const gyp = findNodeGyp();
  if (gyp === null)
    return "node-gyp not found (the package manager provides it to install scripts; or `npm i -g node-gyp`)";
  const args = [...gyp.slice(1), "rebuild"];
  const prefix = join(dirname(process.execPath), "..");
  if (
    !process.env.npm_config_nodedir &&
    process.platform !== "win32" &&
    existsSync(join(prefix, "include", "node", "node.h"))
  )
    args.push(`--nodedir=${prefix}`);
  // rebuild empties build/ first, so the log is written elsewhere and copied in afterwards
  const tmp = mkdtempSync(join(tmpdir(), "rumpuser-gyp-"));
  const tmpLog = join(tmp, "log");
  const out = loud ? "inherit" : openSync(tmpLog, "w");
  const r = spawnSync(gyp[0], args, {
    cwd: ROOT,
    stdio: ["ignore", out, out],
    timeout: 10 * 60 * 1000,
  });
  if (typeof out === "number") closeSync(out);
  const failed = r.error
    ? `node-gyp did not run: ${r.error.message}`
    : r.status !== 0
      ? `node-gyp exited with ${r.status ?? r.signal}`
      : !existsSync(ADDON)
        ? "node-gyp made no build/Release/rumpuser.node"
        : null;
  if (failed !== null && !loud) {
    mkdirSync(dirname(BUILD_LOG), { recursive: true });
    copyFileSync(tmpLog, BUILD_LOG);
  }
  rmSync(tmp, { recursive: true, force: true });
  return failed === null || loud ? failed : `${failed}, see ${BUILD_LOG}`;
}
