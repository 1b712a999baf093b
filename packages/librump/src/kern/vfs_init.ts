/**
 * Building operation vectors and attaching file-system types (vfs_init.c).
 * A vector is a dense array indexed by vdesc_offset: a VOP is one indexed
 * load and one call. Slots a file system leaves out get the vector's
 * default entry (usually vn_default_error → EOPNOTSUPP).
 */
import { EEXIST, EBUSY } from "../gen/constants.js";
import { VNODE_OPS_COUNT, vop_default_desc } from "../gen/vnode_if.js";
import type { Vfsops, VnodeOpvDesc, VnodeOpvEntry } from "../sys/mount.js";
import type { VnodeOpVector } from "../sys/vnode.js";
import type { VfsState } from "./vfs_state.js";
import { panic } from "./subr_prf.js";

type VopFn = (...args: never[]) => number;

/** vfs_opv_init for one table: entries → dense vector. */
export function vfs_opv_build(entries: readonly VnodeOpvEntry[]): VnodeOpVector {
  let dflt: VopFn | null = null;
  for (const [desc, fn] of entries)
    if (desc.vdesc_offset === vop_default_desc.vdesc_offset) dflt = fn;
  if (dflt === null) panic("vfs_opv_build: vector without a default entry");
  const vec = new Array<VopFn>(VNODE_OPS_COUNT).fill(dflt);
  for (const [desc, fn] of entries) vec[desc.vdesc_offset] = fn;
  return vec;
}

/**
 * The vnode, specfs and fifofs vectors of a file-system type (its first
 * three opv descriptors), built at its first mount: a kernel attaches every
 * type it has at boot, and most processes mount one or two.
 */
export function vfs_opv_vectors(ops: Vfsops): [VnodeOpVector, VnodeOpVector, VnodeOpVector] {
  const d = ops.vfs_opv_descs as VnodeOpvDesc[];
  for (const opv of d) if (opv.vector.length === 0) opv.vector = vfs_opv_build(opv.entries);
  return [d[0]!.vector, d[1]!.vector, d[2]!.vector];
}

/** vfs_attach: register a file-system type with this kernel. */
export function vfs_attach(vfs: VfsState, ops: Vfsops): number {
  if (vfs.vfslist.has(ops.vfs_name)) return EEXIST;
  vfs.vfslist.set(ops.vfs_name, ops);
  return 0;
}

/** vfs_detach: unregister (EBUSY while mounted). */
export function vfs_detach(vfs: VfsState, ops: Vfsops): number {
  for (const mp of vfs.mountlist) if (mp.mnt_op === ops) return EBUSY;
  vfs.vfslist.delete(ops.vfs_name);
  return 0;
}

/** vfs_getopsbyname */
export function vfs_getopsbyname(vfs: VfsState, name: string): Vfsops | null {
  return vfs.vfslist.get(name) ?? null;
}
