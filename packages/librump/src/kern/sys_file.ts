/**
 * Open files (struct file): what a descriptor refers to. dup(2) shares one
 * File between descriptors, so offset and status flags are shared too.
 */
import type { Kauth_cred } from "../sys/kauth.js";
import type { Lwp } from "../sys/proc.js";
import type { Stat } from "../sys/stat.js";
import type { Uio } from "../sys/uio.js";

/** f_flag bits: FREAD/FWRITE are FFLAGS(O_ACCMODE); the rest are O_* bits. */
export const FREAD = 0x00000001;
export const FWRITE = 0x00000002;
/** flags changeable by F_SETFL: O_APPEND | O_NONBLOCK | O_ASYNC | O_SYNC | O_DSYNC | O_RSYNC | O_DIRECT | O_NOSIGPIPE */
export const FCNTLFLAGS =
  0x00000008 |
  0x00000004 |
  0x00000040 |
  0x00000080 |
  0x00010000 |
  0x00020000 |
  0x00080000 |
  0x01000000;
/** open flags (after FFLAGS) kept in f_flag */
export const FMASK = FREAD | FWRITE | FCNTLFLAGS;
/** f_flag: a flock(2) lock is held through this file */
export const FHASLOCK = 0x00004000;

/** FFLAGS: open(2) flags to f_flag (O_RDONLY 0 → FREAD 1 …). */
export function FFLAGS(oflags: number): number {
  return oflags + 1;
}
/** OFLAGS: the inverse, for F_GETFL. */
export function OFLAGS(fflags: number): number {
  return fflags - 1;
}

/** f_type */
export const DTYPE_VNODE = 1;
export const DTYPE_SOCKET = 2;
export const DTYPE_PIPE = 3;
export const DTYPE_MISC = 7;

/** fo_read/fo_write flags: use and update f_offset */
export const FOF_UPDATE_OFFSET = 0x0001;

/** The operations of one kind of open file (struct fileops). */
export interface Fileops {
  fo_read(fp: File, uio: Uio, cred: Kauth_cred, flags: number): number;
  fo_write(fp: File, uio: Uio, cred: Kauth_cred, flags: number): number;
  fo_ioctl(fp: File, com: number, data: unknown, l: Lwp): number;
  fo_fcntl(fp: File, cmd: number, data: unknown, l: Lwp): number;
  fo_stat(fp: File, sb: Stat): number;
  fo_close(fp: File, l: Lwp): number;
  /** lseek support: new offset in out.v, or errno (ESPIPE for pipes) */
  fo_seek(fp: File, offset: number, whence: number, newoff: { v: number }, l: Lwp): number;
}

export class File {
  /** descriptors and other holders referring to this file */
  f_count = 1;
  f_offset = 0;
  constructor(
    public f_flag: number,
    public f_type: number,
    public f_ops: Fileops,
    public f_data: unknown,
    public f_cred: Kauth_cred,
  ) {
    f_cred.cr_refcnt++;
  }
}
