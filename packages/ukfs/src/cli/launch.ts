#!/usr/bin/env node
/**
 * The fsu bin (dist/cli/fsu.cjs): starts the bundled CLI (fsu-main.cjs: the
 * commands, ukfs, the kernel and the hypercall layer in one file) with V8's
 * code cache, so that a command does not parse and compile the kernel anew
 * every time it starts.
 *
 * - Node ≥ 22.1 keeps the cache itself: module.enableCompileCache(), then an
 *   ordinary require (NODE_COMPILE_CACHE picks the folder,
 *   NODE_DISABLE_COMPILE_CACHE=1 turns it off).
 * - Older Node compiles the bundle through vm.Script with the cached data
 *   of an earlier run of the same command, and writes that data when there
 *   was none or V8 refused it (another Node, other V8 flags, a new fsu):
 *   one file per command, of what that command compiled, in
 *   $NODE_COMPILE_CACHE or <tmpdir>/rump-fsu-cache, a folder only this user
 *   may write to (else no cache is used). NODE_DISABLE_COMPILE_CACHE=1 turns
 *   it off here too.
 *
 * Whatever goes wrong with the cache, fsu runs uncached: a cache never
 * changes what a command does.
 */
import * as fs from "node:fs";
import * as nodeModule from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as vm from "node:vm";

const MAIN = path.join(__dirname, "fsu-main.cjs");
/** The bundle loaded as Node loads any CommonJS file (no cache of ours). */
const requireMain = (): unknown => nodeModule.createRequire(MAIN)(MAIN);

type WithCompileCache = { enableCompileCache?: (dir?: string) => unknown };

/** A cache folder only this user can write to, or null. */
function cacheDir(): string | null {
  const dir = process.env.NODE_COMPILE_CACHE || path.join(os.tmpdir(), "rump-fsu-cache");
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      st = fs.lstatSync(dir);
    } catch {
      return null;
    }
  }
  // a folder that someone else could have filled is not trusted: cached data is code
  const uid = process.getuid?.() ?? -1;
  if (!st.isDirectory() || (uid >= 0 && st.uid !== uid) || (st.mode & 0o022) !== 0) return null;
  return dir;
}

/** The cache file of this command for this bundle and Node. */
function cacheFile(dir: string, main: fs.Stats): string {
  const cmd = /^[a-z]{1,16}$/.test(process.argv[2] ?? "") ? process.argv[2]! : "other";
  const node = `${process.version}-${process.arch}`;
  return path.join(dir, `${cmd}-${node}-${main.size}-${Math.floor(main.mtimeMs)}.v8`);
}

/**
 * Write `data` to `file` atomically (a temporary file renamed over it) and
 * remove this command's caches of other bundles or Nodes; errors are ignored.
 */
function writeCache(file: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch {
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* nothing written */
    }
    return;
  }
  const dir = path.dirname(file);
  const base = path.basename(file);
  const cmd = base.slice(0, base.indexOf("-") + 1);
  try {
    for (const f of fs.readdirSync(dir))
      if (f !== base && f.startsWith(cmd) && f.endsWith(".v8")) fs.unlinkSync(path.join(dir, f));
  } catch {
    /* stale files stay */
  }
}

function runCached(): void {
  const dir = cacheDir();
  let main: fs.Stats;
  try {
    main = fs.statSync(MAIN);
  } catch {
    requireMain(); // let require report it
    return;
  }
  const file = dir === null ? null : cacheFile(dir, main);
  let cachedData: Buffer | undefined;
  if (file !== null) {
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      cachedData = undefined;
    }
  }
  // the bundle is ASCII (esbuild escapes the rest), so latin1 reads it exactly and fast
  const source =
    "(function (exports, require, module, __filename, __dirname) {" +
    fs.readFileSync(MAIN, "latin1") +
    "\n})";
  const script = new vm.Script(source, { filename: MAIN, cachedData });
  if (file !== null && (cachedData === undefined || script.cachedDataRejected === true)) {
    // at exit the cache holds every function this command compiled; a
    // command that failed (or was no command) leaves none
    process.once("exit", (code) => {
      if (code === 0) writeCache(file, script.createCachedData());
    });
  }
  const fn = script.runInThisContext() as (
    exports: object,
    require: NodeJS.Require,
    module: { exports: object },
    filename: string,
    dirname: string,
  ) => void;
  const mod = { exports: {} };
  fn.call(mod.exports, mod.exports, nodeModule.createRequire(MAIN), mod, MAIN, __dirname);
}

const off = process.env.NODE_DISABLE_COMPILE_CACHE === "1";
const enable = (nodeModule as WithCompileCache).enableCompileCache;
if (typeof enable === "function") {
  if (!off) enable();
  requireMain();
} else if (off) {
  requireMain();
} else {
  runCached();
}
