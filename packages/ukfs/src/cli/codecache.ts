/**
 * Loading a CommonJS file with V8's code cache, for short processes: a
 * compile of the kernel is tens of milliseconds, loading the compiled code
 * from the cache a fraction of that. The fsu launcher uses it on every Node
 * (launch.ts says why not Node ≥ 22.1's module.enableCompileCache).
 *
 * The script is compiled with the cached data of an earlier run when there
 * is some; when there was none, or V8 refused it (another Node, other V8
 * flags, another build of the file), the data of this run is written at
 * exit, holding every function the process compiled. One file per key in
 * the cache folder, replaced atomically. A cache only speeds a load up:
 * whatever goes wrong with it, the file is compiled from source.
 *
 * (The same route for the ESM library was measured and dropped: compiled as
 * one CommonJS function, the kernel costs more uncached than as an ES
 * module, and the cache only wins that back.)
 */
import { isAscii } from "node:buffer";
import {
  closeSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  type Stats,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import * as vm from "node:vm";
import { WRAP_HEAD, WRAP_TAIL } from "./wrapper.js";

type CjsWrapper = (
  exports: object,
  require: (id: string) => unknown,
  module: { exports: object },
  filename: string,
  dirname: string,
) => void;

export interface LoadCachedOptions {
  /** the cache folder (see codeCacheDir), or null to compile without a cache */
  dir: string | null;
  /** the cache file's name in it: letters, digits, "-" and "." */
  key: string;
  /** what the script's require() answers */
  require: (id: string) => unknown;
  /** whether to write the cache at exit, given the exit status (default: always) */
  writeIf?: (exitCode: number) => boolean;
}

/**
 * The folder for code caches, or null when there is to be none: null when
 * NODE_DISABLE_COMPILE_CACHE=1; else NODE_COMPILE_CACHE or `fallback`; and
 * only a folder this user owns that no one else may write to (cached data
 * is code), created (mode 0700) when missing.
 */
export function codeCacheDir(fallback: string | null): string | null {
  const env = process.env;
  if (env.NODE_DISABLE_COMPILE_CACHE === "1") return null;
  const dir = env.NODE_COMPILE_CACHE || fallback;
  if (!dir) return null;
  let st: Stats;
  try {
    st = lstatSync(dir);
  } catch {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      st = lstatSync(dir);
    } catch {
      return null;
    }
  }
  const uid = process.getuid?.() ?? -1;
  if (!st.isDirectory() || (uid >= 0 && st.uid !== uid) || (st.mode & 0o022) !== 0) return null;
  return dir;
}

/**
 * The source of `raw` as the CommonJS function V8 is to compile: a bundle
 * built in the wrapper (wrapper.ts, ASCII by its build) is that function
 * once its TAIL is cut off; any other file is put in one. An ASCII source
 * reads as latin1, a cheap one-byte string.
 */
function wrapped(raw: Buffer): string {
  let end = raw.length;
  while (end > 0 && raw[end - 1] === 0x0a) end--;
  const n = end - WRAP_TAIL.length;
  if (
    n > WRAP_HEAD.length &&
    raw.toString("latin1", 0, WRAP_HEAD.length) === WRAP_HEAD &&
    raw.toString("latin1", n, end) === WRAP_TAIL
  )
    return raw.toString("latin1", 0, n);
  return `${WRAP_HEAD}${raw.toString(isAscii(raw) ? "latin1" : "utf8")}\n})`;
}

/** A code cache is about the size of the source; anything far larger is not one. */
const MAX_CACHE_BYTES = 64 << 20;

/** Bytes [0, size) of file `fd` into `buf` (which has room for them), or null when the file is shorter. */
function readInto(fd: number, size: number, buf: Buffer): Buffer | null {
  let got = 0;
  while (got < size) {
    const n = readSync(fd, buf, got, size - got, got);
    if (n === 0) return null;
    got += n;
  }
  return buf.subarray(0, size);
}

/** An open file and its size, or null when it cannot be opened. */
function openSized(path: string): { fd: number; size: number } | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return null;
  }
  try {
    return { fd, size: fstatSync(fd).size };
  } catch {
    closeSync(fd);
    return null;
  }
}

/** Run CommonJS file `file` (ASCII or UTF-8 source) and return its module.exports. */
export function loadCached(file: string, o: LoadCachedOptions): unknown {
  const fd = openSync(file, "r");
  let source: string;
  let cachePath: string | null = null;
  let cachedData: Buffer | undefined;
  let cache: { fd: number; size: number } | null = null;
  try {
    const st = fstatSync(fd);
    if (o.dir !== null) {
      // the build (size, time) and the Node it was made by are in the name
      cachePath = join(
        o.dir,
        `${o.key}-${process.version}-${process.arch}-${st.size}-${Math.floor(st.mtimeMs)}.v8`,
      );
      cache = openSized(cachePath);
      if (cache !== null && cache.size > MAX_CACHE_BYTES) {
        closeSync(cache.fd); // not one of ours
        cache = null;
      }
    }
    // One buffer for the source and then the cache (the source string is a
    // copy): on a short-lived process, memory touched for the first time is
    // much of the cost of a start.
    const buf = Buffer.allocUnsafeSlow(Math.max(st.size, cache?.size ?? 0));
    const raw = readInto(fd, st.size, buf);
    if (raw === null) throw new Error(`${file}: shorter than its size`);
    source = wrapped(raw);
    if (cache !== null) {
      try {
        cachedData = readInto(cache.fd, cache.size, buf) ?? undefined;
      } catch {
        cachedData = undefined;
      }
    }
  } finally {
    closeSync(fd);
    if (cache !== null) closeSync(cache.fd);
  }
  // an import() in the script loads as in a module of the main context (Node ≥ 20.12)
  const loader = (vm as unknown as { constants?: { USE_MAIN_CONTEXT_DEFAULT_LOADER?: symbol } })
    .constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  const script = new vm.Script(source, {
    filename: file,
    cachedData,
    ...(loader !== undefined ? { importModuleDynamically: loader as never } : {}),
  });
  if (cachePath !== null && (cachedData === undefined || script.cachedDataRejected === true)) {
    const target = cachePath;
    process.once("exit", (code) => {
      if (o.writeIf === undefined || o.writeIf(code))
        writeCache(target, `${o.key}-v`, script.createCachedData());
    });
  }
  const mod = { exports: {} };
  (script.runInThisContext() as CjsWrapper).call(
    mod.exports,
    mod.exports,
    o.require,
    mod,
    file,
    dirname(file),
  );
  return mod.exports;
}

/**
 * Write `data` to `file` atomically (a temporary file renamed over it) and
 * remove the other files starting with `prefix` (the same key, made for
 * other builds or Nodes); errors are ignored.
 */
function writeCache(file: string, prefix: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      /* nothing written */
    }
    return;
  }
  const dir = dirname(file);
  const base = basename(file);
  try {
    for (const f of readdirSync(dir))
      if (f !== base && f.startsWith(prefix) && f.endsWith(".v8")) unlinkSync(join(dir, f));
  } catch {
    /* stale files stay */
  }
}
