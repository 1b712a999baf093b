/**
 * Probe a disk image for its partition table and describe it uniformly
 * (disk_types.ts). Host-free: the caller passes a read function and the size.
 *
 * Order, as NetBSD/x86 reads a disk:
 *  1. a valid MBR (signature, sane status bytes, one partition at least):
 *     - with a protective entry (0xEE): the GPT (primary, else backup);
 *     - with a NetBSD entry (0xA9) whose sector 1 holds a disklabel: that
 *       disklabel (its partitions, absolute on the disk, are what NetBSD
 *       shows as wd0a…);
 *     - otherwise the MBR's primary and logical partitions;
 *  2. otherwise a disklabel anywhere (4-byte aligned) in the first 64 KiB;
 *  3. otherwise scheme "none" with no partitions (but a disklabel magic
 *     without a valid label is EFTYPE: a damaged label, not a bare disk).
 * Damage that leaves the table usable is a warning; a table that cannot be
 * used (both GPT headers bad) is an error. Nothing here throws.
 */
import { EFTYPE, EINVAL } from "../gen/constants.js";
import { readFully, type ReadFn } from "./blockdev.js";
import {
  mbr_has_partitions,
  mbr_parse,
  mbr_partitions,
  MBR_PTYPE_NETBSD,
  MBR_PTYPE_PMBR,
  MBR_SECSIZE,
} from "./disk_mbr.js";
import { gpt_partitions } from "./disk_gpt.js";
import {
  disklabel_read,
  DISKLABEL_NO_MAGIC as NO_MAGIC,
  DISKLABEL_SCAN,
} from "./disk_disklabel.js";
import { partError, type PartitionProbe } from "./disk_types.js";

export type {
  DiskPartition,
  PartitionScheme,
  PartitionTable,
  PartitionError,
  PartitionProbe,
} from "./disk_types.js";

/** Probe the disk behind `read` (`size` bytes). */
export function probePartitions(read: ReadFn, size: number): PartitionProbe {
  if (typeof read !== "function") return partError(EINVAL, "read is not a function");
  if (!Number.isSafeInteger(size) || size < 0) return partError(EINVAL, `bad disk size ${size}`);
  const none: PartitionProbe = {
    ok: true,
    scheme: "none",
    secsize: MBR_SECSIZE,
    partitions: [],
    warnings: [],
  };
  if (size < MBR_SECSIZE) return none;
  const sector0 = new Uint8Array(MBR_SECSIZE);
  const error = readFully(read, 0, sector0);
  if (error !== 0) return partError(error, "read error at sector 0");
  const ents = mbr_parse(sector0);
  if (ents !== null && mbr_has_partitions(ents)) {
    if (ents.some((e) => e.type === MBR_PTYPE_PMBR && e.nsect !== 0))
      return gpt_partitions(read, size);
    const nsectors = Math.floor(size / MBR_SECSIZE);
    const notes: string[] = [];
    for (const e of ents) {
      if (e.type !== MBR_PTYPE_NETBSD || e.nsect < 2 || e.start + e.nsect > nsectors) continue;
      const lab = disklabel_read(read, size, (e.start + 1) * MBR_SECSIZE, MBR_SECSIZE);
      if (lab.ok) return lab;
      notes.push(`NetBSD MBR partition ${e.slot}: ${lab.reason}`);
    }
    const r = mbr_partitions(read, size, sector0);
    if (r.ok) r.warnings.unshift(...notes);
    return r;
  }
  const lab = disklabel_read(read, size, 0, DISKLABEL_SCAN);
  if (lab.ok) return lab;
  // A magic without a valid label around it is a damaged label, not "no label".
  if (lab.error !== EFTYPE || lab.reason !== NO_MAGIC) return lab;
  return none;
}
