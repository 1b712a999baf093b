/**
 * A seeded random workload for any file system, checked against a shadow
 * tree on tmpfs (`mountShadow`): create, write, pwrite, append, truncate,
 * rename (files and directories), unlink, mkdir, rmdir, chmod, read back,
 * and — where the file system has them — hard links, symlinks and owners.
 * Every operation runs on both trees and must fail (or not) with the same
 * errno; at the end the two snapshots must be equal. FFS, ext2fs, ext4 and
 * msdosfs run it (ffs_write, ext2fs_write, ext4_write and msdosfs_workload
 * tests), each declaring its row below and adding its own checks after
 * (fsck, a fresh kernel, the real tools' view of the image).
 *
 * What a file system has is declared once, in an `FsCaps` table (NetBSD's
 * tests/fs FSTEST_* predicates): the workload never asks a file system
 * for what it lacks, and the snapshot compares only what it keeps.
 */
import { expect } from "vitest";
import {
  O_APPEND,
  O_RDWR,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  type RumpSyscalls,
} from "@rump/syscalls";
import { listdir, readFile, writeFile } from "./kernel.js";
import { pattern } from "./pattern.js";
import { defaultArgs } from "./tmpfs_harness.js";

/** What a file system can keep (tests/fs's FSTEST_* predicates). */
export interface FsCaps {
  name: string;
  /** link(2) works and link counts are kept (of directories too: 2 + subdirectories) */
  hardLinks: boolean;
  symlinks: boolean;
  /** chown to any 32-bit uid/gid sticks (ids past 65535 too) */
  owners: boolean;
  /** names compare without case: the workload uses names distinct in every case */
  caseInsensitive: boolean;
  /** largest file size */
  maxFileSize: number;
  /**
   * How permissions read back, as a comparable string: every bit (null:
   * chmod then sets any mode of 07777, setuid, setgid and sticky bits
   * included), or what the file system keeps of them (msdosfs: the owner's
   * write bit of files, nothing of directories; chmod sets 0444 or 0644).
   */
  modeKey: ((mode: number, isDir: boolean) => string) | null;
  /** sizes of directories are compared (only when true: they are each file system's own business) */
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

/**
 * ext2fs: the same as FFS (owners with the high 16 bits of ids), but
 * revision 0 has no large_file: 2 GiB − 1 (larger files on revision 1 are
 * ext2fs_write's own test).
 */
export const EXT2_CAPS: FsCaps = { ...FFS_CAPS, name: "ext2fs", maxFileSize: 2 ** 31 - 1 };

/** ext4 (extents, huge_file): 16 TiB files at 4 KiB blocks. */
export const EXT4_CAPS: FsCaps = { ...FFS_CAPS, name: "ext4", maxFileSize: 2 ** 44 };

/**
 * Mount a fresh tmpfs at `at` (made here) for the shadow tree: tmpfs keeps
 * everything POSIX asks, so it is the reference every file system is held to.
 */
export function mountShadow(s: RumpSyscalls, at = "/shadow"): void {
  s.rump_sys_mkdir(at, 0o755);
  s.rump_sys_mount("tmpfs", at, 0, defaultArgs());
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
 * "type perm[ uid:gid][ nN][ size:digest | -> target | dirsize]": type
 * and permissions (octal, through modeKey), owner (with owners), link count
 * (with hard links), size and content digest of files, symlink targets.
 */
export function wsnapshot(s: RumpSyscalls, root: string, caps: FsCaps): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string, rel: string): void => {
    for (const n of listdir(s, p).sort()) {
      if (n === "." || n === "..") continue;
      const full = `${p}/${n}`;
      const st = s.rump_sys_lstat(full);
      const type = st.st_mode & S_IFMT;
      const isDir = type === S_IFDIR;
      const perm =
        caps.modeKey === null ? (st.st_mode & 0o7777).toString(8) : caps.modeKey(st.st_mode, isDir);
      let desc = `${type.toString(8)} ${perm}`;
      if (caps.owners) desc += ` ${st.st_uid}:${st.st_gid}`;
      if (caps.hardLinks) desc += ` n${st.st_nlink}`;
      if (type === S_IFREG) desc += ` ${wdigest(readFile(s, full))}`;
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
  /**
   * largest size of a file written whole (bytes); truncates reach 3/4 of
   * it, pwrites up to 130,000 and appends grow files past it
   */
  maxWrite: number;
}

/**
 * Run the workload in `${fsRoot}/w` and `${shadowRoot}/w` (both made here):
 * every step on both, the same errno required. Returns the shadow's
 * snapshot (of more than 15 entries) after checking the file system's
 * equals it.
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
        const data = pattern(size, step);
        if (both(`write ${p}`, (r) => writeFile(s, r + p, data)) === 0 && !files.includes(p))
          files.push(p);
        break;
      }
      case 2: {
        if (files.length === 0) break;
        const p = pick(files);
        const data = pattern(rnd(30_000), step);
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
        const len = rnd(Math.floor((opts.maxWrite * 3) / 4));
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
        const mode = caps.modeKey === null ? rnd(0o10000) : rnd(2) === 0 ? 0o444 : 0o644;
        both(`chmod ${p}`, (r) => s.rump_sys_chmod(r + p, mode));
        break;
      }
      case 13: {
        if (!caps.owners) break;
        const p = rnd(2) === 0 && files.length > 0 ? pick(files) : pick(dirs);
        // ids past 16 bits now and then (ext2's i_uid_high/i_gid_high)
        const uid = rnd(3) === 0 ? 65536 + rnd(1_000_000) : rnd(2000);
        const gid = rnd(3) === 0 ? 70_000 + rnd(1000) : rnd(100);
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
          const d = wdigest(readFile(s, r + p));
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
        const data = pattern(rnd(9000), step);
        both(`append ${p}`, (r) => writeFile(s, r + p, data, O_APPEND));
      }
    }
  }
  const shadow = wsnapshot(s, shw, caps);
  expect(Object.keys(shadow).length, `${caps.name}: a workload too small to tell`).toBeGreaterThan(
    15,
  );
  expect(wsnapshot(s, fsw, caps)).toEqual(shadow);
  return shadow;
}
