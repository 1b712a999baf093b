/**
 * newfs_msdos (sbin/newfs_msdos/mkfs_msdos.c): lay out an empty FAT12,
 * FAT16 or FAT32 file system on a BlockDev, with NetBSD's defaults: the
 * cluster size by the volume's size (512 bytes up to about 3 MB, 4 KiB to
 * 64 MiB, 8 KiB to 256 MiB, 16 KiB to 1 GiB, 32 KiB beyond), the FAT width
 * by what those clusters need (FAT12 when FAT16's minimum does not fit,
 * FAT32 when FAT16's maximum is passed), two FATs, 512 root entries on
 * FAT12/16, FAT32's FSInfo in sector 1 and the boot sector's backup in
 * sector 2 of 32 reserved ones, media 0xF0, "NetBSD" as the OEM name.
 * When the cluster size was not given it moves (halved or doubled) until
 * the width's cluster limits are met, where NetBSD would refuse (a 2 GiB
 * volume), and the FAT gets a sector more where NetBSD's estimate leaves
 * data clusters the FAT does not map (fsck.fat objects to those).
 *
 * Written: the reserved sectors (boot sector, FSInfo and their backups),
 * every FAT (entries 0 and 1, and FAT32's root cluster, marked; the clean
 * bits set) and the root directory (with the volume label's entry when
 * there is a label); data clusters are not touched. FSInfo holds the true
 * free count and next free cluster. `fsck.fat -n` finds nothing.
 *
 * Reproducible: the volume ID comes from `time` (NetBSD's formula over
 * the date) unless `volumeId` is given; the label entry's time is `time`.
 */
import { EINVAL } from "../../gen/constants.js";
import { writeFully, type BlockDev } from "../../dev/blockdev.js";
import type { Out } from "../../sys/out.js";
import { fsinfo_init } from "./bootsect.js";
import { FatGeom, msdosfs_bpb_validate } from "./bpb.js";
import { ATTR_VOLUME, DE_ATTR, DE_MDATE, DE_MTIME, wr16, wr32 } from "./direntry.js";

export interface NewfsMsdosOptions {
  /** 12, 16 or 32 (default: by size, as NetBSD picks it) */
  fatType?: 12 | 16 | 32;
  /** bytes per sector: 512, 1024, 2048 or 4096 (default 512) */
  bytesPerSector?: number;
  /** sectors per cluster: a power of two up to 128 (default: by size) */
  sectorsPerCluster?: number;
  /** volume label: up to 11 characters, no `" * + , . / : ; < = > ? [ \ ] |` (default "NO NAME") */
  label?: string;
  /** volume ID (default: from `time`) */
  volumeId?: number;
  /** OEM name in the boot sector, up to 8 characters (default "NetBSD") */
  oem?: string;
  /** number of FATs, 1…16 (default 2) */
  fats?: number;
  /** FAT12/16: root directory entries (default 512) */
  rootEntries?: number;
  /** reserved sectors (default 1; FAT32 32) */
  reservedSectors?: number;
  /** media descriptor, 0xF0 or 0xF8…0xFF (default 0xF0) */
  media?: number;
  /** seconds since the epoch, UTC: the label entry's time and the default volume ID (default 0) */
  time?: number;
  /** bytes of the device to use (default all of it) */
  size?: number;
}

const MAXU16 = 0xffff;
const MAXSPC = 128;
const MAXNFT = 16;
const DEFRDE = 512;
const RESFTE = 2;
const MINCLS = { 12: 1, 16: 0xff5, 32: 0xfff5 } as const;
const MAXCLS = { 12: 0xff4, 16: 0xfff4, 32: 0xffffff4 } as const;

/** NetBSD's boot code: print "Non-system disk", wait for a key, reboot. */
const BOOTCODE = [
  0xfa,
  0x31,
  0xc0,
  0x8e,
  0xd0,
  0xbc,
  0x00,
  0x7c,
  0xfb,
  0x8e,
  0xd8,
  0xe8,
  0x00,
  0x00,
  0x5e,
  0x83,
  0xc6,
  0x19,
  0xbb,
  0x07,
  0x00,
  0xfc,
  0xac,
  0x84,
  0xc0,
  0x74,
  0x06,
  0xb4,
  0x0e,
  0xcd,
  0x10,
  0xeb,
  0xf5,
  0x30,
  0xe4,
  0xcd,
  0x16,
  0xcd,
  0x19,
  0x0d,
  0x0a,
  ..."Non-system disk\r\nPress any key to reboot\r\n".split("").map((c) => c.charCodeAt(0)),
  0,
];

/** Characters a volume label cannot hold (oklabel). */
const BADLABEL = '"*+,./:;<=>?[\\]|';

/** The layout newfs_msdos computes (sectors). */
export interface MsdosLayout {
  fat: 12 | 16 | 32;
  bps: number;
  spc: number;
  res: number;
  nft: number;
  rde: number;
  /** total sectors */
  bsec: number;
  spf: number;
  clusters: number;
  infs: number;
  bkbs: number;
  media: number;
}

function isPow2(v: number): boolean {
  return Number.isInteger(v) && v > 0 && (v & (v - 1)) === 0;
}

/**
 * Compute the layout for `bytes` bytes with `opts` (mkfs_msdos's
 * arithmetic). Returns it, or an errno with `why`.
 */
export function newfs_msdos_layout(
  bytes: number,
  opts: NewfsMsdosOptions,
  why: Out<string>,
): MsdosLayout | number {
  const bad = (w: string): number => {
    why.v = w;
    return EINVAL;
  };
  const bps = opts.bytesPerSector ?? 512;
  if (bps !== 512 && bps !== 1024 && bps !== 2048 && bps !== 4096)
    return bad(`bytes/sector (${bps}) must be 512, 1024, 2048 or 4096`);
  const bsec = Math.floor(bytes / bps);
  if (bsec > 0xffffffff) return bad(`${bsec} sectors: more than FAT can count`);
  let spc = opts.sectorsPerCluster ?? 0;
  if (opts.sectorsPerCluster !== undefined && (!isPow2(spc) || spc > MAXSPC))
    return bad(`sectors/cluster (${spc}) must be a power of 2 up to ${MAXSPC}`);
  const spcGiven = spc !== 0;
  if (!spcGiven) {
    // NetBSD's thresholds, in bytes so that larger sectors keep the cluster sizes
    const b = bsec * bps;
    const cl =
      b <= 6000 * 512
        ? 512
        : b <= 512 << 17
          ? 4096
          : b <= 512 << 19
            ? 8192
            : b <= 512 << 21
              ? 16384
              : 32768;
    spc = Math.max(1, cl / bps);
  }
  const nft = opts.fats ?? 2;
  if (!Number.isInteger(nft) || nft < 1 || nft > MAXNFT)
    return bad(`number of FATs (${nft}) must be 1…${MAXNFT}`);
  let fat = opts.fatType;
  if (fat !== undefined && fat !== 12 && fat !== 16 && fat !== 32)
    return bad(`${String(fat)}: bad FAT type (12, 16 or 32)`);
  if (fat === 32 && opts.rootEntries !== undefined)
    return bad("cannot specify directory entries with FAT32");
  const media = opts.media ?? 0xf0;
  if (!Number.isInteger(media) || (media !== 0xf0 && (media < 0xf8 || media > 0xff)))
    return bad(`illegal media descriptor (0x${media.toString(16)})`);
  const bss = 1;
  const resGiven = opts.reservedSectors;
  const rdeGiven = opts.rootEntries;
  if (fat === undefined) {
    // FAT12 when FAT16's minimum cluster count does not fit, FAT32 past FAT16's maximum
    const res0 = resGiven ?? bss;
    const min16 =
      res0 +
      Math.ceil(((RESFTE + MINCLS[16]) * 4) / (bps * 2)) * nft +
      Math.ceil((rdeGiven ?? DEFRDE) / (bps / 32)) +
      MINCLS[16] * spc;
    const max16 =
      res0 +
      Math.ceil(((RESFTE + MAXCLS[16]) * 2) / bps) * nft +
      Math.ceil(DEFRDE / (bps / 32)) +
      (MAXCLS[16] + 1) * spc;
    fat = bsec < min16 ? 12 : rdeGiven !== undefined || bsec < max16 ? 16 : 32;
  }
  let infs = 0;
  let bkbs = 0;
  let x = bss;
  if (fat === 32) {
    infs = x;
    x = infs + 1;
    bkbs = x;
    x = bkbs + 1;
  }
  let res: number;
  if (resGiven === undefined) res = fat === 32 ? Math.max(x, Math.max(16384 / bps, 4)) : x;
  else {
    if (!Number.isInteger(resGiven) || resGiven > MAXU16)
      return bad(`reserved sectors (${resGiven})`);
    if (resGiven < x) return bad(`too few reserved sectors (need ${x} have ${resGiven})`);
    res = resGiven;
  }
  const rde = fat === 32 ? 0 : (rdeGiven ?? DEFRDE);
  if (!Number.isInteger(rde) || rde < 0 || rde > MAXU16)
    return bad(`root directory entries (${rde})`);
  if (fat !== 32 && rde === 0) return bad("FAT12/16 need root directory entries");
  const rds = Math.ceil(rde / (bps / 32));
  const nib = fat / 4;
  // sectors per FAT and clusters for a given cluster size
  const fit = (s: number): { spf: number; cls: number } | string => {
    let x1 = res + rds;
    if (x1 + nft > bsec) return "meta data exceeds file system size";
    x1 += nft;
    const xc = Math.floor(((bsec - x1) * bps * 2) / (s * bps * 2 + nib * nft));
    let spf = Math.ceil(((RESFTE + Math.min(xc, MAXCLS[fat!])) * nib) / (bps * 2));
    x1 += (spf - 1) * nft;
    if (x1 >= bsec) return "meta data exceeds file system size";
    let cls = Math.floor((bsec - x1) / s);
    // NetBSD's estimate can leave the data area a few clusters past what the
    // FAT maps (fsck.fat objects): a FAT sector more until it maps them all
    while (cls > Math.floor((spf * bps * 2) / nib) - RESFTE && cls <= MAXCLS[fat!]) {
      spf++;
      x1 += nft;
      if (x1 >= bsec) return "meta data exceeds file system size";
      cls = Math.floor((bsec - x1) / s);
    }
    return { spf, cls };
  };
  let f = fit(spc);
  if (!spcGiven) {
    // the cluster size was ours to pick: move it until the width's limits are met
    // (NetBSD refuses instead, e.g. a 2 GiB volume: FAT32 with 6 clusters short)
    while (typeof f !== "string" && f.cls < MINCLS[fat] && spc > 1) f = fit((spc >>= 1));
    while (typeof f !== "string" && f.cls > MAXCLS[fat] && spc < MAXSPC) f = fit((spc <<= 1));
  }
  if (typeof f === "string") return bad(f);
  if (f.cls < MINCLS[fat])
    return bad(`${f.cls} clusters too few clusters for FAT${fat}, need ${MINCLS[fat]}`);
  if (f.cls > MAXCLS[fat])
    return bad(`${f.cls} clusters: too many for FAT${fat} (at most ${MAXCLS[fat]})`);
  if (fat !== 32 && f.spf > MAXU16) return bad("too many sectors/FAT for FAT12/16");
  return {
    fat,
    bps,
    spc,
    res,
    nft,
    rde,
    bsec,
    spf: f.spf,
    clusters: f.cls,
    infs,
    bkbs,
    media,
  };
}

/** A label in its 11-byte form (mklabel): upper case, blank padded, 0xE5 first as 0x05. */
function mklabel(dest: Uint8Array, off: number, label: string): void {
  for (let i = 0; i < 11; i++) {
    const c = i < label.length ? label.toUpperCase().charCodeAt(i) & 0xff : 0x20;
    dest[off + i] = i === 0 && c === 0xe5 ? 5 : c;
  }
}

/** UTC broken-down time of `t` seconds. */
function gmtime(t: number): {
  year: number;
  mon: number;
  mday: number;
  hour: number;
  min: number;
  sec: number;
} {
  const days = Math.floor(t / 86400);
  const sod = t - days * 86400;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const mday = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const mon = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (mon <= 2 ? 1 : 0);
  return {
    year,
    mon,
    mday,
    hour: Math.floor(sod / 3600),
    min: Math.floor(sod / 60) % 60,
    sec: sod % 60,
  };
}

/**
 * Format `dev` (or its first `opts.size` bytes) as FAT. Returns 0 or an
 * errno, with the reason in `whyp`; `layoutp` gets the layout.
 */
export function newfs_msdos(
  dev: BlockDev,
  opts: NewfsMsdosOptions = {},
  whyp: Out<string> | null = null,
  layoutp: Out<MsdosLayout | null> | null = null,
): number {
  const why = whyp ?? { v: "" };
  why.v = "";
  if (dev === null || typeof dev !== "object" || typeof dev.write !== "function") {
    why.v = "no device";
    return EINVAL;
  }
  const o = opts ?? {};
  const bytes = o.size ?? dev.size;
  if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes > dev.size) {
    why.v = `size ${String(bytes)} beyond the device (${dev.size})`;
    return EINVAL;
  }
  const time = o.time ?? 0;
  if (!Number.isInteger(time) || time < 0 || time > 0xffffffff) {
    why.v = `time ${String(time)}`;
    return EINVAL;
  }
  if (o.label !== undefined) {
    const l = o.label;
    let ok = l.length >= 1 && l.length <= 11 && l.charCodeAt(0) > 0x20;
    for (let i = 0; i < l.length && ok; i++) {
      const c = l.charCodeAt(i);
      if (c < 0x20 || c > 0xff || BADLABEL.includes(l[i]!)) ok = false;
    }
    if (!ok) {
      why.v = `${l}: bad volume label (1 to 11 characters, none of ${BADLABEL})`;
      return EINVAL;
    }
  }
  if (o.oem !== undefined && (o.oem.length > 8 || /[^\x20-\x7e]/.test(o.oem))) {
    why.v = `${o.oem}: bad OEM string`;
    return EINVAL;
  }
  if (
    o.volumeId !== undefined &&
    !(Number.isInteger(o.volumeId) && o.volumeId >= 0 && o.volumeId <= 0xffffffff)
  ) {
    why.v = `volume ID ${String(o.volumeId)}`;
    return EINVAL;
  }
  const r = newfs_msdos_layout(bytes, o, why);
  if (typeof r === "number") return r;
  const L = r;
  if (layoutp !== null) layoutp.v = L;
  const { bps, fat } = L;
  const tm = gmtime(time);
  const volid =
    o.volumeId ??
    (((((tm.mon << 8) | tm.mday) + (tm.sec << 8)) << 16) |
      (tm.year + ((tm.hour << 8) | tm.min))) >>>
      0;
  const sec16 = L.bsec <= MAXU16;

  // the boot sector
  const boot = new Uint8Array(bps);
  wr16(boot, 11, bps);
  boot[13] = L.spc;
  wr16(boot, 14, L.res);
  boot[16] = L.nft;
  wr16(boot, 17, L.rde);
  wr16(boot, 19, sec16 ? L.bsec : 0);
  boot[21] = L.media;
  wr16(boot, 22, fat === 32 ? 0 : L.spf);
  wr16(boot, 24, 63);
  wr16(boot, 26, 255);
  wr32(boot, 28, 0);
  wr32(boot, 32, sec16 ? 0 : L.bsec);
  let x1 = 36;
  if (fat === 32) {
    wr32(boot, 36, L.spf);
    wr16(boot, 40, 0);
    wr16(boot, 42, 0);
    wr32(boot, 44, 2);
    wr16(boot, 48, L.infs);
    wr16(boot, 50, L.bkbs);
    x1 = 64;
  }
  boot[x1 + 2] = 0x29;
  wr32(boot, x1 + 3, volid);
  mklabel(boot, x1 + 7, o.label ?? "NO NAME");
  const type = `FAT${fat}   `;
  for (let i = 0; i < 8; i++) boot[x1 + 18 + i] = type.charCodeAt(i);
  x1 += 26;
  boot[0] = 0xeb;
  boot[1] = x1 - 2;
  boot[2] = 0x90;
  const oem = (o.oem ?? "NetBSD").padEnd(8, " ");
  for (let i = 0; i < 8; i++) boot[3 + i] = oem.charCodeAt(i);
  boot.set(BOOTCODE, x1);
  boot[510] = 0x55;
  boot[511] = 0xaa;
  // the kernel's own gate must accept it
  const check = msdosfs_bpb_validate(boot, bytes, new FatGeom());
  if (check !== null) {
    why.v = `internal: the new boot sector fails validation: ${check}`;
    return EINVAL;
  }

  let error = 0;
  const wr = (sector: number, data: Uint8Array): boolean => {
    error = writeFully(dev, sector * bps, data);
    if (error !== 0) why.v = `write error at sector ${sector}`;
    return error === 0;
  };
  const zero = new Uint8Array(Math.max(bps, 65536));
  const zeros = (from: number, n: number): boolean => {
    const per = zero.length / bps;
    while (n > 0) {
      const k = Math.min(per, n);
      if (!wr(from, zero.subarray(0, k * bps))) return false;
      from += k;
      n -= k;
    }
    return true;
  };
  // the reserved sectors: boot sector, FSInfo, their backups; zeros between
  if (!zeros(0, L.res)) return error;
  if (!wr(0, boot)) return error;
  if (fat === 32) {
    const fsi = new Uint8Array(bps);
    // cluster 2 is the root's: every other is free, 3 is the next
    fsinfo_init(fsi, L.clusters - 1, 3);
    if (!wr(L.infs, fsi)) return error;
    if (L.bkbs !== 0) {
      if (!wr(L.bkbs, boot)) return error;
      if (L.bkbs + L.infs < L.res && !wr(L.bkbs + L.infs, fsi)) return error;
    }
  }
  // every FAT: entries 0 and 1 (and the root cluster of FAT32) marked
  const first = new Uint8Array(bps);
  first[0] = L.media;
  const n = fat === 32 ? 12 : fat === 16 ? 4 : 3;
  for (let i = 1; i < n; i++) first[i] = fat === 32 && i % 4 === 3 ? 0x0f : 0xff;
  for (let k = 0; k < L.nft; k++) {
    const at = L.res + k * L.spf;
    if (!zeros(at, L.spf)) return error;
    if (!wr(at, first)) return error;
  }
  // the root directory (FAT32: its cluster), with the label's entry
  const rootsec = L.res + L.nft * L.spf;
  const rootlen = fat === 32 ? L.spc : Math.ceil(L.rde / (bps / 32));
  if (!zeros(rootsec, rootlen)) return error;
  if (o.label !== undefined) {
    const de = new Uint8Array(bps);
    mklabel(de, 0, o.label);
    de[DE_ATTR] = ATTR_VOLUME;
    wr16(de, DE_MTIME, (tm.hour << 11) | (tm.min << 5) | (tm.sec >> 1));
    wr16(de, DE_MDATE, tm.year >= 1980 ? ((tm.year - 1980) << 9) | (tm.mon << 5) | tm.mday : 0);
    if (!wr(rootsec, de)) return error;
  }
  return 0;
}
