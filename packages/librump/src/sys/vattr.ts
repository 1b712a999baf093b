import type { Timespec } from "./time.js";
import { VNON } from "./vnode.js";

/** "No value" marker of vattr fields (VNOVAL). */
export const VNOVAL = -1;

/** va_vaflags */
export const VA_UTIMES_NULL = 0x01;
export const VA_EXCLUSIVE = 0x02;

/**
 * Attributes of a file (struct vattr): what VOP_GETATTR reports and what
 * VOP_SETATTR changes. Fields set to VNOVAL are "not given".
 */
export class Vattr {
  va_type = VNON;
  va_mode = VNOVAL;
  va_nlink = VNOVAL;
  va_uid = VNOVAL;
  va_gid = VNOVAL;
  va_fsid = VNOVAL;
  va_fileid = VNOVAL;
  va_size = VNOVAL;
  va_blocksize = VNOVAL;
  va_atime: Timespec = { tv_sec: VNOVAL, tv_nsec: VNOVAL };
  va_mtime: Timespec = { tv_sec: VNOVAL, tv_nsec: VNOVAL };
  va_ctime: Timespec = { tv_sec: VNOVAL, tv_nsec: VNOVAL };
  va_birthtime: Timespec = { tv_sec: VNOVAL, tv_nsec: VNOVAL };
  va_gen = VNOVAL;
  va_flags = VNOVAL;
  va_rdev = VNOVAL;
  va_bytes = VNOVAL;
  va_filerev = VNOVAL;
  va_vaflags = 0;

  /** vattr_null: every field back to VNOVAL. */
  null(): void {
    this.va_type = VNON;
    this.va_mode = this.va_nlink = this.va_uid = this.va_gid = VNOVAL;
    this.va_fsid = this.va_fileid = this.va_size = this.va_blocksize = VNOVAL;
    this.va_atime.tv_sec = this.va_atime.tv_nsec = VNOVAL;
    this.va_mtime.tv_sec = this.va_mtime.tv_nsec = VNOVAL;
    this.va_ctime.tv_sec = this.va_ctime.tv_nsec = VNOVAL;
    this.va_birthtime.tv_sec = this.va_birthtime.tv_nsec = VNOVAL;
    this.va_gen = this.va_flags = this.va_rdev = this.va_bytes = this.va_filerev = VNOVAL;
    this.va_vaflags = 0;
  }
}
