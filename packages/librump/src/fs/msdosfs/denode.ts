/**
 * The in-core directory entry (denode.h): what a vnode of msdosfs holds.
 * FAT has no inodes; a file is its 8.3 directory entry, kept here parsed,
 * with where it lives and a map of its cluster chain.
 *
 * Identity (the vnode key): a file is the place of its 8.3 entry
 * (`de_dirclust`: the directory's cluster holding it, 0 for the FAT12/16
 * root region; `de_diroffset`: the byte offset in that cluster or region),
 * so a rename re-keys it; a directory is its first cluster and its
 * attributes are those of its "." entry, as NetBSD's deget reads them.
 *
 * The chain map: runs of contiguous clusters found so far, `de_runs` as
 * (file cluster, disk cluster, length) triples, extended on demand from
 * the FAT and kept in step by every allocation and truncation, so neither
 * a read nor a write walks the chain from its start (NetBSD's fc_* cache,
 * extended to every run).
 */
import type { Vnode } from "../../sys/vnode.js";
import type { DirIndex, MsdosfsMount } from "./msdosfsmount.js";

/** de_flag: times to set at the next update, and "the entry needs writing" */
export const DE_UPDATE = 0x0004;
export const DE_CREATE = 0x0008;
export const DE_ACCESS = 0x0010;
export const DE_MODIFIED = 0x0020;

export class Denode {
  de_flag = 0;
  /** 1 while a directory entry names it, 0 once removed (its clusters go at inactive) */
  de_refcnt = 1;
  /** where the 8.3 entry is (see the file comment) */
  de_dirclust = 0;
  de_diroffset = 0;
  /** the entry's fields (the 8.3 name only in a template for a new entry: it never changes in place) */
  de_Name: Uint8Array | null = null;
  de_Attributes = 0;
  de_LowerCase = 0;
  de_CHun = 0;
  de_CTime = 0;
  de_CDate = 0;
  de_ADate = 0;
  de_MTime = 0;
  de_MDate = 0;
  de_StartCluster = 0;
  de_FileSize = 0;
  /** the chain map: (file cluster, disk cluster, length) triples, in order */
  readonly de_runs: number[] = [];
  /** clusters mapped so far */
  de_nclust = 0;
  /** the whole chain is mapped (its end was seen) */
  de_eoc = false;
  /** index of the run last used (sequential access finds it at once) */
  de_runhint = 0;
  /** directories: the name index, once built */
  de_index: DirIndex | null = null;
  /** the cluster a sequential reader reads next */
  de_nextr = 0;
  /** written since the last close (the last cluster is written behind at close) */
  de_wrote = false;
  constructor(
    readonly de_pmp: MsdosfsMount,
    public de_vnode: Vnode | null,
  ) {}

  get isdir(): boolean {
    return (this.de_Attributes & 0x10) !== 0;
  }

  /** The root directory. */
  get isroot(): boolean {
    return this.de_vnode !== null && (this.de_vnode.v_vflag & 0x1) !== 0;
  }

  /** Forget the chain map (it is rebuilt from the FAT on demand). */
  unmap(): void {
    this.de_runs.length = 0;
    this.de_nclust = 0;
    this.de_eoc = false;
    this.de_runhint = 0;
  }
}

export function VTODE(vp: Vnode): Denode {
  return vp.v_data as Denode;
}
