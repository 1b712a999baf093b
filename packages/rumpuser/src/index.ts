/**
 * @rump/rumpuser — the rump kernel's hypercall layer, the only code of the
 * project that touches the host. See README.md.
 */
export * from "./rumpuser.js";
export { NETBSD_ERRNO } from "./errno.js";
export { errtrans, hostErrnoName } from "./errtrans.js";
export { RumpuserBug, RumpuserDeadlock, RumpuserExit, RumpuserPanic } from "./errors.js";
export {
  RUMP_PARAMS,
  kernelHostname,
  parseBlkfail,
  parseBlkfailSeed,
  parseBlksectshift,
  parseFlag,
  parseMemlimit,
  parseNvnodes,
} from "./params.js";
export type { VirtualClockOption } from "./clock.js";
export type { ConsoleSink, ConsoleStream } from "./cons.js";
export { SeededRandom } from "./random.js";
export { HostBase } from "./hosts/common.js";
export type { HostOptions, HypercallRecord } from "./hosts/common.js";
export { NodeHost, createDefaultHost } from "./hosts/node.js";
export type { NodeHostOptions } from "./hosts/node.js";
export { MemoryFiles, MemoryHost, MemoryNode } from "./hosts/memory.js";
export type { MemoryHostOptions } from "./hosts/memory.js";
export { nativeStatus, rebuildHint } from "./native.js";
export { hostUtimens, hostUtimensExact } from "./utimens.js";
export type { HostTimespec } from "./utimens.js";
