/**
 * @rump/vop: RUMP_VOP_*, the kernel's vnode operations for applications.
 *
 * Each RUMP_VOP_<NAME> takes the C arguments of vop_<name> in vnode_if.src
 * positionally, enters the vnode's kernel on a virtual CPU, calls the
 * kernel's VOP_<NAME> and returns 0 or a NetBSD errno. The functions, the
 * implementation types (vop_*_t) and the descriptors (vop_*_desc) are
 * generated from vnode_if.src (src/gen/rumpvnode_if.ts); see README.md.
 */
export * from "./gen/rumpvnode_if.js";
