/** Every fsu command, in the order `fsu --help` lists them. */
import type { Command } from "../context.js";
import { info } from "./info.js";
import { cat, df, du, find, ls, stat, tree } from "./list.js";
import { mkdisk } from "./mkdisk.js";
import { fsck, mkfs } from "./mkfs.js";
import { mount, umount } from "./mount.js";
import { chflags, chmod, chown, ln, mkdir, rm, rmdir, touch } from "./modify.js";
import { cp, get, mv, put, write } from "./transfer.js";

export const COMMANDS: readonly Command[] = [
  ls,
  cat,
  get,
  put,
  cp,
  mv,
  mkdir,
  rm,
  rmdir,
  ln,
  chmod,
  chown,
  chflags,
  touch,
  stat,
  df,
  du,
  find,
  tree,
  write,
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
