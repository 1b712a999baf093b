/** Every fsu command, in the order `fsu --help` lists them. */
import { FORCE_OPT, type Command } from "../context.js";
import { info } from "./info.js";
import { cat, df, du, find, ls, stat, tree } from "./list.js";
import { mkdisk } from "./mkdisk.js";
import { fsck, mkfs } from "./mkfs.js";
import { mount, umount } from "./mount.js";
import { chflags, chmod, chown, ln, mkdir, rm, rmdir, touch } from "./modify.js";
import { cp, get, mv, put, write } from "./transfer.js";

/** A command that mounts its image read-write, with --force. */
function writes(c: Command): Command {
  return { ...c, options: [...c.options, FORCE_OPT] };
}

export const COMMANDS: readonly Command[] = [
  ls,
  cat,
  get,
  writes(put),
  writes(cp),
  writes(mv),
  writes(mkdir),
  writes(rm),
  writes(rmdir),
  writes(ln),
  writes(chmod),
  writes(chown),
  writes(chflags),
  writes(touch),
  stat,
  df,
  du,
  find,
  tree,
  writes(write),
  info,
  mkfs,
  mkdisk,
  fsck,
  mount,
  umount,
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
