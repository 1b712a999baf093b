import type { Kauth_cred } from "./kauth.js";

/** namei operations (cn_nameiop). */
export const LOOKUP = 0;
export const CREATE = 1;
export const DELETE = 2;
export const RENAME = 3;
export const OPMASK = 3;

/** namei flags (cn_flags), as rump_namei.h numbers them. */
export const LOCKLEAF = 0x0004;
export const LOCKPARENT = 0x0008;
export const TRYEMULROOT = 0x0010;
export const NOCACHE = 0x0020;
export const FOLLOW = 0x0040;
export const NOFOLLOW = 0x0000;
export const EMULROOTSET = 0x0080;
export const NOCHROOT = 0x01000000;
export const MODMASK = 0x010000fc;
export const NOCROSSMOUNT = 0x0000100;
export const RDONLY = 0x0000200;
export const ISDOTDOT = 0x0002000;
export const MAKEENTRY = 0x0004000;
export const ISLASTCN = 0x0008000;
export const ISWHITEOUT = 0x0020000;
export const DOWHITEOUT = 0x0040000;
export const REQUIREDIR = 0x0080000;
export const CREATEDIR = 0x0200000;
export const PARAMASK = 0x02ee300;

/**
 * One path component being looked up (struct componentname). Names inside
 * the kernel are byte strings: one JS char per byte (latin1), so that every
 * NetBSD name, UTF-8 or not, round-trips exactly.
 */
export class ComponentName {
  /**
   * The rest of the path from this component on (NetBSD's cn_nameptr sees
   * the whole remaining string); a file system may consume more than one
   * component (etfs keys contain slashes) by setting cn_consume.
   */
  cn_path = "";
  cn_off = 0;
  /** extra bytes after the component the file system consumed */
  cn_consume = 0;
  constructor(
    public cn_nameiop: number,
    public cn_flags: number,
    public cn_cred: Kauth_cred,
    /** the component, as a byte string */
    public cn_nameptr: string,
  ) {}

  /** the rest of the path from this component on */
  get cn_pnbuf(): string {
    return this.cn_off === 0 ? this.cn_path : this.cn_path.slice(this.cn_off);
  }

  get cn_namelen(): number {
    return this.cn_nameptr.length;
  }
}
