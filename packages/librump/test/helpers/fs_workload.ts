/**
 * A seeded random workload for any file system, checked against a shadow
 * tree on tmpfs: create, write, pwrite, truncate, rename (files and
 * directories), unlink, mkdir, rmdir, chmod, and — where the file system
 * has them — hard links, symlinks and owners. Every operation runs on both
 * trees and must fail (or not) with the same errno; at the end the two
 * snapshots must be equal. FFS, ext2fs and msdosfs run it (ffs_write,
 * ext2fs_write and msdosfs_workload tests), each declaring its row below.
 *
 * What a file system has is declared once, in an `FsCaps` table (NetBSD's
 * tests/fs FSTEST_* predicates): the workload never asks a file system
 * for what it lacks, and the snapshot compares only what it keeps.
 */
import { expect } from "vitest";
import {
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  parseDirents,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  type RumpSyscalls,
} from "@rump/syscalls";

/** What a file system can keep (tests/fs's FSTEST_* predicates). */
export interface FsCaps {
  name: string;
  hardLinks: boolean;
  symlinks: boolean;
  /** chown to any uid/gid sticks */
  owners: boolean;
  /** names compare without case: the workload uses names distinct in every case */
  caseInsensitive: boolean;
  /** largest file size */
  maxFileSize: number;
  /**
   * How permissions read back, as a comparable string: every bit (null),
   * or what the file system keeps of them (msdosfs: the owner's write bit
   * of files, nothing of directories).
   */
  modeKey: ((mode: number, isDir: boolean) => string) | null;
  /** sizes of directories are the file system's own business (compared only when false) */
  dirSizes: boolean;
}

/** The FAT row: no links, no owners, one permission bit, names without case. */
export const FAT_CAPS: FsCaps = {
  name: "msdos",
  hardLinks: false,
  symlinks: false,
  owners: false,
  caseInsensitive: true,
  maxFileSize: 0xffffffff,
  modeKey: (mode, isDir) => (isDir ? "d" : mode & 0o200 ? "w" : "r"),
  dirSizes: false,
};

/** FFS: everything a POSIX file system keeps. */
export const FFS_CAPS: FsCaps = {
  name: "ffs",
  hardLinks: true,
  symlinks: true,
  owners: true,
  caseInsensitive: false,
  maxFileSize: 2 ** 40,
  modeKey: null,
  dirSizes: false,
};

/** ext2fs (revision 1, large_file): the same as FFS. */
export const EXT2_CAPS: FsCaps = { ...FFS_CAPS, name: "ext2fs" };

/** Deterministic bytes (xorshift). */
export function wpattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

function writeAll(s: RumpSyscalls, path: string, data: Uint8Array): void {
  const fd = s.rump_sys_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644);
  try {
    let off = 0;
    while (off < data.length) off += s.rump_sys_write(fd, data.subarray(off));
  } finally {
    s.rump_sys_close(fd);
  }
}

function readAll(s: RumpSyscalls, path: string): Uint8Array {
  const st = s.rump_sys_stat(path);
  const fd = s.rump_sys_open(path, O_RDONLY);
  const buf = new Uint8Array(st.st_size);
  let off = 0;
  while (off < buf.length) {
    const n = s.rump_sys_read(fd, buf.subarray(off), buf.length - off);
    if (n === 0) break;
    off += n;
  }
  s.rump_sys_close(fd);
  return buf.subarray(0, off);
}

function listdir(s: RumpSyscalls, path: string): string[] {
  const fd = s.rump_sys_open(path, O_RDONLY);
  const names: string[] = [];
  const buf = new Uint8Array(16384);
  for (;;) {
    const n = s.rump_sys_getdents(fd, buf, buf.length);
    if (n === 0) break;
    for (const d of parseDirents(buf, n))
      if (d.d_name !== "." && d.d_name !== "..") names.push(d.d_name);
  }
  s.rump_sys_close(fd);
  return names.sort();
}

/** A digest of bytes (FNV-1a) and the length. */
export function wdigest(b: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) {
    h ^= b[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${b.length}:${h.toString(16)}`;
}

/**
 * The tree under `root` as { path: description } with what `caps` keeps:
 * type, permissions (through modeKey), owner (with owners), link count
 * (with hard links), size and content digest of files, symlink targets.
 */
export function wsnapshot(s: RumpSyscalls, root: string, caps: FsCaps): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string, rel: string): void => {
    for (const n of listdir(s, p)) {
      const full = `${p}/${n}`;
      const st = s.rump_sys_lstat(full);
      const type = st.st_mode & S_IFMT;
      const isDir = type === S_IFDIR;
      const perm =
        caps.modeKey === null ? (st.st_mode & 0o7777).toString(8) : caps.modeKey(st.st_mode, isDir);
      let desc = `${type.toString(8)} ${perm}`;
      if (caps.owners) desc += ` ${st.st_uid}:${st.st_gid}`;
      if (caps.hardLinks && !isDir) desc += ` n${st.st_nlink}`;
      if (type === S_IFREG) desc += ` ${wdigest(readAll(s, full))}`;
      else if (type === S_IFLNK) {
        const lb = new Uint8Array(1024);
        desc += ` -> ${new TextDecoder().decode(lb.subarray(0, s.rump_sys_readlink(full, lb, 1024)))}`;
      } else if (isDir && caps.dirSizes) desc += ` ${st.st_size}`;
      out[`${rel}/${n}`] = desc;
      if (isDir) walk(full, `${rel}/${n}`);
    }
  };
  walk(root, "");
  return out;
}

/**
 * Names the workload uses: short and long, with dots, blanks inside and
 * non-ASCII; distinct in every case when the file system ignores case.
 */
function namePool(caps: FsCaps): string[] {
  const pool: string[] = [];
  for (let i = 0; i < 40; i++) {
    switch (i % 5) {
      case 0:
        pool.push(`n${i}`);
        break;
      case 1:
        pool.push(`file ${i}.txt`);
        break;
      case 2:
        pool.push(`a rather long name number ${i} of this workload.data`);
        break;
      case 3:
        pool.push(`ünïcödé ${i}`);
        break;
      default:
        pool.push(caps.caseInsensitive ? `mixed${i}.bin` : `Mixed${i}.BIN`);
    }
  }
  return pool;
}

export interface WorkloadOptions {
  steps: number;
  seed: number;
  /** largest size of a file written whole (bytes) */
  maxWrite: number;
}

/**
 * Run the workload in `${fsRoot}/w` and `${shadowRoot}/w` (both made here):
 * every step on both, the same errno required. Returns the shadow's
 * snapshot after checking the file system's equals it.
 */
export function randomWorkload(
  s: RumpSyscalls,
  fsRoot: string,
  shadowRoot: string,
  caps: FsCaps,
  opts: WorkloadOptions,
): Record<string, string> {
  let x = opts.seed >>> 0 || 1;
  const rnd = (n: number): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const pool = namePool(caps);
  const dirs = [""];
  const files: string[] = [];
  const fsw = `${fsRoot}/w`;
  const shw = `${shadowRoot}/w`;
  const both = (what: string, f: (root: string) => void): number => {
    let e1 = 0;
    let e2 = 0;
    try {
      f(fsw);
    } catch (e) {
      e1 = (e as { errno?: number }).errno ?? -1;
      if (e1 === -1) throw e;
    }
    try {
      f(shw);
    } catch (e) {
      e2 = (e as { errno?: number }).errno ?? -1;
      if (e2 === -1) throw e;
    }
    expect(e1, `${caps.name}: ${what}`).toBe(e2);
    return e1;
  };
  both("mkdir /w", (r) => s.rump_sys_mkdir(r, 0o755));
  const pick = <X>(a: X[]): X => a[rnd(a.length)]!;
  const maxSize = Math.min(caps.maxFileSize, 1 << 30);
  for (let step = 0; step < opts.steps; step++) {
    const op = rnd(16);
    const d1 = pick(dirs);
    const nm = pick(pool);
    switch (op) {
      case 0:
      case 1: {
        const p = `${d1}/${nm}`;
        const size = rnd(4) === 0 ? rnd(opts.maxWrite) : rnd(Math.min(opts.maxWrite, 12_000));
        const data = wpattern(size, step);
        if (both(`write ${p}`, (r) => writeAll(s, r + p, data)) === 0 && !files.includes(p))
          files.push(p);
        break;
      }
      case 2: {
        if (files.length === 0) break;
        const p = pick(files);
        const data = wpattern(rnd(30_000), step);
        const off = rnd(100_000);
        both(`pwrite ${p}`, (r) => {
          const fd = s.rump_sys_open(r + p, O_RDWR);
          try {
            s.rump_sys_pwrite(fd, data, data.length, off);
          } finally {
            s.rump_sys_close(fd);
          }
        });
        break;
      }
      case 3: {
        if (files.length === 0) break;
        const p = pick(files);
        const len = rnd(150_000);
        if (len <= maxSize) both(`truncate ${p}`, (r) => s.rump_sys_truncate(r + p, len));
        break;
      }
      case 4: {
        if (files.length === 0) break;
        const p = pick(files);
        const q = `${pick(dirs)}/${nm}`;
        if (both(`rename ${p} ${q}`, (r) => s.rump_sys_rename(r + p, r + q)) === 0) {
          files.splice(files.indexOf(p), 1);
          if (!files.includes(q)) files.push(q);
        }
        break;
      }
      case 5: {
        if (files.length === 0) break;
        const p = pick(files);
        if (both(`unlink ${p}`, (r) => s.rump_sys_unlink(r + p)) === 0)
          files.splice(files.indexOf(p), 1);
        break;
      }
      case 6:
      case 7: {
        const p = `${d1}/d${rnd(20)}`;
        if (both(`mkdir ${p}`, (r) => s.rump_sys_mkdir(r + p, 0o750)) === 0) dirs.push(p);
        break;
      }
      case 8: {
        const p = pick(dirs);
        if (p === "") break;
        if (both(`rmdir ${p}`, (r) => s.rump_sys_rmdir(r + p)) === 0)
          dirs.splice(dirs.indexOf(p), 1);
        break;
      }
      case 9: {
        if (!caps.hardLinks || files.length === 0) break;
        const p = pick(files);
        const q = `${d1}/${nm}`;
        if (
          both(`link ${p} ${q}`, (r) => s.rump_sys_link(r + p, r + q)) === 0 &&
          !files.includes(q)
        )
          files.push(q);
        break;
      }
      case 10: {
        if (!caps.symlinks) break;
        const p = `${d1}/s${rnd(10)}`;
        const target = rnd(2) === 0 ? `t${step}` : "long/".repeat(30 + rnd(50));
        both(`symlink ${p}`, (r) => s.rump_sys_symlink(target, r + p));
        break;
      }
      case 11: {
        // a directory somewhere else (into itself: refused on both)
        const p = pick(dirs);
        if (p === "") break;
        const q = `${pick(dirs)}/d${rnd(20)}`;
        if (both(`rename ${p} ${q}`, (r) => s.rump_sys_rename(r + p, r + q)) === 0) {
          for (let i = 0; i < dirs.length; i++) {
            const e = dirs[i]!;
            if (e === p || e.startsWith(p + "/")) dirs[i] = q + e.slice(p.length);
          }
          for (let i = 0; i < files.length; i++) {
            const e = files[i]!;
            if (e.startsWith(p + "/")) files[i] = q + e.slice(p.length);
          }
        }
        break;
      }
      case 12: {
        if (files.length === 0) break;
        const p = pick(files);
        const mode = rnd(2) === 0 ? 0o444 : 0o644;
        both(`chmod ${p}`, (r) => s.rump_sys_chmod(r + p, mode));
        break;
      }
      case 13: {
        if (!caps.owners) break;
        const p = rnd(2) === 0 && files.length > 0 ? pick(files) : pick(dirs);
        const uid = rnd(2000);
        const gid = rnd(100);
        both(`chown ${p}`, (r) => s.rump_sys_lchown(r + p, uid, gid));
        break;
      }
      case 14: {
        // a read back of a file on both (the data paths agree mid-way too)
        if (files.length === 0) break;
        const p = pick(files);
        let a = "";
        let b = "";
        both(`read ${p}`, (r) => {
          const d = wdigest(readAll(s, r + p));
          if (r === fsw) a = d;
          else b = d;
        });
        expect(a, `${caps.name}: read ${p}`).toBe(b);
        break;
      }
      default: {
        // append
        if (files.length === 0) break;
        const p = pick(files);
        const data = wpattern(rnd(9000), step);
        both(`append ${p}`, (r) => {
          const fd = s.rump_sys_open(r + p, O_WRONLY | 0x8 /* O_APPEND */);
          try {
            s.rump_sys_write(fd, data);
          } finally {
            s.rump_sys_close(fd);
          }
        });
      }
    }
  }
  const shadow = wsnapshot(s, shw, caps);
  expect(wsnapshot(s, fsw, caps)).toEqual(shadow);
  return shadow;
}
