/**
 * Mount arguments of cd9660 (cd9660_mount.h): struct iso_args and its
 * ISOFSMNT_* flags.
 */

/** Ignore Rock Ridge: ISO 9660 names (or Joliet's) and default attributes. */
export const ISOFSMNT_NORRIP = 0x00000001;
/** Without Rock Ridge: names keep their ";version" and are not case-translated. */
export const ISOFSMNT_GENS = 0x00000002;
/** Without Rock Ridge: permissions and owners from extended attribute records. */
export const ISOFSMNT_EXTATT = 0x00000004;
/** Ignore Joliet even when the image has no Rock Ridge. */
export const ISOFSMNT_NOJOLIET = 0x00000008;
/** Without Rock Ridge: keep ISO 9660 names in upper case (maptrans is the default). */
export const ISOFSMNT_NOCASETRANS = 0x00000010;
/** Rock Ridge names are looked up without regard to case. */
export const ISOFSMNT_RRCASEINS = 0x00000020;

/**
 * struct iso_args { const char *fspec; struct export_args30 _pad1; int
 * flags; }: the block device, and ISOFSMNT_* flags (0 when absent).
 */
export interface IsoArgs {
  fspec: string | Uint8Array | null;
  flags?: number;
}

/** sizeof(struct iso_args) on LP64: 8 + 128 (export_args30) + 4, padded to 8. */
export const ISO_ARGS_SIZE = 144;
