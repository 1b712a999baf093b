/**
 * Parameters (rumpuser_getparam) and the parsers of their values.
 *
 * The host answers with strings, as C does; the kernel turns them into
 * numbers with the parsers below, which return `null` for a value the kernel
 * must refuse (NetBSD panics at boot on a malformed RUMP_MEMLIMIT; ours can
 * report it and stop cleanly).
 */

/** Parameters the kernel reads (spec/rumpuser.md §5). */
export const RUMP_PARAMS = [
  "RUMP_THREADS",
  "RUMP_VERBOSE",
  "RUMP_MEMLIMIT",
  "RUMP_NVNODES",
  "RUMP_MODULEBASE",
  "RUMP_BLKFAIL",
  "RUMP_BLKFAIL_SEED",
  "RUMP_BLKSECTSHIFT",
] as const;

const DECIMAL = /^[0-9]+$/;
const MEMLIMIT = /^([0-9]+)([kKmMgG]?)$/;
const PERCENT = /^([0-9]+(?:\.[0-9]+)?)%$/;

function decimal(value: string): number | null {
  if (!DECIMAL.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * RUMP_MEMLIMIT: a decimal byte count with one optional suffix k/m/g (×1024ⁿ,
 * either case), as NetBSD's uvm_init reads it, or a percentage of
 * `hostTotalMem` ("25%", "12.5%"; more than 0, at most 100). Returns bytes
 * (> 0), or null when invalid.
 */
export function parseMemlimit(value: string, hostTotalMem: number): number | null {
  const m = MEMLIMIT.exec(value);
  if (m !== null) {
    const n = Number(m[1]);
    const suffix = (m[2] ?? "").toLowerCase();
    const mult =
      suffix === "k" ? 1024 : suffix === "m" ? 1024 ** 2 : suffix === "g" ? 1024 ** 3 : 1;
    const bytes = n * mult;
    return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
  }
  const p = PERCENT.exec(value);
  if (p !== null) {
    const pct = Number(p[1]);
    if (!(pct > 0 && pct <= 100) || !(hostTotalMem > 0) || !Number.isFinite(hostTotalMem))
      return null;
    const bytes = Math.floor((hostTotalMem * pct) / 100);
    return bytes > 0 ? bytes : null;
  }
  return null;
}

/** RUMP_NVNODES (desiredvnodes): a positive integer below 2^31. */
export function parseNvnodes(value: string): number | null {
  const n = decimal(value);
  return n !== null && n > 0 && n <= 0x7fffffff ? n : null;
}

/**
 * RUMP_BLKFAIL: fail N of every 10000 block I/Os. A non-negative integer;
 * larger values are capped at 10000, as rumpblk does.
 */
export function parseBlkfail(value: string): number | null {
  const n = decimal(value);
  return n === null ? null : Math.min(n, 10000);
}

/** RUMP_BLKFAIL_SEED: the fault-injection generator's seed, an unsigned 32-bit integer. */
export function parseBlkfailSeed(value: string): number | null {
  const n = decimal(value);
  return n !== null && n <= 0xffffffff ? n : null;
}

/** RUMP_BLKSECTSHIFT: log2 of the block driver's sector size, 9 (512) … 16 (64 KiB). */
export function parseBlksectshift(value: string): number | null {
  const n = decimal(value);
  return n !== null && n >= 9 && n <= 16 ? n : null;
}

/**
 * RUMP_VERBOSE, RUMP_THREADS: true unless the value starts with '0' — the
 * reference test is `*buf != '0'`, so an empty value is true.
 */
export function parseFlag(value: string): boolean {
  return value.charCodeAt(0) !== 0x30;
}

/** Bytes `s` takes in UTF-8 (what C's strlen would see), without encoding it. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** `rump-%05d.<hostname>` (or `rump-%05d` without a host name), as the POSIX host builds it. */
export function kernelHostname(pid: number, hostname: string | null): string {
  const p = pid < 0 ? "-" + String(-pid).padStart(4, "0") : String(pid).padStart(5, "0");
  return hostname === null || hostname === "" ? `rump-${p}` : `rump-${p}.${hostname}`;
}
