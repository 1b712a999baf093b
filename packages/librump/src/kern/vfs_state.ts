/**
 * The VFS state of one kernel instance: file-system types, the mount list,
 * the root vnode, the vnode cache's free list and limits, etfs keys, and
 * work deferred to the end of the current kernel entry.
 */
import type { Kernel } from "../rump/kernel.js";
import type { Mount, Vfsops } from "../sys/mount.js";
import type { Vnode } from "../sys/vnode.js";
import type { Lwp } from "../sys/proc.js";

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
  /** lwps released during this entry, freed when it ends */
  readonly releasedLwps: Lwp[] = [];
  /** true when runDeferred has something to do */
  deferred = false;
  /** re-entrancy guard of the reclaim pass */
  reclaiming = false;

  constructor(readonly kernel: Kernel) {}

  /** Work that waits for the end of the current kernel entry. */
  runDeferred(): void {
    this.deferred = false;
    const k = this.kernel;
    while (this.releasedLwps.length > 0) {
      const l = this.releasedLwps.pop()!;
      k.freeLwp(l);
    }
  }
}
