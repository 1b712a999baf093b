/** Commands that move bytes: get, put (host ↔ image), cp, mv (inside the image), write (stdin). */
import { posix, basename as hostBasename } from "node:path";
import {
  EDQUOT,
  EINTR,
  EISDIR,
  ENOSPC,
  O_APPEND,
  O_CREAT,
  O_TRUNC,
  O_WRONLY,
  RumpError,
  S_IFDIR,
  S_IFMT,
} from "@rump/syscalls";
import { copyContents, copyTree, hostSide, imageSide, type CopyStats, type Side } from "../copy.js";
import { imagePath, type Command, type Ctx } from "../context.js";
import { FsuError, IncompleteError } from "../errors.js";
import { checkpoint, interrupted } from "../interrupt.js";
import { catFile } from "./list.js";

const isDirMeta = (side: Side, p: string): boolean => {
  const m = side.stat(p);
  return m !== null && (m.mode & S_IFMT) === S_IFDIR;
};

/** cp's rule: copying into an existing directory keeps the source's name. */
function target(side: Side, dst: string, srcName: string): string {
  return isDirMeta(side, dst) ? side.join(dst, srcName) : dst;
}

/** Say how much was copied (-v), and fail when entries were skipped (each was reported). */
function report(ctx: Ctx, verb: string, s: CopyStats): void {
  if (ctx.flag("v")) {
    const hard = s.hardlinks > 0 ? `, ${s.hardlinks} hard links` : "";
    process.stderr.write(
      `fsu: ${verb} ${s.files} files, ${s.dirs} directories, ${s.links} links${hard}, ${s.bytes} bytes\n`,
    );
  }
  if (s.skipped > 0)
    throw new IncompleteError(
      `${ctx.command.name}: ${s.skipped} ${s.skipped === 1 ? "entry was" : "entries were"} skipped (said above); the rest was copied`,
    );
}

const VERBOSE = { name: "v", help: "say how much was copied (on stderr)" };
const SAME_OWNER = {
  name: "same-owner",
  help: "restore owners (numeric uid and gid) and with them setuid/setgid bits; without it those bits are cleared",
};

const OWNERS_DETAILS =
  'Names are taken from the image only as single components: an entry whose name is empty, ".", ".." or holds "/" or NUL, ' +
  "a second entry of one name, an empty link target, a device or FIFO is reported and skipped, the rest is copied, and the command exits 1. " +
  "Nothing is written through a symbolic link already in the destination: what is in the way of a file or link is replaced, " +
  "a directory is reused only when it is a real directory. Owners are not restored unless --same-owner is given (also not as root), " +
  "and then setuid and setgid bits are cleared, as cp(1) does. Hard links stay hard links; times are kept to the nanosecond.";

export const get: Command = {
  name: "get",
  summary: "copy files out of the image to the host, keeping modes and times",
  usage: "[-rv] [--same-owner] IMAGE SRC [HOSTDEST | -]",
  options: [{ name: "r", help: "copy directories and their contents" }, VERBOSE, SAME_OWNER],
  operands: [2, 3],
  details: OWNERS_DETAILS,
  examples: [
    ["fsu get disk.img /etc/motd", "copy /etc/motd to ./motd"],
    ["fsu get disk.img /etc/motd -", "write /etc/motd to stdout"],
    ["fsu get -r disk.img /etc etc-copy", "copy the tree /etc to ./etc-copy"],
    ["fsu get -r disk.img / out", "everything in the image into the existing directory ./out"],
  ],
  async run(ctx) {
    const [img, src, dest = "."] = ctx.operands as [string, string, string?];
    imagePath(src, "get");
    const fs = ctx.open(img, false);
    if (dest === "-") {
      await catFile(fs, src);
      return;
    }
    const side = imageSide(fs);
    const o = {
      recursive: ctx.flag("r"),
      preserve: true,
      owners: ctx.flag("same-owner"),
      command: "get",
    };
    if (posix.normalize(src) === "/" && isDirMeta(hostSide, dest)) {
      // the whole image into an existing directory: its entries, not a directory "/"
      if (!o.recursive) throw new FsuError(EISDIR, "get", src, "a directory: use -r to copy it");
      report(ctx, "got", await copyContents(side, "/", hostSide, dest, o));
      return;
    }
    const to = target(hostSide, dest, posix.basename(src) || "root");
    report(ctx, "got", await copyTree(side, src, hostSide, to, o));
  },
};

export const put: Command = {
  name: "put",
  summary: "copy files from the host into the image, keeping modes and times",
  usage: "[-rv] [--same-owner] IMAGE HOSTSRC DEST",
  options: [{ name: "r", help: "copy directories and their contents" }, VERBOSE, SAME_OWNER],
  operands: [3, 3],
  examples: [
    ["fsu put disk.img motd /etc/motd", "copy ./motd to /etc/motd"],
    ["fsu put -r disk.img ./site /var/www", "copy the tree ./site into /var/www"],
  ],
  async run(ctx) {
    const [img, src, dest] = ctx.operands as [string, string, string];
    imagePath(dest, "put");
    const fs = ctx.open(img, true);
    const side = imageSide(fs);
    const to = target(side, dest, hostBasename(src));
    const stats = await copyTree(hostSide, src, side, to, {
      recursive: ctx.flag("r"),
      preserve: true,
      owners: ctx.flag("same-owner"),
      command: "put",
    });
    report(ctx, "put", stats);
  },
};

export const cp: Command = {
  name: "cp",
  summary: "copy inside the image",
  usage: "[-prv] IMAGE SRC DEST",
  options: [
    { name: "r", help: "copy directories and their contents" },
    { name: "R", help: "the same as -r" },
    { name: "p", help: "keep modes, times and owners" },
    VERBOSE,
  ],
  operands: [3, 3],
  examples: [["fsu cp -r disk.img /etc /etc.orig", "a copy of the tree /etc"]],
  async run(ctx) {
    const [img, src, dest] = ctx.operands as [string, string, string];
    imagePath(src, "cp");
    imagePath(dest, "cp");
    const fs = ctx.open(img, true);
    const side = imageSide(fs);
    const to = target(side, dest, posix.basename(src));
    const stats = await copyTree(side, src, side, to, {
      recursive: ctx.flag("r") || ctx.flag("R"),
      preserve: ctx.flag("p"),
      owners: ctx.flag("p"),
      command: "cp",
    });
    report(ctx, "copied", stats);
  },
};

export const mv: Command = {
  name: "mv",
  summary: "rename or move inside the image",
  usage: "IMAGE SRC DEST",
  options: [],
  operands: [3, 3],
  examples: [["fsu mv disk.img /etc/motd /etc/motd.old", "rename a file"]],
  run(ctx) {
    const [img, src, dest] = ctx.operands as [string, string, string];
    imagePath(src, "rename");
    imagePath(dest, "rename");
    const fs = ctx.open(img, true);
    fs.rename(src, target(imageSide(fs), dest, posix.basename(src)));
  },
};

export const write: Command = {
  name: "write",
  summary: "write stdin to a file of the image (created or truncated)",
  usage: "[-a] [-m MODE] IMAGE PATH",
  options: [
    { name: "a", help: "append instead of truncating" },
    { name: "m", value: true, arg: "MODE", help: "permissions of a new file (octal, default 644)" },
  ],
  operands: [2, 2],
  examples: [["echo hello | fsu write disk.img /etc/motd", "replace /etc/motd"]],
  async run(ctx) {
    const [img, path] = ctx.operands as [string, string];
    imagePath(path, "open");
    const m = ctx.value("m");
    if (m !== undefined && !/^[0-7]{1,4}$/.test(m)) throw ctx.usage(`bad mode "${m}" (octal)`);
    const mode = m === undefined ? 0o644 : parseInt(m, 8);
    const fs = ctx.open(img, true);
    const flags = O_WRONLY | O_CREAT | (ctx.flag("a") ? O_APPEND : O_TRUNC);
    const fd = fs.inFdProc("open", (sys) => sys.rump_sys_open(path, flags, mode));
    let bytes = 0;
    try {
      for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
        fs.inFdProc("write", (sys) => {
          let done = 0;
          while (done < chunk.length) done += sys.rump_sys_write(fd, chunk.subarray(done));
        });
        bytes += chunk.length;
        await checkpoint("write", path);
      }
      await checkpoint("write", path);
      fs.inFdProc("fsync", (sys) => sys.rump_sys_fsync(fd));
    } catch (e) {
      if (interrupted() && !(e instanceof FsuError))
        throw new FsuError(EINTR, "write", path, `interrupted after ${bytes} bytes`);
      if (e instanceof RumpError && (e.errno === ENOSPC || e.errno === EDQUOT))
        throw new FsuError(e.errno, "write", path, `the image is full after ${bytes} bytes`);
      throw e;
    } finally {
      fs.inFdProc("close", (sys) => sys.rump_sys_close(fd));
    }
  },
};
