/**
 * NetBSD constants that ../shared/netbsd-src/constants.tsv does not carry
 * (values from NetBSD's sys/fcntl.h, unistd.h, stat.h, sysctl.h, resource.h).
 * The generated gen/constants.ts has the rest.
 */

/* *at() (sys/fcntl.h) */
export const AT_FDCWD = -100;
export const AT_EACCESS = 0x100;
export const AT_SYMLINK_NOFOLLOW = 0x200;
export const AT_SYMLINK_FOLLOW = 0x400;
export const AT_REMOVEDIR = 0x800;

/* fcntl(2) commands */
export const F_DUPFD = 0;
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const F_GETOWN = 5;
export const F_SETOWN = 6;
export const F_GETLK = 7;
export const F_SETLK = 8;
export const F_SETLKW = 9;
export const F_CLOSEM = 10;
export const F_MAXFD = 11;
export const F_DUPFD_CLOEXEC = 12;
export const F_GETNOSIGPIPE = 13;
export const F_SETNOSIGPIPE = 14;
export const FD_CLOEXEC = 1;
export const F_RDLCK = 1;
export const F_UNLCK = 2;
export const F_WRLCK = 3;

/* flock(2) */
export const LOCK_SH = 0x01;
export const LOCK_EX = 0x02;
export const LOCK_NB = 0x04;
export const LOCK_UN = 0x08;

/* lseek(2) */
export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;

/* access(2) (unistd.h) */
export const F_OK = 0;
export const X_OK = 0x01;
export const W_OK = 0x02;
export const R_OK = 0x04;

/* chflags(2) (sys/stat.h) */
export const UF_SETTABLE = 0x0000ffff;
export const UF_NODUMP = 0x00000001;
export const UF_IMMUTABLE = 0x00000002;
export const UF_APPEND = 0x00000004;
export const UF_OPAQUE = 0x00000008;
export const SF_SETTABLE = 0xffff0000;
export const SF_ARCHIVED = 0x00010000;
export const SF_IMMUTABLE = 0x00020000;
export const SF_APPEND = 0x00040000;

/* pathconf(2) names (unistd.h) */
export const _PC_LINK_MAX = 1;
export const _PC_MAX_CANON = 2;
export const _PC_MAX_INPUT = 3;
export const _PC_NAME_MAX = 4;
export const _PC_PATH_MAX = 5;
export const _PC_PIPE_BUF = 6;
export const _PC_CHOWN_RESTRICTED = 7;
export const _PC_NO_TRUNC = 8;
export const _PC_VDISABLE = 9;
export const _PC_SYNC_IO = 10;
export const _PC_FILESIZEBITS = 11;

/* sysctl(2) MIB (sys/sysctl.h) */
export const CTL_KERN = 1;
export const CTL_VFS = 10;
export const KERN_OSTYPE = 1;
export const KERN_OSRELEASE = 2;
export const KERN_OSREV = 3;
export const KERN_VERSION = 4;
export const KERN_MAXVNODES = 5;
export const KERN_HOSTNAME = 10;
export const VFS_GENERIC = 0;
export const VFS_MAXTYPENUM = 1;
export const VFS_CONF = 2;
/** vfs.generic.fstypes: dynamic node number in NetBSD; fixed here */
export const VFS_FSTYPES = 100;

/* resource limits (sys/resource.h) */
export const RLIMIT_CPU = 0;
export const RLIMIT_FSIZE = 1;
export const RLIMIT_DATA = 2;
export const RLIMIT_STACK = 3;
export const RLIMIT_CORE = 4;
export const RLIMIT_RSS = 5;
export const RLIMIT_MEMLOCK = 6;
export const RLIMIT_NPROC = 7;
export const RLIMIT_NOFILE = 8;
export const RLIMIT_SBSIZE = 9;
export const RLIMIT_AS = 10;
export const RLIMIT_NTHR = 11;

/* clocks (time.h) */
export const CLOCK_REALTIME = 0;
export const CLOCK_VIRTUAL = 1;
export const CLOCK_PROF = 2;
export const CLOCK_MONOTONIC = 3;

/* limits */
export const NGROUPS_MAX = 16;
export const PIPE_BUF = 512;
export const LINK_MAX = 32767;
export const MAXNAMLEN = 511;
