/**
 * The GUID partition table (UEFI spec ch. 5; NetBSD sys/sys/disklabel_gpt.h).
 *
 *   header (LBA 1, backup at the last LBA), little-endian:
 *     0 "EFI PART" | 8 revision u32 | 12 header size u32 | 16 header CRC32
 *     | 20 reserved | 24 my LBA u64 | 32 alternate LBA u64 | 40 first usable
 *     | 48 last usable | 56 disk GUID[16] | 72 entry array LBA u64
 *     | 80 entry count u32 | 84 entry size u32 | 88 entry array CRC32
 *   entry: 0 type GUID | 16 unique GUID | 32 first LBA u64 | 40 last LBA u64
 *     (inclusive) | 48 attributes u64 | 56 name, 36 UTF-16LE units
 *
 * Both CRCs are checked. A damaged primary (header or entry array) falls
 * back to the backup header at the disk's last LBA, with a warning. Sector
 * size is 512, or 4096 when the header is found there instead. Counts and
 * LBAs are bounded before use (64-bit values beyond 2^53 bytes are refused).
 */
import { crc32 } from "../libkern/crc.js";
import { EFTYPE } from "../gen/constants.js";
import { readFully, type ReadFn } from "./blockdev.js";
import { partError, type DiskPartition, type PartitionProbe } from "./disk_types.js";

export const GPT_HDR_SIG = "EFI PART";
export const GPT_HDR_MINSIZE = 92;
export const GPT_ENT_MINSIZE = 128;
/** bound on entry size × count that we are willing to read */
export const GPT_ARRAY_MAXBYTES = 1 << 20;
export const GPT_NAME_UNITS = 36;

export { crc32 };

/** A GUID in its usual text form (the first three fields are little-endian). */
export function gpt_guid_string(b: Uint8Array, o: number): string {
  const h = (i: number): string => b[o + i]!.toString(16).padStart(2, "0");
  return (
    h(3) +
    h(2) +
    h(1) +
    h(0) +
    "-" +
    h(5) +
    h(4) +
    "-" +
    h(7) +
    h(6) +
    "-" +
    h(8) +
    h(9) +
    "-" +
    h(10) +
    h(11) +
    h(12) +
    h(13) +
    h(14) +
    h(15)
  );
}

export const GPT_TYPE_UNUSED = "00000000-0000-0000-0000-000000000000";

interface GptHeader {
  myLba: number;
  firstUsable: number;
  lastUsable: number;
  entLba: number;
  entCount: number;
  entSize: number;
  entCrc: number;
}

/** Unsigned 64-bit LE as a number, or -1 beyond 2^53. */
function u64(dv: DataView, o: number): number {
  const v = dv.getBigUint64(o, true);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(v);
}

/** Check a header sector; the header or the reason it is refused. */
function gpt_header(sec: Uint8Array, lba: number, nsectors: number): GptHeader | string {
  for (let i = 0; i < 8; i++) if (sec[i] !== GPT_HDR_SIG.charCodeAt(i)) return "no GPT signature";
  const dv = new DataView(sec.buffer, sec.byteOffset, sec.byteLength);
  const hsize = dv.getUint32(12, true);
  if (hsize < GPT_HDR_MINSIZE || hsize > sec.length) return `bad header size ${hsize}`;
  const want = dv.getUint32(16, true);
  const copy = sec.slice(0, hsize);
  copy.fill(0, 16, 20);
  if (crc32(copy) !== want) return "header CRC mismatch";
  const h: GptHeader = {
    myLba: u64(dv, 24),
    firstUsable: u64(dv, 40),
    lastUsable: u64(dv, 48),
    entLba: u64(dv, 72),
    entCount: dv.getUint32(80, true),
    entSize: dv.getUint32(84, true),
    entCrc: dv.getUint32(88, true),
  };
  if (h.myLba !== lba) return `header claims LBA ${h.myLba}, found at ${lba}`;
  if (h.firstUsable < 0 || h.lastUsable < 0 || h.firstUsable > h.lastUsable + 1)
    return "bad usable range";
  if (h.lastUsable >= nsectors) return `last usable LBA ${h.lastUsable} beyond the disk`;
  if (h.entSize < GPT_ENT_MINSIZE || h.entSize % 8 !== 0) return `bad entry size ${h.entSize}`;
  if (h.entCount * h.entSize > GPT_ARRAY_MAXBYTES)
    return `entry array of ${h.entCount} × ${h.entSize} bytes too large`;
  const arraySectors = Math.ceil((h.entCount * h.entSize) / sec.length);
  if (h.entLba < 1 || h.entLba + arraySectors > nsectors) return "entry array outside the disk";
  return h;
}

/** Read and check the header at `lba` and its entry array. */
function gpt_try(
  read: ReadFn,
  secsize: number,
  nsectors: number,
  lba: number,
): { h: GptHeader; ents: Uint8Array } | { error: number; reason: string } {
  const sec = new Uint8Array(secsize);
  let error = readFully(read, lba * secsize, sec);
  if (error !== 0) return { error, reason: `read error at LBA ${lba}` };
  const h = gpt_header(sec, lba, nsectors);
  if (typeof h === "string") return { error: EFTYPE, reason: h };
  const ents = new Uint8Array(h.entCount * h.entSize);
  error = readFully(read, h.entLba * secsize, ents);
  if (error !== 0) return { error, reason: `read error in the entry array at LBA ${h.entLba}` };
  if (crc32(ents) !== h.entCrc) return { error: EFTYPE, reason: "entry array CRC mismatch" };
  return { h, ents };
}

/** Where the GPT header is: 512 or 4096 (0 if no signature at either). */
export function gpt_secsize(read: ReadFn, disksize: number): number {
  const sig = new Uint8Array(8);
  for (const ss of [512, 4096]) {
    if (disksize < ss * 3) continue;
    if (readFully(read, ss, sig) !== 0) continue;
    let ok = true;
    for (let i = 0; i < 8; i++) if (sig[i] !== GPT_HDR_SIG.charCodeAt(i)) ok = false;
    if (ok) return ss;
  }
  return 0;
}

/** The partitions of a GPT disk (called when the MBR is protective). */
export function gpt_partitions(read: ReadFn, disksize: number): PartitionProbe {
  const warnings: string[] = [];
  let secsize = gpt_secsize(read, disksize);
  if (secsize === 0) secsize = 512;
  const nsectors = Math.floor(disksize / secsize);
  if (nsectors < 3) return partError(EFTYPE, "disk too small for a GPT");
  let r = gpt_try(read, secsize, nsectors, 1);
  if ("error" in r) {
    const why = r.reason;
    const b = gpt_try(read, secsize, nsectors, nsectors - 1);
    if ("error" in b) return partError(b.error, `primary GPT: ${why}; backup GPT: ${b.reason}`);
    warnings.push(`primary GPT: ${why}; using the backup`);
    r = b;
  }
  const { h, ents } = r;
  const dv = new DataView(ents.buffer, ents.byteOffset, ents.byteLength);
  const parts: DiskPartition[] = [];
  for (let i = 0; i < h.entCount; i++) {
    const o = i * h.entSize;
    const type = gpt_guid_string(ents, o);
    if (type === GPT_TYPE_UNUSED) continue;
    const first = u64(dv, o + 32);
    const last = u64(dv, o + 40);
    if (first < h.firstUsable || last < first || last > h.lastUsable) {
      warnings.push(`GPT entry ${i + 1}: LBA ${first}..${last} outside the usable area, skipped`);
      continue;
    }
    let label = "";
    for (let j = 0; j < GPT_NAME_UNITS; j++) {
      const u = dv.getUint16(o + 56 + 2 * j, true);
      if (u === 0) break;
      label += String.fromCharCode(u);
    }
    parts.push({
      index: i + 1,
      name: `p${i + 1}`,
      type,
      offset: first * secsize,
      size: (last - first + 1) * secsize,
      label,
    });
  }
  return { ok: true, scheme: "gpt", secsize, partitions: parts, warnings };
}
