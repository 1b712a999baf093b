/**
 * The host's mount table (/proc/self/mountinfo): which FUSE mounts are
 * p2k's, and what they serve — `fsu umount` finds the image (and so its
 * lock) of a mount point here.
 */
import { readFileSync } from "node:fs";

export interface MountEntry {
  /** the device ("0:39": major:minor, also the name of its backing_dev_info) */
  dev: string;
  /** mount point (octal escapes undone) */
  mountpoint: string;
  /** the file-system type ("fuse.p2k.ffs") */
  fstype: string;
  /** the source: for p2k, the image path (with a %PART% suffix) */
  source: string;
  /** per-mount options ("rw,nosuid,…") */
  options: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Every mount of this process's namespace (empty where there is no /proc). */
export function readMountinfo(): MountEntry[] {
  let text: string;
  try {
    text = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return [];
  }
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    // id parent major:minor root mountpoint options [optional…] - fstype source superoptions
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(" ");
    const right = line.slice(sep + 3).split(" ");
    if (left.length < 6 || right.length < 2) continue;
    out.push({
      dev: left[2]!,
      mountpoint: unescape(left[4]!),
      options: left[5]!,
      fstype: right[0]!,
      source: unescape(right[1]!),
    });
  }
  return out;
}

/** The last (topmost) mount at `mountpoint`, if any. */
export function findMount(mountpoint: string): MountEntry | undefined {
  const all = readMountinfo();
  for (let i = all.length - 1; i >= 0; i--) if (all[i]!.mountpoint === mountpoint) return all[i];
  return undefined;
}

/** Is this a p2k mount ("fuse.p2k.<vfs>")? */
export function isP2kMount(e: MountEntry): boolean {
  return e.fstype.startsWith("fuse.p2k.");
}
