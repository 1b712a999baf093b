/**
 * The seeded random workload the ext2 and ext4 write tests run: a few
 * hundred creates, overwrites, truncates, renames (of files and of whole
 * directories), unlinks, mkdir/rmdir, hard and symbolic links, chmod and
 * chown, each applied to the image under /mnt/w and to a shadow tree on
 * tmpfs, each answering the same errno on both; then the two trees must
 * be identical. snapshot/debugfsTree let the caller compare the image in a
 * fresh kernel and through debugfs afterwards.
 */
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, onTestFinished } from "vitest";
import {
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  type RumpSyscalls,
} from "@rump/syscalls";
import { listdir } from "./kernel.js";
import { DEBUGFS, e2pattern as pattern } from "./ext2fs_images.js";

export function writeFile(
  sys: RumpSyscalls,
  path: string,
  data: Uint8Array,
  flags = O_TRUNC,
): void {
  const fd = sys.rump_sys_open(path, O_WRONLY | O_CREAT | flags, 0o644);
  let off = 0;
  while (off < data.length) off += sys.rump_sys_write(fd, data.subarray(off));
  sys.rump_sys_close(fd);
}

export function readFile(sys: RumpSyscalls, path: string): Uint8Array {
  const st = sys.rump_sys_stat(path);
  const fd = sys.rump_sys_open(path, O_RDONLY);
  const buf = new Uint8Array(st.st_size);
  let off = 0;
  while (off < buf.length) {
    const n = sys.rump_sys_read(fd, buf.subarray(off));
    if (n === 0) break;
    off += n;
  }
  sys.rump_sys_close(fd);
  return buf.subarray(0, off);
}

/**
 * Run `steps` seeded operations on /mnt/w and on a shadow tree (a tmpfs
 * mounted at /shadow); file sizes and offsets scale with `scale`. Returns
 * the shadow's snapshot, which /mnt/w matched.
 */
export function runE2Workload(
  s: RumpSyscalls,
  seed: number,
  steps = 400,
  scale = 1,
): Record<string, string> {
  s.rump_sys_mkdir("/shadow", 0o755);
  s.rump_sys_mount("tmpfs", "/shadow", 0, {
    ta_version: 1,
    ta_nodes_max: 0,
    ta_size_max: 0,
    ta_root_uid: 0,
    ta_root_gid: 0,
    ta_root_mode: 0o755,
  });
  let x = seed;
  const rnd = (n: number): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const dirs = [""];
  const files: string[] = [];
  const both = (f: (root: string) => void): number => {
    let e1 = 0;
    let e2 = 0;
    try {
      f("/mnt/w");
    } catch (e) {
      e1 = (e as { errno: number }).errno;
      if (e1 === undefined) throw e;
    }
    try {
      f("/shadow/w");
    } catch (e) {
      e2 = (e as { errno: number }).errno;
      if (e2 === undefined) throw e;
    }
    expect(e1).toBe(e2);
    return e1;
  };
  both((r) => s.rump_sys_mkdir(r, 0o755));
  const pick = <X>(a: X[]): X => a[rnd(a.length)]!;
  for (let step = 0; step < steps; step++) {
    const op = rnd(14);
    const d1 = pick(dirs);
    const nm = `n${rnd(40)}`;
    switch (op) {
      case 0:
      case 1: {
        const p = `${d1}/${nm}`;
        const data = pattern(rnd(4) === 0 ? rnd(200_000 * scale) : rnd(12_000), step);
        if (both((r) => writeFile(s, r + p, data)) === 0 && !files.includes(p)) files.push(p);
        break;
      }
      case 2: {
        if (files.length === 0) break;
        const p = pick(files);
        const data = pattern(rnd(30_000), step);
        const off = rnd(100_000);
        both((r) => {
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
        const len = rnd(150_000 * scale);
        both((r) => s.rump_sys_truncate(r + p, len));
        break;
      }
      case 4: {
        if (files.length === 0) break;
        const p = pick(files);
        const q = `${pick(dirs)}/${nm}`;
        if (both((r) => s.rump_sys_rename(r + p, r + q)) === 0) {
          files.splice(files.indexOf(p), 1);
          if (!files.includes(q)) files.push(q);
        }
        break;
      }
      case 5: {
        if (files.length === 0) break;
        const p = pick(files);
        if (both((r) => s.rump_sys_unlink(r + p)) === 0) files.splice(files.indexOf(p), 1);
        break;
      }
      case 6:
      case 7: {
        const p = `${d1}/d${rnd(20)}`;
        if (both((r) => s.rump_sys_mkdir(r + p, 0o750)) === 0) dirs.push(p);
        break;
      }
      case 8: {
        const p = pick(dirs);
        if (p === "") break;
        if (both((r) => s.rump_sys_rmdir(r + p)) === 0) dirs.splice(dirs.indexOf(p), 1);
        break;
      }
      case 9: {
        if (files.length === 0) break;
        const p = pick(files);
        const q = `${d1}/${nm}`;
        if (both((r) => s.rump_sys_link(r + p, r + q)) === 0 && !files.includes(q)) files.push(q);
        break;
      }
      case 10: {
        const p = `${d1}/s${rnd(10)}`;
        const target = rnd(2) === 0 ? `t${step}` : "long/".repeat(30 + rnd(50));
        both((r) => s.rump_sys_symlink(target, r + p));
        break;
      }
      case 12: {
        if (files.length === 0) break;
        const p = pick(files);
        const mode = rnd(0o10000);
        both((r) => s.rump_sys_chmod(r + p, mode));
        break;
      }
      case 13: {
        const p = rnd(2) === 0 && files.length > 0 ? pick(files) : pick(dirs);
        const uid = rnd(3) === 0 ? 65536 + rnd(1_000_000) : rnd(2000);
        const gid = rnd(3) === 0 ? 70_000 + rnd(1000) : rnd(100);
        both((r) => s.rump_sys_lchown(r + p, uid, gid));
        break;
      }
      case 11: {
        // rename a directory somewhere (loops refused on both)
        const p = pick(dirs);
        if (p === "") break;
        const q = `${pick(dirs)}/d${rnd(20)}`;
        if (both((r) => s.rump_sys_rename(r + p, r + q)) === 0) {
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
    }
  }
  const shadow = snapshot(s, "/shadow/w");
  expect(Object.keys(shadow).length).toBeGreaterThan(20);
  expect(snapshot(s, "/mnt/w")).toEqual(shadow);
  return shadow;
}

/** The debugfs-visible part of a snapshot: type, permissions, owner, size (not of directories). */
export function attrsOf(snap: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(snap)) {
    const [type, perm, , owner, size] = v.split(" ");
    out[k] = `${type} ${perm} ${owner} ${size}`;
  }
  return out;
}

/**
 * The tree under /w as `debugfs -R "ls -p"` lists it, one debugfs run for
 * every directory the snapshot knows (a directory it does not know shows
 * up as an entry and makes the comparison fail).
 */
export function debugfsTree(
  image: string,
  snap: Record<string, string>,
  scratch: string,
): Record<string, string> {
  const dirs = [""];
  for (const [k, v] of Object.entries(snap)) if (v.startsWith("40000 ")) dirs.push(k);
  const cmds = join(scratch, `cmds-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(cmds, dirs.map((d) => `ls -p /w${d}\n`).join(""));
  onTestFinished(() => rmSync(cmds, { force: true }));
  const out = execFileSync(DEBUGFS, ["-f", cmds, image], { encoding: "latin1", stdio: "pipe" });
  const res: Record<string, string> = {};
  let cur = "";
  for (const line of out.split("\n")) {
    const m = /^debugfs: ls -p \/w(.*)$/.exec(line);
    if (m !== null) {
      cur = m[1]!;
      continue;
    }
    const f = line.split("/");
    if (f.length !== 8 || f[0] !== "") continue;
    const name = f[5]!;
    if (name === "." || name === "..") continue;
    const mode = parseInt(f[2]!, 8);
    const type = mode & 0o170000;
    const size = type === 0o040000 ? "" : f[6]!;
    res[`${cur}/${name}`] =
      `${type.toString(8)} ${(mode & 0o7777).toString(8)} ${f[3]}:${f[4]} ${size}`;
  }
  return res;
}

/** Every path under `root` with type, mode, size, link count and contents. */
export function snapshot(s: RumpSyscalls, root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string, rel: string): void => {
    for (const n of listdir(s, p).sort()) {
      if (n === "." || n === "..") continue;
      const full = `${p}/${n}`;
      const st = s.rump_sys_lstat(full);
      const type = st.st_mode & S_IFMT;
      let desc = `${type.toString(8)} ${(st.st_mode & 0o7777).toString(8)} ${st.st_nlink} ${st.st_uid}:${st.st_gid} ${type === S_IFDIR ? "" : st.st_size}`;
      if (type === S_IFREG) {
        const b = readFile(s, full);
        let h = 0;
        for (let i = 0; i < b.length; i++) h = (Math.imul(h, 31) + b[i]!) | 0;
        desc += ` ${h}`;
      } else if (type === S_IFLNK) {
        const lb = new Uint8Array(1024);
        desc += ` ${new TextDecoder().decode(lb.subarray(0, s.rump_sys_readlink(full, lb, 1024)))}`;
      }
      out[`${rel}/${n}`] = desc;
      if (type === S_IFDIR) walk(full, `${rel}/${n}`);
    }
  };
  walk(root, "");
  return out;
}
