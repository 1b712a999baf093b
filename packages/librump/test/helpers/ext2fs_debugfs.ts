/**
 * An ext2/ext4 image's tree as debugfs lists it, beside the same tree as
 * the shared random workload's snapshot (fs_workload.ts's `wsnapshot`)
 * describes it: after the workload, the real tool must see the names,
 * types, modes, owners and sizes our kernel wrote.
 */
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { DEBUGFS } from "./ext2fs_images.js";

const enc = new TextEncoder();

/**
 * The debugfs-visible part of a snapshot taken with owners and hard links
 * ("type perm uid:gid nN rest"): type, permissions, owner and size (not of
 * directories; of a symlink, its target's length).
 */
export function attrsOf(snap: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(snap)) {
    const [type, perm, owner, , rest] = v.split(" ");
    let size = "";
    if (type === "100000") size = rest!.slice(0, rest!.indexOf(":"));
    else if (type === "120000") size = String(enc.encode(v.slice(v.indexOf(" -> ") + 4)).length);
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
  // names are UTF-8 bytes, printed as they are
  const out = execFileSync(DEBUGFS, ["-f", cmds, image], { encoding: "utf8", stdio: "pipe" });
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
