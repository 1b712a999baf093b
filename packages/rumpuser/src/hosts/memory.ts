/**
 * MemoryHost: the hypercalls over an in-memory store, for kernel tests and
 * browsers — runtime-test to NodeHost's runtime-dom (STYLE.md §5). It imports
 * nothing from node:*.
 *
 * - Names are keys of a flat map (`MemoryFiles`); there are no parent
 *   directories to resolve. Entries are regular files, directories and
 *   block devices of a fixed size. Contents are sparse 64 KiB pages: an
 *   untouched range reads as zeros and costs nothing.
 * - Every hypercall except the console (`putchar`, `dprintf`: see `output`),
 *   `curlwp` and the locks is appended to `log` as `{ op, args, ret }`, so a
 *   kernel test can assert, say, that unmount synced its device. A close that
 *   syncs a written descriptor also logs `{ op: "fsync" }`.
 * - Several hosts may share one `MemoryFiles` (option `files`), as several
 *   processes share a disk; image locks then work between them.
 */
import type { ConsoleSink } from "../cons.js";
import { EAGAIN, EBADF, EEXIST, EINVAL, EISDIR, ENOENT, ENOSPC } from "../errno.js";
import {
  checkBio,
  checkIovOffset,
  checkOpenMode,
  checkSyncfd,
  modeReads,
  modeWrites,
} from "../file.js";
import { WebCryptoRandom } from "../random.js";
import {
  RUMPUSER_BIO_READ,
  RUMPUSER_BIO_SYNC,
  RUMPUSER_FT_BLK,
  RUMPUSER_FT_DIR,
  RUMPUSER_FT_REG,
  RUMPUSER_IOV_NOSEEK,
  RUMPUSER_OPEN_BIO,
  RUMPUSER_OPEN_CREATE,
  RUMPUSER_OPEN_EXCL,
  RUMPUSER_SYNCFD_SYNC,
  RUMPUSER_SYNCFD_WRITE,
} from "../rumpuser.js";
import type { Out, RumpuserBiodone } from "../rumpuser.js";
import { HostBase } from "./common.js";
import type { HostOptions, HypercallRecord } from "./common.js";

const PAGE_SHIFT = 16;
const PAGE = 1 << PAGE_SHIFT;

/** One entry of the store. */
export class MemoryNode {
  /** bytes; fixed for a block device */
  size = 0;
  /** sparse contents: page index → PAGE bytes */
  readonly pages = new Map<number, Uint8Array>();
  /** image locks held by BIO openers (any host sharing the store) */
  readers = 0;
  writers = 0;
  /** full syncs of a written descriptor, by any host (tests) */
  syncs = 0;
  constructor(readonly type: number) {}

  /** Copy up to `len` bytes at `pos` into `dst[dstOff…]`; returns the count (short at the end). */
  read(pos: number, dst: Uint8Array, dstOff: number, len: number): number {
    const n = Math.max(0, Math.min(len, this.size - pos));
    let done = 0;
    while (done < n) {
      const p = pos + done;
      const idx = Math.floor(p / PAGE);
      const po = p - idx * PAGE;
      const chunk = Math.min(PAGE - po, n - done);
      const page = this.pages.get(idx);
      if (page === undefined) dst.fill(0, dstOff + done, dstOff + done + chunk);
      else dst.set(page.subarray(po, po + chunk), dstOff + done);
      done += chunk;
    }
    return n;
  }

  /** Copy `len` bytes of `src[srcOff…]` to `pos`, growing a regular file. */
  write(pos: number, src: Uint8Array, srcOff: number, len: number): void {
    let done = 0;
    while (done < len) {
      const p = pos + done;
      const idx = Math.floor(p / PAGE);
      const po = p - idx * PAGE;
      const chunk = Math.min(PAGE - po, len - done);
      let page = this.pages.get(idx);
      if (page === undefined) {
        page = new Uint8Array(PAGE);
        this.pages.set(idx, page);
      }
      page.set(src.subarray(srcOff + done, srcOff + done + chunk), po);
      done += chunk;
    }
    if (pos + len > this.size) this.size = pos + len;
  }

  /** The whole contents as one array. */
  contents(): Uint8Array {
    const out = new Uint8Array(this.size);
    this.read(0, out, 0, this.size);
    return out;
  }
}

/** The store: a flat map from names to files, directories and devices. */
export class MemoryFiles {
  readonly nodes = new Map<string, MemoryNode>();

  /** Create or replace a regular file with `data` (copied). */
  writeFile(name: string, data: Uint8Array | string = new Uint8Array(0)): MemoryNode {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    const n = new MemoryNode(RUMPUSER_FT_REG);
    n.write(0, bytes, 0, bytes.length);
    this.nodes.set(name, n);
    return n;
  }

  /** A sparse regular file of `size` zero bytes (an empty image). */
  createImage(name: string, size: number): MemoryNode {
    const n = new MemoryNode(RUMPUSER_FT_REG);
    n.size = size;
    this.nodes.set(name, n);
    return n;
  }

  /** A directory entry (directories have no contents here). */
  mkdir(name: string): MemoryNode {
    const n = new MemoryNode(RUMPUSER_FT_DIR);
    this.nodes.set(name, n);
    return n;
  }

  /** A device of `size` zero bytes: RUMPUSER_FT_BLK (default), _CHR or _OTHER. */
  mkdev(name: string, size: number, type: number = RUMPUSER_FT_BLK): MemoryNode {
    const n = new MemoryNode(type);
    n.size = size;
    this.nodes.set(name, n);
    return n;
  }

  /** Contents of a file or device, or undefined. */
  readFile(name: string): Uint8Array | undefined {
    const n = this.nodes.get(name);
    return n === undefined || n.type === RUMPUSER_FT_DIR ? undefined : n.contents();
  }

  get(name: string): MemoryNode | undefined {
    return this.nodes.get(name);
  }

  remove(name: string): boolean {
    return this.nodes.delete(name);
  }
}

export interface MemoryHostOptions extends HostOptions {
  /** The store to use (shared between hosts); default: a new empty one. */
  files?: MemoryFiles;
  /** The pid in `_RUMPUSER_HOSTNAME` (default 0). */
  pid?: number;
  /** The host name in `_RUMPUSER_HOSTNAME` (default none: `rump-00000`). */
  hostname?: string;
  /** Bytes of "host memory" for RUMP_MEMLIMIT percentages (default 1 GiB). */
  totalMemory?: number;
  /** Keep the hypercall log (default true; turn off for long runs). */
  log?: boolean;
}

/** One open descriptor. Every field is set at construction: one shape. */
class MemoryFd {
  /** the descriptor's own position (IOV_NOSEEK) */
  pos = 0;
  /** written since the last full sync */
  dirty = false;
  constructor(
    readonly name: string,
    readonly node: MemoryNode,
    readonly mode: number,
    readonly bio: boolean,
    /** image lock held: 0 none, 1 shared, 2 exclusive */
    readonly lock: number,
  ) {}
}

export class MemoryHost extends HostBase {
  /** The store this host's names refer to. */
  readonly files: MemoryFiles;
  /** Every hypercall made (see the module comment); clear with `log.length = 0`. */
  readonly log: HypercallRecord[] = [];
  /** Every console and debug line, in order. */
  readonly output: string[];
  private readonly fds: (MemoryFd | null)[] = [];
  private readonly pid: number;
  private readonly name: string | null;
  private readonly totalMemory: number;
  private readonly logging: boolean;

  constructor(options: MemoryHostOptions = {}) {
    const output: string[] = [];
    const user = options.console;
    const sink: ConsoleSink = (line, stream) => {
      output.push(line);
      if (user !== undefined) user(line, stream);
    };
    super({ ...options, console: sink }, sink, () => new WebCryptoRandom());
    this.output = output;
    this.files = options.files ?? new MemoryFiles();
    this.pid = options.pid ?? 0;
    this.name = options.hostname ?? null;
    this.totalMemory = options.totalMemory ?? 1024 ** 3;
    this.logging = options.log ?? true;
    if (this.logging) {
      this.trace = (op, args, ret) => {
        this.log.push({ op, args, ret });
      };
    }
  }

  protected hostPid(): number {
    return this.pid;
  }
  protected hostName(): string | null {
    return this.name;
  }
  hostTotalMemory(): number {
    return this.totalMemory;
  }
  protected hostEnv(_name: string): string | undefined {
    return undefined;
  }

  /** Records of one hypercall, e.g. `host.calls("syncfd")`. */
  calls(op: string): HypercallRecord[] {
    return this.log.filter((r) => r.op === op);
  }

  /** Descriptors open in this host. */
  get openCount(): number {
    let n = 0;
    for (const f of this.fds) if (f !== null) n++;
    return n;
  }

  private record(op: string, args: readonly unknown[], ret: number): number {
    if (this.logging) this.log.push({ op, args, ret });
    return ret;
  }

  /* open, close, getfileinfo */

  open(name: string, mode: number, fdp: Out<number>): number {
    return this.record("open", [name, mode], this.open1(name, mode, fdp));
  }

  private open1(name: string, mode: number, fdp: Out<number>): number {
    const bad = checkOpenMode(mode);
    if (bad !== 0) return bad;
    let node = this.files.get(name);
    if (name === "") return ENOENT;
    if (node === undefined) {
      if ((mode & RUMPUSER_OPEN_CREATE) === 0) return ENOENT;
      node = this.files.writeFile(name);
    } else if (
      (mode & (RUMPUSER_OPEN_CREATE | RUMPUSER_OPEN_EXCL)) ===
      (RUMPUSER_OPEN_CREATE | RUMPUSER_OPEN_EXCL)
    ) {
      return EEXIST;
    }
    const bio = (mode & RUMPUSER_OPEN_BIO) !== 0;
    if (node.type === RUMPUSER_FT_DIR && (bio || modeWrites(mode))) return EISDIR;
    let lock = 0;
    if (bio) {
      const exclusive = modeWrites(mode);
      if (node.writers > 0 || (exclusive && node.readers > 0)) {
        this.dprintf(
          `rumpuser: ${name} is in use by another kernel ${node.writers > 0 ? "for writing" : "for reading"}; ` +
            `it cannot be opened ${exclusive ? "read-write" : "read-only"}\n`,
        );
        return EAGAIN;
      }
      if (exclusive) {
        node.writers++;
        lock = 2;
      } else {
        node.readers++;
        lock = 1;
      }
    }
    let fd = this.fds.indexOf(null);
    if (fd < 0) fd = this.fds.length;
    this.fds[fd] = new MemoryFd(name, node, mode, bio, lock);
    fdp.v = fd;
    return 0;
  }

  close(fd: number): number {
    const f = this.fds[fd];
    if (f === undefined || f === null) return this.record("close", [fd], EBADF);
    this.fds[fd] = null;
    this.closeFd(f, true);
    return this.record("close", [fd], 0);
  }

  private closeFd(f: MemoryFd, sync: boolean): void {
    if (sync && f.dirty) {
      f.node.syncs++;
      this.record("fsync", [f.name], 0);
    }
    if (f.lock === 2) f.node.writers--;
    else if (f.lock === 1) f.node.readers--;
  }

  protected closeAll(sync: boolean): void {
    for (let fd = 0; fd < this.fds.length; fd++) {
      const f = this.fds[fd];
      if (f === undefined || f === null) continue;
      this.fds[fd] = null;
      this.closeFd(f, sync);
    }
    this.fds.length = 0;
  }

  getfileinfo(name: string, size: Out<number> | null, type: Out<number> | null): number {
    const node = this.files.get(name);
    if (node === undefined) return this.record("getfileinfo", [name], ENOENT);
    if (size !== null) size.v = node.size;
    if (type !== null) type.v = node.type;
    return this.record("getfileinfo", [name], 0);
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
      const node = f!.node;
      if ((op & RUMPUSER_BIO_READ) !== 0) {
        if (!modeReads(f!.mode)) err = EBADF;
        else done = node.read(off, data, 0, dlen);
      } else if (!modeWrites(f!.mode)) err = EBADF;
      else if (node.type !== RUMPUSER_FT_REG && off + dlen > node.size) err = ENOSPC;
      else {
        node.write(off, data, 0, dlen);
        done = dlen;
        f!.dirty = (op & RUMPUSER_BIO_SYNC) === 0;
        if (!f!.dirty) node.syncs++;
      }
    }
    if (this.logging) this.log.push({ op: "bio", args: [fd, op, dlen, off], ret: err });
    biodone(donearg, err === 0 ? done : 0, err);
  }

  /* scatter/gather */

  iovread(fd: number, iov: readonly Uint8Array[], off: number, retv: Out<number>): number {
    return this.record("iovread", [fd, iov.length, off], this.iov(fd, iov, off, retv, false));
  }

  iovwrite(fd: number, iov: readonly Uint8Array[], off: number, retv: Out<number>): number {
    return this.record("iovwrite", [fd, iov.length, off], this.iov(fd, iov, off, retv, true));
  }

  private iov(
    fd: number,
    iov: readonly Uint8Array[],
    off: number,
    retv: Out<number>,
    write: boolean,
  ): number {
    const f = this.fds[fd];
    if (f === undefined || f === null) return EBADF;
    if (checkIovOffset(off) !== 0) return EINVAL;
    if (write ? !modeWrites(f.mode) : !modeReads(f.mode)) return EBADF;
    const node = f.node;
    if (node.type === RUMPUSER_FT_DIR) return EISDIR;
    let pos = off === RUMPUSER_IOV_NOSEEK ? f.pos : off;
    let total = 0;
    for (const v of iov) {
      if (write) {
        let n = v.length;
        if (node.type !== RUMPUSER_FT_REG) n = Math.max(0, Math.min(n, node.size - pos));
        if (n === 0 && v.length > 0) {
          if (total === 0) return ENOSPC;
          break;
        }
        node.write(pos, v, 0, n);
        pos += n;
        total += n;
        if (n < v.length) break;
      } else {
        const n = node.read(pos, v, 0, v.length);
        pos += n;
        total += n;
        if (n < v.length) break;
      }
    }
    if (write && total > 0) f.dirty = true;
    if (off === RUMPUSER_IOV_NOSEEK) f.pos = pos;
    retv.v = total;
    return 0;
  }

  /** As NodeHost's: only WRITE|SYNC does anything; a whole-object sync clears `dirty`. */
  syncfd(fd: number, flags: number, start: number, len: number): number {
    const f = this.fds[fd];
    let r = 0;
    if (f === undefined || f === null) r = EBADF;
    else r = checkSyncfd(flags, start, len);
    if (r === 0 && (flags & RUMPUSER_SYNCFD_WRITE) !== 0 && (flags & RUMPUSER_SYNCFD_SYNC) !== 0) {
      f!.node.syncs++;
      if (start === 0 && len === 0) f!.dirty = false;
    }
    return this.record("syncfd", [fd, flags, start, len], r);
  }
}
