/**
 * Booting and shutting down (rump.c): rump_init for the default kernel,
 * createKernel for independent ones, the boot sequence of librump.md §2.1,
 * and shutdown (sync, unmount, release every host resource).
 */
import {
  createDefaultHost,
  NOOP_UPCALLS,
  parseBlkfail,
  parseBlkfailSeed,
  parseBlksectshift,
  parseFlag,
  parseMemlimit,
  parseNvnodes,
  RUMPUSER_VERSION,
  type Rumpuser,
  type RumpuserUpcalls,
} from "@rump/rumpuser";
import { EINVAL } from "../gen/constants.js";
import { Kernel } from "./kernel.js";
import { RumpPanic } from "../kern/subr_prf.js";
import { vfs_attach } from "../kern/vfs_init.js";
import { vfs_domount } from "../kern/vfs_mount.js";
import { vfs_desiredvnodes } from "../kern/vfs_vnode.js";
import { consoleFile } from "./cons.js";
import { makeTmpfsVfsops, tmpfs_set_lookup_hook } from "../fs/tmpfs/tmpfs_vfsops.js";
import { ffs_vfsops } from "../ufs/ffs/ffs_vfsops.js";
import { ext2fs_vfsops } from "../ufs/ext2fs/ext2fs_vfsops.js";
import { msdosfs_vfsops } from "../fs/msdosfs/msdosfs_vfsops.js";
import { cd9660_vfsops } from "../fs/cd9660/cd9660_vfsops.js";
import { etfs_lookup } from "./etfs.js";
import { mem_cdevsw, rnd_cdevsw } from "../dev/mem.js";
import { MEM_MAJOR, RND_MAJOR, RUMPBLK_MAJOR } from "../dev/devsw.js";
import { BufCache } from "../kern/vfs_bio.js";
import { Rumpblk, rumpblk_cdevsw } from "../dev/rumpblk.js";
import { rootfs_populate } from "./rumpfs.js";
import type { Mount } from "../sys/mount.js";
import { VV_ROOT, type Vnode } from "../sys/vnode.js";

/** Options of createKernel. */
export interface KernelOptions {
  /** the hypercall host; default: a NodeHost (the host's files, clock, randomness) */
  host?: Rumpuser;
  /**
   * Boot parameters (RUMP_VERBOSE, RUMP_MEMLIMIT, RUMP_NVNODES, …) given
   * directly; they win over what the host reports (its options, then, for
   * a NodeHost, the environment).
   */
  params?: Record<string, string | number>;
}

function getparam(
  host: Rumpuser,
  params: Record<string, string | number> | undefined,
  name: string,
): string | null {
  const given = params?.[name];
  if (given !== undefined) return String(given);
  const buf = { v: "" };
  return host.getparam(name, buf, 4096) === 0 ? buf.v : null;
}

/** Boot `k` (librump.md §2.1). Returns 0 or an errno. */
export function boot(k: Kernel, params?: Record<string, string | number>): number {
  const host = k.host;
  // the one upcall that does anything: a host process ending without a
  // shutdown (Node's exit event) syncs and unmounts as a shutdown would
  const upcalls: RumpuserUpcalls = {
    ...NOOP_UPCALLS,
    hyp_shutdown: () => {
      if (k.dead === null && k.booted) shutdownKernel(k);
    },
  };
  if (host.init(RUMPUSER_VERSION, upcalls) !== 0) return EINVAL;
  const p = k.params;
  const verbose = getparam(host, params, "RUMP_VERBOSE");
  p.verbose = verbose !== null && parseFlag(verbose);
  if (p.verbose) k.boothowto |= 0x00020000; // AB_VERBOSE
  const ml = getparam(host, params, "RUMP_MEMLIMIT");
  if (ml !== null) {
    const v = parseMemlimit(ml, hostMemory());
    if (v === null) throw new RumpPanic(`RUMP_MEMLIMIT: invalid value "${ml}"`);
    p.memlimit = v;
  }
  const nv = getparam(host, params, "RUMP_NVNODES");
  if (nv !== null) {
    const v = parseNvnodes(nv);
    if (v === null) throw new RumpPanic(`RUMP_NVNODES: invalid value "${nv}"`);
    p.nvnodes = v;
  } else {
    // sized from memory as a NetBSD kernel does, not rump's fixed 1024
    p.nvnodes = vfs_desiredvnodes(Number.isFinite(p.memlimit) ? p.memlimit : hostTotalMemory(host));
  }
  const bf = getparam(host, params, "RUMP_BLKFAIL");
  if (bf !== null) p.blkfail = parseBlkfail(bf) ?? 0;
  const bs = getparam(host, params, "RUMP_BLKFAIL_SEED");
  if (bs !== null) p.blkfailSeed = parseBlkfailSeed(bs);
  const ss = getparam(host, params, "RUMP_BLKSECTSHIFT");
  if (ss !== null) p.blksectshift = parseBlksectshift(ss) ?? 9;
  const hn = getparam(host, params, "_RUMPUSER_HOSTNAME");
  k.hostname = hn ?? "rump";
  k.nanotime(k.boottime);
  if (p.verbose) {
    k.printf("Copyright (c) 1996-2016 The NetBSD Foundation, Inc.  All rights reserved.\n");
    k.printf("NetBSD 7.99.34 (RUMP-ROAST) rump for TypeScript\n");
    k.printf("cpu0 at thinair0: rump virtual cpu\n");
  }

  k.initProcs();
  k.bufcache = new BufCache(k);
  k.rumpblk = new Rumpblk(k);
  k.devsw.attachChar(MEM_MAJOR, mem_cdevsw);
  k.devsw.attachChar(RND_MAJOR, rnd_cdevsw(host));
  k.devsw.attachChar(RUMPBLK_MAJOR, rumpblk_cdevsw(k));

  // VFS faction: file-system types, the rumpfs root, /dev and /tmp
  k.vfs.maxvnodes = p.nvnodes;
  const rumpfs = makeTmpfsVfsops("rumpfs");
  vfs_attach(k.vfs, rumpfs);
  vfs_attach(k.vfs, makeTmpfsVfsops("tmpfs"));
  vfs_attach(k.vfs, ffs_vfsops);
  vfs_attach(k.vfs, ext2fs_vfsops);
  vfs_attach(k.vfs, msdosfs_vfsops);
  vfs_attach(k.vfs, cd9660_vfsops);
  k.booted = true; // kernel entries are allowed from here on
  const out = { v: null as Mount | null };
  const args = {
    ta_version: 1,
    ta_nodes_max: 0,
    ta_size_max: 0,
    ta_root_uid: 0,
    ta_root_gid: 0,
    ta_root_mode: 0o755,
  };
  let error = vfs_domount(k, rumpfs, null, "/", 0, args, -1, out);
  if (error !== 0) throw new RumpPanic(`cannot mount root file system: error ${error}`);
  const rootOut = { vp: null as Vnode | null };
  error = out.v!.mnt_op.vfs_root(out.v!, 0, rootOut);
  if (error !== 0) throw new RumpPanic(`cannot find root vnode: error ${error}`);
  const root = rootOut.vp!;
  // etfs keys are seen by lookups at the root before rumpfs's own entries
  tmpfs_set_lookup_hook(out.v!, (_dvp, cnp, vpp) => etfs_lookup(k, cnp, vpp));
  root.v_vflag |= VV_ROOT;
  k.vfs.rootvnode = root; // the kernel keeps this reference
  for (const proc of [k.proc0, k.proc1]) {
    root.v_usecount += 2;
    proc.p_cwdi.cwdi_cdir = root;
    proc.p_cwdi.cwdi_rdir = root;
  }
  rootfs_populate(k);

  // pid 1 gets fds 0, 1, 2: one write-only console file
  const cons = consoleFile(k, k.proc1.p_cred);
  const fdp = k.proc1.p_fd as import("../kern/kern_descrip.js").Filedesc;
  for (let fd = 0; fd < 3; fd++) {
    if (fd > 0) cons.f_count++;
    fdp.install(fd, cons, false);
  }
  return 0;
}

/** Host memory for percentage RUMP_MEMLIMIT values (0 if unknown). */
function hostMemory(): number {
  const g = globalThis as { navigator?: { deviceMemory?: number } };
  return (g.navigator?.deviceMemory ?? 0) * 1024 * 1024 * 1024;
}

/**
 * The host's memory in bytes (0 if unknown): what the host reports (NodeHost
 * and MemoryHost say how much they have), else what the browser tells.
 */
function hostTotalMemory(host: Rumpuser): number {
  const m = host.hostTotalMemory?.() ?? 0;
  return m > 0 ? m : hostMemory();
}

/**
 * createKernel: a new, booted kernel instance with its own host (a NodeHost
 * unless `host` is given). Independent of the default kernel and of every
 * other instance.
 */
export function createKernel(options: KernelOptions = {}): Kernel {
  const host = options.host ?? createDefaultHost();
  const k = new Kernel(host);
  const error = boot(k, options.params);
  if (error !== 0) throw new RumpPanic(`rump kernel boot failed: error ${error}`);
  return k;
}

/**
 * Shut a kernel down: sync and unmount every file system (newest first,
 * forcibly), close every host descriptor, drop image locks (Kernel.shutdown).
 * Later calls into the kernel throw. Returns 0.
 */
export function shutdownKernel(k: Kernel): number {
  k.shutdown();
  return 0;
}

/* ------------------------------------------------------------------------ */
/* the default kernel (the C-style API)                                      */

interface DefaultKernelHolder {
  kernel: Kernel | null;
  initialized: boolean;
}

/** One default kernel per process, as C's: created on first use. */
const holder: DefaultKernelHolder = (globalThis as { __rump_default_kernel?: DefaultKernelHolder })
  .__rump_default_kernel ?? { kernel: null, initialized: false };
(globalThis as { __rump_default_kernel?: DefaultKernelHolder }).__rump_default_kernel = holder;

/**
 * rump_init: boot the default kernel from the RUMP_* parameters. A second
 * call returns 0 and does nothing — also after a failed first one, as in C.
 */
export function rump_init(): number {
  if (holder.initialized) return 0;
  holder.initialized = true;
  const k = new Kernel(createDefaultHost());
  holder.kernel = k;
  try {
    return boot(k);
  } catch (e) {
    throw k.crash(e);
  }
}

/** The default kernel, booted on first use. */
export function rump_default_kernel(): Kernel {
  if (!holder.initialized) rump_init();
  return holder.kernel!;
}

/** rump_getversion: __NetBSD_Version__ of the kernel. */
export function rump_getversion(): number {
  return 799003400;
}
