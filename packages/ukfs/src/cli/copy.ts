/**
 * Copying trees between the host and an image, or inside an image: one
 * engine over two "sides". Files stream through one 1 MiB buffer (memory
 * stays bounded whatever the size), directories are read one at a time,
 * modes and times are kept (directory times after their contents), symbolic
 * links are copied as links. A full image (ENOSPC/EDQUOT) stops the copy,
 * removes the partly written file, and says how far it got.
 */
import {
  chmodSync,
  closeSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from "node:fs";
import { join as hostJoin, posix } from "node:path";
import {
  AT_FDCWD,
  AT_SYMLINK_NOFOLLOW,
  EDQUOT,
  EINTR,
  EISDIR,
  ENOSPC,
  O_CREAT,
  O_RDONLY,
  O_TRUNC,
  O_WRONLY,
  RumpError,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  type Timespec,
} from "@rump/syscalls";
import { readDirents, type Ukfs } from "../api.js";
import { FsuError } from "./errors.js";
import { InoStat } from "./inostat.js";
import { checkpoint } from "./interrupt.js";
import { Progress, progressWanted } from "./progress.js";

export const CHUNK = 1 << 20;

export interface Meta {
  /** st_mode (type and permissions) */
  mode: number;
  size: number;
  atimeMs: number;
  mtimeMs: number;
}

/** One end of a copy. Paths are the side's own (host paths, or absolute image paths). */
export interface Side {
  readonly isImage: boolean;
  lstat(p: string): Meta;
  /** lstat, or null when nothing is there */
  stat(p: string): Meta | null;
  /** the entries of directory `p`, sorted by name, with their lstat */
  list(p: string): { name: string; meta: Meta }[];
  readlink(p: string): string;
  openRead(p: string): number;
  read(fd: number, buf: Uint8Array, pos: number): number;
  openWrite(p: string, mode: number): number;
  write(fd: number, buf: Uint8Array, n: number, pos: number): void;
  close(fd: number): void;
  mkdir(p: string, mode: number): void;
  symlink(target: string, p: string): void;
  unlink(p: string): void;
  chmod(p: string, mode: number): void;
  /** set times (of the link itself for a symbolic link) */
  utimes(p: string, atimeMs: number, mtimeMs: number, isLink: boolean): void;
  join(dir: string, name: string): string;
}

const nodeMeta = (st: import("node:fs").Stats): Meta => ({
  mode: st.mode,
  size: st.size,
  atimeMs: st.atimeMs,
  mtimeMs: st.mtimeMs,
});

export const hostSide: Side = {
  isImage: false,
  lstat: (p) => nodeMeta(lstatSync(p)),
  stat: (p) => {
    const st = statSync(p, { throwIfNoEntry: false });
    return st === undefined ? null : nodeMeta(st);
  },
  list: (p) =>
    readdirSync(p)
      .sort()
      .map((name) => ({ name, meta: nodeMeta(lstatSync(hostJoin(p, name))) })),
  readlink: (p) => readlinkSync(p),
  openRead: (p) => openSync(p, "r"),
  read: (fd, buf, pos) => readSync(fd, buf, 0, buf.length, pos),
  openWrite: (p, mode) => openSync(p, "w", mode & 0o7777),
  write: (fd, buf, n, pos) => {
    let done = 0;
    while (done < n) done += writeSync(fd, buf, done, n - done, pos + done);
  },
  close: (fd) => closeSync(fd),
  mkdir: (p, mode) => mkdirSync(p, { mode: mode & 0o7777 }),
  symlink: (target, p) => symlinkSync(target, p),
  unlink: (p) => unlinkSync(p),
  chmod: (p, mode) => chmodSync(p, mode & 0o7777),
  utimes: (p, a, m, isLink) => (isLink ? lutimesSync : utimesSync)(p, a / 1000, m / 1000),
  join: hostJoin,
};

const ts = (ms: number): Timespec => {
  const sec = Math.floor(ms / 1000);
  return { tv_sec: sec, tv_nsec: Math.round((ms - sec * 1000) * 1e6) };
};

/** The image side: every call in the handle's persistent (chrooted) descriptor process. */
export function imageSide(fs: Ukfs): Side {
  const p = <T>(name: string, fn: (sys: Ukfs["sys"]) => T): T => fs.inFdProc(name, fn);
  const byIno = new InoStat(fs);
  const meta = (st: ReturnType<Ukfs["sys"]["rump_sys_lstat"]>): Meta => ({
    mode: st.st_mode,
    size: st.st_size,
    atimeMs: st.st_atimespec.tv_sec * 1000 + st.st_atimespec.tv_nsec / 1e6,
    mtimeMs: st.st_mtimespec.tv_sec * 1000 + st.st_mtimespec.tv_nsec / 1e6,
  });
  return {
    isImage: true,
    lstat: (path) => meta(p("lstat", (s) => s.rump_sys_lstat(path))),
    stat: (path) => {
      try {
        return meta(p("stat", (s) => s.rump_sys_stat(path)));
      } catch (e) {
        if (e instanceof RumpError && e.errno === 2) return null;
        throw e;
      }
    },
    // by inode number where the file system allows (no name lookup per entry)
    list: (path) => {
      const ents = p("getdents", (s) =>
        readDirents(s, path).map((e) => {
          const st = byIno.stat(e.ino) ?? s.rump_sys_lstat(posix.join(path, e.name));
          return { name: e.name, meta: meta(st) };
        }),
      );
      return ents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    readlink: (path) =>
      p("readlink", (s) => {
        const buf = Buffer.allocUnsafe(4096);
        return buf.toString("utf8", 0, s.rump_sys_readlink(path, buf, buf.length));
      }),
    openRead: (path) => p("open", (s) => s.rump_sys_open(path, O_RDONLY)),
    read: (fd, buf, pos) => p("pread", (s) => s.rump_sys_pread(fd, buf, buf.length, pos)),
    openWrite: (path, mode) =>
      p("open", (s) => s.rump_sys_open(path, O_WRONLY | O_CREAT | O_TRUNC, mode & 0o7777)),
    write: (fd, buf, n, pos) =>
      p("write", (s) => {
        let done = 0;
        while (done < n) done += s.rump_sys_pwrite(fd, buf.subarray(done, n), n - done, pos + done);
      }),
    close: (fd) => p("close", (s) => s.rump_sys_close(fd)),
    mkdir: (path, mode) => p("mkdir", (s) => s.rump_sys_mkdir(path, mode & 0o7777)),
    symlink: (target, path) => p("symlink", (s) => s.rump_sys_symlink(target, path)),
    unlink: (path) => p("unlink", (s) => s.rump_sys_unlink(path)),
    chmod: (path, mode) => p("chmod", (s) => s.rump_sys_chmod(path, mode & 0o7777)),
    utimes: (path, a, m, isLink) =>
      p("utimensat", (s) =>
        s.rump_sys_utimensat(AT_FDCWD, path, [ts(a), ts(m)], isLink ? AT_SYMLINK_NOFOLLOW : 0),
      ),
    join: (dir, name) => posix.join(dir, name),
  };
}

export interface CopyOptions {
  recursive: boolean;
  /** keep permissions and times (get and put always; cp with -p) */
  preserve: boolean;
  /** the command's name, for messages */
  command: string;
}

export interface CopyStats {
  files: number;
  dirs: number;
  links: number;
  bytes: number;
}

const isDir = (m: Meta): boolean => (m.mode & S_IFMT) === S_IFDIR;

/** Bytes a copy of `path` (status `m`) would move, for the progress bar. */
function treeBytes(side: Side, path: string, m: Meta): number {
  if (!isDir(m)) return (m.mode & S_IFMT) === S_IFREG ? m.size : 0;
  let sum = 0;
  for (const e of side.list(path)) sum += treeBytes(side, side.join(path, e.name), e.meta);
  return sum;
}

/**
 * Copy `srcPath` of `src` to `dstPath` of `dst` (the final name: callers
 * resolve "into an existing directory" themselves).
 */
export async function copyTree(
  src: Side,
  srcPath: string,
  dst: Side,
  dstPath: string,
  o: CopyOptions,
): Promise<CopyStats> {
  const stats: CopyStats = { files: 0, dirs: 0, links: 0, bytes: 0 };
  const top = src.lstat(srcPath);
  if (isDir(top) && !o.recursive)
    throw new FsuError(EISDIR, o.command, srcPath, "a directory: use -r to copy it");
  // walking the tree first costs a stat per file: only when a bar could be shown
  let total = 0;
  const maybeBar = process.env.FSU_PROGRESS === "1" || process.stderr.isTTY === true;
  if (maybeBar && process.env.FSU_PROGRESS !== "0") total = treeBytes(src, srcPath, top);
  const progress = new Progress(total, progressWanted(total));
  const buf = new Uint8Array(CHUNK);
  const cur = { writing: null as string | null };

  const copyFile = async (s: string, d: string, m: Meta): Promise<void> => {
    try {
      await copyFileBytes(s, d, m);
    } catch (e) {
      // descriptor calls (pread, pwrite) name no path: name the file
      if (e instanceof RumpError && e.path === undefined)
        throw new RumpError(e.errno, e.syscall, cur.writing ?? s);
      throw e;
    }
  };
  const copyFileBytes = async (s: string, d: string, m: Meta): Promise<void> => {
    const ifd = src.openRead(s);
    try {
      cur.writing = d;
      const ofd = dst.openWrite(d, m.mode);
      try {
        let pos = 0;
        for (;;) {
          const n = src.read(ifd, buf, pos);
          if (n <= 0) break;
          dst.write(ofd, buf, n, pos);
          pos += n;
          stats.bytes += n;
          progress.add(n);
          await checkpoint(o.command, d);
        }
      } finally {
        dst.close(ofd);
      }
      cur.writing = null;
    } finally {
      src.close(ifd);
    }
    stats.files++;
  };

  const finishMeta = (d: string, m: Meta, isLink: boolean): void => {
    if (!o.preserve) return;
    if (!isLink) dst.chmod(d, m.mode);
    dst.utimes(d, m.atimeMs, m.mtimeMs, isLink);
  };

  const walk = async (s: string, d: string, m: Meta): Promise<void> => {
    await checkpoint(o.command, d);
    const type = m.mode & S_IFMT;
    if (type === S_IFDIR) {
      dst.mkdir(d, m.mode | 0o700);
      stats.dirs++;
      for (const e of src.list(s)) await walk(src.join(s, e.name), dst.join(d, e.name), e.meta);
      finishMeta(d, m, false);
    } else if (type === S_IFLNK) {
      dst.symlink(src.readlink(s), d);
      stats.links++;
      try {
        finishMeta(d, m, true);
      } catch {
        /* link times are best effort (not every host can set them) */
      }
    } else if (type === S_IFREG) {
      await copyFile(s, d, m);
      finishMeta(d, m, false);
    } else {
      process.stderr.write(`fsu: ${o.command}: skipping ${s}: not a file, directory or link\n`);
    }
  };

  try {
    await walk(srcPath, dstPath, top);
  } catch (e) {
    if (e instanceof FsuError && e.errno === EINTR && cur.writing !== null) {
      try {
        dst.unlink(cur.writing);
      } catch {
        /* leave it */
      }
      throw new FsuError(
        EINTR,
        e.syscall,
        e.path,
        `${e.reason}; removed the partial ${cur.writing}`,
      );
    }
    const full =
      (e instanceof RumpError && (e.errno === ENOSPC || e.errno === EDQUOT)) ||
      (e as NodeJS.ErrnoException).code === "ENOSPC";
    if (full) {
      let removed = "";
      const writing = cur.writing;
      if (writing !== null) {
        try {
          dst.unlink(writing);
          removed = `; removed the partial ${writing}`;
        } catch {
          /* leave it */
        }
      }
      throw new FsuError(
        ENOSPC,
        e instanceof RumpError ? e.syscall : "write",
        writing ?? (e instanceof RumpError ? e.path : dstPath),
        `the ${dst.isImage ? "image" : "host file system"} is full: stopped after ${stats.files} files, ${stats.bytes} bytes${removed}`,
      );
    }
    throw e;
  } finally {
    progress.finish();
  }
  return stats;
}
