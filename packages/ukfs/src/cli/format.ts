/** Formatting for people: modes as ls prints them, sizes, device numbers, times. */
import { major, minor } from "@rump/librump";
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFSOCK } from "@rump/syscalls";

const TYPE_CHAR: Record<number, string> = {
  [S_IFDIR]: "d",
  [S_IFLNK]: "l",
  [S_IFCHR]: "c",
  [S_IFBLK]: "b",
  [S_IFIFO]: "p",
  [S_IFSOCK]: "s",
};

/** "drwxr-xr-x", with s/S, t/T as ls(1) */
export function modeString(mode: number): string {
  const t = TYPE_CHAR[mode & S_IFMT] ?? "-";
  const rwx = (bits: number, special: boolean, sch: string): string =>
    (bits & 4 ? "r" : "-") +
    (bits & 2 ? "w" : "-") +
    (special ? (bits & 1 ? sch : sch.toUpperCase()) : bits & 1 ? "x" : "-");
  return (
    t +
    rwx((mode >> 6) & 7, (mode & 0o4000) !== 0, "s") +
    rwx((mode >> 3) & 7, (mode & 0o2000) !== 0, "s") +
    rwx(mode & 7, (mode & 0o1000) !== 0, "t")
  );
}

/** "file", "directory", … (find -type letters and stat's words) */
export function typeName(mode: number): string {
  switch (mode & S_IFMT) {
    case S_IFDIR:
      return "directory";
    case S_IFLNK:
      return "symlink";
    case S_IFCHR:
      return "character device";
    case S_IFBLK:
      return "block device";
    case S_IFIFO:
      return "fifo";
    case S_IFSOCK:
      return "socket";
  }
  return "file";
}

/** Is this a character or block device? */
export function isDevice(mode: number): boolean {
  const t = mode & S_IFMT;
  return t === S_IFCHR || t === S_IFBLK;
}

/** A device number as ls -l prints it in place of the size: "200, 300" (NetBSD's major and minor). */
export function deviceString(rdev: number): string {
  return `${major(rdev)}, ${minor(rdev)}`;
}

/** 1536 → "1.5K", as ls -h / df -h */
export function humanSize(n: number): string {
  const units = ["B", "K", "M", "G", "T"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n}B` : `${v < 10 ? v.toFixed(1) : Math.round(v)}${units[u]}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** ls -l's time: "Nov 28 00:10" within six months, else "Nov 28  2025" (UTC). */
export function lsTime(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const day = String(d.getUTCDate()).padStart(2, " ");
  const recent = Math.abs(now - ms) < 182 * 86400_000;
  const tail = recent
    ? `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`
    : ` ${d.getUTCFullYear()}`;
  return `${MONTHS[d.getUTCMonth()]!} ${day} ${tail}`;
}

/** Right-align columns of rows of strings (the last column stays left-aligned). */
export function columns(rows: string[][], leftCols = new Set<number>()): string[] {
  const widths: number[] = [];
  for (const r of rows)
    for (let i = 0; i < r.length - 1; i++) widths[i] = Math.max(widths[i] ?? 0, r[i]!.length);
  return rows.map((r) =>
    r
      .map((c, i) =>
        i === r.length - 1 ? c : leftCols.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!),
      )
      .join(" "),
  );
}

/** chflags(1) names of the file flags NetBSD defines (first name = the one printed). */
export const FILE_FLAGS: [string[], number][] = [
  [["arch", "archived"], 0x00010000],
  [["nodump"], 0x00000001],
  [["opaque"], 0x00000008],
  [["sappnd", "sappend"], 0x00040000],
  [["schg", "schange", "simmutable"], 0x00020000],
  [["uappnd", "uappend"], 0x00000004],
  [["uchg", "uchange", "uimmutable"], 0x00000002],
];

/** "uchg,nodump", or "-" for none */
export function flagsString(flags: number): string {
  const names = FILE_FLAGS.filter(([, bit]) => (flags & bit) !== 0).map(([n]) => n[0]!);
  const known = FILE_FLAGS.reduce((a, [, bit]) => a | bit, 0);
  if ((flags & ~known) !== 0) names.push(`0x${(flags & ~known).toString(16)}`);
  return names.length === 0 ? "-" : names.join(",");
}
