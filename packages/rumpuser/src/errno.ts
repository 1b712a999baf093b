/**
 * NetBSD errno numbers (sys/sys/errno.h), the only error numbering a
 * hypercall returns. Hand-written on purpose: rumpuser needs the names a host
 * can produce plus the few it returns itself; the kernel's full generated
 * constant table lives in librump (`sys/gen/errno.ts`).
 */

export const EPERM = 1;
export const ENOENT = 2;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const EBADF = 9;
export const EDEADLK = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EINVAL = 22;
export const EFBIG = 27;
export const ENOSPC = 28;
export const ESPIPE = 29;
export const EROFS = 30;
export const ERANGE = 34;
export const EAGAIN = 35;
export const EOPNOTSUPP = 45;
export const ETIMEDOUT = 60;
export const ENAMETOOLONG = 63;
export const ENOTEMPTY = 66;
export const ENOSYS = 78;
export const EFTYPE = 79;
export const EOVERFLOW = 84;
export const ENOTSUP = 86;

/**
 * Every errno name of NetBSD's errno.h (1 … ELAST = 96) with its number: the
 * table errtrans maps host error names through, as rumpuser_errtrans.c does.
 */
export const NETBSD_ERRNO: Readonly<Record<string, number>> = Object.freeze({
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EDEADLK: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  ENOTBLK: 15,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
  EAGAIN: 35,
  EWOULDBLOCK: 35,
  EINPROGRESS: 36,
  EALREADY: 37,
  ENOTSOCK: 38,
  EDESTADDRREQ: 39,
  EMSGSIZE: 40,
  EPROTOTYPE: 41,
  ENOPROTOOPT: 42,
  EPROTONOSUPPORT: 43,
  ESOCKTNOSUPPORT: 44,
  EOPNOTSUPP: 45,
  EPFNOSUPPORT: 46,
  EAFNOSUPPORT: 47,
  EADDRINUSE: 48,
  EADDRNOTAVAIL: 49,
  ENETDOWN: 50,
  ENETUNREACH: 51,
  ENETRESET: 52,
  ECONNABORTED: 53,
  ECONNRESET: 54,
  ENOBUFS: 55,
  EISCONN: 56,
  ENOTCONN: 57,
  ESHUTDOWN: 58,
  ETOOMANYREFS: 59,
  ETIMEDOUT: 60,
  ECONNREFUSED: 61,
  ELOOP: 62,
  ENAMETOOLONG: 63,
  EHOSTDOWN: 64,
  EHOSTUNREACH: 65,
  ENOTEMPTY: 66,
  EPROCLIM: 67,
  EUSERS: 68,
  EDQUOT: 69,
  ESTALE: 70,
  EREMOTE: 71,
  EBADRPC: 72,
  ERPCMISMATCH: 73,
  EPROGUNAVAIL: 74,
  EPROGMISMATCH: 75,
  EPROCUNAVAIL: 76,
  ENOLCK: 77,
  ENOSYS: 78,
  EFTYPE: 79,
  EAUTH: 80,
  ENEEDAUTH: 81,
  EIDRM: 82,
  ENOMSG: 83,
  EOVERFLOW: 84,
  EILSEQ: 85,
  ENOTSUP: 86,
  ECANCELED: 87,
  EBADMSG: 88,
  ENODATA: 89,
  ENOSR: 90,
  ENOSTR: 91,
  ETIME: 92,
  ENOATTR: 93,
  EMULTIHOP: 94,
  ENOLINK: 95,
  EPROTO: 96,
});
