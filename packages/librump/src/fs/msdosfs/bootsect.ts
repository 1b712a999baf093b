/**
 * The boot sector and the FAT32 FSInfo sector (bootsect.h): where the BIOS
 * parameter block and the extended boot record sit, the 0x55AA signature,
 * and the FSInfo layout with its free-cluster count and next-free hint.
 */
import { rd32, wr32 } from "./direntry.js";

/** The boot sector signature: bytes 0x55, 0xAA at offset 510. */
export const BOOTSIG_OFF = 510;
export const BOOTSIG0 = 0x55;
export const BOOTSIG1 = 0xaa;

/** The BIOS parameter block starts after the jump and the OEM name. */
export const BS_JMP = 0;
export const BS_OEM = 3;
export const BS_BPB = 11;

/** The extended boot record of FAT12/16 (after the DOS 5 BPB) and of FAT32. */
export const BS50_EXT = 36;
export const BS710_EXT = 64;
/** offsets within the extended boot record */
export const EXT_DRIVE = 0;
export const EXT_BOOTSIG = 2; // 0x29: the three fields below are present
export const EXT_VOLID = 3;
export const EXT_VOLLAB = 7; // 11 bytes
export const EXT_FSTYPE = 18; // 8 bytes: "FAT12   " — a label, never trusted
export const EXBOOTSIG = 0x29;

/* FSInfo (struct fsinfo) */
export const FSI_LEADSIG = 0; // "RRaA"
export const FSI_STRUCSIG = 484; // "rrAa"
export const FSI_FREECOUNT = 488;
export const FSI_NXTFREE = 492;
export const FSI_TRAILSIG = 508; // 00 00 55 AA
export const FSI_LEADSIG_V = 0x41615252;
export const FSI_STRUCSIG_V = 0x61417272;
export const FSI_TRAILSIG_V = 0xaa550000;
/** "unknown" for both hints */
export const FSI_UNKNOWN = 0xffffffff;

/** Does `b` (at least 512 bytes) carry all three FSInfo signatures? */
export function fsinfo_valid(b: Uint8Array): boolean {
  return (
    b.length >= 512 &&
    rd32(b, FSI_LEADSIG) === FSI_LEADSIG_V &&
    rd32(b, FSI_STRUCSIG) === FSI_STRUCSIG_V &&
    rd32(b, FSI_TRAILSIG) === FSI_TRAILSIG_V
  );
}

/** A fresh FSInfo sector into `b` (zeroed first): signatures and the two hints. */
export function fsinfo_init(b: Uint8Array, freecount: number, nxtfree: number): void {
  b.fill(0);
  wr32(b, FSI_LEADSIG, FSI_LEADSIG_V);
  wr32(b, FSI_STRUCSIG, FSI_STRUCSIG_V);
  wr32(b, FSI_FREECOUNT, freecount);
  wr32(b, FSI_NXTFREE, nxtfree);
  wr32(b, FSI_TRAILSIG, FSI_TRAILSIG_V);
}
