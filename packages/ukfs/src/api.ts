/**
 * The object API of a ukfs handle: Node's fs names and options, synchronous
 * (the kernel runs every call to completion; there is nothing to wait for),
 * errors as RumpError with the NetBSD errno, the syscall and the path.
 * Paths are inside the file system: "/" is its root, relative paths start at
 * the handle's cwd (ukfs_chdir / `chdir`).
 */
import { createRequire } from "node:module";
import { posix } from "node:path";
import type * as Stream from "node:stream";
import type { Readable, Writable } from "node:stream";
import {
  DT_BLK,
  DT_CHR,
  DT_DIR,
  DT_FIFO,
  DT_LNK,
  DT_REG,
  DT_SOCK,
  EEXIST,
  EISDIR,
  ELOOP,
  ENOENT,
  EOPNOTSUPP,
  O_APPEND,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  parseDirents,
  RumpError,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
  type RumpSyscalls,
  type Stat,
  type Timespec,
} from "@rump/syscalls";
import { UkfsCore } from "./handle.js";

const ST_WAIT = 1;
const CHUNK = 64 * 1024;

/** node:stream, loaded by the first stream asked for: loading it costs milliseconds of every start. */
let streamModule: typeof Stream | null = null;
function streams(): typeof Stream {
  return (streamModule ??= createRequire(import.meta.url)("node:stream") as typeof Stream);
}

/** A file's status, shaped like Node's fs.Stats (times also as NetBSD timespecs). */
export class UkfsStats {
  readonly dev: number;
  readonly ino: number;
  readonly mode: number;
  readonly nlink: number;
  readonly uid: number;
  readonly gid: number;
  readonly rdev: number;
  readonly size: number;
  readonly blksize: number;
  readonly blocks: number;
  /** chflags(2) flags */
  readonly flags: number;
  readonly atimeMs: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly birthtimeMs: number;
  readonly atime: Date;
  readonly mtime: Date;
  readonly ctime: Date;
  readonly birthtime: Date;
  /** the raw struct stat */
  readonly raw: Stat;

  constructor(st: Stat) {
    const ms = (t: Timespec): number => t.tv_sec * 1000 + t.tv_nsec / 1e6;
    this.raw = st;
    this.dev = st.st_dev;
    this.ino = st.st_ino;
    this.mode = st.st_mode;
    this.nlink = st.st_nlink;
    this.uid = st.st_uid;
    this.gid = st.st_gid;
    this.rdev = st.st_rdev;
    this.size = st.st_size;
    this.blksize = st.st_blksize;
    this.blocks = st.st_blocks;
    this.flags = st.st_flags;
    this.atimeMs = ms(st.st_atimespec);
    this.mtimeMs = ms(st.st_mtimespec);
    this.ctimeMs = ms(st.st_ctimespec);
    this.birthtimeMs = ms(st.st_birthtimespec);
    this.atime = new Date(this.atimeMs);
    this.mtime = new Date(this.mtimeMs);
    this.ctime = new Date(this.ctimeMs);
    this.birthtime = new Date(this.birthtimeMs);
  }
  isFile(): boolean {
    return (this.mode & S_IFMT) === S_IFREG;
  }
  isDirectory(): boolean {
    return (this.mode & S_IFMT) === S_IFDIR;
  }
  isSymbolicLink(): boolean {
    return (this.mode & S_IFMT) === S_IFLNK;
  }
  isBlockDevice(): boolean {
    return (this.mode & S_IFMT) === S_IFBLK;
  }
  isCharacterDevice(): boolean {
    return (this.mode & S_IFMT) === S_IFCHR;
  }
  isFIFO(): boolean {
    return (this.mode & S_IFMT) === S_IFIFO;
  }
  isSocket(): boolean {
    return (this.mode & S_IFMT) === S_IFSOCK;
  }
}

/** A directory entry, shaped like Node's fs.Dirent. */
export class UkfsDirent {
  constructor(
    readonly name: string,
    /** the directory the entry is in */
    readonly parentPath: string,
    /** DT_* */
    readonly type: number,
    readonly ino: number,
  ) {}
  /** Node's older name of parentPath */
  get path(): string {
    return this.parentPath;
  }
  isFile(): boolean {
    return this.type === DT_REG;
  }
  isDirectory(): boolean {
    return this.type === DT_DIR;
  }
  isSymbolicLink(): boolean {
    return this.type === DT_LNK;
  }
  isBlockDevice(): boolean {
    return this.type === DT_BLK;
  }
  isCharacterDevice(): boolean {
    return this.type === DT_CHR;
  }
  isFIFO(): boolean {
    return this.type === DT_FIFO;
  }
  isSocket(): boolean {
    return this.type === DT_SOCK;
  }
}

/** One step of `walk`: an entry and its path from the walk's root. */
export interface WalkEntry {
  /** full path inside the file system */
  path: string;
  /** depth below the walk's root (the root itself: 0, its entries: 1) */
  depth: number;
  dirent: UkfsDirent;
}

/** statfs result, shaped like Node's fs.StatFs, plus the file-system type name. */
export interface UkfsStatFs {
  type: string;
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  /** where the file system is mounted inside the kernel, and from what */
  mntonname: string;
  mntfromname: string;
  readonly: boolean;
}

export type FileFlag = "r" | "r+" | "w" | "wx" | "w+" | "wx+" | "a" | "ax" | "a+" | "ax+";

const FLAGS: Record<FileFlag, number> = {
  r: O_RDONLY,
  "r+": O_RDWR,
  w: O_WRONLY | O_CREAT | O_TRUNC,
  wx: O_WRONLY | O_CREAT | O_TRUNC | O_EXCL,
  "w+": O_RDWR | O_CREAT | O_TRUNC,
  "wx+": O_RDWR | O_CREAT | O_TRUNC | O_EXCL,
  a: O_WRONLY | O_CREAT | O_APPEND,
  ax: O_WRONLY | O_CREAT | O_APPEND | O_EXCL,
  "a+": O_RDWR | O_CREAT | O_APPEND,
  "ax+": O_RDWR | O_CREAT | O_APPEND | O_EXCL,
};

function openFlags(flag: FileFlag | number | undefined, dflt: FileFlag): number {
  if (typeof flag === "number") return flag;
  const v = FLAGS[flag ?? dflt];
  if (v === undefined) throw new TypeError(`unknown file flag ${String(flag)}`);
  return v;
}

function toBytes(data: string | Uint8Array, encoding?: BufferEncoding): Uint8Array {
  return typeof data === "string" ? Buffer.from(data, encoding ?? "utf8") : data;
}

/** seconds (number), a Date, or a numeric string → timespec */
function toTimespec(t: number | string | Date): Timespec {
  const s = t instanceof Date ? t.getTime() / 1000 : Number(t);
  if (!Number.isFinite(s)) throw new TypeError(`invalid time ${String(t)}`);
  const sec = Math.floor(s);
  return { tv_sec: sec, tv_nsec: Math.round((s - sec) * 1e9) };
}

function dtOfMode(mode: number): number {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return DT_REG;
    case S_IFDIR:
      return DT_DIR;
    case S_IFLNK:
      return DT_LNK;
    case S_IFBLK:
      return DT_BLK;
    case S_IFCHR:
      return DT_CHR;
    case S_IFIFO:
      return DT_FIFO;
    case S_IFSOCK:
      return DT_SOCK;
  }
  return 0;
}

/** Read every entry of directory `path` (without "." and ".."). */
export function readDirents(
  sys: RumpSyscalls,
  path: string,
): { name: string; type: number; ino: number }[] {
  const fd = sys.rump_sys_open(path, O_RDONLY | O_DIRECTORY);
  try {
    const buf = new Uint8Array(CHUNK);
    const out: { name: string; type: number; ino: number }[] = [];
    for (;;) {
      const n = sys.rump_sys_getdents(fd, buf);
      if (n === 0) break;
      for (const d of parseDirents(buf, n)) {
        if (d.d_name === "." || d.d_name === "..") continue;
        out.push({ name: d.d_name, type: d.d_type, ino: d.d_fileno });
      }
    }
    return out;
  } finally {
    sys.rump_sys_close(fd);
  }
}

function readAllFd(sys: RumpSyscalls, fd: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const b = Buffer.allocUnsafe(CHUNK);
    const n = sys.rump_sys_read(fd, b, b.length);
    if (n === 0) break;
    chunks.push(b.subarray(0, n));
    total += n;
  }
  return Buffer.concat(chunks, total);
}

function writeAllFd(sys: RumpSyscalls, fd: number, data: Uint8Array, pos: number | null): number {
  let done = 0;
  while (done < data.length) {
    const part = data.subarray(done, Math.min(data.length, done + (1 << 20)));
    const n =
      pos === null
        ? sys.rump_sys_write(fd, part, part.length)
        : sys.rump_sys_pwrite(fd, part, part.length, pos + done);
    done += n;
  }
  return done;
}

function exists(sys: RumpSyscalls, path: string): boolean {
  try {
    sys.rump_sys_lstat(path);
    return true;
  } catch (e) {
    if (e instanceof RumpError && e.errno === ENOENT) return false;
    throw e;
  }
}

/** One file's bytes and permission bits (and times, with `keepTimes`) to `dest`, in one process. */
function copyFileIn(
  sys: RumpSyscalls,
  src: string,
  dest: string,
  excl: boolean,
  keepTimes: boolean,
): void {
  const ifd = sys.rump_sys_open(src, O_RDONLY);
  try {
    const st = sys.rump_sys_fstat(ifd);
    if ((st.st_mode & S_IFMT) === S_IFDIR) throw new RumpError(EISDIR, "copyfile", src);
    const ofd = sys.rump_sys_open(
      dest,
      O_WRONLY | O_CREAT | (excl ? O_EXCL : O_TRUNC),
      st.st_mode & 0o777,
    );
    try {
      const buf = new Uint8Array(1 << 20);
      for (let pos = 0; ;) {
        const n = sys.rump_sys_pread(ifd, buf, buf.length, pos);
        if (n === 0) break;
        writeAllFd(sys, ofd, buf.subarray(0, n), pos);
        pos += n;
      }
      sys.rump_sys_fchmod(ofd, st.st_mode & 0o777);
      if (keepTimes) sys.rump_sys_futimens(ofd, [st.st_atimespec, st.st_mtimespec]);
    } finally {
      sys.rump_sys_close(ofd);
    }
  } finally {
    sys.rump_sys_close(ifd);
  }
}

/** rm -r inside one process */
function rmTree(sys: RumpSyscalls, path: string): void {
  const st = sys.rump_sys_lstat(path);
  if ((st.st_mode & S_IFMT) !== S_IFDIR) {
    sys.rump_sys_unlink(path);
    return;
  }
  for (const e of readDirents(sys, path)) rmTree(sys, posix.join(path, e.name));
  sys.rump_sys_rmdir(path);
}

export interface ReadStreamOptions {
  /** first byte (default 0) */
  start?: number;
  /** last byte, inclusive (default: to the end) */
  end?: number;
  highWaterMark?: number;
}

export interface WriteStreamOptions {
  flags?: FileFlag;
  mode?: number;
  /** byte position to write at (default: 0, or the end with flags "a") */
  start?: number;
  highWaterMark?: number;
}

/**
 * `handle.promises`: the same calls returning promises (fs/promises style),
 * derived from the synchronous ones — the work still runs to completion at
 * the call; a failure becomes a rejection.
 */
export interface UkfsPromises {
  readFile(path: string): Promise<Buffer>;
  readFile(path: string, options: BufferEncoding | { encoding: BufferEncoding }): Promise<string>;
  writeFile(
    path: string,
    data: string | Uint8Array,
    options?: { mode?: number; flag?: FileFlag; encoding?: BufferEncoding } | BufferEncoding,
  ): Promise<void>;
  appendFile(
    path: string,
    data: string | Uint8Array,
    options?: { mode?: number; flag?: FileFlag; encoding?: BufferEncoding } | BufferEncoding,
  ): Promise<void>;
  readdir(
    path: string,
    options: { withFileTypes: true; recursive?: boolean },
  ): Promise<UkfsDirent[]>;
  readdir(
    path: string,
    options?: { withFileTypes?: false; recursive?: boolean },
  ): Promise<string[]>;
  stat(path: string): Promise<UkfsStats>;
  lstat(path: string): Promise<UkfsStats>;
  mkdir(
    path: string,
    options?: { recursive?: boolean; mode?: number },
  ): Promise<string | undefined>;
  rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void>;
  rmdir(path: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  link(existing: string, newPath: string): Promise<void>;
  symlink(target: string, path: string): Promise<void>;
  readlink(path: string): Promise<string>;
  chmod(path: string, mode: number): Promise<void>;
  chown(path: string, uid: number, gid: number): Promise<void>;
  lchown(path: string, uid: number, gid: number): Promise<void>;
  utimes(path: string, atime: number | string | Date, mtime: number | string | Date): Promise<void>;
  truncate(path: string, len?: number): Promise<void>;
  statfs(path?: string): Promise<UkfsStatFs>;
  access(path: string, mode?: number): Promise<void>;
  realpath(path: string): Promise<string>;
  copyFile(src: string, dest: string, mode?: number): Promise<void>;
  cp(
    src: string,
    dest: string,
    options?: {
      recursive?: boolean;
      force?: boolean;
      errorOnExist?: boolean;
      preserveTimestamps?: boolean;
    },
  ): Promise<void>;
}

const PROMISIFIED = [
  "readFile",
  "writeFile",
  "appendFile",
  "readdir",
  "stat",
  "lstat",
  "mkdir",
  "rm",
  "rmdir",
  "unlink",
  "rename",
  "link",
  "symlink",
  "readlink",
  "chmod",
  "chown",
  "lchown",
  "utimes",
  "truncate",
  "statfs",
  "access",
  "realpath",
  "copyFile",
  "cp",
] as const;

export class Ukfs extends UkfsCore {
  private promisesApi: UkfsPromises | null = null;

  /** The promise-returning twins of the methods below (see UkfsPromises). */
  get promises(): UkfsPromises {
    if (this.promisesApi === null) {
      const api: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
      for (const name of PROMISIFIED) {
        const fn = this[name] as (...args: unknown[]) => unknown;
        api[name] = (...args) => {
          try {
            return Promise.resolve(fn.apply(this, args));
          } catch (e) {
            return Promise.reject(e as Error);
          }
        };
      }
      this.promisesApi = api as unknown as UkfsPromises;
    }
    return this.promisesApi;
  }

  /** An absolute path for a descriptor-process call (that process's cwd is "/"). */
  private abs(path: string): string {
    return posix.resolve(this.cwd, path);
  }

  /** True when `path` exists (lstat succeeds). */
  exists(path: string): boolean {
    try {
      this.lstat(path);
      return true;
    } catch (e) {
      if (e instanceof RumpError) return false;
      throw e;
    }
  }

  /** readFile(path[, encoding | { encoding }]): a Buffer, or a string with an encoding. */
  readFile(path: string): Buffer;
  readFile(path: string, options: BufferEncoding | { encoding: BufferEncoding }): string;
  readFile(path: string, options?: { encoding?: null }): Buffer;
  readFile(
    path: string,
    options?: BufferEncoding | { encoding?: BufferEncoding | null },
  ): Buffer | string {
    const enc = typeof options === "string" ? options : (options?.encoding ?? null);
    const data = this.run("read", (sys) => {
      const fd = sys.rump_sys_open(path, O_RDONLY);
      try {
        return readAllFd(sys, fd);
      } finally {
        sys.rump_sys_close(fd);
      }
    });
    return enc === null ? data : data.toString(enc);
  }

  /** writeFile(path, data[, { mode = 0o666, flag = "w", encoding }]) */
  writeFile(
    path: string,
    data: string | Uint8Array,
    options: { mode?: number; flag?: FileFlag; encoding?: BufferEncoding } | BufferEncoding = {},
  ): void {
    const o = typeof options === "string" ? { encoding: options } : options;
    const bytes = toBytes(data, o.encoding);
    const flags = openFlags(o.flag, "w");
    this.run("write", (sys) => {
      const fd = sys.rump_sys_open(path, flags, o.mode ?? 0o666);
      try {
        writeAllFd(sys, fd, bytes, null);
        if (bytes.length > 0) sys.rump_sys_fsync(fd);
      } finally {
        sys.rump_sys_close(fd);
      }
    });
  }

  /** appendFile(path, data[, options]): writeFile with flag "a" */
  appendFile(
    path: string,
    data: string | Uint8Array,
    options: { mode?: number; flag?: FileFlag; encoding?: BufferEncoding } | BufferEncoding = {},
  ): void {
    const o = typeof options === "string" ? { encoding: options } : options;
    this.writeFile(path, data, { ...o, flag: o.flag ?? "a" });
  }

  /**
   * readdir(path[, { withFileTypes, recursive }]): names (or UkfsDirents)
   * without "." and "..". With recursive, every entry below `path` as Node
   * gives them: names relative to `path` ("sub/file"), or Dirents whose
   * parentPath is their directory; symbolic links are not followed.
   */
  readdir(path: string, options: { withFileTypes: true; recursive?: boolean }): UkfsDirent[];
  readdir(path: string, options?: { withFileTypes?: false; recursive?: boolean }): string[];
  readdir(
    path: string,
    options: { withFileTypes?: boolean; recursive?: boolean } = {},
  ): string[] | UkfsDirent[] {
    if (options.recursive === true) {
      const out: UkfsDirent[] = [];
      const base = posix.resolve(this.cwd, path);
      for (const e of this.walk(path)) if (e.depth > 0) out.push(e.dirent);
      if (options.withFileTypes === true) return out;
      return out.map((d) => posix.relative(base, posix.join(d.parentPath, d.name)));
    }
    const ents = this.run("getdents", (sys) => readDirents(sys, path));
    if (options.withFileTypes !== true) return ents.map((e) => e.name);
    return ents.map((e) => new UkfsDirent(e.name, path, e.type, e.ino));
  }

  stat(path: string): UkfsStats {
    return new UkfsStats(this.run("stat", (sys) => sys.rump_sys_stat(path)));
  }

  lstat(path: string): UkfsStats {
    return new UkfsStats(this.run("lstat", (sys) => sys.rump_sys_lstat(path)));
  }

  /**
   * mkdir(path[, { recursive, mode = 0o777 }]). With recursive, existing
   * directories are fine and the first directory created is returned (as
   * Node does; undefined when none was).
   */
  mkdir(path: string, options: { recursive?: boolean; mode?: number } = {}): string | undefined {
    const mode = options.mode ?? 0o777;
    return this.run("mkdir", (sys) => {
      if (options.recursive !== true) {
        sys.rump_sys_mkdir(path, mode);
        return undefined;
      }
      const full = posix.resolve(this.cwd, path);
      let first: string | undefined;
      let cur = "";
      for (const part of full.split("/")) {
        if (part === "") continue;
        cur += "/" + part;
        try {
          sys.rump_sys_mkdir(cur, mode);
          first ??= cur;
        } catch (e) {
          if (!(e instanceof RumpError) || e.errno !== EEXIST) throw e;
          if ((sys.rump_sys_stat(cur).st_mode & S_IFMT) !== S_IFDIR)
            throw new RumpError(20 /* ENOTDIR */, "mkdir", cur);
        }
      }
      return first;
    });
  }

  /**
   * rm(path[, { recursive, force }]): a directory needs recursive (else
   * EISDIR); force ignores a missing path.
   */
  rm(path: string, options: { recursive?: boolean; force?: boolean } = {}): void {
    this.run("rm", (sys) => {
      let st: Stat;
      try {
        st = sys.rump_sys_lstat(path);
      } catch (e) {
        if (options.force === true && e instanceof RumpError && e.errno === ENOENT) return;
        throw e;
      }
      if ((st.st_mode & S_IFMT) === S_IFDIR) {
        if (options.recursive !== true) throw new RumpError(EISDIR, "rm", path);
        rmTree(sys, path);
      } else sys.rump_sys_unlink(path);
    });
  }

  rmdir(path: string): void {
    this.run("rmdir", (sys) => sys.rump_sys_rmdir(path));
  }

  unlink(path: string): void {
    this.run("unlink", (sys) => sys.rump_sys_unlink(path));
  }

  rename(from: string, to: string): void {
    this.run("rename", (sys) => sys.rump_sys_rename(from, to));
  }

  /** link(existingPath, newPath) */
  link(existing: string, newPath: string): void {
    this.run("link", (sys) => sys.rump_sys_link(existing, newPath));
  }

  /** symlink(target, path) */
  symlink(target: string, path: string): void {
    this.run("symlink", (sys) => sys.rump_sys_symlink(target, path));
  }

  readlink(path: string): string {
    return this.run("readlink", (sys) => {
      const buf = Buffer.allocUnsafe(4096);
      const n = sys.rump_sys_readlink(path, buf, buf.length);
      return buf.toString("utf8", 0, n);
    });
  }

  chmod(path: string, mode: number): void {
    this.run("chmod", (sys) => sys.rump_sys_chmod(path, mode));
  }

  chown(path: string, uid: number, gid: number): void {
    this.run("chown", (sys) => sys.rump_sys_chown(path, uid, gid));
  }

  lchown(path: string, uid: number, gid: number): void {
    this.run("lchown", (sys) => sys.rump_sys_lchown(path, uid, gid));
  }

  /** utimes(path, atime, mtime): seconds (fractions kept to the nanosecond) or Dates */
  utimes(path: string, atime: number | string | Date, mtime: number | string | Date): void {
    const ts: [Timespec, Timespec] = [toTimespec(atime), toTimespec(mtime)];
    this.run("utimensat", (sys) => sys.rump_sys_utimensat(-100 /* AT_FDCWD */, path, ts, 0));
  }

  truncate(path: string, len = 0): void {
    this.run("truncate", (sys) => sys.rump_sys_truncate(path, len));
  }

  /** statfs(path = "/"): the file system's sizes (statvfs1 with ST_WAIT). */
  statfs(path = "/"): UkfsStatFs {
    const sv = this.run("statvfs1", (sys) => sys.rump_sys_statvfs1(path, ST_WAIT));
    return {
      type: sv.f_fstypename,
      bsize: sv.f_frsize || sv.f_bsize,
      blocks: sv.f_blocks,
      bfree: sv.f_bfree,
      bavail: sv.f_bavail,
      files: sv.f_files,
      ffree: sv.f_ffree,
      mntonname: sv.f_mntonname,
      mntfromname: sv.f_mntfromname,
      readonly: (sv.f_flag & 1) !== 0,
    };
  }

  /** Change the handle's cwd (ukfs_chdir). */
  chdir(path: string): void {
    this.cwd = this.run("chdir", (sys) => {
      sys.rump_sys_chdir(path);
      const buf = new Uint8Array(4096);
      sys.rump_sys___getcwd(buf, buf.length);
      const end = buf.indexOf(0);
      return Buffer.from(buf.subarray(0, end < 0 ? buf.length : end)).toString("utf8");
    });
  }

  /** The entries of `path`, sorted by name, with d_type filled in. */
  private listSorted(path: string): { name: string; type: number; ino: number }[] {
    const ents = this.run("getdents", (sys) => {
      const list = readDirents(sys, path);
      // a file system without d_type: ask lstat
      for (const e of list)
        if (e.type === 0) e.type = dtOfMode(sys.rump_sys_lstat(posix.join(path, e.name)).st_mode);
      return list;
    });
    return ents.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  }

  /**
   * walk(dir = "/"): `dir` itself (depth 0), then every entry below it in
   * depth-first pre-order, as find(1) prints them (a directory, then its
   * contents), names in order; symbolic links are reported, not followed. A
   * directory is read when the iteration enters it.
   */
  *walk(dir = "/"): Generator<WalkEntry, void, undefined> {
    const root = posix.resolve(this.cwd, dir);
    const st = this.lstat(root);
    const name = root === "/" ? "/" : posix.basename(root);
    yield {
      path: root === "/" ? "/" : posix.normalize(dir),
      depth: 0,
      dirent: new UkfsDirent(name, posix.dirname(root), dtOfMode(st.mode), st.ino),
    };
    if (!st.isDirectory()) return;
    const stack = [{ path: dir, depth: 0, ents: this.listSorted(dir), i: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const e = top.ents[top.i++];
      if (e === undefined) {
        stack.pop();
        continue;
      }
      const p = posix.join(top.path, e.name);
      yield {
        path: p,
        depth: top.depth + 1,
        dirent: new UkfsDirent(e.name, top.path, e.type, e.ino),
      };
      if (e.type === DT_DIR)
        stack.push({ path: p, depth: top.depth + 1, ents: this.listSorted(p), i: 0 });
    }
  }

  /**
   * access(path, mode = F_OK): throws unless the file exists and (with
   * R_OK 4, W_OK 2, X_OK 1) the handle's credentials allow that access.
   */
  access(path: string, mode = 0): void {
    this.run("access", (sys) => sys.rump_sys_access(path, mode));
  }

  /** realpath(path): the absolute path with every symbolic link and "." / ".." resolved. */
  realpath(path: string): string {
    return this.run("realpath", (sys) => {
      const buf = Buffer.allocUnsafe(4096);
      let links = 0;
      const pending = posix.resolve(this.cwd, path).split("/").filter(Boolean);
      const done: string[] = [];
      while (pending.length > 0) {
        const part = pending.shift()!;
        if (part === ".") continue;
        if (part === "..") {
          done.pop();
          continue;
        }
        const p = "/" + [...done, part].join("/");
        const st = sys.rump_sys_lstat(p);
        if ((st.st_mode & S_IFMT) !== S_IFLNK) {
          done.push(part);
          continue;
        }
        if (++links > 32) throw new RumpError(ELOOP, "realpath", path);
        const target = buf.toString("utf8", 0, sys.rump_sys_readlink(p, buf, buf.length));
        if (target.startsWith("/")) done.length = 0;
        pending.unshift(...target.split("/").filter(Boolean));
      }
      return "/" + done.join("/");
    });
  }

  /**
   * copyFile(src, dest, mode = 0): a copy of a file's bytes (and its
   * permission bits); with COPYFILE_EXCL (1) an existing dest is EEXIST.
   */
  copyFile(src: string, dest: string, mode = 0): void {
    this.run("copyfile", (sys) => copyFileIn(sys, src, dest, (mode & 1) !== 0, false));
  }

  /**
   * cp(src, dest[, { recursive, force = true, errorOnExist, preserveTimestamps }]):
   * Node's fs.cpSync inside the file system — a file, or with recursive a
   * tree (directories made, files copied, symbolic links copied as links).
   */
  cp(
    src: string,
    dest: string,
    options: {
      recursive?: boolean;
      force?: boolean;
      errorOnExist?: boolean;
      preserveTimestamps?: boolean;
    } = {},
  ): void {
    const force = options.force ?? true;
    const keep = options.preserveTimestamps === true;
    this.run("cp", (sys) => {
      const copy = (s: string, d: string): void => {
        const st = sys.rump_sys_lstat(s);
        const type = st.st_mode & S_IFMT;
        if (type === S_IFDIR) {
          if (options.recursive !== true) throw new RumpError(EISDIR, "cp", s);
          try {
            sys.rump_sys_mkdir(d, st.st_mode & 0o7777);
          } catch (e) {
            if (!(e instanceof RumpError) || e.errno !== EEXIST) throw e;
          }
          for (const e of readDirents(sys, s)) copy(posix.join(s, e.name), posix.join(d, e.name));
        } else if (type === S_IFLNK) {
          const buf = Buffer.allocUnsafe(4096);
          const target = buf.toString("utf8", 0, sys.rump_sys_readlink(s, buf, buf.length));
          if (exists(sys, d)) {
            if (!force) {
              if (options.errorOnExist === true) throw new RumpError(EEXIST, "cp", d);
              return;
            }
            sys.rump_sys_unlink(d);
          }
          sys.rump_sys_symlink(target, d);
        } else if (type === S_IFREG) {
          if (exists(sys, d) && !force) {
            if (options.errorOnExist === true) throw new RumpError(EEXIST, "cp", d);
            return;
          }
          copyFileIn(sys, s, d, false, keep);
        } else throw new RumpError(EOPNOTSUPP, "cp", s);
        if (keep && type === S_IFDIR)
          sys.rump_sys_utimensat(-100, d, [st.st_atimespec, st.st_mtimespec], 0);
      };
      copy(src, dest);
    });
  }

  /**
   * open(path, flags = "r", mode = 0o666): a descriptor for read/write/close
   * (and fstat, fsync, ftruncate). Descriptors live in the handle's
   * persistent descriptor process until closed or the handle is.
   */
  open(path: string, flags: FileFlag | number = "r", mode = 0o666): number {
    const file = this.abs(path);
    const f = typeof flags === "number" ? flags : openFlags(flags, "r");
    return this.inFdProc("open", (sys) => sys.rump_sys_open(file, f, mode));
  }

  /**
   * read(fd, buffer, offset = 0, length = buffer.length - offset, position = null):
   * bytes read; a null position reads at (and advances) the file offset.
   */
  read(
    fd: number,
    buffer: Uint8Array,
    offset = 0,
    length = buffer.length - offset,
    position: number | null = null,
  ): number {
    const view = buffer.subarray(offset, offset + length);
    return this.inFdProc(position === null ? "read" : "pread", (sys) =>
      position === null
        ? sys.rump_sys_read(fd, view, view.length)
        : sys.rump_sys_pread(fd, view, view.length, position),
    );
  }

  /**
   * write(fd, data, offset = 0, length, position = null) for bytes, or
   * write(fd, string, position = null, encoding = "utf8"): bytes written.
   */
  write(
    fd: number,
    data: Uint8Array | string,
    offsetOrPosition?: number | null,
    lengthOrEncoding?: number | BufferEncoding,
    position: number | null = null,
  ): number {
    let bytes: Uint8Array;
    let pos: number | null;
    if (typeof data === "string") {
      bytes = toBytes(data, typeof lengthOrEncoding === "string" ? lengthOrEncoding : undefined);
      pos = offsetOrPosition ?? null;
    } else {
      const off = offsetOrPosition ?? 0;
      const len = typeof lengthOrEncoding === "number" ? lengthOrEncoding : data.length - off;
      bytes = data.subarray(off, off + len);
      pos = position;
    }
    return this.inFdProc(pos === null ? "write" : "pwrite", (sys) =>
      pos === null
        ? sys.rump_sys_write(fd, bytes, bytes.length)
        : sys.rump_sys_pwrite(fd, bytes, bytes.length, pos),
    );
  }

  /** close(fd) */
  closeFd(fd: number): void {
    this.inFdProc("close", (sys) => sys.rump_sys_close(fd));
  }

  fstat(fd: number): UkfsStats {
    return new UkfsStats(this.inFdProc("fstat", (sys) => sys.rump_sys_fstat(fd)));
  }

  fsync(fd: number): void {
    this.inFdProc("fsync", (sys) => sys.rump_sys_fsync(fd));
  }

  ftruncate(fd: number, len = 0): void {
    this.inFdProc("ftruncate", (sys) => sys.rump_sys_ftruncate(fd, len));
  }

  /** A Readable of a file's bytes (works with stream.pipeline). */
  createReadStream(path: string, options: ReadStreamOptions = {}): Readable {
    const file = this.abs(path);
    let pos = options.start ?? 0;
    const last = options.end ?? Infinity;
    let fd = -1;
    const closeFd = (): void => {
      if (fd < 0 || !this.alive) return;
      const f = fd;
      fd = -1;
      this.inFdProc("close", (sys) => sys.rump_sys_close(f));
    };
    const stream: Readable = new (streams().Readable)({
      highWaterMark: options.highWaterMark ?? CHUNK,
      construct: (cb) => {
        try {
          fd = this.inFdProc("open", (sys) => sys.rump_sys_open(file, O_RDONLY));
          cb();
        } catch (e) {
          cb(e as Error);
        }
      },
      read: (size) => {
        try {
          const want = Math.min(size, last + 1 - pos);
          if (want <= 0) {
            stream.push(null);
            return;
          }
          const buf = Buffer.allocUnsafe(want);
          const n = this.inFdProc("pread", (sys) => sys.rump_sys_pread(fd, buf, want, pos));
          if (n === 0) stream.push(null);
          else {
            pos += n;
            stream.push(buf.subarray(0, n));
          }
        } catch (e) {
          stream.destroy(e as Error);
        }
      },
      destroy: (err, cb) => {
        try {
          closeFd();
        } catch (e) {
          err ??= e as Error;
        }
        cb(err);
      },
    });
    return stream;
  }

  /** A Writable into a file (flags "w" by default; fsync and close at the end). */
  createWriteStream(path: string, options: WriteStreamOptions = {}): Writable {
    const file = this.abs(path);
    const flags = openFlags(options.flags, "w");
    const append = (flags & O_APPEND) !== 0;
    let pos = options.start ?? 0;
    let fd = -1;
    const closeFd = (): void => {
      if (fd < 0 || !this.alive) return;
      const f = fd;
      fd = -1;
      this.inFdProc("close", (sys) => sys.rump_sys_close(f));
    };
    return new (streams().Writable)({
      highWaterMark: options.highWaterMark ?? CHUNK,
      construct: (cb) => {
        try {
          fd = this.inFdProc("open", (sys) =>
            sys.rump_sys_open(file, flags, options.mode ?? 0o666),
          );
          cb();
        } catch (e) {
          cb(e as Error);
        }
      },
      write: (chunk: Buffer, _enc, cb) => {
        try {
          const n = this.inFdProc("write", (sys) =>
            writeAllFd(sys, fd, chunk, append ? null : pos),
          );
          pos += n;
          cb();
        } catch (e) {
          cb(e as Error);
        }
      },
      final: (cb) => {
        try {
          this.inFdProc("fsync", (sys) => sys.rump_sys_fsync(fd));
          closeFd();
          cb();
        } catch (e) {
          cb(e as Error);
        }
      },
      destroy: (err, cb) => {
        try {
          closeFd();
        } catch (e) {
          err ??= e as Error;
        }
        cb(err);
      },
    });
  }

  /** Unmount and release the handle (ukfs_release(fs, 0)). */
  close(): void {
    this.release(0);
  }

  /** `using fs = openImage(…)`: close when the scope ends (a no-op if already closed). */
  [Symbol.dispose](): void {
    if (this.alive) this.close();
  }
}
