// Building a package's native addon with node-gyp at install: the part every
// addon of the project shares (@rump/rumpuser's and @rump/p2k's install and
// prebuild scripts), exported as "@rump/rumpuser/node-gyp".
//
// node-gyp is not a dependency of the packages: at install the package
// manager's own is used (npm and pnpm hand it to install scripts, as
// npm_config_node_gyp or a node-gyp on PATH); in the workspace it is a
// devDependency. node-addon-api (headers only) is a dependency of each
// package with an addon, for builds from source.

import { spawnSync } from "node:child_process";
import {
  accessSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import process from "node:process";
import { delimiter, dirname, join, relative } from "node:path";

function executable(p) {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** How to run node-gyp for the package at `root`: [command, ...args], or null. */
export function findNodeGyp(root) {
  const given = process.env.npm_config_node_gyp;
  if (given && existsSync(given)) return [process.execPath, given];
  try {
    return [
      process.execPath,
      createRequire(join(root, "package.json")).resolve("node-gyp/bin/node-gyp.js"),
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
 * `node-gyp rebuild` in the package at `root`, which must make `addon` (a
 * path). Its output goes to the terminal when `loud`, else into `log` when
 * the build fails. Returns null on success, else why it failed.
 *
 * Node's headers: node-gyp downloads them unless told where they are. When
 * the running node has them beside it (<prefix>/include/node/node.h, as in
 * distribution packages and the official tarballs) and no nodedir is
 * configured, --nodedir=<prefix> is passed: no network needed, and the
 * headers match the node that will load the addon.
 */
export function nodeGypBuild({ root, addon, log, loud }) {
  const gyp = findNodeGyp(root);
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
  const tmp = mkdtempSync(join(tmpdir(), "rump-gyp-"));
  const tmpLog = join(tmp, "log");
  const out = loud ? "inherit" : openSync(tmpLog, "w");
  const r = spawnSync(gyp[0], args, {
    cwd: root,
    stdio: ["ignore", out, out],
    timeout: 10 * 60 * 1000,
  });
  if (typeof out === "number") closeSync(out);
  const failed = r.error
    ? `node-gyp did not run: ${r.error.message}`
    : r.status !== 0
      ? `node-gyp exited with ${r.status ?? r.signal}`
      : !existsSync(addon)
        ? `node-gyp made no ${relative(root, addon)}`
        : null;
  if (failed !== null && !loud) {
    mkdirSync(dirname(log), { recursive: true });
    copyFileSync(tmpLog, log);
  }
  rmSync(tmp, { recursive: true, force: true });
  return failed === null || loud ? failed : `${failed}, see ${log}`;
}
