/** Commands that read: ls, cat, stat, find, tree, du, df. */
import { posix } from "node:path";
import { major, minor } from "@rump/librump";
import {
  DT_DIR,
  DT_LNK,
  DT_REG,
  O_RDONLY,
  RumpError,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  type RumpSyscalls,
  type Stat,
} from "@rump/syscalls";
import { readDirents, type Ukfs } from "../../api.js";
import { CHUNK } from "../copy.js";
import { InoStat } from "../inostat.js";
import { checkpoint } from "../interrupt.js";
import { imagePath, type Command } from "../context.js";
import {
  columns,
  deviceString,
  flagsString,
  humanSize,
  isDevice,
  lsTime,
  modeString,
  typeName,
} from "../format.js";
import { stdout } from "../stdout.js";

const JSON_OPT = { name: "json", help: "print JSON" };

const tsMs = (t: { tv_sec: number; tv_nsec: number }): number => t.tv_sec * 1000 + t.tv_nsec / 1e6;
const iso = (t: { tv_sec: number; tv_nsec: number }): string => new Date(tsMs(t)).toISOString();

function readlinkIn(sys: RumpSyscalls, p: string): string {
  const buf = Buffer.allocUnsafe(4096);
  return buf.toString("utf8", 0, sys.rump_sys_readlink(p, buf, buf.length));
}

const byName = (a: { name: string }, b: { name: string }): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

interface Entry {
  name: string;
  path: string;
  st: Stat;
  target?: string;
}

function entryJson(e: Entry): Record<string, unknown> {
  const st = e.st;
  return {
    name: e.name,
    path: e.path,
    type: typeName(st.st_mode),
    mode: st.st_mode, // as Node's Stats.mode: type and permission bits
    perms: modeString(st.st_mode),
    ino: st.st_ino,
    nlink: st.st_nlink,
    uid: st.st_uid,
    gid: st.st_gid,
    size: st.st_size,
    ...(isDevice(st.st_mode) ? { major: major(st.st_rdev), minor: minor(st.st_rdev) } : {}),
    blocks: st.st_blocks,
    flags: st.st_flags,
    mtime: iso(st.st_mtimespec),
    ...(e.target !== undefined ? { target: e.target } : {}),
  };
}

function lsRows(ents: Entry[], human: boolean): string[] {
  const now = Date.now();
  return columns(
    ents.map((e) => [
      modeString(e.st.st_mode),
      String(e.st.st_nlink),
      String(e.st.st_uid),
      String(e.st.st_gid),
      isDevice(e.st.st_mode)
        ? deviceString(e.st.st_rdev)
        : human
          ? humanSize(e.st.st_size)
          : String(e.st.st_size),
      lsTime(tsMs(e.st.st_mtimespec), now),
      e.target !== undefined ? `${e.name} -> ${e.target}` : e.name,
    ]),
    new Set([2, 3]),
  );
}

export const ls: Command = {
  name: "ls",
  summary: "list directory contents",
  usage: "[-adhlR] [--json] IMAGE [PATH ...]",
  options: [
    { name: "l", help: "long format: mode, links, owner, group, size, time" },
    { name: "a", help: "include entries whose names start with a dot, and . and .." },
    { name: "R", help: "list subdirectories recursively" },
    { name: "d", help: "list directories themselves, not their contents" },
    { name: "h", help: "sizes in K, M, G with -l" },
    JSON_OPT,
  ],
  operands: [1, Infinity],
  examples: [
    ["fsu ls -l disk.img /etc", "long listing of /etc in disk.img"],
    ["fsu ls -R --json disk.img%p1% /", "every entry of the first MBR/GPT partition, as JSON"],
  ],
  run(ctx) {
    const [img, ...rest] = ctx.operands;
    const paths = (rest.length === 0 ? ["/"] : rest).map((p) => imagePath(p, "ls"));
    const long = ctx.flag("l");
    const all = ctx.flag("a");
    const recursive = ctx.flag("R");
    const dirOnly = ctx.flag("d");
    const human = ctx.flag("h");
    const json = ctx.json;
    const fs = ctx.open(img!, false);
    const out: string[] = [];
    const jsonOut: Record<string, unknown>[] = [];
    const byIno = new InoStat(fs);
    fs.run("ls", (sys) => {
      const entry = (name: string, path: string, ino = 0): Entry => {
        const st = (ino !== 0 ? byIno.stat(ino) : null) ?? sys.rump_sys_lstat(path);
        const e: Entry = { name, path, st };
        if ((long || json) && (st.st_mode & S_IFMT) === S_IFLNK) e.target = readlinkIn(sys, path);
        return e;
      };
      // lstat in directory order (the file system's lookup cache follows it), then sort
      const listDir = (dir: string): Entry[] => {
        const ents: Entry[] = [];
        if (all) ents.push(entry(".", dir), entry("..", posix.join(dir, "..")));
        for (const d of readDirents(sys, dir)) {
          if (!all && d.name.startsWith(".")) continue;
          const p = posix.join(dir, d.name);
          if (long || json || recursive || d.type === 0) ents.push(entry(d.name, p, d.ino));
          else
            ents.push({
              name: d.name,
              path: p,
              st: { st_mode: d.type === DT_DIR ? S_IFDIR : 0 } as Stat,
            });
        }
        const dots = ents.filter((e) => e.name === "." || e.name === "..");
        return [...dots, ...ents.filter((e) => !dots.includes(e)).sort(byName)];
      };
      const emit = (ents: Entry[], header: string | null, total: boolean): void => {
        if (json) {
          for (const e of ents) jsonOut.push(entryJson(e));
          return;
        }
        if (header !== null) out.push(`${out.length > 0 ? "\n" : ""}${header}:`);
        if (long) {
          if (total) out.push(`total ${ents.reduce((a, e) => a + (e.st.st_blocks ?? 0), 0)}`);
          out.push(...lsRows(ents, human));
        } else out.push(...ents.map((e) => e.name));
      };
      const files: Entry[] = [];
      const dirs: string[] = [];
      for (const p of paths) {
        let st = sys.rump_sys_lstat(p);
        if ((st.st_mode & S_IFMT) === S_IFLNK && !long && !dirOnly) st = sys.rump_sys_stat(p);
        if ((st.st_mode & S_IFMT) === S_IFDIR && !dirOnly) dirs.push(p);
        else files.push(entry(p, p));
      }
      if (files.length > 0) emit(files, null, false);
      const many = paths.length > 1 || recursive;
      const visit = (dir: string): void => {
        const ents = listDir(dir);
        emit(ents, many ? dir : null, true);
        if (!recursive) return;
        for (const e of ents)
          if (e.name !== "." && e.name !== ".." && (e.st.st_mode & S_IFMT) === S_IFDIR)
            visit(e.path);
      };
      for (const d of dirs) visit(d);
    });
    if (json) ctx.out(JSON.stringify(jsonOut, null, 1) + "\n");
    else if (out.length > 0) ctx.out(out.join("\n") + "\n");
  },
};

/** Stream an image file to stdout in 1 MiB reads. */
export async function catFile(fs: Ukfs, path: string): Promise<void> {
  const fd = fs.inFdProc("open", (sys) => sys.rump_sys_open(path, O_RDONLY));
  try {
    let pos = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK);
      const n = fs.inFdProc("read", (sys) => sys.rump_sys_pread(fd, buf, CHUNK, pos));
      if (n === 0) break;
      pos += n;
      await checkpoint("read", path);
      const out = stdout();
      if (!out.write(buf.subarray(0, n))) await new Promise<void>((r) => out.once("drain", r));
    }
  } finally {
    fs.inFdProc("close", (sys) => sys.rump_sys_close(fd));
  }
}

export const cat: Command = {
  name: "cat",
  summary: "write files of the image to stdout",
  usage: "IMAGE PATH ...",
  options: [],
  operands: [2, Infinity],
  examples: [["fsu cat disk.img /etc/motd", "print /etc/motd of disk.img"]],
  async run(ctx) {
    const [img, ...paths] = ctx.operands;
    for (const p of paths) imagePath(p, "open");
    const fs = ctx.open(img!, false);
    for (const p of paths)
      try {
        await catFile(fs, p);
      } catch (e) {
        // descriptor calls (pread) name no path: name the file
        if (e instanceof RumpError && e.path === undefined)
          throw new RumpError(e.errno, e.syscall, p);
        throw e;
      }
  },
};

export const stat: Command = {
  name: "stat",
  summary: "show the status of files (lstat)",
  usage: "[--json] IMAGE PATH ...",
  options: [JSON_OPT],
  operands: [2, Infinity],
  examples: [
    ["fsu stat disk.img /etc/passwd", "inode, mode, owner, size, flags and times"],
    ["fsu stat --json disk.img /bin", "the same as a JSON object"],
  ],
  run(ctx) {
    const [img, ...paths] = ctx.operands;
    for (const p of paths) imagePath(p, "stat");
    const fs = ctx.open(img!, false);
    const ents = fs.run("stat", (sys) =>
      paths.map((p): Entry => {
        const st = sys.rump_sys_lstat(p);
        return {
          name: posix.basename(p) || "/",
          path: p,
          st,
          ...((st.st_mode & S_IFMT) === S_IFLNK ? { target: readlinkIn(sys, p) } : {}),
        };
      }),
    );
    if (ctx.json) {
      const objs = ents.map((e) => ({
        ...entryJson(e),
        dev: e.st.st_dev,
        rdev: e.st.st_rdev,
        blksize: e.st.st_blksize,
        flagNames: flagsString(e.st.st_flags),
        atime: iso(e.st.st_atimespec),
        ctime: iso(e.st.st_ctimespec),
        birthtime: iso(e.st.st_birthtimespec),
      }));
      ctx.out(JSON.stringify(objs.length === 1 ? objs[0] : objs, null, 1) + "\n");
      return;
    }
    const out: string[] = [];
    for (const e of ents) {
      const st = e.st;
      out.push(
        `  File: ${e.path}${e.target !== undefined ? ` -> ${e.target}` : ""}`,
        `  Type: ${typeName(st.st_mode)}  Size: ${st.st_size}  Blocks: ${st.st_blocks}  IO Block: ${st.st_blksize}` +
          (isDevice(st.st_mode) ? `  Device: ${deviceString(st.st_rdev)}` : ""),
        ` Inode: ${st.st_ino}  Links: ${st.st_nlink}  Flags: ${flagsString(st.st_flags)}`,
        `  Mode: 0${(st.st_mode & 0o7777).toString(8).padStart(3, "0")} (${modeString(st.st_mode)})  Uid: ${st.st_uid}  Gid: ${st.st_gid}`,
        `Access: ${iso(st.st_atimespec)}`,
        `Modify: ${iso(st.st_mtimespec)}`,
        `Change: ${iso(st.st_ctimespec)}`,
        ` Birth: ${iso(st.st_birthtimespec)}`,
      );
    }
    ctx.out(out.join("\n") + "\n");
  },
};

/** fnmatch(3) without flags: *, ?, [...] (with ! or ^ negation), \ escapes. */
export function globToRegExp(pat: string): RegExp {
  let re = "";
  for (let i = 0; i < pat.length; i++) {
    const c = pat[i]!;
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "\\" && i + 1 < pat.length) re += "\\" + pat[++i]!;
    else if (c === "[") {
      const end = pat.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        let set = pat.slice(i + 1, end);
        if (set[0] === "!" || set[0] === "^") set = "^" + set.slice(1);
        re += "[" + set.replace(/\\/g, "\\\\") + "]";
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "s");
}

const FIND_TYPES: Record<string, number> = { f: S_IFREG, d: S_IFDIR, l: S_IFLNK };

export const find: Command = {
  name: "find",
  summary: "list the files below a directory, filtered by name and type",
  usage: "IMAGE [PATH] [-name PATTERN] [-type f|d|l]",
  options: [
    { name: "name", value: true, arg: "PATTERN", help: "base name matches the shell pattern" },
    { name: "type", value: true, arg: "f|d|l", help: "only files, directories or symbolic links" },
  ],
  operands: [1, 2],
  examples: [
    ["fsu find disk.img / -name '*.conf'", "every *.conf in the image"],
    ["fsu find disk.img /usr -type d", "the directories below /usr"],
  ],
  run(ctx) {
    const [img, start = "/"] = ctx.operands;
    imagePath(start, "find");
    const name = ctx.value("name");
    const type = ctx.value("type");
    if (type !== undefined && FIND_TYPES[type] === undefined)
      throw ctx.usage(`-type must be f, d or l, not "${type}"`);
    const re = name === undefined ? null : globToRegExp(name);
    const fs = ctx.open(img!, false);
    const wantDt = type === undefined ? -1 : { f: DT_REG, d: DT_DIR, l: DT_LNK }[type]!;
    const out: string[] = [];
    const match = (base: string, dt: number): boolean =>
      (re === null || re.test(base)) && (wantDt < 0 || dt === wantDt);
    // walk gives the start first (depth 0), then what is below it, as find(1) prints
    for (const e of fs.walk(start))
      if (match(e.depth === 0 ? posix.basename(start) || "/" : e.dirent.name, e.dirent.type))
        out.push(e.depth === 0 ? start : e.path);
    if (out.length > 0) ctx.out(out.join("\n") + "\n");
  },
};

export const tree: Command = {
  name: "tree",
  summary: "draw the directory tree",
  usage: "[-a] IMAGE [PATH]",
  options: [{ name: "a", help: "include names starting with a dot" }],
  operands: [1, 2],
  examples: [["fsu tree disk.img /etc", "the tree below /etc"]],
  run(ctx) {
    const [img, start = "/"] = ctx.operands;
    imagePath(start, "tree");
    const all = ctx.flag("a");
    const fs = ctx.open(img!, false);
    const out = [start];
    let ndirs = 0;
    let nfiles = 0;
    fs.run("tree", (sys) => {
      const draw = (dir: string, prefix: string): void => {
        const ents = readDirents(sys, dir)
          .filter((e) => all || !e.name.startsWith("."))
          .sort(byName);
        ents.forEach((e, i) => {
          const last = i === ents.length - 1;
          const p = posix.join(dir, e.name);
          let type = e.type;
          if (type === 0) {
            const m = sys.rump_sys_lstat(p).st_mode & S_IFMT;
            type = m === S_IFDIR ? DT_DIR : m === S_IFLNK ? DT_LNK : DT_REG;
          }
          const label = type === DT_LNK ? `${e.name} -> ${readlinkIn(sys, p)}` : e.name;
          out.push(`${prefix}${last ? "└── " : "├── "}${label}`);
          if (type === DT_DIR) {
            ndirs++;
            draw(p, prefix + (last ? "    " : "│   "));
          } else nfiles++;
        });
      };
      draw(start, "");
    });
    out.push("", `${ndirs} directories, ${nfiles} files`);
    ctx.out(out.join("\n") + "\n");
  },
};

export const du: Command = {
  name: "du",
  summary: "disk usage of directories (KiB; hard links counted once)",
  usage: "[-ash] IMAGE [PATH]",
  options: [
    { name: "s", help: "only the total of each PATH" },
    { name: "a", help: "files too, not only directories" },
    { name: "h", help: "sizes in K, M, G" },
  ],
  operands: [1, 2],
  examples: [["fsu du -s disk.img /usr", "total KiB used below /usr"]],
  run(ctx) {
    const [img, start = "/"] = ctx.operands;
    imagePath(start, "du");
    const summary = ctx.flag("s");
    const files = ctx.flag("a");
    const fmt = (blocks: number): string =>
      ctx.flag("h") ? humanSize(blocks * 512) : String(Math.ceil(blocks / 2));
    const fs = ctx.open(img!, false);
    const out: string[] = [];
    const seen = new Set<number>();
    const byIno = new InoStat(fs);
    fs.run("du", (sys) => {
      const visit = (p: string, st: Stat, depth: number): number => {
        if (st.st_nlink > 1 && (st.st_mode & S_IFMT) !== S_IFDIR) {
          if (seen.has(st.st_ino)) return 0;
          seen.add(st.st_ino);
        }
        let sum = st.st_blocks;
        if ((st.st_mode & S_IFMT) === S_IFDIR) {
          for (const e of readDirents(sys, p)) {
            const cp = posix.join(p, e.name);
            sum += visit(cp, byIno.stat(e.ino) ?? sys.rump_sys_lstat(cp), depth + 1);
          }
          if (!summary || depth === 0) out.push(`${fmt(sum)}\t${p}`);
        } else if ((files && !summary) || depth === 0) out.push(`${fmt(sum)}\t${p}`);
        return sum;
      };
      visit(start, sys.rump_sys_lstat(start), 0);
    });
    ctx.out(out.join("\n") + "\n");
  },
};

export const df: Command = {
  name: "df",
  summary: "free and used space and inodes of the file system",
  usage: "[-hi] [--json] IMAGE",
  options: [{ name: "h", help: "sizes in K, M, G" }, { name: "i", help: "inodes too" }, JSON_OPT],
  operands: [1, 1],
  examples: [["fsu df -h disk.img", "size, used, available and capacity"]],
  run(ctx) {
    const [img] = ctx.operands;
    const fs = ctx.open(img!, false);
    const s = fs.statfs("/");
    const used = s.blocks - s.bfree;
    const capacity = used + s.bavail > 0 ? Math.round((100 * used) / (used + s.bavail)) : 0;
    if (ctx.json) {
      ctx.out(
        JSON.stringify(
          {
            image: img,
            type: s.type,
            blockSize: s.bsize,
            size: s.blocks * s.bsize,
            used: used * s.bsize,
            free: s.bfree * s.bsize,
            available: s.bavail * s.bsize,
            capacity,
            inodes: s.files,
            inodesFree: s.ffree,
          },
          null,
          1,
        ) + "\n",
      );
      return;
    }
    const k = (blocks: number): string =>
      ctx.flag("h") ? humanSize(blocks * s.bsize) : String(Math.floor((blocks * s.bsize) / 1024));
    const head = [
      "Filesystem",
      "Type",
      ctx.flag("h") ? "Size" : "1K-blocks",
      "Used",
      "Avail",
      "Capacity",
    ];
    const row = [img!, s.type, k(s.blocks), k(used), k(s.bavail), `${capacity}%`];
    if (ctx.flag("i")) {
      head.push("iused", "ifree");
      row.push(String(s.files - s.ffree), String(s.ffree));
    }
    head.push("Mounted on");
    row.push("/");
    ctx.out(columns([head, row], new Set([0, 1])).join("\n") + "\n");
  },
};
