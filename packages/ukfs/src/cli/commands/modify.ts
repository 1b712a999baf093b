/** Commands that change names and attributes: mkdir, rm, rmdir, ln, chmod, chown, chflags, touch. */
import {
  AT_FDCWD,
  EEXIST,
  EISDIR,
  ENOENT,
  ENOTDIR,
  O_CREAT,
  O_WRONLY,
  RumpError,
  S_IFDIR,
  S_IFMT,
  type RumpSyscalls,
} from "@rump/syscalls";
import { posix } from "node:path";
import { readDirents } from "../../api.js";
import { imagePath, type Command, type Ctx } from "../context.js";
import { FsuError } from "../errors.js";
import { FILE_FLAGS } from "../format.js";

function rmTree(sys: RumpSyscalls, path: string): void {
  if ((sys.rump_sys_lstat(path).st_mode & S_IFMT) !== S_IFDIR) {
    sys.rump_sys_unlink(path);
    return;
  }
  for (const e of readDirents(sys, path)) rmTree(sys, posix.join(path, e.name));
  sys.rump_sys_rmdir(path);
}

/** Octal ("755") or symbolic ("u+x,go-w", "a=rX") → a function of the old mode. */
export function parseMode(ctx: Ctx, s: string): (old: number) => number {
  if (/^[0-7]{1,4}$/.test(s)) {
    const v = parseInt(s, 8);
    return () => v;
  }
  const clauses = s.split(",");
  const ops: ((m: number) => number)[] = [];
  for (const c of clauses) {
    const m = /^([ugoa]*)((?:[-+=][rwxXst]*)+)$/.exec(c);
    if (m === null) throw ctx.usage(`bad mode "${s}" (octal like 755, or like u+x,go-w)`);
    const who = m[1] === "" || m[1]!.includes("a") ? "ugo" : m[1]!;
    for (const act of m[2]!.match(/[-+=][rwxXst]*/g)!) {
      const op = act[0]!;
      const perms = act.slice(1);
      ops.push((old) => {
        let bits = 0;
        const isDir = (old & S_IFMT) === S_IFDIR;
        const anyX = (old & 0o111) !== 0;
        for (const w of who) {
          const shift = w === "u" ? 6 : w === "g" ? 3 : 0;
          for (const p of perms) {
            if (p === "r") bits |= 4 << shift;
            else if (p === "w") bits |= 2 << shift;
            else if (p === "x" || (p === "X" && (isDir || anyX))) bits |= 1 << shift;
            else if (p === "s" && w === "u") bits |= 0o4000;
            else if (p === "s" && w === "g") bits |= 0o2000;
            else if (p === "t") bits |= 0o1000;
          }
        }
        const mask =
          (who.includes("u") ? 0o4700 : 0) |
          (who.includes("g") ? 0o2070 : 0) |
          (who.includes("o") ? 0o1007 : 0);
        if (op === "+") return old | bits;
        if (op === "-") return old & ~bits;
        return (old & ~mask) | bits;
      });
    }
  }
  return (old) => ops.reduce((m, f) => f(m), old) & 0o7777;
}

export const mkdir: Command = {
  name: "mkdir",
  summary: "make directories",
  usage: "[-p] [-m MODE] IMAGE DIR ...",
  options: [
    { name: "p", help: "make missing parents; an existing directory is fine" },
    { name: "m", value: true, arg: "MODE", help: "permissions (octal, default 755)" },
  ],
  operands: [2, Infinity],
  examples: [["fsu mkdir -p disk.img /usr/local/share", "make the directory and its parents"]],
  run(ctx) {
    const [img, ...dirs] = ctx.operands;
    for (const d of dirs) imagePath(d, "mkdir");
    const modeS = ctx.value("m");
    const mode = modeS === undefined ? 0o755 : parseMode(ctx, modeS)(0o777 | S_IFDIR);
    const fs = ctx.open(img!, true);
    fs.run("mkdir", (sys) => {
      for (const d of dirs) {
        if (!ctx.flag("p")) {
          sys.rump_sys_mkdir(d, mode);
          continue;
        }
        let cur = "";
        for (const part of d.split("/").filter((x) => x !== "" && x !== ".")) {
          cur = part === ".." ? posix.dirname(cur) : cur + "/" + part;
          try {
            sys.rump_sys_mkdir(cur, mode);
          } catch (e) {
            if (!(e instanceof RumpError) || e.errno !== EEXIST) throw e;
            if ((sys.rump_sys_stat(cur).st_mode & S_IFMT) !== S_IFDIR)
              throw new FsuError(ENOTDIR, "mkdir", cur, "a file is in the way");
          }
        }
      }
    });
  },
};

export const rm: Command = {
  name: "rm",
  summary: "remove files (and, with -r, directories with their contents)",
  usage: "[-rf] IMAGE PATH ...",
  options: [
    { name: "r", help: "remove directories and their contents" },
    { name: "R", help: "the same as -r" },
    { name: "f", help: "a missing path is not an error" },
  ],
  operands: [2, Infinity],
  examples: [["fsu rm -r disk.img /tmp/build", "remove /tmp/build and everything in it"]],
  run(ctx) {
    const [img, ...paths] = ctx.operands;
    for (const p of paths) {
      imagePath(p, "unlink");
      if (posix.normalize(p) === "/") throw new FsuError(EISDIR, "rm", p, "refusing to remove /");
    }
    const recursive = ctx.flag("r") || ctx.flag("R");
    const fs = ctx.open(img!, true);
    fs.run("rm", (sys) => {
      for (const p of paths) {
        let isDir: boolean;
        try {
          isDir = (sys.rump_sys_lstat(p).st_mode & S_IFMT) === S_IFDIR;
        } catch (e) {
          if (ctx.flag("f") && e instanceof RumpError && e.errno === ENOENT) continue;
          throw e;
        }
        if (!isDir) sys.rump_sys_unlink(p);
        else if (!recursive) throw new FsuError(EISDIR, "unlink", p, "a directory: use -r");
        else rmTree(sys, p);
      }
    });
  },
};

export const rmdir: Command = {
  name: "rmdir",
  summary: "remove empty directories",
  usage: "IMAGE DIR ...",
  options: [],
  operands: [2, Infinity],
  examples: [["fsu rmdir disk.img /mnt/empty", "remove the empty directory"]],
  run(ctx) {
    const [img, ...dirs] = ctx.operands;
    for (const d of dirs) imagePath(d, "rmdir");
    const fs = ctx.open(img!, true);
    fs.run("rmdir", (sys) => {
      for (const d of dirs) sys.rump_sys_rmdir(d);
    });
  },
};

export const ln: Command = {
  name: "ln",
  summary: "make a hard link, or with -s a symbolic link",
  usage: "[-s] IMAGE TARGET LINK",
  options: [{ name: "s", help: "a symbolic link (TARGET is stored as given, may be relative)" }],
  operands: [3, 3],
  examples: [
    ["fsu ln -s disk.img ../share/doc /usr/doc", "a symbolic link /usr/doc → ../share/doc"],
    ["fsu ln disk.img /etc/motd /etc/motd.old", "a second name for /etc/motd"],
  ],
  run(ctx) {
    const [img, target, link] = ctx.operands as [string, string, string];
    imagePath(link, ctx.flag("s") ? "symlink" : "link");
    if (!ctx.flag("s")) imagePath(target, "link");
    const fs = ctx.open(img, true);
    if (ctx.flag("s")) fs.symlink(target, link);
    else fs.link(target, link);
  },
};

export const chmod: Command = {
  name: "chmod",
  summary: "change permissions",
  usage: "[-h] IMAGE MODE PATH ...",
  options: [{ name: "h", help: "change a symbolic link itself (lchmod)" }],
  operands: [3, Infinity],
  examples: [
    ["fsu chmod disk.img 644 /etc/motd", "rw-r--r--"],
    ["fsu chmod disk.img u+x,go-w /bin/tool", "symbolic modes work too"],
  ],
  run(ctx) {
    const [img, modeS, ...paths] = ctx.operands as [string, string, ...string[]];
    const f = parseMode(ctx, modeS);
    for (const p of paths) imagePath(p, "chmod");
    const fs = ctx.open(img, true);
    fs.run("chmod", (sys) => {
      for (const p of paths) {
        const old = (ctx.flag("h") ? sys.rump_sys_lstat(p) : sys.rump_sys_stat(p)).st_mode;
        if (ctx.flag("h")) sys.rump_sys_lchmod(p, f(old));
        else sys.rump_sys_chmod(p, f(old));
      }
    });
  },
};

export const chown: Command = {
  name: "chown",
  summary: "change owner and group (numeric ids: the image has no user database)",
  usage: "[-h] IMAGE UID[:GID] PATH ...",
  options: [{ name: "h", help: "change a symbolic link itself (lchown)" }],
  operands: [3, Infinity],
  examples: [
    ["fsu chown disk.img 1000:100 /home/me", "owner 1000, group 100"],
    ["fsu chown disk.img :0 /etc/motd", "only the group"],
  ],
  run(ctx) {
    const [img, who, ...paths] = ctx.operands as [string, string, ...string[]];
    const m = /^(\d*)(?::(\d*))?$/.exec(who);
    if (m === null || (m[1] === "" && (m[2] ?? "") === ""))
      throw ctx.usage(`bad owner "${who}" (numeric UID[:GID])`);
    const uid = m[1] === "" ? -1 : Number(m[1]);
    const gid = m[2] === undefined || m[2] === "" ? -1 : Number(m[2]);
    for (const p of paths) imagePath(p, "chown");
    const fs = ctx.open(img, true);
    fs.run("chown", (sys) => {
      for (const p of paths)
        if (ctx.flag("h")) sys.rump_sys_lchown(p, uid, gid);
        else sys.rump_sys_chown(p, uid, gid);
    });
  },
};

/** chflags(1)'s argument: octal (absolute) or names, "no" in front clearing. */
function parseFlags(ctx: Ctx, s: string): (old: number) => number {
  if (/^[0-7]+$/.test(s)) {
    const v = parseInt(s, 8);
    return () => v;
  }
  let set = 0;
  let clear = 0;
  for (const word of s.split(",")) {
    const neg = word.startsWith("no") && word !== "nodump";
    const name = neg ? word.slice(2) : word;
    const f = FILE_FLAGS.find(([names]) => names.includes(name));
    if (word === "dump") clear |= 0x1;
    else if (f === undefined)
      throw ctx.usage(
        `unknown flag "${word}" (${FILE_FLAGS.map(([n]) => n[0]).join(", ")}; "no" clears)`,
      );
    else if (neg) clear |= f[1];
    else set |= f[1];
  }
  return (old) => (old | set) & ~clear;
}

export const chflags: Command = {
  name: "chflags",
  summary: "change file flags (uchg, uappnd, nodump, arch, schg, sappnd, opaque)",
  usage: "[-h] IMAGE FLAGS PATH ...",
  options: [{ name: "h", help: "change a symbolic link itself (lchflags)" }],
  operands: [3, Infinity],
  examples: [
    ["fsu chflags disk.img uchg /etc/motd", "make /etc/motd immutable"],
    ["fsu chflags disk.img nouchg /etc/motd", "and clear it again"],
  ],
  run(ctx) {
    const [img, flagS, ...paths] = ctx.operands as [string, string, ...string[]];
    const f = parseFlags(ctx, flagS);
    for (const p of paths) imagePath(p, "chflags");
    const fs = ctx.open(img, true);
    fs.run("chflags", (sys) => {
      for (const p of paths) {
        const old = (ctx.flag("h") ? sys.rump_sys_lstat(p) : sys.rump_sys_stat(p)).st_flags;
        if (ctx.flag("h")) sys.rump_sys_lchflags(p, f(old));
        else sys.rump_sys_chflags(p, f(old));
      }
    });
  },
};

export const touch: Command = {
  name: "touch",
  summary: "set access and modification times, creating missing files",
  usage: "[-c] [-d TIME] IMAGE PATH ...",
  options: [
    { name: "c", help: "do not create missing files" },
    { name: "d", value: true, arg: "TIME", help: "this time (ISO 8601 or seconds) instead of now" },
  ],
  operands: [2, Infinity],
  examples: [
    ["fsu touch disk.img /var/run/utmp", "create it empty, or update its times"],
    ["fsu touch -d 2020-01-01T00:00:00Z disk.img /etc/motd", "set both times"],
  ],
  run(ctx) {
    const [img, ...paths] = ctx.operands;
    for (const p of paths) imagePath(p, "utimensat");
    const d = ctx.value("d");
    let ms = Date.now();
    if (d !== undefined) {
      ms = /^\d+(\.\d+)?$/.test(d) ? Number(d) * 1000 : Date.parse(d);
      if (!Number.isFinite(ms)) throw ctx.usage(`bad time "${d}" (ISO 8601 or seconds)`);
    }
    const sec = Math.floor(ms / 1000);
    const t = { tv_sec: sec, tv_nsec: Math.round((ms - sec * 1000) * 1e6) };
    const fs = ctx.open(img!, true);
    fs.run("touch", (sys) => {
      for (const p of paths) {
        try {
          sys.rump_sys_lstat(p);
        } catch (e) {
          if (!(e instanceof RumpError) || e.errno !== ENOENT) throw e;
          if (ctx.flag("c")) continue;
          sys.rump_sys_close(sys.rump_sys_open(p, O_WRONLY | O_CREAT, 0o644));
        }
        sys.rump_sys_utimensat(AT_FDCWD, p, [t, t], 0);
      }
    });
  },
};
