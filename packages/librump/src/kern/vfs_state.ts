/**
 * The VFS state of one kernel instance: file-system types, the mount list,
 * the root vnode and the vnode cache's free list and limits.
 */
import type { Kernel } from "./kernel.js";
import type { Mount, Vfsops } from "../sys/mount.js";
import type { Vnode } from "../sys/vnode.js";

export class VfsState {
  /** attached file-system types by name (vfs_attach) */
  readonly vfslist = new Map<string, Vfsops>();
  /** mounted file systems, in mount order; [0] is the root */
  readonly mountlist: Mount[] = [];
  rootvnode: Vnode | null = null;
  /** desiredvnodes (kern.maxvnodes) */
  maxvnodes = 1024;
  /** vnodes in all vnode caches */
  numvnodes = 0;
  /** LRU of unreferenced vnodes: head = least recently used */
  freeHead: Vnode | null = null;
  freeTail: Vnode | null = null;
  nfree = 0;
  nextMountId = 1;
  /** inode numbers of pipes (they live on no file system) */
  nextPipeIno = 1;
  /** re-entrancy guard of the reclaim pass (vdrain) */
  reclaiming = false;
  /** out-slot of the outermost VOP_INACTIVE of vrele, and how deep they nest */
  readonly scratchRecycle = { v: false };
  inactiveDepth = 0;

  constructor(readonly kernel: Kernel) {}
}
