/**
 * Partitions of a host disk image as etfs block devices: probe the image's
 * partition table (dev/disk_partitions.ts) and register one RUMP_ETFS_BLK
 * key per partition, a window of the host file.
 *
 * Key names: `key` + the partition's suffix —
 *   disklabel: a letter, `key + "a"`, `key + "e"` (NetBSD's /dev/wd0a);
 *   MBR, GPT:  `key + "p1"`, `key + "p2"`, …; logical MBR partitions are
 *              numbered from p5 in chain order (Linux's sda5 numbering).
 * The whole disk is not registered here (rump_pub_etfs_register does that).
 * Either every partition is registered or none is.
 */
import { RUMPUSER_OPEN_RDONLY } from "@rump/rumpuser";
import { EINVAL, EIO, ENOENT } from "../gen/constants.js";
import { probePartitions, type PartitionProbe } from "../dev/disk_partitions.js";
import type { Out } from "../sys/out.js";
import { etfs_register_withsize, etfs_remove, RUMP_ETFS_BLK } from "./etfs.js";
import type { Kernel } from "./kernel.js";

/** Probe the host file `hostpath` through the kernel's host (read-only). */
export function disk_probe_host(k: Kernel, hostpath: string): PartitionProbe {
  if (typeof hostpath !== "string")
    return { ok: false, error: EINVAL, reason: "hostpath is not a string" };
  const host = k.host;
  const size = { v: 0 };
  let error = host.getfileinfo(hostpath, size, null);
  if (error !== 0) return { ok: false, error, reason: `cannot stat ${hostpath}` };
  const fd = { v: -1 };
  error = host.open(hostpath, RUMPUSER_OPEN_RDONLY, fd);
  if (error !== 0) return { ok: false, error, reason: `cannot open ${hostpath}` };
  const retv = { v: 0 };
  const iov: Uint8Array[] = [new Uint8Array(0)];
  const read = (off: number, buf: Uint8Array): number => {
    iov[0] = buf;
    const e = host.iovread(fd.v, iov, off, retv);
    return e !== 0 ? -e : retv.v;
  };
  let r: PartitionProbe;
  try {
    r = probePartitions(read, size.v);
  } finally {
    host.close(fd.v);
  }
  return r;
}

/**
 * Register every partition of `hostpath` as `key + suffix` (see above).
 * 0, or an errno: ENOENT for a disk without a partition table (or with no
 * usable partition), the probe's error for a damaged one, etfs's for a key
 * already taken. `keysp` (optional) gets the registered keys in order.
 */
export function etfs_register_partitions(
  k: Kernel,
  key: string,
  hostpath: string,
  keysp: Out<string[]> | null = null,
): number {
  if (typeof key !== "string" || key.length === 0) return EINVAL;
  const r = disk_probe_host(k, hostpath);
  if (!r.ok) {
    k.printf(`etfs: ${hostpath}: ${r.reason}\n`);
    return r.error > 0 ? r.error : EIO;
  }
  for (const w of r.warnings) k.printf(`etfs: ${hostpath}: ${w}\n`);
  if (r.partitions.length === 0) return ENOENT;
  const done: string[] = [];
  for (const p of r.partitions) {
    const pkey = key + p.name;
    const error = etfs_register_withsize(k, pkey, hostpath, RUMP_ETFS_BLK, p.offset, p.size);
    if (error !== 0) {
      for (const d of done) etfs_remove(k, d);
      return error;
    }
    done.push(pkey);
  }
  if (keysp !== null) keysp.v = done;
  return 0;
}
