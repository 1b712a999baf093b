/**
 * Copying trees between the host and an image, or inside an image: one
 * engine (TreeCopy) over two "sides". Files stream through one 1 MiB buffer
 * (memory stays bounded whatever the size), directories are read one at a
 * time, modes and times (to the nanosecond) are kept, directory times after
 * their contents, symbolic links are copied as links and hard links as
 * links. A full destination (ENOSPC/EDQUOT) stops the copy, removes the
 * partly written file, and says how far it got.
 *
 * An image is untrusted input, and so is every name and attribute in it.
 * What the engine holds to, whichever way it copies (the way tar and bsdtar
 * extract):
 * - a name from a listing is used only if it is a single path component: an
 *   empty name, ".", "..", or one containing "/" or NUL is skipped and
 *   reported, and so is the second of two entries with one name;
 * - nothing is ever written through a symbolic link: what is in the way of
 *   a file or link (a file, a link, a device) is unlinked and created anew
 *   with O_EXCL|O_NOFOLLOW; a directory in the way is reused only when it
 *   is a real directory (lstat), so a later entry's path never passes
 *   through a link. Only the top-level destination the user named is
 *   opened the ordinary way (`get f out` writes into an existing ./out);
 * - owners are not restored unless asked (`owners`), and then setuid and
 *   setgid bits are cleared, as cp(1) and tar do without -p;
 * - one bad entry does not end the copy: it is reported on stderr
 *   ("fsu: get: skipped PATH: why"), the rest is copied, and the caller
 *   fails at the end (CopyStats.skipped). What ends the copy at once is an
 *   interrupt, a full or read-only destination, or any failure on the
 *   top-level entry itself.
 *
 * What is left: a concurrent host process that swaps a checked directory
 * for a link between the check and its use (the engine works by path; the
 * *at calls that would close that race are not in node:fs).
 */
import {
  chmodSync,
  closeSync,
  constants as fsc,
  fchmodSync,
  fchownSync,
  linkSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeSync,
  type BigIntStats,
} from "node:fs";
import { join as hostJoin, posix } from "node:path";
import { hostUtimens } from "@rump/rumpuser";
import {
  AT_FDCWD,
  AT_SYMLINK_NOFOLLOW,
  EDQUOT,
  EEXIST,
  EINTR,
  EISDIR,
  ENOENT,
  ENOSPC,
  ENOTDIR,
  EOPNOTSUPP,
  EROFS,
  O_CREAT,
  O_DIRECT,
  O_EXCL,
  O_NOFOLLOW,
  O_RDONLY,
  O_TRUNC,
  O_WRONLY,
  RumpError,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
  type Stat,
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
  nlink: number;
  /** what makes two names one file (hard links): "dev:ino" on the host, the inode number in an image */
  id: string;
  uid: number;
  gid: number;
  atime: Timespec;
  mtime: Timespec;
  /** device number of a device node, NetBSD's encoding (makedev) */
  rdev: number;
}

/**
 * One end of a copy. Paths are the side's own (host paths, or absolute
 * image paths). These are plain calls; the rules of what may be replaced or
 * followed live in TreeCopy, once for both sides.
 */
export interface Side {
  readonly isImage: boolean;
  lstat(p: string): Meta;
  /** lstat, or null when nothing is there */
  lstatOrNull(p: string): Meta | null;
  /** stat (following links), or null when nothing is there */
  stat(p: string): Meta | null;
  /** the names in directory `p` (without "." and ".."), as the directory has them */
  names(p: string): string[];
  readlink(p: string): string;
  openRead(p: string): number;
  read(fd: number, buf: Uint8Array, pos: number): number;
  /** a new file: O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW */
  openNew(p: string, mode: number): number;
  /** the ordinary open for writing (follows links, truncates): only for a path the user named */
  openTrunc(p: string, mode: number): number;
  write(fd: number, buf: Uint8Array, n: number, pos: number): void;
  fchmod(fd: number, mode: number): void;
  fchown(fd: number, uid: number, gid: number): void;
  close(fd: number): void;
  mkdir(p: string, mode: number): void;
  symlink(target: string, p: string): void;
  link(existing: string, p: string): void;
  /** a device node or FIFO (`mode` with its type bits; `rdev` NetBSD's encoding) */
  mknod(p: string, mode: number, rdev: number): void;
  unlink(p: string): void;
  chmod(p: string, mode: number): void;
  lchown(p: string, uid: number, gid: number): void;
  /** set times (of the link itself for a symbolic link) */
  utimens(p: string, atime: Timespec, mtime: Timespec, isLink: boolean): void;
  /** set times of an open file, where the side can to the nanosecond (saves a lookup) */
  futimens?(fd: number, atime: Timespec, mtime: Timespec): void;
  join(dir: string, name: string): string;
}

const NS = 1_000_000_000n;
function nsToTimespec(ns: bigint): Timespec {
  let sec = ns / NS;
  let nsec = ns % NS;
  if (nsec < 0n) {
    sec -= 1n;
    nsec += NS;
  }
  return { tv_sec: Number(sec), tv_nsec: Number(nsec) };
}

/**
 * A host device number (glibc's encoding of Linux's dev_t, as Node reports
 * it) as NetBSD's makedev(major, minor): major in bits 8–19, minor in bits
 * 0–7 and 20–31.
 */
export function hostRdevToNetbsd(rdev: bigint): number {
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return (((major << 8) & 0x000fff00) | ((minor << 12) & 0xfff00000) | (minor & 0xff)) >>> 0;
}

const hostMeta = (st: BigIntStats): Meta => ({
  mode: Number(st.mode),
  size: Number(st.size),
  nlink: Number(st.nlink),
  id: `${st.dev}:${st.ino}`,
  uid: Number(st.uid),
  gid: Number(st.gid),
  atime: nsToTimespec(st.atimeNs),
  mtime: nsToTimespec(st.mtimeNs),
  rdev: st.rdev === 0n ? 0 : hostRdevToNetbsd(st.rdev),
});

const BIG = { bigint: true } as const;
const BIG_OR_NULL = { bigint: true, throwIfNoEntry: false } as const;
const H_NEW = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW;

export const hostSide: Side = {
  isImage: false,
  lstat: (p) => hostMeta(lstatSync(p, BIG)),
  lstatOrNull: (p) => {
    const st = lstatSync(p, BIG_OR_NULL);
    return st === undefined ? null : hostMeta(st);
  },
  stat: (p) => {
    const st = statSync(p, BIG_OR_NULL);
    return st === undefined ? null : hostMeta(st);
  },
  names: (p) => readdirSync(p),
  readlink: (p) => readlinkSync(p),
  openRead: (p) => openSync(p, "r"),
  read: (fd, buf, pos) => readSync(fd, buf, 0, buf.length, pos),
  openNew: (p, mode) => openSync(p, H_NEW, mode & 0o777),
  openTrunc: (p, mode) => openSync(p, "w", mode & 0o777),
  write: (fd, buf, n, pos) => {
    let done = 0;
    while (done < n) done += writeSync(fd, buf, done, n - done, pos + done);
  },
  fchmod: (fd, mode) => fchmodSync(fd, mode & 0o7777),
  fchown: (fd, uid, gid) => fchownSync(fd, uid, gid),
  close: (fd) => closeSync(fd),
  mkdir: (p, mode) => mkdirSync(p, { mode: mode & 0o7777 }),
  symlink: (target, p) => symlinkSync(target, p),
  link: (existing, p) => linkSync(existing, p),
  mknod: (p) => {
    const e = new Error(
      `EOPNOTSUPP: node:fs cannot make device nodes or FIFOs, mknod '${p}'`,
    ) as NodeJS.ErrnoException;
    e.code = "EOPNOTSUPP";
    throw e;
  },
  unlink: (p) => unlinkSync(p),
  chmod: (p, mode) => chmodSync(p, mode & 0o7777),
  lchown: (p, uid, gid) => lchownSync(p, uid, gid),
  utimens: (p, a, m, isLink) => hostUtimens(p, a, m, isLink),
  join: hostJoin,
};

const imageMeta = (st: Stat): Meta => ({
  mode: st.st_mode,
  size: st.st_size,
  nlink: st.st_nlink,
  id: String(st.st_ino),
  uid: st.st_uid,
  gid: st.st_gid,
  atime: st.st_atimespec,
  mtime: st.st_mtimespec,
  rdev: st.st_rdev,
});

/** The image side: every call in the handle's persistent (chrooted) descriptor process. */
export function imageSide(fs: Ukfs): Side {
  const p = <T>(name: string, fn: (sys: Ukfs["sys"]) => T): T => fs.inFdProc(name, fn);
  const byIno = new InoStat(fs);
  const orNull = (path: string, follow: boolean): Meta | null => {
    try {
      return imageMeta(
        p(follow ? "stat" : "lstat", (s) =>
          follow ? s.rump_sys_stat(path) : s.rump_sys_lstat(path),
        ),
      );
    } catch (e) {
      if (e instanceof RumpError && e.errno === ENOENT) return null;
      throw e;
    }
  };
  // entries whose status TreeCopy asks for next come from getdents: their
  // status by inode number where the file system allows (no name lookup each)
  const pending = new Map<string, number>();
  return {
    isImage: true,
    lstat: (path) => {
      const ino = pending.get(path);
      if (ino !== undefined) {
        pending.delete(path);
        const st = byIno.stat(ino);
        if (st !== null) return imageMeta(st);
      }
      return imageMeta(p("lstat", (s) => s.rump_sys_lstat(path)));
    },
    lstatOrNull: (path) => orNull(path, false),
    stat: (path) => orNull(path, true),
    names: (path) =>
      p("getdents", (s) => {
        pending.clear();
        return readDirents(s, path).map((e) => {
          pending.set(posix.join(path, e.name), e.ino);
          return e.name;
        });
      }),
    readlink: (path) =>
      p("readlink", (s) => {
        const buf = Buffer.allocUnsafe(4096);
        return buf.toString("utf8", 0, s.rump_sys_readlink(path, buf, buf.length));
      }),
    // O_DIRECT: a file's whole blocks go from the image into the copy buffer without
    // passing through the kernel's buffer cache (each is read once)
    openRead: (path) => p("open", (s) => s.rump_sys_open(path, O_RDONLY | O_DIRECT)),
    read: (fd, buf, pos) => p("pread", (s) => s.rump_sys_pread(fd, buf, buf.length, pos)),
    openNew: (path, mode) =>
      p("open", (s) =>
        s.rump_sys_open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode & 0o777),
      ),
    openTrunc: (path, mode) =>
      p("open", (s) => s.rump_sys_open(path, O_WRONLY | O_CREAT | O_TRUNC, mode & 0o777)),
    write: (fd, buf, n, pos) =>
      p("write", (s) => {
        let done = 0;
        while (done < n) done += s.rump_sys_pwrite(fd, buf.subarray(done, n), n - done, pos + done);
      }),
    fchmod: (fd, mode) => p("fchmod", (s) => s.rump_sys_fchmod(fd, mode & 0o7777)),
    fchown: (fd, uid, gid) => p("fchown", (s) => s.rump_sys_fchown(fd, uid, gid)),
    close: (fd) => p("close", (s) => s.rump_sys_close(fd)),
    mkdir: (path, mode) => p("mkdir", (s) => s.rump_sys_mkdir(path, mode & 0o7777)),
    symlink: (target, path) => p("symlink", (s) => s.rump_sys_symlink(target, path)),
    link: (existing, path) => p("link", (s) => s.rump_sys_link(existing, path)),
    mknod: (path, mode, rdev) =>
      p("mknod", (s) =>
        (mode & S_IFMT) === S_IFIFO
          ? s.rump_sys_mkfifo(path, mode & 0o7777)
          : s.rump_sys_mknod(path, mode, rdev),
      ),
    unlink: (path) => p("unlink", (s) => s.rump_sys_unlink(path)),
    chmod: (path, mode) => p("chmod", (s) => s.rump_sys_chmod(path, mode & 0o7777)),
    lchown: (path, uid, gid) => p("lchown", (s) => s.rump_sys_lchown(path, uid, gid)),
    utimens: (path, a, m, isLink) =>
      p("utimensat", (s) =>
        s.rump_sys_utimensat(AT_FDCWD, path, [a, m], isLink ? AT_SYMLINK_NOFOLLOW : 0),
      ),
    futimens: (fd, a, m) => p("futimens", (s) => s.rump_sys_futimens(fd, [a, m])),
    join: (dir, name) => posix.join(dir, name),
  };
}

export interface CopyOptions {
  recursive: boolean;
  /** keep permissions and times (get and put always; cp with -p) */
  preserve: boolean;
  /** restore owners (numeric uid and gid) and with them setuid/setgid bits */
  owners: boolean;
  /** every file owned by this uid:gid instead of its own (implies owners) */
  owner?: { uid: number; gid: number };
  /**
   * reproducible copies (SOURCE_DATE_EPOCH): times later than this are
   * clamped to it, and the access time is the modification time (reading the
   * source must not change what is written)
   */
  clamp?: Timespec;
  /** make device nodes and FIFOs too (where the destination can) instead of skipping them */
  specials?: boolean;
  /** the command's name, for messages */
  command: string;
}

export interface CopyStats {
  files: number;
  dirs: number;
  links: number;
  /** names made as hard links to a file copied earlier in the same run */
  hardlinks: number;
  /** device nodes and FIFOs made */
  specials: number;
  bytes: number;
  /** entries reported on stderr and not copied */
  skipped: number;
}

export const emptyStats = (): CopyStats => ({
  files: 0,
  dirs: 0,
  links: 0,
  hardlinks: 0,
  specials: 0,
  bytes: 0,
  skipped: 0,
});

const isDir = (m: Meta): boolean => (m.mode & S_IFMT) === S_IFDIR;

/** Why a name from a listing cannot be used as a single path component, or null. */
export function badName(name: string): string | null {
  if (name === "") return "an empty name";
  if (name === "." || name === "..") return `the name "${name}"`;
  if (name.includes("/")) return "a name containing '/'";
  if (name.includes("\0")) return "a name containing NUL";
  return null;
}

const TYPE_NAMES: Record<number, string> = {
  [S_IFCHR]: "a character device",
  [S_IFBLK]: "a block device",
  [S_IFIFO]: "a FIFO",
  [S_IFSOCK]: "a socket",
};

/** Errors that end the whole copy rather than one entry. */
function fatal(e: unknown): boolean {
  if (e instanceof FsuError && e.errno === EINTR) return true;
  if (e instanceof RumpError) return e.errno === ENOSPC || e.errno === EDQUOT || e.errno === EROFS;
  const code = (e as NodeJS.ErrnoException).code;
  return code === "ENOSPC" || code === "EDQUOT" || code === "EROFS" || code === "EMFILE";
}

/** Something is at the path after all (EEXIST, on either side). */
function exists(e: unknown): boolean {
  if (e instanceof RumpError) return e.errno === EEXIST;
  return (e as NodeJS.ErrnoException).code === "EEXIST";
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One copy: its statistics, the one buffer, the hard links seen, the progress bar. */
class TreeCopy {
  readonly stats = emptyStats();
  private readonly buf = new Uint8Array(CHUNK);
  /** source file identity → destination path, for files with more than one link */
  private readonly linked = new Map<string, string>();
  /** the destination file being written (removed if the copy stops inside it) */
  writing: string | null = null;
  progress: Progress = new Progress(0, false);

  constructor(
    private readonly src: Side,
    private readonly dst: Side,
    private readonly o: CopyOptions,
  ) {}

  skip(path: string, why: string): void {
    this.stats.skipped++;
    process.stderr.write(`fsu: ${this.o.command}: skipped ${path}: ${why}\n`);
  }

  /** The entries of source directory `s`: usable names once each, with their status. */
  entries(s: string): { name: string; meta: Meta }[] {
    const seen = new Set<string>();
    const out: { name: string; meta: Meta }[] = [];
    for (const name of this.src.names(s)) {
      const shown = this.src.join(s, JSON.stringify(name).slice(1, -1));
      const bad = badName(name);
      if (bad !== null) {
        this.skip(shown, `${bad} is not a file name`);
        continue;
      }
      if (seen.has(name)) {
        this.skip(shown, "a second entry of the same name in one directory");
        continue;
      }
      seen.add(name);
      const path = this.src.join(s, name);
      try {
        out.push({ name, meta: this.src.lstat(path) });
      } catch (e) {
        if (fatal(e)) throw e;
        this.skip(path, describe(e));
      }
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Bytes a copy of `path` would move, for the progress bar (damage just counts as nothing). */
  treeBytes(path: string, m: Meta): number {
    if (!isDir(m)) return (m.mode & S_IFMT) === S_IFREG ? m.size : 0;
    let sum = 0;
    try {
      for (const name of this.src.names(path)) {
        if (badName(name) !== null) continue;
        const p = this.src.join(path, name);
        const st = this.src.lstatOrNull(p);
        if (st !== null) sum += this.treeBytes(p, st);
      }
    } catch {
      /* counted when the copy reaches it */
    }
    return sum;
  }

  /** The permission bits to give a copy of `m`. */
  private perms(m: Meta): number {
    return this.o.owners || this.o.owner !== undefined ? m.mode & 0o7777 : m.mode & 0o1777;
  }

  private uid(m: Meta): number {
    return this.o.owner?.uid ?? m.uid;
  }
  private gid(m: Meta): number {
    return this.o.owner?.gid ?? m.gid;
  }
  private get restoreOwners(): boolean {
    return this.o.owners || this.o.owner !== undefined;
  }

  /** The times to give a copy of `m` (clamped for a reproducible copy). */
  private times(m: Meta): [Timespec, Timespec] {
    const c = this.o.clamp;
    if (c === undefined) return [m.atime, m.mtime];
    const later = (t: Timespec): boolean =>
      t.tv_sec > c.tv_sec || (t.tv_sec === c.tv_sec && t.tv_nsec > c.tv_nsec);
    const mt = later(m.mtime) ? c : m.mtime;
    return [mt, mt];
  }

  /**
   * Make room for a new entry at `d`: unlink whatever non-directory is
   * there (never write through it). Returns true when a real directory is
   * there instead.
   */
  private clear(d: string, there: Meta | null = this.dst.lstatOrNull(d)): boolean {
    if (there === null) return false;
    if (isDir(there)) return true;
    this.dst.unlink(d);
    return false;
  }

  private finishMeta(d: string, m: Meta, isLink: boolean): void {
    if (!this.o.preserve) return;
    if (this.restoreOwners) {
      try {
        this.dst.lchown(d, this.uid(m), this.gid(m));
      } catch (e) {
        if (fatal(e)) throw e;
        this.skip(d, `owner not restored (${describe(e)})`);
      }
    }
    if (!isLink) this.dst.chmod(d, this.perms(m));
    const [at, mt] = this.times(m);
    try {
      this.dst.utimens(d, at, mt, isLink);
    } catch (e) {
      if (!isLink) throw e; // link times are best effort (not every host can set them)
    }
  }

  /**
   * `fresh`: `d`'s directory was made by this copy and `d` is new to it (the
   * names of a listing are unique), so nothing is there: the checks of what
   * is in the way are skipped, and should something have appeared anyway
   * (EEXIST) it is done the careful way.
   */
  async file(s: string, d: string, m: Meta, top: boolean, fresh = false): Promise<void> {
    const dst = this.dst;
    if (m.nlink > 1) {
      const first = this.linked.get(m.id);
      if (first !== undefined) {
        if (this.clear(d)) throw new FsuError(EISDIR, "link", d, "a directory is in the way");
        try {
          dst.link(first, d);
          this.stats.hardlinks++;
          return;
        } catch (e) {
          if (fatal(e)) throw e;
          // no link here (EXDEV, EMLINK…): a copy of its own
        }
      }
    }
    const ifd = this.src.openRead(s);
    try {
      let ofd = -1;
      const mode = this.o.preserve ? 0o600 : m.mode & 0o777;
      if (fresh) {
        try {
          ofd = dst.openNew(d, mode);
        } catch (e) {
          if (!exists(e)) throw e;
        }
      }
      if (ofd < 0) {
        const existing = dst.lstatOrNull(d);
        if (top && existing !== null && !isDir(existing)) {
          ofd = dst.openTrunc(d, 0o600);
        } else {
          // (what is there was looked at just now: one lstat per file, not two)
          if (this.clear(d, existing))
            throw new FsuError(EISDIR, "open", d, "a directory is in the way");
          ofd = dst.openNew(d, mode);
        }
      }
      this.writing = d;
      try {
        let pos = 0;
        const buf = this.buf;
        for (;;) {
          const n = this.src.read(ifd, buf, pos);
          if (n <= 0) break;
          dst.write(ofd, buf, n, pos);
          pos += n;
          this.stats.bytes += n;
          this.progress.add(n);
          await checkpoint(this.o.command, d);
          // a short read at the size the file had is its end: no read more to hear 0
          if (n < buf.length && pos >= m.size) break;
        }
        if (this.o.preserve) {
          let perms = this.perms(m);
          if (this.restoreOwners) {
            try {
              dst.fchown(ofd, this.uid(m), this.gid(m));
            } catch (e) {
              if (fatal(e)) throw e;
              perms &= 0o1777;
              this.skip(d, `owner not restored, setuid/setgid bits cleared (${describe(e)})`);
            }
          }
          dst.fchmod(ofd, perms);
          if (dst.futimens !== undefined) {
            const [at, mt] = this.times(m);
            dst.futimens(ofd, at, mt);
          }
        }
      } finally {
        dst.close(ofd);
      }
      this.writing = null;
    } finally {
      this.src.close(ifd);
    }
    if (this.o.preserve && dst.futimens === undefined) {
      const [at, mt] = this.times(m);
      dst.utimens(d, at, mt, false);
    }
    this.stats.files++;
    if (m.nlink > 1) this.linked.set(m.id, d);
  }

  /** Copy `s` to `d` (`fresh`: see file()). */
  async walk(s: string, d: string, m: Meta, top: boolean, fresh = false): Promise<void> {
    await checkpoint(this.o.command, d);
    const type = m.mode & S_IFMT;
    if (type === S_IFDIR) {
      let made = false;
      if (fresh) {
        try {
          this.dst.mkdir(d, (m.mode & 0o777) | 0o700);
          made = true;
        } catch (e) {
          if (!exists(e)) throw e;
        }
      }
      if (!made && !this.clear(d)) {
        this.dst.mkdir(d, (m.mode & 0o777) | 0o700);
        made = true;
      }
      if (made) this.stats.dirs++;
      await this.contents(s, d, made);
      this.finishMeta(d, m, false);
    } else if (type === S_IFLNK) {
      const target = this.src.readlink(s);
      if (target === "") throw new FsuError(ENOENT, "readlink", s, "an empty symbolic link target");
      if (this.clear(d)) throw new FsuError(EISDIR, "symlink", d, "a directory is in the way");
      this.dst.symlink(target, d);
      this.stats.links++;
      this.finishMeta(d, m, true);
    } else if (type === S_IFREG) {
      await this.file(s, d, m, top, fresh);
    } else if (this.o.specials === true && type in TYPE_NAMES && this.dst.isImage) {
      if (this.clear(d)) throw new FsuError(EISDIR, "mknod", d, "a directory is in the way");
      this.dst.mknod(d, type | (m.mode & 0o777), m.rdev);
      this.stats.specials++;
      this.finishMeta(d, m, false);
    } else {
      const what = TYPE_NAMES[type] ?? `a file of type ${(type >> 12).toString(8)}`;
      throw new FsuError(
        EOPNOTSUPP,
        this.o.command,
        s,
        `${what}: only files, directories and links are copied`,
      );
    }
  }

  /** Copy the entries of `s` into the existing directory `d`, each on its own (`fresh`: made by this copy). */
  async contents(s: string, d: string, fresh = false): Promise<void> {
    let list: { name: string; meta: Meta }[];
    try {
      list = this.entries(s);
    } catch (e) {
      if (fatal(e)) throw e;
      this.skip(s, describe(e));
      return;
    }
    for (const e of list) {
      const sp = this.src.join(s, e.name);
      const dp = this.dst.join(d, e.name);
      try {
        await this.walk(sp, dp, e.meta, false, fresh);
      } catch (err) {
        if (fatal(err)) throw err;
        this.removePartial();
        this.skip(sp, err instanceof FsuError ? err.reason : describe(err));
      }
    }
  }

  /** Remove the file being written, if any; the reason to add to a message. */
  removePartial(): string {
    const w = this.writing;
    this.writing = null;
    if (w === null) return "";
    try {
      this.dst.unlink(w);
      return `; removed the partial ${w}`;
    } catch {
      return "";
    }
  }

  /** The failure that ended the copy, said the fsu way. */
  stopped(e: unknown, dstPath: string): unknown {
    if (e instanceof FsuError && e.errno === EINTR) {
      const removed = this.removePartial();
      return new FsuError(EINTR, e.syscall, e.path, `${e.reason}${removed}`);
    }
    const full =
      (e instanceof RumpError && (e.errno === ENOSPC || e.errno === EDQUOT)) ||
      (e as NodeJS.ErrnoException).code === "ENOSPC";
    if (full) {
      const writing = this.writing;
      const removed = this.removePartial();
      const s = this.stats;
      return new FsuError(
        ENOSPC,
        e instanceof RumpError ? e.syscall : "write",
        writing ?? (e instanceof RumpError ? e.path : dstPath),
        `the ${this.dst.isImage ? "image" : "host file system"} is full: stopped after ${s.files} files, ${s.bytes} bytes${removed}`,
      );
    }
    if (e instanceof RumpError && e.path === undefined && this.writing !== null)
      return new RumpError(e.errno, e.syscall, this.writing); // pread/pwrite name no path
    return e;
  }

  startProgress(total: number): void {
    this.progress = new Progress(total, progressWanted(total));
  }
}

const barWanted = (): boolean =>
  process.env.FSU_PROGRESS !== "0" &&
  (process.env.FSU_PROGRESS === "1" || process.stderr.isTTY === true);

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
  const top = src.lstat(srcPath);
  if (isDir(top) && !o.recursive)
    throw new FsuError(EISDIR, o.command, srcPath, "a directory: use -r to copy it");
  const c = new TreeCopy(src, dst, o);
  // walking the tree first costs a stat per file: only when a bar could be shown
  c.startProgress(barWanted() ? c.treeBytes(srcPath, top) : 0);
  try {
    await c.walk(srcPath, dstPath, top, true);
  } catch (e) {
    throw c.stopped(e, dstPath);
  } finally {
    c.progress.finish();
  }
  return c.stats;
}

/** Copy the entries of directory `srcDir` into the existing directory `dstDir`. */
export async function copyContents(
  src: Side,
  srcDir: string,
  dst: Side,
  dstDir: string,
  o: CopyOptions,
): Promise<CopyStats> {
  const top = src.lstat(srcDir);
  if (!isDir(top)) throw new FsuError(ENOTDIR, o.command, srcDir, "not a directory");
  const c = new TreeCopy(src, dst, o);
  c.startProgress(barWanted() ? c.treeBytes(srcDir, top) : 0);
  try {
    await c.contents(srcDir, dstDir);
  } catch (e) {
    throw c.stopped(e, dstDir);
  } finally {
    c.progress.finish();
  }
  return c.stats;
}
