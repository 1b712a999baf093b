/**
 * Who this kernel is: __NetBSD_Version__ (sys/param.h) and the ostype,
 * osrelease and machine strings (vers.c, machine/param.h) that sysctl and
 * uname report.
 */

/** __NetBSD_Version__ of the kernel we implement (7.99.34). */
export const NETBSD_VERSION = 799003400;
export const OSTYPE = "NetBSD";
export const OSRELEASE = "7.99.34";
export const MACHINE = "rump";
