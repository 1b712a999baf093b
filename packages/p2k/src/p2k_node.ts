/**
 * p2k's bookkeeping of kernel objects the host holds: nodes (FUSE node ids
 * ↔ referenced vnodes, as p2k.c's node hash keyed by the vnode) and open
 * files (FUSE file handles ↔ an opened vnode with its mode and credential),
 * plus the conversion of a vattr into the host's struct stat slots.
 */
import {
  VBLK,
  VCHR,
  VDIR,
  VFIFO,
  VLNK,
  VREG,
  VSOCK,
  type Kauth_cred,
  type Vattr,
  type Vnode,
} from "@rump/librump";
import { R_ST } from "./native.js";

/** FUSE's node id of the root (FUSE_ROOT_ID). */
export const ROOT_ID = 1;

/**
 * A vnode the host knows by node id. The node holds one kernel reference
 * for as long as the host's lookup count is above zero (FUSE forget drops
 * it, as p2k's reclaim does); the root's is held until unmount.
 */
export class P2kNode {
  /** lookups the host has not forgotten yet */
  nlookup = 0;
  constructor(
    readonly id: number,
    readonly vp: Vnode,
  ) {}
}

/** Node ids ↔ vnodes. Ids are never reused, so generation 0 is enough. */
export class NodeTable {
  private readonly byId = new Map<number, P2kNode>();
  private readonly byVp = new Map<Vnode, P2kNode>();
  private nextId = ROOT_ID + 1;

  constructor(rootvp: Vnode) {
    const root = new P2kNode(ROOT_ID, rootvp);
    root.nlookup = 1;
    this.byId.set(ROOT_ID, root);
    this.byVp.set(rootvp, root);
  }

  get(id: number): P2kNode | undefined {
    return this.byId.get(id);
  }

  /**
   * The node of `vp`, whose reference the caller passes on: a new node keeps
   * it; a known one already holds one, so `rele` gives the extra back.
   * Counts one lookup.
   */
  enter(vp: Vnode, rele: (vp: Vnode) => void): P2kNode {
    let n = this.byVp.get(vp);
    if (n === undefined) {
      n = new P2kNode(this.nextId++, vp);
      this.byId.set(n.id, n);
      this.byVp.set(vp, n);
    } else rele(vp);
    n.nlookup++;
    return n;
  }

  /** Forget `count` lookups of `id`; at zero the node goes and its reference is dropped. */
  forget(id: number, count: number, rele: (vp: Vnode) => void): void {
    if (id === ROOT_ID) return;
    const n = this.byId.get(id);
    if (n === undefined) return;
    n.nlookup -= count;
    if (n.nlookup > 0) return;
    this.byId.delete(id);
    this.byVp.delete(n.vp);
    rele(n.vp);
  }

  /** Every node, the root last (for the release at unmount). */
  drain(): Vnode[] {
    const out: Vnode[] = [];
    let root: Vnode | null = null;
    for (const n of this.byId.values()) {
      if (n.id === ROOT_ID) root = n.vp;
      else out.push(n.vp);
    }
    this.byId.clear();
    this.byVp.clear();
    if (root !== null) out.push(root);
    return out;
  }

  get size(): number {
    return this.byId.size;
  }
}

/** An open file: the vnode (referenced), its NetBSD open mode, the opener's credential. */
export class P2kFile {
  constructor(
    readonly fh: number,
    readonly node: P2kNode,
    readonly vp: Vnode,
    /** FREAD | FWRITE */
    readonly fmode: number,
    /** the host's open flags (O_APPEND, O_SYNC, …) */
    readonly hostFlags: number,
    readonly cred: Kauth_cred,
  ) {}
}

/** S_IFMT bits of each vnode type (the host's and NetBSD's agree). */
const IFMT: readonly number[] = (() => {
  const t = new Array<number>(9).fill(0);
  t[VREG] = 0o100000;
  t[VDIR] = 0o040000;
  t[VBLK] = 0o060000;
  t[VCHR] = 0o020000;
  t[VLNK] = 0o120000;
  t[VSOCK] = 0o140000;
  t[VFIFO] = 0o010000;
  return t;
})();

/** The S_IFMT bits of vnode type `vt`. */
export function vtypeToIfmt(vt: number): number {
  return IFMT[vt] ?? 0;
}

const num = (v: number): number => (v < 0 ? 0 : v);
/** times may be before 1970; VNOVAL (-1) means "none" */
const time = (v: number): number => (v === -1 ? 0 : v);

/**
 * A vattr as the host's struct stat, into the reply slots (R_ST…). NetBSD
 * and Linux encode device numbers alike for majors < 4096 and minors < 2^20.
 */
export function vattrToStat(va: Vattr, r: Float64Array): void {
  r[R_ST] = num(va.va_fileid);
  r[R_ST + 1] = vtypeToIfmt(va.va_type) | (va.va_mode & 0o7777);
  r[R_ST + 2] = num(va.va_nlink);
  r[R_ST + 3] = num(va.va_uid);
  r[R_ST + 4] = num(va.va_gid);
  r[R_ST + 5] = va.va_type === VBLK || va.va_type === VCHR ? num(va.va_rdev) : 0;
  r[R_ST + 6] = num(va.va_size);
  r[R_ST + 7] = va.va_blocksize > 0 ? va.va_blocksize : 4096;
  r[R_ST + 8] = Math.ceil(num(va.va_bytes) / 512);
  r[R_ST + 9] = time(va.va_atime.tv_sec);
  r[R_ST + 10] = num(va.va_atime.tv_nsec);
  r[R_ST + 11] = time(va.va_mtime.tv_sec);
  r[R_ST + 12] = num(va.va_mtime.tv_nsec);
  r[R_ST + 13] = time(va.va_ctime.tv_sec);
  r[R_ST + 14] = num(va.va_ctime.tv_nsec);
}
