import type { Vnode } from "../sys/vnode.js";

/**
 * What an application-facing wrapper (RUMP_VOP_*, rump_pub_*) needs from the
 * kernel a vnode belongs to: enter it on a virtual CPU and leave again.
 * The kernel object implements this; the wrapper finds it through the mount.
 */
export interface Schedulable {
  /** rump_schedule: take the CPU; throws RumpPanic if the kernel is dead */
  schedule(): void;
  /** rump_unschedule: release it */
  unschedule(): void;
  /** an exception escaped the kernel: mark the instance dead, return its panic */
  crash(e: unknown): Error;
}

/** The kernel a vnode lives in (through its mount). */
export function vnodeKernel(vp: Vnode): Schedulable {
  const mp = vp.v_mount;
  if (mp === null) throw new TypeError("vnode without a mount");
  return mp.mnt_kernel as Schedulable;
}
