/**
 * The BIOS parameter block (bpb.h) and the one gate it passes before any
 * use: `msdosfs_bpb_validate`, which turns the boot sector into the
 * geometry the kernel works with or names what is wrong.
 *
 * The FAT width follows the FAT specification: a FAT32 BPB (FATSz16 = 0,
 * no fixed root directory) is FAT32, as every implementation reads it;
 * otherwise the cluster count decides, fewer than 4085 clusters being
 * FAT12 and fewer than 65525 FAT16. The BS_FilSysType label ("FAT12   ")
 * is never looked at.
 */
import {
  BOOTSIG0,
  BOOTSIG1,
  BOOTSIG_OFF,
  BS50_EXT,
  BS710_EXT,
  EXBOOTSIG,
  EXT_BOOTSIG,
  EXT_VOLID,
  EXT_VOLLAB,
} from "./bootsect.js";
import { DIRENT_SIZE, rd16, rd32 } from "./direntry.js";
import { CLUST_FIRST, MAXCLS12, MAXCLS16, MAXCLUSTER32 } from "./fat.js";

/* byte offsets of the BPB fields in the boot sector */
export const BPB_BYTESPERSEC = 11;
export const BPB_SECPERCLUST = 13;
export const BPB_RESSECTORS = 14;
export const BPB_FATS = 16;
export const BPB_ROOTDIRENTS = 17;
export const BPB_SECTORS = 19;
export const BPB_MEDIA = 21;
export const BPB_FATSECS = 22;
export const BPB_SECPERTRACK = 24;
export const BPB_HEADS = 26;
export const BPB_HIDDENSECS = 28;
export const BPB_HUGESECTORS = 32;
/* FAT32 (struct byte_bpb710) */
export const BPB_BIGFATSECS = 36;
export const BPB_EXTFLAGS = 40;
export const BPB_FSVERS = 42;
export const BPB_ROOTCLUST = 44;
export const BPB_FSINFO = 48;
export const BPB_BACKUP = 50;

/** bpbExtFlags: mirroring is off and only FAT number `& FATNUM` is used */
export const FATMIRROR = 0x80;
export const FATNUM = 0x0f;

/** What the kernel works with, derived from a valid BPB. Sectors are numbered from 0. */
export class FatGeom {
  fatbits: 12 | 16 | 32 = 12;
  /** bytes per sector: 512, 1024, 2048 or 4096 */
  bps = 512;
  /** sectors per cluster (a power of two up to 128) */
  spc = 1;
  /** bytes per cluster */
  bpcluster = 512;
  rsvd = 1;
  nfats = 2;
  /** sectors of one FAT */
  fatsecs = 1;
  /** FAT12/16: entries of the fixed root directory, its first sector and sectors */
  rootdirents = 0;
  rootdirblk = 0;
  rootdirsecs = 0;
  /** the first sector of cluster 2 */
  firstdata = 0;
  totalsecs = 0;
  /** data clusters (cluster numbers 2 … maxcluster) */
  nclusters = 0;
  maxcluster = 1;
  /** FAT32: the root directory's first cluster, the FSInfo sector (0: none), the backup boot sector */
  rootclust = 0;
  fsinfo = 0;
  backup = 0;
  /** every FAT copy is written (else only FAT `curfat`) */
  mirror = true;
  curfat = 0;
  media = 0xf8;
  /** the volume ID and label of the extended boot record (0 / "" when it has none) */
  volid = 0;
  label = "";
}

const isPow2 = (v: number): boolean => v > 0 && (v & (v - 1)) === 0;

/**
 * The BPB gate: check the boot sector `b` (its first sector, at least 512
 * bytes) of a device of `devbytes` bytes (0: unknown) and fill `g`.
 * Returns null, or what is wrong (the caller refuses the mount with it).
 */
export function msdosfs_bpb_validate(b: Uint8Array, devbytes: number, g: FatGeom): string | null {
  if (b.length < 512) return "boot sector shorter than 512 bytes";
  if (b[BOOTSIG_OFF] !== BOOTSIG0 || b[BOOTSIG_OFF + 1] !== BOOTSIG1)
    return "no boot sector signature (0x55AA at byte 510)";
  const bps = rd16(b, BPB_BYTESPERSEC);
  if (bps !== 512 && bps !== 1024 && bps !== 2048 && bps !== 4096)
    return `${bps} bytes per sector (512, 1024, 2048 or 4096)`;
  const spc = b[BPB_SECPERCLUST]!;
  if (!isPow2(spc)) return `${spc} sectors per cluster (a power of two up to 128)`;
  const rsvd = rd16(b, BPB_RESSECTORS);
  if (rsvd === 0) return "no reserved sectors (the boot sector is one)";
  const nfats = b[BPB_FATS]!;
  if (nfats === 0) return "no FAT";
  const media = b[BPB_MEDIA]!;
  if (media !== 0xf0 && media < 0xf8) return `media descriptor 0x${media.toString(16)}`;
  const rootents = rd16(b, BPB_ROOTDIRENTS);
  const sec16 = rd16(b, BPB_SECTORS);
  const total = sec16 !== 0 ? sec16 : rd32(b, BPB_HUGESECTORS);
  if (total === 0) return "total sector count is 0";
  const fat16secs = rd16(b, BPB_FATSECS);
  const fat32 = fat16secs === 0 && rootents === 0;
  let fatsecs: number;
  if (fat32) {
    fatsecs = rd32(b, BPB_BIGFATSECS);
    if (fatsecs === 0) return "FAT32 with 0 sectors per FAT";
    const vers = rd16(b, BPB_FSVERS);
    if (vers !== 0) return `FAT32 version ${vers >> 8}.${vers & 0xff} (only 0.0 exists)`;
  } else {
    if (fat16secs === 0) return "0 sectors per FAT";
    if (rootents === 0) return "FAT12/16 without root directory entries";
    fatsecs = fat16secs;
  }
  const rootdirsecs = fat32 ? 0 : Math.ceil((rootents * DIRENT_SIZE) / bps);
  const fatblk = rsvd;
  const rootdirblk = fatblk + nfats * fatsecs;
  const firstdata = rootdirblk + rootdirsecs;
  if (firstdata >= total)
    return `the metadata (${firstdata} sectors) fills the file system (${total} sectors)`;
  if (devbytes > 0 && total * bps > devbytes)
    return `file system of ${total * bps} bytes is larger than its device (${devbytes})`;
  let nclusters = Math.floor((total - firstdata) / spc);
  if (nclusters < 1) return "no data clusters";
  let fatbits: 12 | 16 | 32;
  if (fat32) fatbits = 32;
  else if (nclusters <= MAXCLS12) fatbits = 12;
  else if (nclusters <= MAXCLS16) fatbits = 16;
  else return `${nclusters} clusters: too many for FAT16, and the BPB is not FAT32's`;
  // a FAT shorter than the clusters: only what it maps is usable (as Linux clamps)
  const fatents = Math.floor((fatsecs * bps * 8) / fatbits);
  if (fatents < CLUST_FIRST + 1) return "the FAT has no room for a data cluster";
  nclusters = Math.min(nclusters, fatents - CLUST_FIRST);
  if (fatbits === 32) nclusters = Math.min(nclusters, MAXCLUSTER32 - 1);
  const maxcluster = nclusters + 1;
  g.fatbits = fatbits;
  g.bps = bps;
  g.spc = spc;
  g.bpcluster = bps * spc;
  g.rsvd = rsvd;
  g.nfats = nfats;
  g.fatsecs = fatsecs;
  g.rootdirents = rootents;
  g.rootdirblk = rootdirblk;
  g.rootdirsecs = rootdirsecs;
  g.firstdata = firstdata;
  g.totalsecs = total;
  g.nclusters = nclusters;
  g.maxcluster = maxcluster;
  g.media = media;
  g.mirror = true;
  g.curfat = 0;
  g.rootclust = 0;
  g.fsinfo = 0;
  g.backup = 0;
  if (fat32) {
    const root = rd32(b, BPB_ROOTCLUST);
    if (root < CLUST_FIRST || root > maxcluster)
      return `root directory cluster ${root} outside 2…${maxcluster}`;
    g.rootclust = root;
    const flags = rd16(b, BPB_EXTFLAGS);
    if (flags & FATMIRROR) {
      g.mirror = false;
      g.curfat = flags & FATNUM;
      if (g.curfat >= nfats) return `active FAT ${g.curfat} of ${nfats}`;
    }
    const fsinfo = rd16(b, BPB_FSINFO);
    // no FSInfo (0 or 0xFFFF), or one that would not be in the reserved area: ignored
    g.fsinfo = fsinfo !== 0 && fsinfo < rsvd ? fsinfo : 0;
    const backup = rd16(b, BPB_BACKUP);
    g.backup = backup !== 0 && backup < rsvd ? backup : 0;
  }
  const ext = fat32 ? BS710_EXT : BS50_EXT;
  if (b[ext + EXT_BOOTSIG] === EXBOOTSIG) {
    g.volid = rd32(b, ext + EXT_VOLID);
    let s = "";
    for (let i = 0; i < 11; i++) s += String.fromCharCode(b[ext + EXT_VOLLAB + i]!);
    g.label = s.trimEnd();
  } else {
    g.volid = 0;
    g.label = "";
  }
  return null;
}
