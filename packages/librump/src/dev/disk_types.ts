/**
 * The uniform description of a partition table that the probes in
 * disk_mbr.ts, disk_gpt.ts and disk_disklabel.ts produce
 * (disk_partitions.ts ties them together). Offsets and sizes are bytes.
 */

export type PartitionScheme = "mbr" | "gpt" | "disklabel" | "none";

export interface DiskPartition {
  /**
   * MBR: the slot, 1–4 for primary partitions and 5, 6, … for the logical
   * ones in chain order; GPT: entry number + 1; disklabel: 0 for `a`, 1 for `b`, …
   */
  index: number;
  /** the device suffix: "p1", "p5", … (MBR, GPT) or "a", "e", … (disklabel) */
  name: string;
  /** MBR: "0xa9"; GPT: the type GUID, lower case; disklabel: the fstype name ("4.2BSD") */
  type: string;
  /** bytes from the start of the disk */
  offset: number;
  /** bytes */
  size: number;
  /** GPT: the partition name; MBR: "logical" for logical partitions; else "" */
  label: string;
}

export interface PartitionTable {
  ok: true;
  scheme: PartitionScheme;
  /** bytes per sector the table counts in */
  secsize: number;
  partitions: DiskPartition[];
  /** recoverable damage met on the way (skipped entries, a backup GPT used, a cut EBR chain) */
  warnings: string[];
}

export interface PartitionError {
  ok: false;
  /** NetBSD errno: EIO (read failed), EFTYPE (corrupt table), EINVAL (bad arguments) */
  error: number;
  reason: string;
}

export type PartitionProbe = PartitionTable | PartitionError;

export function partError(error: number, reason: string): PartitionError {
  return { ok: false, error, reason };
}
