/**
 * NodeHost: the hypercalls on Node.js, with node:fs synchronous calls and,
 * where node:fs has no answer (block-device sizes, image locks across
 * processes, ranged syncs), the native addon through ./native.js.
 *
 * Names are host paths; a relative one is resolved against the process's
 * working directory at the time of the call (DESIGN.md answer 5). Host
 * descriptors live in this host's table as small integers (answer 7).
 * Every host error goes through errtrans (answer 9).
 */
import type * as Crypto from "node:crypto";
import {
  closeSync,
  constants as fsc,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  readvSync,
  statSync,
  writeSync,
  writevSync,
} from "node:fs";
import type { Stats } from "node:fs";
import { createRequire } from "node:module";
import { hostname, totalmem } from "node:os";
import { resolve } from "node:path";
import type { ConsoleSink } from "../cons.js";
import { EBADF, EINVAL, EISDIR, ENOENT, EOPNOTSUPP } from "../errno.js";
import { errtrans, hostErrnoName } from "../errtrans.js";
import {
  checkBio,
  checkIovOffset,
  checkOpenMode,
  checkSyncfd,
  modeReads,
  modeWrites,
} from "../file.js";
import { native } from "../native.js";
import type { RandomSource } from "../random.js";
import {
  RUMPUSER_BIO_READ,
  RUMPUSER_BIO_SYNC,
  RUMPUSER_FT_BLK,
  RUMPUSER_FT_CHR,
  RUMPUSER_FT_DIR,
  RUMPUSER_FT_OTHER,
  RUMPUSER_FT_REG,
  RUMPUSER_IOV_NOSEEK,
  RUMPUSER_OPEN_ACCMODE,
  RUMPUSER_OPEN_BIO,
  RUMPUSER_OPEN_CREATE,
  RUMPUSER_OPEN_EXCL,
  RUMPUSER_OPEN_RDWR,
  RUMPUSER_OPEN_WRONLY,
  RUMPUSER_SYNCFD_SYNC,
  RUMPUSER_SYNCFD_WRITE,
} from "../rumpuser.js";
import type { Out, RumpuserBiodone, RumpuserUpcalls } from "../rumpuser.js";
import { HostBase } from "./common.js";
import type { HostOptions } from "./common.js";
import { lockImage } from "./imagelock.js";
import type { ImageLock } from "./imagelock.js";

export interface NodeHostOptions extends HostOptions {
  /** Answer getparam from process.env after `params` (default true). */
  env?: boolean;
  /**
   * Sync and unmount this host's kernel when the process exits without a
   * shutdown (Node's "exit" event: the end of the program, process.exit(),
   * an uncaught exception) — default true. No signal handlers are
   * installed: a signal that kills the process, or kill -9, skips it.
   */
  syncAtExit?: boolean;
}

/**
 * The NodeHosts whose kernels are up, oldest first, shared by every copy of
 * this module in the process; one "exit" listener shuts them down newest
 * first.
 */
interface ExitRegistry {
  live: Set<NodeHost>;
  hooked: boolean;
}
const EXIT_REGISTRY = Symbol.for("@rump/rumpuser:exit-registry");
const exitRegistry: ExitRegistry = ((globalThis as { [EXIT_REGISTRY]?: ExitRegistry })[
  EXIT_REGISTRY
] ??= { live: new Set(), hooked: false });

function shutdownAtExit(): void {
  for (const h of [...exitRegistry.live].reverse()) {
    exitRegistry.live.delete(h);
    try {
      h.upcalls.hyp_shutdown?.();
    } catch (e) {
      process.stderr.write(
        `rumpuser: syncing a kernel at exit failed: ${e instanceof Error ? e.message : String(e)}\n`,
      );
    }
  }
}

/** One open host descriptor. Every field is set at construction: one shape. */
class NodeFd {
  /** written since the last full sync: close fsyncs */
  dirty = false;
  constructor(
    readonly hostFd: number,
    /** absolute path, for messages */
    readonly path: string,
    readonly mode: number,
    readonly bio: boolean,
    readonly lock: ImageLock | null,
  ) {}
}

/** node:crypto is loaded at the first random bytes asked for: loading it costs milliseconds of every start. */
let crypto: typeof Crypto | null = null;

class NodeCryptoRandom implements RandomSource {
  readonly seeded = false;
  fill(buf: Uint8Array): void {
    crypto ??= createRequire(import.meta.url)("node:crypto") as typeof Crypto;
    crypto.randomFillSync(buf);
  }
}

const stderrSink: ConsoleSink = (line) => {
  process.stderr.write(line + "\n");
};

export class NodeHost extends HostBase {
  private readonly fds: (NodeFd | null)[] = [];
  private readonly useEnv: boolean;
  /** errtrans's console line for an unknown host error */
  private readonly report = (line: string): void => this.dprintf(line + "\n");
  private readonly why: Out<string> = { v: "" };

  private readonly syncAtExit: boolean;

  constructor(options: NodeHostOptions = {}) {
    super(options, stderrSink, () => new NodeCryptoRandom());
    this.useEnv = options.env ?? true;
    this.syncAtExit = options.syncAtExit ?? true;
  }

  override init(version: number, upcalls: RumpuserUpcalls): number {
    const r = super.init(version, upcalls);
    if (r === 0 && this.syncAtExit) {
      exitRegistry.live.add(this);
      if (!exitRegistry.hooked) {
        exitRegistry.hooked = true;
        process.on("exit", shutdownAtExit);
      }
    }
    return r;
  }

  /** Shutdown (or a panic) closes everything: nothing is left to do at exit. */
  protected override closeAll(sync: boolean): void {
    exitRegistry.live.delete(this);
    this.closeAll1(sync);
  }

  protected hostPid(): number {
    return process.pid;
  }

  protected hostName(): string | null {
    try {
      return hostname();
    } catch {
      return null;
    }
  }

  hostTotalMemory(): number {
    return totalmem();
  }

  protected hostEnv(name: string): string | undefined {
    if (!this.useEnv || !Object.hasOwn(process.env, name)) return undefined;
    const v: unknown = process.env[name];
    return typeof v === "string" ? v : undefined;
  }

  /** Descriptors open in this host (diagnostics, tests). */
  get openCount(): number {
    let n = 0;
    for (const f of this.fds) if (f !== null) n++;
    return n;
  }

  /* open, close, getfileinfo */

  open(name: string, mode: number, fdp: Out<number>): number {
    const bad = checkOpenMode(mode);
    if (bad !== 0) return bad;
    const acc = mode & RUMPUSER_OPEN_ACCMODE;
    let flags =
      acc === RUMPUSER_OPEN_RDWR
        ? fsc.O_RDWR
        : acc === RUMPUSER_OPEN_WRONLY
          ? fsc.O_WRONLY
          : fsc.O_RDONLY;
    // EXCL only means something with CREATE (on Linux O_EXCL alone would make a block-device open exclusive)
    if ((mode & RUMPUSER_OPEN_CREATE) !== 0) {
      flags |= fsc.O_CREAT;
      if ((mode & RUMPUSER_OPEN_EXCL) !== 0) flags |= fsc.O_EXCL;
    }
    if (name === "") return ENOENT; // resolve("") would be the working directory
    const path = resolve(name);
    let hfd: number;
    try {
      hfd = openSync(path, flags, 0o644);
    } catch (e) {
      return errtrans(e, this.report);
    }
    const bio = (mode & RUMPUSER_OPEN_BIO) !== 0;
    let lock: ImageLock | null = null;
    if (bio) {
      let st: Stats;
      try {
        st = fstatSync(hfd);
      } catch (e) {
        closeSync(hfd);
        return errtrans(e, this.report);
      }
      // block I/O on a directory is meaningless: EISDIR, as open(2) of a directory for writing
      if (st.isDirectory()) {
        closeSync(hfd);
        return EISDIR;
      }
      const why = this.why;
      why.v = "";
      const l = lockImage(path, hfd, modeWrites(mode), why);
      if (typeof l === "number") {
        if (why.v !== "") this.dprintf(why.v + "\n");
        closeSync(hfd);
        return l;
      }
      if (why.v !== "") this.dprintf(why.v + "\n"); // granted, with a note (e.g. "this process only")
      lock = l;
    }
    let fd = this.fds.indexOf(null);
    if (fd < 0) fd = this.fds.length;
    this.fds[fd] = new NodeFd(hfd, path, mode, bio, lock);
    fdp.v = fd;
    return 0;
  }

  close(fd: number): number {
    const f = this.fds[fd];
    if (f === undefined || f === null) return EBADF;
    this.fds[fd] = null;
    return this.closeFd(f, true);
  }

  private closeFd(f: NodeFd, sync: boolean): number {
    let r = 0;
    if (sync && f.dirty) {
      try {
        fsyncSync(f.hostFd);
      } catch (e) {
        r = errtrans(e, this.report);
      }
    }
    if (f.lock !== null) f.lock.release();
    try {
      closeSync(f.hostFd);
    } catch (e) {
      if (r === 0) r = errtrans(e, this.report);
    }
    return r;
  }

  private closeAll1(sync: boolean): void {
    for (let fd = 0; fd < this.fds.length; fd++) {
      const f = this.fds[fd];
      if (f === undefined || f === null) continue;
      this.fds[fd] = null;
      const r = this.closeFd(f, sync);
      if (r !== 0) this.dprintf(`rumpuser: closing ${f.path} at shutdown: error ${r}\n`);
    }
    this.fds.length = 0;
  }

  getfileinfo(name: string, size: Out<number> | null, type: Out<number> | null): number {
    let st: Stats | undefined;
    try {
      // a missing file is common (probes): no Error object for it
      st = statSync(name, { throwIfNoEntry: false });
    } catch (e) {
      return errtrans(e, this.report);
    }
    if (st === undefined) return errtrans("ENOENT");
    let ft: number;
    let sz = st.size;
    if (st.isFile()) ft = RUMPUSER_FT_REG;
    else if (st.isDirectory()) ft = RUMPUSER_FT_DIR;
    else if (st.isBlockDevice()) {
      ft = RUMPUSER_FT_BLK;
      if (size !== null) {
        sz = this.blockDeviceSize(name, st);
        if (sz < 0) return -sz;
      }
    } else if (st.isCharacterDevice()) ft = RUMPUSER_FT_CHR;
    else ft = RUMPUSER_FT_OTHER;
    if (size !== null) size.v = sz;
    if (type !== null) type.v = ft;
    return 0;
  }

  /**
   * Bytes of a block device, or -NetBSD errno: the addon's BLKGETSIZE64, else
   * Linux's /sys/dev/block/MAJ:MIN/size (512-byte sectors), else EOPNOTSUPP.
   */
  private blockDeviceSize(name: string, st: Stats): number {
    let err = EOPNOTSUPP;
    if (native !== null) {
      let hfd = -1;
      try {
        hfd = openSync(name, fsc.O_RDONLY);
      } catch (e) {
        err = errtrans(e, this.report); // sysfs may still know (it needs no access to the device)
      }
      if (hfd >= 0) {
        try {
          const n = native.blkSize(hfd);
          if (n >= 0) return n;
          const code = hostErrnoName(n);
          if (code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOTTY")
            err = errtrans(n, this.report);
        } finally {
          closeSync(hfd);
        }
      }
    }
    if (process.platform === "linux") {
      const lo = st.rdev % 0x100000000;
      const hi = Math.floor(st.rdev / 0x100000000);
      const major = ((lo >>> 8) & 0xfff) | (hi & ~0xfff);
      const minor = (lo & 0xff) | ((lo >>> 12) & 0xfff00) | ((hi & 0xfff) << 20);
      try {
        const sectors = Number(
          readFileSync(`/sys/dev/block/${major}:${minor}/size`, "latin1").trim(),
        );
        if (Number.isSafeInteger(sectors * 512) && sectors >= 0) return sectors * 512;
      } catch {
        // no sysfs: fall through
      }
    }
    return -err;
  }

  /* block I/O */

  bio<A>(
    fd: number,
    op: number,
    data: Uint8Array,
    dlen: number,
    off: number,
    biodone: RumpuserBiodone<A>,
    donearg: A,
  ): void {
    const f = this.fds[fd];
    let err = 0;
    let done = 0;
    if (f === undefined || f === null) err = EBADF;
    else if (!f.bio) err = EINVAL;
    else err = checkBio(op, data, dlen, off);
    if (err === 0) {
      const h = f!.hostFd;
      if ((op & RUMPUSER_BIO_READ) !== 0) {
        if (!modeReads(f!.mode)) err = EBADF;
        else {
          try {
            while (done < dlen) {
              const n = readSync(h, data, done, dlen - done, off + done);
              if (n === 0) break; // end of file: a short count
              done += n;
            }
          } catch (e) {
            err = errtrans(e, this.report);
          }
        }
      } else if (!modeWrites(f!.mode)) err = EBADF;
      else {
        try {
          while (done < dlen) done += writeSync(h, data, done, dlen - done, off + done);
          f!.dirty = true;
        } catch (e) {
          err = errtrans(e, this.report);
        }
        if (err === 0 && (op & RUMPUSER_BIO_SYNC) !== 0) {
          err = this.datasync(h);
          if (err === 0) f!.dirty = false;
        }
      }
    }
    biodone(donearg, err === 0 ? done : 0, err);
  }

  /** fdatasync through the addon when present: 0 or a NetBSD errno. */
  private datasync(hfd: number): number {
    if (native !== null) {
      const r = native.fdatasync(hfd);
      return r === 0 ? 0 : errtrans(r, this.report);
    }
    try {
      fdatasyncSync(hfd);
      return 0;
    } catch (e) {
      return errtrans(e, this.report);
    }
  }

  /* scatter/gather */

  iovread(fd: number, iov: readonly Uint8Array[], off: number, retv: Out<number>): number {
    const f = this.fds[fd];
    if (f === undefined || f === null) return EBADF;
    if (checkIovOffset(off) !== 0) return EINVAL;
    if (!modeReads(f.mode)) return EBADF;
    if (iov.length === 0) {
      retv.v = 0;
      return 0;
    }
    try {
      retv.v =
        off === RUMPUSER_IOV_NOSEEK ? readvSync(f.hostFd, iov) : readvSync(f.hostFd, iov, off);
      return 0;
    } catch (e) {
      return errtrans(e, this.report);
    }
  }

  iovwrite(fd: number, iov: readonly Uint8Array[], off: number, retv: Out<number>): number {
    const f = this.fds[fd];
    if (f === undefined || f === null) return EBADF;
    if (checkIovOffset(off) !== 0) return EINVAL;
    if (!modeWrites(f.mode)) return EBADF;
    if (iov.length === 0) {
      retv.v = 0;
      return 0;
    }
    try {
      retv.v =
        off === RUMPUSER_IOV_NOSEEK ? writevSync(f.hostFd, iov) : writevSync(f.hostFd, iov, off);
      f.dirty = true;
      return 0;
    } catch (e) {
      return errtrans(e, this.report);
    }
  }

  /**
   * READ needs nothing (the host's page cache is coherent); WRITE without
   * SYNC neither (every write already reached the host kernel) and a BARRIER
   * holds by construction (all I/O is synchronous). WRITE|SYNC: fdatasync,
   * ranged through the addon when a range is given.
   */
  syncfd(fd: number, flags: number, start: number, len: number): number {
    const f = this.fds[fd];
    if (f === undefined || f === null) return EBADF;
    const bad = checkSyncfd(flags, start, len);
    if (bad !== 0) return bad;
    if ((flags & RUMPUSER_SYNCFD_WRITE) === 0 || (flags & RUMPUSER_SYNCFD_SYNC) === 0) return 0;
    const whole = start === 0 && len === 0;
    let r: number;
    if (!whole && native !== null) {
      const n = native.syncRange(f.hostFd, start, len);
      r = n === 0 ? 0 : errtrans(n, this.report);
    } else r = this.datasync(f.hostFd);
    if (r === 0 && whole) f.dirty = false;
    return r;
  }
}

/** The host a kernel gets when its embedder names none: a NodeHost. */
export function createDefaultHost(options?: NodeHostOptions): NodeHost {
  return new NodeHost(options);
}
