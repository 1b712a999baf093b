/**
 * Device switch (subr_devsw.c): character and block device drivers by
 * major number, per kernel instance.
 */
import type { Kauth_cred } from "../sys/kauth.js";
import type { Uio } from "../sys/uio.js";

/** A character-device driver (struct cdevsw), the parts we use. */
export interface Cdevsw {
  readonly d_name: string;
  d_open(dev: number, flags: number, cred: Kauth_cred): number;
  d_close(dev: number, flags: number): number;
  d_read(dev: number, uio: Uio, ioflag: number): number;
  d_write(dev: number, uio: Uio, ioflag: number): number;
  d_ioctl(dev: number, cmd: number, data: unknown, flag: number): number;
}

/** NetBSD's dev_t encoding (sys/types.h makedev/major/minor). */
export function makedev(major: number, minor: number): number {
  return (((major << 8) & 0x000fff00) | ((minor << 12) & 0xfff00000) | (minor & 0x000000ff)) >>> 0;
}
export function major(dev: number): number {
  return (dev & 0x000fff00) >>> 8;
}
export function minor(dev: number): number {
  return ((dev & 0xfff00000) >>> 12) | (dev & 0x000000ff);
}

/** Major numbers of the drivers the kernel ships (NetBSD amd64's). */
export const MEM_MAJOR = 2;
export const MEM_MINOR_NULL = 2;
export const MEM_MINOR_ZERO = 12;
export const RND_MAJOR = 46;
export const RND_MINOR_RANDOM = 0;
export const RND_MINOR_URANDOM = 1;
export const RUMPBLK_MAJOR = 197;

export class Devsw {
  readonly cdevsw = new Map<number, Cdevsw>();

  attachChar(maj: number, sw: Cdevsw): void {
    this.cdevsw.set(maj, sw);
  }

  cdev(dev: number): Cdevsw | null {
    return this.cdevsw.get(major(dev)) ?? null;
  }
}
