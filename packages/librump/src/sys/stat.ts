import type { Timespec } from "./time.js";

/**
 * struct stat as __stat50 returns it (NetBSD field names). `st_atimespec` and
 * friends are the same fields as `st_atim`, as in NetBSD's header.
 */
export interface Stat {
  st_dev: number;
  st_mode: number;
  st_ino: number;
  st_nlink: number;
  st_uid: number;
  st_gid: number;
  st_rdev: number;
  st_atimespec: Timespec;
  st_mtimespec: Timespec;
  st_ctimespec: Timespec;
  st_birthtimespec: Timespec;
  st_size: number;
  st_blocks: number;
  st_blksize: number;
  st_flags: number;
  st_gen: number;
}

export function newStat(): Stat {
  return {
    st_dev: 0,
    st_mode: 0,
    st_ino: 0,
    st_nlink: 0,
    st_uid: 0,
    st_gid: 0,
    st_rdev: 0,
    st_atimespec: { tv_sec: 0, tv_nsec: 0 },
    st_mtimespec: { tv_sec: 0, tv_nsec: 0 },
    st_ctimespec: { tv_sec: 0, tv_nsec: 0 },
    st_birthtimespec: { tv_sec: 0, tv_nsec: 0 },
    st_size: 0,
    st_blocks: 0,
    st_blksize: 0,
    st_flags: 0,
    st_gen: 0,
  };
}

/** struct statvfs (statvfs1, fstatvfs1, getvfsstat). */
export interface Statvfs {
  f_flag: number;
  f_bsize: number;
  f_frsize: number;
  f_iosize: number;
  f_blocks: number;
  f_bfree: number;
  f_bavail: number;
  f_bresvd: number;
  f_files: number;
  f_ffree: number;
  f_favail: number;
  f_fresvd: number;
  f_syncreads: number;
  f_syncwrites: number;
  f_asyncreads: number;
  f_asyncwrites: number;
  f_fsidx: [number, number];
  f_fsid: number;
  f_namemax: number;
  f_owner: number;
  f_fstypename: string;
  f_mntonname: string;
  f_mntfromname: string;
}

export function newStatvfs(): Statvfs {
  return {
    f_flag: 0,
    f_bsize: 0,
    f_frsize: 0,
    f_iosize: 0,
    f_blocks: 0,
    f_bfree: 0,
    f_bavail: 0,
    f_bresvd: 0,
    f_files: 0,
    f_ffree: 0,
    f_favail: 0,
    f_fresvd: 0,
    f_syncreads: 0,
    f_syncwrites: 0,
    f_asyncreads: 0,
    f_asyncwrites: 0,
    f_fsidx: [0, 0],
    f_fsid: 0,
    f_namemax: 0,
    f_owner: 0,
    f_fstypename: "",
    f_mntonname: "",
    f_mntfromname: "",
  };
}
