/**
 * The p2k server: FUSE requests, delivered on the JS thread by the addon,
 * run as vnode operations of the rump kernel (spec p2k.md §3) and are
 * answered with fuse_reply_*.
 *
 * Each request runs to completion in the kernel (the kernel is synchronous);
 * meanwhile the addon's threads go on reading and queueing, so a long
 * request delays the others only by its own kernel time, and FUSE already
 * cuts big transfers into max_read/max_write pieces. A request that would
 * sleep in NetBSD — a blocking lock whose holder is another owner: the
 * kernel answers EDEADLK, "nobody can wake this synchronous call" — is
 * parked instead and tried again whenever a lock may have been released
 * (unlock, flush, release), or answered EINTR when its caller is
 * interrupted. (FIFOs on a FUSE mount are the host kernel's own; they never
 * reach here.)
 *
 * Permissions: every request carries the caller's uid, gid and groups; they
 * become the credential of the vnode operations, and the kernel decides
 * (the mount has no default_permissions). FUSE tells a file system only
 * "lookup", "create", "unlink"… so where NetBSD's namei would have looked
 * the last component up with an intent (CREATE, DELETE, RENAME) and so
 * checked the directory's write permission, sticky bit and existence, p2k
 * does that lookup itself before the operation; opens check access as
 * vn_open does.
 */
import { constants as fsc } from "node:fs";
import {
  CREATE,
  CREATEDIR,
  DELETE,
  EBADF,
  EBUSY,
  EDEADLK,
  EEXIST,
  EINVAL,
  EIO,
  EISDIR,
  EJUSTRETURN,
  ENAMETOOLONG,
  ENOENT,
  ENOTDIR,
  EOPNOTSUPP,
  EPERM,
  EROFS,
  EXDEV,
  F_FLOCK,
  F_GETLK,
  F_POSIX,
  F_RDLCK,
  F_SETLK,
  F_UNLCK,
  F_WAIT,
  F_WRLCK,
  ISDOTDOT,
  ISLASTCN,
  LK_EXCLUSIVE,
  LK_SHARED,
  LOCKLEAF,
  LOCKPARENT,
  LOOKUP,
  MNT_RDONLY,
  NGROUPS_MAX,
  NOCACHE,
  RENAME,
  RUMPCN_FREECRED,
  RumpPanic,
  SEEK_SET,
  UIO_READ,
  UIO_WRITE,
  Uio,
  VA_UTIMES_NULL,
  VDIR,
  VLNK,
  VREG,
  VSOCK,
  VV_ROOT,
  dirent_badname,
  Vattr,
  VBLK,
  VCHR,
  VFIFO,
  newStatvfs,
  type ComponentName,
  type Flock,
  type Kauth_cred,
  type Kernel,
  type Lwp,
  type Mount,
  type Vnode,
  type VnodeOut,
} from "@rump/librump";
import {
  RUMP_VOP_ACCESS,
  RUMP_VOP_ADVLOCK,
  RUMP_VOP_CLOSE,
  RUMP_VOP_CREATE,
  RUMP_VOP_DELETEEXTATTR,
  RUMP_VOP_FSYNC,
  RUMP_VOP_GETATTR,
  RUMP_VOP_GETEXTATTR,
  RUMP_VOP_LINK,
  RUMP_VOP_LISTEXTATTR,
  RUMP_VOP_LOCK,
  RUMP_VOP_LOOKUP,
  RUMP_VOP_MKDIR,
  RUMP_VOP_MKNOD,
  RUMP_VOP_OPEN,
  RUMP_VOP_READ,
  RUMP_VOP_READDIR,
  RUMP_VOP_READLINK,
  RUMP_VOP_REMOVE,
  RUMP_VOP_RENAME,
  RUMP_VOP_RMDIR,
  RUMP_VOP_SETATTR,
  RUMP_VOP_SETEXTATTR,
  RUMP_VOP_SYMLINK,
  RUMP_VOP_UNLOCK,
  RUMP_VOP_WRITE,
} from "@rump/vop";
import { HOST_EINTR, HOST_EIO, HOST_ENODEV, HOST_ENOSYS, HOST_ERANGE, hostErrno } from "./errno.js";
import {
  H_A0,
  H_ARG,
  H_FH,
  H_FLAGS,
  H_GID,
  H_GROUPS,
  H_HASFH,
  H_INO,
  H_INO2,
  H_MODE,
  H_NGROUPS,
  H_OFF,
  H_PID,
  H_SIZE,
  H_UID,
  OPEN_DIRECT_IO,
  OPEN_KEEP_CACHE,
  OP_ACCESS,
  OP_CREATE,
  OP_END,
  OP_FLOCK,
  OP_FLUSH,
  OP_FORGET,
  OP_FORGET_MULTI,
  OP_FSYNC,
  OP_FSYNCDIR,
  OP_GETATTR,
  OP_GETLK,
  OP_GETXATTR,
  OP_INTERRUPT,
  OP_LINK,
  OP_LISTXATTR,
  OP_LOOKUP,
  OP_MKDIR,
  OP_MKNOD,
  OP_NAMES,
  OP_OPEN,
  OP_OPENDIR,
  OP_READ,
  OP_READDIR,
  OP_READLINK,
  OP_RELEASE,
  OP_RELEASEDIR,
  OP_REMOVEXATTR,
  OP_RENAME,
  OP_RMDIR,
  OP_SETATTR,
  OP_SETLK,
  OP_SETXATTR,
  OP_STATFS,
  OP_SYMLINK,
  OP_UNLINK,
  OP_WRITE,
  R_ATTR_TIMEOUT,
  R_ENTRY_TIMEOUT,
  R_FH,
  R_GEN,
  R_NODEID,
  R_OPENFLAGS,
  R_X,
  SHARED_SLOTS,
  type NativeSession,
} from "./native.js";
import { NodeTable, P2kFile, vattrToStat, type P2kNode } from "./p2k_node.js";

/* NetBSD constants of headers librump keeps internal (sys/fcntl.h, sys/vnode.h, sys/extattr.h) */
const FREAD = 0x1;
const FWRITE = 0x2;
const IO_SYNC = 0x4 | 0x40;
const VEXEC = 0o100;
const VWRITE = 0o200;
const VREAD = 0o400;
const FSYNC_WAIT = 0x1;
const FSYNC_DATAONLY = 0x2;
const EXTATTR_NAMESPACE_USER = 1;
const EXTATTR_NAMESPACE_SYSTEM = 2;
const NAME_MAX = 255;
const MAXPATHLEN = 1024;

/* the host's (Linux) numbers */
const HOST_O_ACCMODE = 3;
const HOST_O_WRONLY = fsc.O_WRONLY;
const HOST_O_RDWR = fsc.O_RDWR;
const HOST_O_EXCL = fsc.O_EXCL;
const HOST_O_TRUNC = fsc.O_TRUNC;
const HOST_O_SYNC = fsc.O_SYNC;
const HOST_O_DSYNC = fsc.O_DSYNC;
const HOST_F_RDLCK = 0;
const HOST_F_WRLCK = 1;
const HOST_F_UNLCK = 2;
const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;
const RENAME_NOREPLACE = 1;
const RENAME_EXCHANGE = 2;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;
const S_IFSOCK = 0o140000;
const S_ISTXT = 0o1000;
const FUSE_SET_ATTR_MODE = 1 << 0;
const FUSE_SET_ATTR_UID = 1 << 1;
const FUSE_SET_ATTR_GID = 1 << 2;
const FUSE_SET_ATTR_SIZE = 1 << 3;
const FUSE_SET_ATTR_ATIME = 1 << 4;
const FUSE_SET_ATTR_MTIME = 1 << 5;
const FUSE_SET_ATTR_ATIME_NOW = 1 << 7;
const FUSE_SET_ATTR_MTIME_NOW = 1 << 8;

/** Bytes of a transfer buffer: libfuse's largest request (1 MiB) and its header. */
export const SCRATCH_BYTES = (1 << 20) + (64 << 10);
const DIRBUF_BYTES = 128 << 10;

export interface P2kSettings {
  /** P2K_DEBUG: print every operation (PUFFS_FLAG_OPDUMP) */
  opdump: boolean;
  /** libfuse's own protocol dump */
  fuseDebug: boolean;
  /** P2K_NOCACHE_NAME: the host caches no names (entry timeout 0) */
  nocacheName: boolean;
  /** P2K_NOCACHE_PAGE: no page cache in the host (direct I/O; no shared mmap) */
  nocachePage: boolean;
  /** P2K_WIZARDUID: every request runs with this uid */
  wizardUid: number | null;
  /** seconds the host may cache attributes */
  attrTimeout: number;
  /** seconds the host may cache names (forced to 0 by nocacheName) */
  entryTimeout: number;
  /** where the operation dump and p2k's own messages go */
  log: (line: string) => void;
}

/** Why serving ended. */
export interface P2kEnd {
  /** the kernel panicked: the mount was taken down */
  panic: RumpPanic | null;
}

/** A waiting lock request (parked until a lock may have been released). */
interface Parked {
  id: number;
  file: P2kFile;
  vp: Vnode;
  owner: object;
  op: number;
  fl: Flock;
  flags: number;
}

/** The POSIX lock owner behind a FUSE lock_owner: a process as vfs_lockf knows one. */
interface LockOwner {
  p_pid: number;
}

/** Lock the vnode (0 or errno). */
function lock(vp: Vnode, flags: number): number {
  return RUMP_VOP_LOCK(vp, flags);
}

export class P2kServer {
  readonly shared = new Float64Array(SHARED_SLOTS);
  readonly scratch = new Uint8Array(SCRATCH_BYTES);
  private readonly scratchF64 = new Float64Array(this.scratch.buffer, 0, SCRATCH_BYTES >> 3);
  private readonly dirbuf = new Uint8Array(DIRBUF_BYTES);
  private readonly dirview = new DataView(this.dirbuf.buffer);
  private readonly outview = new DataView(this.scratch.buffer);
  readonly nodes: NodeTable;
  private readonly files = new Map<number, P2kFile>();
  private nextFh = 1;
  private readonly owners = new Map<string, LockOwner>();
  private readonly parked: Parked[] = [];
  private session: NativeSession | null = null;
  private readonly va = new Vattr();
  private readonly vpp: VnodeOut = { vp: null };
  private readonly vpp2: VnodeOut = { vp: null };
  private readonly uio = new Uio([new Uint8Array(0)], 0, 0, UIO_READ);
  private readonly rdonly: boolean;
  private readonly entryTimeout: number;
  /** whether the file system has extended attributes (null: not asked yet) */
  private extattrs: boolean | null = null;
  /** the last credential made, reused while requests come from the same caller */
  private lastCred: Kauth_cred | null = null;
  private ended = false;
  private endResolve!: (e: P2kEnd) => void;
  /** resolves when serving has ended and every kernel reference p2k held is released */
  readonly done: Promise<P2kEnd>;
  private panicked: RumpPanic | null = null;
  /** called once serving has ended (unmount the rump file system, …) */
  onEnd: (end: P2kEnd) => void = () => {};
  /** what to do about a panic: take the host mount down */
  onPanic: (p: RumpPanic) => void = () => {};

  constructor(
    readonly kernel: Kernel,
    readonly mp: Mount,
    readonly rootvp: Vnode,
    /** p2k's own process in the kernel (rump_pub_lwproc_rfork(RUMP_RFCFDG)) */
    readonly lwp: Lwp,
    readonly settings: P2kSettings,
  ) {
    this.nodes = new NodeTable(rootvp);
    this.rdonly = (mp.mnt_flag & MNT_RDONLY) !== 0;
    this.entryTimeout = settings.nocacheName ? 0 : settings.entryTimeout;
    this.done = new Promise((resolve) => (this.endResolve = resolve));
  }

  /** Serve through `session` (started by the caller). */
  attach(session: NativeSession): void {
    this.session = session;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Make the addon's threads leave (OP_END follows): serving ends. */
  stopSession(): void {
    this.session?.stop();
  }

  /* ---------------------------------------------------------------------- */
  /* dispatch                                                                */

  /** The addon's callback: one request (or an event) on the JS thread. */
  readonly dispatch = (
    op: number,
    id: number,
    a: string | undefined,
    b: string | undefined,
  ): void => {
    if (op === OP_END) {
      this.end();
      return;
    }
    const s = this.session;
    if (s === null) return;
    if (op === OP_INTERRUPT) {
      this.interrupt(id);
      return;
    }
    const k = this.kernel;
    if (this.panicked !== null || k.dead !== null) {
      if (id !== 0) s.replyErr(id, HOST_EIO);
      // the kernel died outside a request of ours (another user of it)
      if (this.panicked === null) this.panic(k.dead!);
      return;
    }
    if (this.settings.opdump) this.dump(op, a, b);
    let prev: Lwp | null = null;
    let switched = false;
    try {
      prev = k.rump_pub_lwproc_curlwp();
      if (prev !== this.lwp) {
        k.rump_pub_lwproc_switch(this.lwp);
        switched = true;
      }
      this.run(s, op, id, a, b);
    } catch (e) {
      // an id answered already makes replyErr a no-op
      if (id !== 0) s.replyErr(id, HOST_EIO);
      if (e instanceof RumpPanic || k.dead !== null) this.panic(k.dead ?? (e as RumpPanic));
      else
        this.settings.log(
          `p2k: ${OP_NAMES[op] ?? op}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
        );
    } finally {
      if (switched && k.dead === null) k.rump_pub_lwproc_switch(prev);
    }
  };

  private dump(op: number, a: string | undefined, b: string | undefined): void {
    const h = this.shared;
    let line = `p2k: ${OP_NAMES[op] ?? op} ino ${h[H_INO]}`;
    if (a !== undefined) line += ` "${a}"`;
    if (b !== undefined) line += ` "${b}"`;
    if (op === OP_READ || op === OP_WRITE || op === OP_READDIR)
      line += ` off ${h[H_OFF]} size ${h[H_SIZE]}`;
    line += ` (uid ${h[H_UID]} gid ${h[H_GID]} pid ${h[H_PID]})`;
    this.settings.log(line);
  }

  private run(
    s: NativeSession,
    op: number,
    id: number,
    a: string | undefined,
    b: string | undefined,
  ): void {
    const h = this.shared;
    switch (op) {
      case OP_LOOKUP:
        return this.lookup(s, id, a!);
      case OP_FORGET:
        this.nodes.forget(h[H_INO]!, h[H_SIZE]!, this.rele);
        return;
      case OP_FORGET_MULTI: {
        const n = h[H_SIZE]!;
        const p = this.scratchF64;
        for (let i = 0; i < n; i++) this.nodes.forget(p[2 * i]!, p[2 * i + 1]!, this.rele);
        return;
      }
      case OP_GETATTR:
        return this.getattrOp(s, id);
      case OP_SETATTR:
        return this.setattr(s, id);
      case OP_READLINK:
        return this.readlink(s, id);
      case OP_MKNOD:
        return this.mknod(s, id, a!);
      case OP_MKDIR:
        return this.makeNode(s, id, a!, VDIR, h[H_MODE]! & 0o777, 0, null);
      case OP_SYMLINK:
        return this.makeNode(s, id, a!, VLNK, 0o777, 0, b!);
      case OP_UNLINK:
        return this.remove(s, id, a!, false);
      case OP_RMDIR:
        return this.remove(s, id, a!, true);
      case OP_RENAME:
        return this.rename(s, id, a!, b!);
      case OP_LINK:
        return this.link(s, id, a!);
      case OP_OPEN:
      case OP_OPENDIR:
        return this.open(s, id, op === OP_OPENDIR);
      case OP_CREATE:
        return this.create(s, id, a!);
      case OP_READ:
        return this.read(s, id);
      case OP_WRITE:
        return this.write(s, id);
      case OP_FLUSH:
        return this.flush(s, id);
      case OP_RELEASE:
      case OP_RELEASEDIR:
        return this.release(s, id);
      case OP_FSYNC:
      case OP_FSYNCDIR:
        return this.fsync(s, id);
      case OP_READDIR:
        return this.readdir(s, id);
      case OP_STATFS:
        return this.statfs(s, id);
      case OP_ACCESS:
        return this.access(s, id);
      case OP_GETLK:
      case OP_SETLK:
        return this.posixLock(s, id, op === OP_SETLK);
      case OP_FLOCK:
        return this.flock(s, id);
      case OP_GETXATTR:
      case OP_LISTXATTR:
      case OP_SETXATTR:
      case OP_REMOVEXATTR:
        return this.xattr(s, id, op, a);
      default:
        s.replyErr(id, HOST_ENOSYS);
    }
  }

  /* ---------------------------------------------------------------------- */
  /* helpers                                                                 */

  private readonly rele = (vp: Vnode): void => {
    this.kernel.rump_pub_vp_rele(vp);
  };

  private fail(s: NativeSession, id: number, error: number): void {
    s.replyErr(id, error === 0 ? 0 : hostErrno(error));
  }

  /** The caller's credential (wizard mode: another uid); the last one is reused for the same caller. */
  private cred(): Kauth_cred {
    const h = this.shared;
    const uid = this.settings.wizardUid ?? h[H_UID]!;
    const gid = h[H_GID]!;
    const n = Math.min(h[H_NGROUPS]!, NGROUPS_MAX);
    const last = this.lastCred;
    if (
      last !== null &&
      last.cr_uid === uid &&
      last.cr_gid === gid &&
      last.cr_groups.length === n
    ) {
      let same = true;
      for (let i = 0; i < n && same; i++) same = last.cr_groups[i] === h[H_GROUPS + i];
      if (same) return last;
    }
    const groups: number[] = [];
    for (let i = 0; i < n; i++) groups.push(h[H_GROUPS + i]!);
    const c = this.kernel.rump_pub_cred_create(uid, gid, n, groups);
    this.lastCred = c;
    return c;
  }

  private node(id: number): P2kNode | undefined {
    return this.nodes.get(id);
  }

  /** VOP_GETATTR of vp into this.va (locks vp shared). */
  private getattr(vp: Vnode, cred: Kauth_cred): number {
    let error = lock(vp, LK_SHARED);
    if (error !== 0) return error;
    error = RUMP_VOP_GETATTR(vp, this.va, cred);
    RUMP_VOP_UNLOCK(vp);
    return error;
  }

  /** Answer with an entry for vp (whose reference the caller passes on). */
  private replyEntry(
    s: NativeSession,
    id: number,
    vp: Vnode,
    cred: Kauth_cred,
    create: boolean,
  ): P2kNode | null {
    const error = this.getattr(vp, cred);
    if (error !== 0) {
      this.rele(vp);
      this.fail(s, id, error);
      return null;
    }
    const n = this.nodes.enter(vp, this.rele);
    const r = this.shared;
    r[R_NODEID] = n.id;
    r[R_GEN] = 0;
    r[R_ATTR_TIMEOUT] = this.settings.attrTimeout;
    r[R_ENTRY_TIMEOUT] = this.entryTimeout;
    vattrToStat(this.va, r);
    if (!create) s.replyEntry(id);
    return n;
  }

  private makecn(op: number, flags: number, name: string, cred: Kauth_cred): ComponentName {
    return this.kernel.rump_pub_makecn(op, flags, name, name.length, cred);
  }

  private freecn(cn: ComponentName): void {
    this.kernel.rump_pub_freecn(cn, RUMPCN_FREECRED);
  }

  /** The directory node `ino` (or an errno): stale ids are ENOENT, files ENOTDIR. */
  private dirOf(ino: number): Vnode | number {
    const n = this.node(ino);
    if (n === undefined) return ENOENT;
    if (n.vp.v_type !== VDIR) return ENOTDIR;
    return n.vp;
  }

  /**
   * The last-component lookup NetBSD's namei would do before a change:
   * dvp locked on return, `vpp.vp` referenced (unlocked) when the name
   * exists. Returns the lookup's errno (EJUSTRETURN: absent, may create).
   */
  private intentLookup(dvp: Vnode, cn: ComponentName, vpp: VnodeOut): number {
    vpp.vp = null;
    const error = lock(dvp, LK_EXCLUSIVE);
    if (error !== 0) return error;
    const e = RUMP_VOP_LOOKUP(dvp, vpp, cn);
    if (e !== 0 && e !== EJUSTRETURN) {
      RUMP_VOP_UNLOCK(dvp);
      vpp.vp = null;
    }
    return e;
  }

  private fileOf(): P2kFile | undefined {
    const h = this.shared;
    return h[H_HASFH] ? this.files.get(h[H_FH]!) : undefined;
  }

  /* ---------------------------------------------------------------------- */
  /* names                                                                   */

  private lookup(s: NativeSession, id: number, name: string): void {
    const d = this.dirOf(this.shared[H_INO]!);
    if (typeof d === "number") return this.fail(s, id, d);
    if (name.length > NAME_MAX) return this.fail(s, id, ENAMETOOLONG);
    const cred = this.cred();
    const cn = this.makecn(LOOKUP, ISLASTCN | (name === ".." ? ISDOTDOT : 0), name, cred);
    const vpp = this.vpp;
    vpp.vp = null;
    let error = lock(d, LK_EXCLUSIVE);
    if (error === 0) {
      error = RUMP_VOP_LOOKUP(d, vpp, cn);
      RUMP_VOP_UNLOCK(d);
    }
    this.freecn(cn);
    if (error === EJUSTRETURN) error = ENOENT;
    if (error !== 0) return this.fail(s, id, error);
    this.replyEntry(s, id, vpp.vp!, cred, false);
  }

  /**
   * mkdir, symlink, mknod (and mknod of regular files and sockets): lookup
   * with CREATE intent, then VOP_MKDIR / _SYMLINK / _MKNOD / _CREATE.
   */
  private makeNode(
    s: NativeSession,
    id: number,
    name: string,
    vtype: number,
    mode: number,
    rdev: number,
    target: string | null,
  ): void {
    const d = this.dirOf(this.shared[H_INO]!);
    if (typeof d === "number") return this.fail(s, id, d);
    if (name.length > NAME_MAX) return this.fail(s, id, ENAMETOOLONG);
    if (target !== null && target.length >= MAXPATHLEN) return this.fail(s, id, ENAMETOOLONG);
    const cred = this.cred();
    const cn = this.makecn(
      CREATE,
      LOCKPARENT | ISLASTCN | (vtype === VDIR ? CREATEDIR : 0),
      name,
      cred,
    );
    const vpp = this.vpp;
    let error = this.intentLookup(d, cn, vpp);
    if (error === 0) {
      this.rele(vpp.vp!);
      RUMP_VOP_UNLOCK(d);
      error = EEXIST;
    } else if (error === EJUSTRETURN) {
      const va = this.va;
      va.null();
      va.va_type = vtype;
      va.va_mode = mode;
      if (rdev !== 0) va.va_rdev = rdev;
      if (vtype === VDIR) error = RUMP_VOP_MKDIR(d, vpp, cn, va);
      else if (vtype === VLNK) error = RUMP_VOP_SYMLINK(d, vpp, cn, va, target!);
      else if (vtype === VREG || vtype === VSOCK) error = RUMP_VOP_CREATE(d, vpp, cn, va);
      else error = RUMP_VOP_MKNOD(d, vpp, cn, va);
      RUMP_VOP_UNLOCK(d);
    }
    this.freecn(cn);
    if (error !== 0) return this.fail(s, id, error);
    this.replyEntry(s, id, vpp.vp!, cred, false);
  }

  private mknod(s: NativeSession, id: number, name: string): void {
    const h = this.shared;
    const mode = h[H_MODE]!;
    const perm = mode & 0o7777;
    switch (mode & S_IFMT) {
      case S_IFREG:
        return this.makeNode(s, id, name, VREG, perm & ~S_ISTXT, 0, null);
      case S_IFSOCK:
        return this.makeNode(s, id, name, VSOCK, perm & ~S_ISTXT, 0, null);
      case S_IFIFO:
        return this.makeNode(s, id, name, VFIFO, perm, 0, null);
      case S_IFCHR:
      case S_IFBLK:
        // sys_mknod's KAUTH_SYSTEM_MKNOD: devices are root's
        if ((this.settings.wizardUid ?? h[H_UID]!) !== 0) return this.fail(s, id, EPERM);
        return this.makeNode(
          s,
          id,
          name,
          (mode & S_IFMT) === S_IFCHR ? VCHR : VBLK,
          perm,
          h[H_ARG]!,
          null,
        );
      case S_IFDIR:
        return this.makeNode(s, id, name, VDIR, perm & 0o777, 0, null);
      default:
        return this.fail(s, id, EINVAL);
    }
  }

  private remove(s: NativeSession, id: number, name: string, dir: boolean): void {
    const d = this.dirOf(this.shared[H_INO]!);
    if (typeof d === "number") return this.fail(s, id, d);
    if (name.length > NAME_MAX) return this.fail(s, id, ENAMETOOLONG);
    if (dir && name === "..") return this.fail(s, id, 66 /* ENOTEMPTY */);
    const cred = this.cred();
    const cn = this.makecn(DELETE, LOCKPARENT | LOCKLEAF | ISLASTCN, name, cred);
    const vpp = this.vpp;
    let error = this.intentLookup(d, cn, vpp);
    if (error === EJUSTRETURN) {
      RUMP_VOP_UNLOCK(d);
      error = ENOENT;
    } else if (error === 0) {
      const vp = vpp.vp!;
      let refuse = 0;
      if (vp === d) refuse = dir ? EINVAL : EPERM;
      else if (vp.v_vflag & VV_ROOT) refuse = EBUSY;
      else if (dir && vp.v_type !== VDIR) refuse = ENOTDIR;
      else if (!dir && vp.v_type === VDIR) refuse = EPERM;
      if (refuse !== 0) {
        this.rele(vp);
        RUMP_VOP_UNLOCK(d);
        error = refuse;
      } else {
        error = lock(vp, LK_EXCLUSIVE);
        if (error !== 0) {
          this.rele(vp);
          RUMP_VOP_UNLOCK(d);
        } else {
          // the operation unlocks and releases both; p2k's own reference to dvp stays
          this.kernel.rump_pub_vp_incref(d);
          error = dir ? RUMP_VOP_RMDIR(d, vp, cn) : RUMP_VOP_REMOVE(d, vp, cn);
        }
      }
    }
    this.freecn(cn);
    this.fail(s, id, error);
  }

  private rename(s: NativeSession, id: number, from: string, to: string): void {
    const h = this.shared;
    const flags = h[H_ARG]!;
    if (flags & RENAME_EXCHANGE) return this.fail(s, id, EINVAL);
    const fd = this.dirOf(h[H_INO]!);
    if (typeof fd === "number") return this.fail(s, id, fd);
    const td = this.dirOf(h[H_INO2]!);
    if (typeof td === "number") return this.fail(s, id, td);
    if (from.length > NAME_MAX || to.length > NAME_MAX) return this.fail(s, id, ENAMETOOLONG);
    if (from === "." || from === ".." || to === "." || to === "..") return this.fail(s, id, EINVAL);
    const cred = this.cred();
    const k = this.kernel;
    // the source: DELETE intent (write permission, sticky bit), then unlocked
    const fcn = this.makecn(DELETE, LOCKPARENT | ISLASTCN, from, cred);
    const fvpp = this.vpp;
    let error = this.intentLookup(fd, fcn, fvpp);
    if (error !== 0) {
      if (error === EJUSTRETURN) {
        RUMP_VOP_UNLOCK(fd);
        error = ENOENT;
      }
      this.freecn(fcn);
      return this.fail(s, id, error);
    }
    RUMP_VOP_UNLOCK(fd);
    const fvp = fvpp.vp!;
    if (fvp === fd) {
      this.rele(fvp);
      this.freecn(fcn);
      return this.fail(s, id, EINVAL);
    }
    // the target: RENAME intent
    const tcn = this.makecn(
      RENAME,
      LOCKPARENT | LOCKLEAF | NOCACHE | ISLASTCN | (fvp.v_type === VDIR ? CREATEDIR : 0),
      to,
      cred,
    );
    const tvpp = this.vpp2;
    error = this.intentLookup(td, tcn, tvpp);
    if (error !== 0 && error !== EJUSTRETURN) {
      this.rele(fvp);
      this.freecn(fcn);
      this.freecn(tcn);
      return this.fail(s, id, error);
    }
    const tvp = error === 0 ? tvpp.vp : null;
    const bail = (e: number): void => {
      if (tvp !== null) this.rele(tvp);
      RUMP_VOP_UNLOCK(td);
      this.rele(fvp);
      this.freecn(fcn);
      this.freecn(tcn);
      this.fail(s, id, e);
    };
    if (tvp !== null && flags & RENAME_NOREPLACE) return bail(EEXIST);
    if (tvp === td) return bail(EINVAL);
    if (tvp !== null) {
      if (fvp.v_type === VDIR && tvp.v_type !== VDIR) return bail(ENOTDIR);
      if (fvp.v_type !== VDIR && tvp.v_type === VDIR) return bail(EISDIR);
      if (tvp.v_vflag & VV_ROOT) return bail(EBUSY);
    }
    if (fvp.v_vflag & VV_ROOT) return bail(EBUSY);
    if (fvp.v_mount !== td.v_mount) return bail(EXDEV);
    if (fvp === td) return bail(EINVAL);
    if (fvp === tvp) return bail(0); // two links to one file: nothing to do
    if (tvp !== null && this.rdonly) return bail(EROFS);
    if (tvp !== null) {
      error = lock(tvp, LK_EXCLUSIVE);
      if (error !== 0) return bail(error);
    }
    // VOP_RENAME releases fdvp and fvp and puts tdvp and tvp: p2k's own
    // references to the directories stay
    k.rump_pub_vp_incref(fd);
    k.rump_pub_vp_incref(td);
    error = RUMP_VOP_RENAME(fd, fvp, fcn, td, tvp, tcn);
    this.freecn(fcn);
    this.freecn(tcn);
    this.fail(s, id, error);
  }

  private link(s: NativeSession, id: number, name: string): void {
    const h = this.shared;
    const n = this.node(h[H_INO]!);
    if (n === undefined) return this.fail(s, id, ENOENT);
    const d = this.dirOf(h[H_INO2]!);
    if (typeof d === "number") return this.fail(s, id, d);
    if (name.length > NAME_MAX) return this.fail(s, id, ENAMETOOLONG);
    const vp = n.vp;
    if (vp.v_type === VDIR) return this.fail(s, id, EPERM);
    const cred = this.cred();
    const cn = this.makecn(CREATE, LOCKPARENT | ISLASTCN, name, cred);
    const vpp = this.vpp;
    let error = this.intentLookup(d, cn, vpp);
    if (error === 0) {
      this.rele(vpp.vp!);
      RUMP_VOP_UNLOCK(d);
      error = EEXIST;
    } else if (error === EJUSTRETURN) {
      error = d.v_mount !== vp.v_mount ? EXDEV : RUMP_VOP_LINK(d, vp, cn);
      RUMP_VOP_UNLOCK(d);
    }
    this.freecn(cn);
    if (error !== 0) return this.fail(s, id, error);
    this.kernel.rump_pub_vp_incref(vp);
    this.replyEntry(s, id, vp, cred, false);
  }

  /* ---------------------------------------------------------------------- */
  /* attributes                                                              */

  private getattrOp(s: NativeSession, id: number): void {
    const n = this.node(this.shared[H_INO]!);
    if (n === undefined) return this.fail(s, id, ENOENT);
    const error = this.getattr(n.vp, this.cred());
    if (error !== 0) return this.fail(s, id, error);
    this.replyAttr(s, id);
  }

  private replyAttr(s: NativeSession, id: number): void {
    const r = this.shared;
    vattrToStat(this.va, r);
    r[R_ATTR_TIMEOUT] = this.settings.attrTimeout;
    s.replyAttr(id);
  }

  private setattr(s: NativeSession, id: number): void {
    const h = this.shared;
    const n = this.node(h[H_INO]!);
    if (n === undefined) return this.fail(s, id, ENOENT);
    const vp = n.vp;
    const cred = this.cred();
    const set = h[H_ARG]!;
    const va = this.va;
    va.null();
    if (set & FUSE_SET_ATTR_MODE) va.va_mode = h[H_A0]! & 0o7777;
    if (set & FUSE_SET_ATTR_UID) va.va_uid = h[H_A0 + 1]!;
    if (set & FUSE_SET_ATTR_GID) va.va_gid = h[H_A0 + 2]!;
    if (set & FUSE_SET_ATTR_SIZE) va.va_size = h[H_A0 + 3]!;
    if (set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)) {
      const now = { tv_sec: 0, tv_nsec: 0 };
      this.kernel.nanotime(now);
      if (set & FUSE_SET_ATTR_ATIME)
        va.va_atime =
          set & FUSE_SET_ATTR_ATIME_NOW
            ? { ...now }
            : { tv_sec: h[H_A0 + 4]!, tv_nsec: h[H_A0 + 5]! };
      if (set & FUSE_SET_ATTR_MTIME)
        va.va_mtime =
          set & FUSE_SET_ATTR_MTIME_NOW
            ? { ...now }
            : { tv_sec: h[H_A0 + 6]!, tv_nsec: h[H_A0 + 7]! };
      // utimes(NULL): writers may, not only the owner
      const both = FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW;
      if ((set & both) === both) va.va_vaflags |= VA_UTIMES_NULL;
    }
    let error = lock(vp, LK_EXCLUSIVE);
    if (error !== 0) return this.fail(s, id, error);
    // truncate(2) by name needs write permission (ftruncate's descriptor has it)
    if (set & FUSE_SET_ATTR_SIZE && this.fileOf() === undefined) {
      error = vp.v_type === VDIR ? EISDIR : RUMP_VOP_ACCESS(vp, VWRITE, cred);
    }
    if (error === 0) error = RUMP_VOP_SETATTR(vp, va, cred);
    if (error === 0) error = RUMP_VOP_GETATTR(vp, va, cred);
    RUMP_VOP_UNLOCK(vp);
    if (error !== 0) return this.fail(s, id, error);
    this.replyAttr(s, id);
  }

  private access(s: NativeSession, id: number): void {
    const h = this.shared;
    const n = this.node(h[H_INO]!);
    if (n === undefined) return this.fail(s, id, ENOENT);
    const mask = h[H_ARG]!;
    const mode = (mask & 4 ? VREAD : 0) | (mask & 2 ? VWRITE : 0) | (mask & 1 ? VEXEC : 0);
    if (mode === 0) return this.fail(s, id, 0);
    const vp = n.vp;
    let error = lock(vp, LK_EXCLUSIVE);
    if (error === 0) {
      error = RUMP_VOP_ACCESS(vp, mode, this.cred());
      RUMP_VOP_UNLOCK(vp);
    }
    this.fail(s, id, error);
  }

  private readlink(s: NativeSession, id: number): void {
    const n = this.node(this.shared[H_INO]!);
    if (n === undefined) return this.fail(s, id, ENOENT);
    const vp = n.vp;
    if (vp.v_type !== VLNK) return this.fail(s, id, EINVAL);
    const uio = this.setUio(this.scratch, MAXPATHLEN, 0, UIO_READ);
    let error = lock(vp, LK_EXCLUSIVE);
    if (error === 0) {
      error = RUMP_VOP_READLINK(vp, uio, this.cred());
      RUMP_VOP_UNLOCK(vp);
    }
    if (error !== 0) return this.fail(s, id, error);
    s.replyReadlink(id, MAXPATHLEN - uio.uio_resid);
  }

  private statfs(s: NativeSession, id: number): void {
    const sb = newStatvfs();
    const error = this.kernel.rump_pub_vfs_statvfs(this.mp, sb);
    if (error !== 0) return this.fail(s, id, error);
    const x = this.shared;
    x[R_X] = sb.f_bsize;
    x[R_X + 1] = sb.f_frsize;
    x[R_X + 2] = sb.f_blocks;
    x[R_X + 3] = sb.f_bfree;
    x[R_X + 4] = sb.f_bavail;
    x[R_X + 5] = sb.f_files;
    x[R_X + 6] = sb.f_ffree;
    x[R_X + 7] = sb.f_favail;
    x[R_X + 8] = 0;
    x[R_X + 9] = this.rdonly ? 1 /* ST_RDONLY */ : 0;
    x[R_X + 10] = sb.f_namemax;
    s.replyStatfs(id);
  }

  /* ---------------------------------------------------------------------- */
  /* files                                                                   */

  private setUio(buf: Uint8Array, len: number, off: number, rw: number): Uio {
    const u = this.uio;
    u.uio_iov[0] = buf.subarray(0, len);
    u.uio_iovidx = 0;
    u.uio_iovoff = 0;
    u.uio_offset = off;
    u.uio_resid = len;
    u.uio_rw = rw;
    return u;
  }

  /** vn_open's checks and VOP_OPEN of vp (unlocked on entry and return). */
  private openVnode(vp: Vnode, fmode: number, trunc: boolean, cred: Kauth_cred): number {
    if (vp.v_type === VSOCK) return EOPNOTSUPP;
    if (vp.v_type === VLNK) return 62; // ELOOP
    if (vp.v_type === VDIR && (fmode & FWRITE || trunc)) return EISDIR;
    let error = lock(vp, LK_EXCLUSIVE);
    if (error !== 0) return error;
    if (fmode & FREAD) error = RUMP_VOP_ACCESS(vp, VREAD, cred);
    if (error === 0 && (fmode & FWRITE || trunc)) error = RUMP_VOP_ACCESS(vp, VWRITE, cred);
    if (error === 0) error = RUMP_VOP_OPEN(vp, fmode, cred);
    if (error === 0 && trunc && vp.v_type === VREG) {
      const va = this.va;
      va.null();
      va.va_size = 0;
      error = RUMP_VOP_SETATTR(vp, va, cred);
      if (error !== 0) RUMP_VOP_CLOSE(vp, fmode, cred);
    }
    RUMP_VOP_UNLOCK(vp);
    return error;
  }

  /** A file handle for an opened vp (takes a reference of its own). */
  private newFile(n: P2kNode, fmode: number, hostFlags: number, cred: Kauth_cred): P2kFile {
    this.kernel.rump_pub_vp_incref(n.vp);
    const f = new P2kFile(this.nextFh++, n, n.vp, fmode, hostFlags, cred);
    this.files.set(f.fh, f);
    const r = this.shared;
    r[R_FH] = f.fh;
    r[R_OPENFLAGS] =
      n.vp.v_type === VDIR ? 0 : this.settings.nocachePage ? OPEN_DIRECT_IO : OPEN_KEEP_CACHE;
    return f;
  }

  private static fmodeOf(hostFlags: number): number {
    const acc = hostFlags & HOST_O_ACCMODE;
    return (
      (acc === HOST_O_WRONLY ? 0 : FREAD) |
      (acc === HOST_O_WRONLY || acc === HOST_O_RDWR ? FWRITE : 0)
    );
  }

  private open(s: NativeSession, id: number, dir: boolean): void {
    const h = this.shared;
    const n = this.node(h[H_INO]!);
    if (n === undefined) return this.fail(s, id, ENOENT);
    const flags = h[H_FLAGS]!;
    const fmode = dir ? FREAD : P2kServer.fmodeOf(flags);
    if (dir && n.vp.v_type !== VDIR) return this.fail(s, id, ENOTDIR);
    const cred = this.cred();
    const error = this.openVnode(n.vp, fmode, !dir && (flags & HOST_O_TRUNC) !== 0, cred);
    if (error !== 0) return this.fail(s, id, error);
    this.newFile(n, fmode, flags, cred);
    s.replyOpen(id);
  }

  private create(s: NativeSession, id: number, name: string): void {
    const h = this.shared;
    const d = this.dirOf(h[H_INO]!);
    if (typeof d === "number") return this.fail(s, id, d);
    if (name.length > NAME_MAX) return this.fail(s, id, ENAMETOOLONG);
    const flags = h[H_FLAGS]!;
    const fmode = P2kServer.fmodeOf(flags);
    const cred = this.cred();
    const cn = this.makecn(CREATE, LOCKPARENT | ISLASTCN, name, cred);
    const vpp = this.vpp;
    let error = this.intentLookup(d, cn, vpp);
    let vp: Vnode | null = null;
    if (error === 0) {
      // it exists after all (another creator came first): open it, unless O_EXCL
      RUMP_VOP_UNLOCK(d);
      vp = vpp.vp!;
      error =
        flags & HOST_O_EXCL
          ? EEXIST
          : this.openVnode(vp, fmode, (flags & HOST_O_TRUNC) !== 0, cred);
    } else if (error === EJUSTRETURN) {
      const va = this.va;
      va.null();
      va.va_type = VREG;
      va.va_mode = h[H_MODE]! & 0o7777 & ~S_ISTXT;
      error = RUMP_VOP_CREATE(d, vpp, cn, va);
      RUMP_VOP_UNLOCK(d);
      if (error === 0) {
        // the creator opens what it made without access checks (vn_open)
        vp = vpp.vp!;
        error = lock(vp, LK_EXCLUSIVE);
        if (error === 0) {
          error = RUMP_VOP_OPEN(vp, fmode, cred);
          RUMP_VOP_UNLOCK(vp);
        }
      }
    }
    this.freecn(cn);
    if (error !== 0) {
      if (vp !== null) this.rele(vp);
      return this.fail(s, id, error);
    }
    const n = this.replyEntry(s, id, vp!, cred, true);
    if (n === null) return;
    this.newFile(n, fmode, flags, cred);
    s.replyCreate(id);
  }

  private read(s: NativeSession, id: number): void {
    const f = this.fileOf();
    if (f === undefined) return this.fail(s, id, EBADF);
    const h = this.shared;
    const size = Math.min(h[H_SIZE]!, this.scratch.length);
    const vp = f.vp;
    const uio = this.setUio(this.scratch, size, h[H_OFF]!, UIO_READ);
    let error = lock(vp, LK_SHARED);
    if (error === 0) {
      error = RUMP_VOP_READ(vp, uio, 0, f.cred);
      RUMP_VOP_UNLOCK(vp);
    }
    const done = size - uio.uio_resid;
    if (error !== 0 && done === 0) return this.fail(s, id, error);
    s.replyBuf(id, done);
  }

  private write(s: NativeSession, id: number): void {
    const f = this.fileOf();
    const h = this.shared;
    const size = h[H_SIZE]!;
    if (size > this.scratch.length) return this.fail(s, id, EINVAL);
    if (f === undefined) return this.fail(s, id, EBADF);
    const vp = f.vp;
    const uio = this.setUio(this.scratch, size, h[H_OFF]!, UIO_WRITE);
    const ioflag = f.hostFlags & (HOST_O_SYNC | HOST_O_DSYNC) ? IO_SYNC : 0;
    let error = lock(vp, LK_EXCLUSIVE);
    if (error === 0) {
      error = RUMP_VOP_WRITE(vp, uio, ioflag, f.cred);
      RUMP_VOP_UNLOCK(vp);
    }
    const done = size - uio.uio_resid;
    if (error !== 0 && done === 0) return this.fail(s, id, error);
    s.replyWrite(id, done);
  }

  private fsync(s: NativeSession, id: number): void {
    const h = this.shared;
    const n = this.node(h[H_INO]!);
    if (n === undefined) return this.fail(s, id, ENOENT);
    const vp = n.vp;
    const f = this.fileOf();
    let error = lock(vp, LK_EXCLUSIVE);
    if (error === 0) {
      error = RUMP_VOP_FSYNC(
        vp,
        f?.cred ?? this.cred(),
        FSYNC_WAIT | (h[H_ARG] ? FSYNC_DATAONLY : 0),
        0,
        0,
      );
      RUMP_VOP_UNLOCK(vp);
    }
    this.fail(s, id, error);
  }

  /** close(2) of one descriptor: the process's POSIX locks on the file go (POSIX's rule). */
  private flush(s: NativeSession, id: number): void {
    const f = this.fileOf();
    if (f !== undefined) {
      const owner = this.owners.get(this.ownerKey(H_A0));
      if (owner !== undefined) {
        RUMP_VOP_ADVLOCK(f.vp, owner, F_UNLCK, wholeFile(F_UNLCK), F_POSIX);
        this.retryParked();
      }
    }
    this.fail(s, id, 0);
  }

  /** The last close of an open file: its flock goes, VOP_CLOSE, the reference goes. */
  private release(s: NativeSession, id: number): void {
    const f = this.fileOf();
    if (f === undefined) return this.fail(s, id, 0);
    this.files.delete(f.fh);
    const vp = f.vp;
    if (this.shared[H_ARG]) {
      RUMP_VOP_ADVLOCK(vp, f, F_UNLCK, wholeFile(F_UNLCK), F_FLOCK);
    }
    this.dropParked(f);
    if (lock(vp, LK_EXCLUSIVE) === 0) {
      RUMP_VOP_CLOSE(vp, f.fmode, f.cred);
      RUMP_VOP_UNLOCK(vp);
    }
    this.rele(vp);
    this.fail(s, id, 0);
    this.retryParked();
  }

  /**
   * readdir: VOP_READDIR with cookies into NetBSD dirents, rewritten as
   * struct fuse_dirent { u64 ino; u64 off; u32 namelen; u32 type; name }
   * (8-byte aligned) with each entry's cookie as the offset to resume at.
   */
  private readdir(s: NativeSession, id: number): void {
    const f = this.fileOf();
    if (f === undefined) return this.fail(s, id, EBADF);
    const h = this.shared;
    const size = Math.min(h[H_SIZE]!, this.scratch.length);
    const want = Math.max(512, Math.min(size, this.dirbuf.length));
    const vp = f.vp;
    const uio = this.setUio(this.dirbuf, want, h[H_OFF]!, UIO_READ);
    const eof = { v: 0 };
    const cookies: { v: number[] | null } = { v: null };
    const ncookies = { v: 0 };
    let error = lock(vp, LK_SHARED);
    if (error === 0) {
      error = RUMP_VOP_READDIR(vp, uio, f.cred, eof, cookies, ncookies);
      RUMP_VOP_UNLOCK(vp);
    }
    if (error !== 0) return this.fail(s, id, error);
    const produced = want - uio.uio_resid;
    // as getdents(2): a name is one path component, or the call fails
    const bad = dirent_badname(this.dirbuf, produced);
    if (bad >= 0) {
      this.kernel.printf(
        `p2k readdir: ${vp.v_mount?.mnt_stat.f_fstypename ?? "?"}: directory entry for inode ${bad} has a name with '/' or NUL\n`,
      );
      return this.fail(s, id, EIO);
    }
    const cks = cookies.v ?? [];
    const dv = this.dirview;
    const ov = this.outview;
    const out = this.scratch;
    const src = this.dirbuf;
    let p = 0;
    let q = 0;
    for (let i = 0; p < produced && i < cks.length; i++) {
      const reclen = dv.getUint16(p + 8, true);
      const namlen = dv.getUint16(p + 10, true);
      if (reclen === 0) break;
      const rec = (24 + namlen + 7) & ~7;
      if (q + rec > size) break;
      ov.setUint32(q, dv.getUint32(p, true), true);
      ov.setUint32(q + 4, dv.getUint32(p + 4, true), true);
      const off = cks[i]!;
      ov.setUint32(q + 8, off >>> 0, true);
      ov.setUint32(q + 12, Math.floor(off / 4294967296), true);
      ov.setUint32(q + 16, namlen, true);
      ov.setUint32(q + 20, dv.getUint8(p + 12), true);
      out.set(src.subarray(p + 13, p + 13 + namlen), q + 24);
      out.fill(0, q + 24 + namlen, q + rec);
      q += rec;
      p += reclen;
    }
    s.replyBuf(id, q);
  }

  /* ---------------------------------------------------------------------- */
  /* locks                                                                   */

  /** Key of the 64-bit lock owner in header slots [at, at + 1]. */
  private ownerKey(at: number): string {
    const h = this.shared;
    return `${h[at]}:${h[at + 1]}`;
  }

  private posixOwner(): LockOwner {
    const key = this.ownerKey(H_A0 + 5);
    let o = this.owners.get(key);
    if (o === undefined) {
      o = { p_pid: this.shared[H_A0 + 4] || this.shared[H_PID]! };
      this.owners.set(key, o);
    }
    return o;
  }

  private posixLock(s: NativeSession, id: number, set: boolean): void {
    const f = this.fileOf();
    if (f === undefined) return this.fail(s, id, EBADF);
    const h = this.shared;
    const type = fromHostLockType(h[H_A0]!);
    if (type < 0) return this.fail(s, id, EINVAL);
    const fl: Flock = {
      l_type: type,
      l_whence: SEEK_SET,
      l_start: h[H_A0 + 2]!,
      l_len: h[H_A0 + 3]!,
      l_pid: h[H_A0 + 4]! || h[H_PID]!,
    };
    const owner = this.posixOwner();
    if (!set) {
      const error = RUMP_VOP_ADVLOCK(f.vp, owner, F_GETLK, fl, F_POSIX);
      if (error !== 0) return this.fail(s, id, error);
      const x = this.shared;
      x[R_X] = toHostLockType(fl.l_type);
      x[R_X + 1] = fl.l_start;
      x[R_X + 2] = fl.l_len;
      x[R_X + 3] = fl.l_pid < 0 ? 0 : fl.l_pid;
      s.replyLock(id);
      return;
    }
    const sleep = h[H_ARG]! !== 0;
    const op = type === F_UNLCK ? F_UNLCK : F_SETLK;
    this.lockOrPark(s, id, f, f.vp, owner, op, fl, F_POSIX | (sleep ? F_WAIT : 0));
  }

  private flock(s: NativeSession, id: number): void {
    const f = this.fileOf();
    if (f === undefined) return this.fail(s, id, EBADF);
    const how = this.shared[H_ARG]!;
    if (how & LOCK_UN) {
      const e = RUMP_VOP_ADVLOCK(f.vp, f, F_UNLCK, wholeFile(F_UNLCK), F_FLOCK);
      this.fail(s, id, e);
      this.retryParked();
      return;
    }
    const type = how & LOCK_EX ? F_WRLCK : how & LOCK_SH ? F_RDLCK : -1;
    if (type < 0) return this.fail(s, id, EINVAL);
    this.lockOrPark(
      s,
      id,
      f,
      f.vp,
      f,
      F_SETLK,
      wholeFile(type),
      F_FLOCK | (how & LOCK_NB ? 0 : F_WAIT),
    );
  }

  /**
   * VOP_ADVLOCK; a waiting request the kernel cannot grant now (EDEADLK
   * under F_WAIT) is parked until a lock may have been released.
   */
  private lockOrPark(
    s: NativeSession,
    id: number,
    f: P2kFile,
    vp: Vnode,
    owner: object,
    op: number,
    fl: Flock,
    flags: number,
  ): void {
    // before the answer: a close after it must find the flush going to the kernel
    if (flags & F_POSIX && op === F_SETLK) s.usePosixLocks();
    const error = RUMP_VOP_ADVLOCK(vp, owner, op, fl, flags);
    if (error === EDEADLK && flags & F_WAIT && s.park(id) === 0) {
      this.parked.push({ id, file: f, vp, owner, op, fl, flags });
      return;
    }
    this.fail(s, id, error);
    if (error === 0 && op === F_UNLCK) this.retryParked();
    else if (error === 0 && fl.l_type === F_RDLCK) this.retryParked(); // a downgrade lets readers in
  }

  /** Try every parked request again, in arrival order. */
  private retryParked(): void {
    const s = this.session;
    if (s === null || this.parked.length === 0) return;
    let progress = true;
    while (progress) {
      progress = false;
      for (let i = 0; i < this.parked.length; i++) {
        const p = this.parked[i]!;
        const error = RUMP_VOP_ADVLOCK(p.vp, p.owner, p.op, p.fl, p.flags);
        if (error === EDEADLK) continue;
        this.parked.splice(i, 1);
        this.fail(s, p.id, error);
        progress = true;
        break;
      }
    }
  }

  /** Requests of a file being released can wait no more. */
  private dropParked(f: P2kFile): void {
    const s = this.session;
    for (let i = this.parked.length - 1; i >= 0; i--) {
      if (this.parked[i]!.file === f) {
        const p = this.parked[i]!;
        this.parked.splice(i, 1);
        s?.replyErr(p.id, HOST_EINTR);
      }
    }
  }

  /** FUSE_INTERRUPT of a parked request: it ends with EINTR. */
  private interrupt(id: number): void {
    const i = this.parked.findIndex((p) => p.id === id);
    if (i < 0) return;
    this.parked.splice(i, 1);
    this.session?.replyErr(id, HOST_EINTR);
  }

  /* ---------------------------------------------------------------------- */
  /* extended attributes                                                     */

  /**
   * getxattr, listxattr, setxattr, removexattr through VOP_*EXTATTR
   * ("user.x" → the user namespace, "system.x" → system). A file system
   * without them answers EOPNOTSUPP, sent as ENOSYS so that the host stops
   * asking (it then answers EOPNOTSUPP itself).
   */
  private xattr(s: NativeSession, id: number, op: number, name: string | undefined): void {
    const h = this.shared;
    const n = this.node(h[H_INO]!);
    if (n === undefined) return this.fail(s, id, ENOENT);
    let ns = 0;
    let attr = "";
    if (name !== undefined) {
      const dot = name.indexOf(".");
      const prefix = dot < 0 ? "" : name.slice(0, dot);
      attr = name.slice(dot + 1);
      ns =
        prefix === "user"
          ? EXTATTR_NAMESPACE_USER
          : prefix === "system"
            ? EXTATTR_NAMESPACE_SYSTEM
            : 0;
    }
    const vp = n.vp;
    const cred = this.cred();
    if (name !== undefined && ns === 0) {
      // a namespace NetBSD lacks ("security.", "trusted."): none here, or none at all
      if (this.extattrs === null) this.extattrs = this.probeExtattrs(vp, cred);
      return this.extattrs ? this.fail(s, id, EOPNOTSUPP) : void s.replyErr(id, HOST_ENOSYS);
    }
    const size = Math.min(h[H_SIZE]!, this.scratch.length);
    const sizep = { v: 0 };
    let error = lock(vp, LK_EXCLUSIVE);
    if (error !== 0) return this.fail(s, id, error);
    let uio: Uio | null = null;
    switch (op) {
      case OP_GETXATTR:
        uio = this.setUio(this.scratch, size, 0, UIO_READ);
        error = RUMP_VOP_GETEXTATTR(vp, ns, attr, uio, sizep, cred);
        break;
      case OP_LISTXATTR:
        uio = this.setUio(this.scratch, size, 0, UIO_READ);
        error = RUMP_VOP_LISTEXTATTR(vp, EXTATTR_NAMESPACE_USER, uio, sizep, 0, cred);
        break;
      case OP_SETXATTR:
        error = RUMP_VOP_SETEXTATTR(
          vp,
          ns,
          attr,
          this.setUio(this.scratch, size, 0, UIO_WRITE),
          cred,
        );
        break;
      default:
        error = RUMP_VOP_DELETEEXTATTR(vp, ns, attr, cred);
    }
    RUMP_VOP_UNLOCK(vp);
    if (error === EOPNOTSUPP) {
      this.extattrs = false;
      return void s.replyErr(id, HOST_ENOSYS);
    }
    if (error !== 0) return this.fail(s, id, error);
    if (uio === null) return this.fail(s, id, 0);
    const got = size - uio.uio_resid;
    if (size === 0) return void s.replyXattr(id, sizep.v);
    if (sizep.v > size) return void s.replyErr(id, HOST_ERANGE);
    s.replyBuf(id, got);
  }

  /** Does the file system have extended attributes at all (a listing of the user namespace)? */
  private probeExtattrs(vp: Vnode, cred: Kauth_cred): boolean {
    if (lock(vp, LK_EXCLUSIVE) !== 0) return true;
    const uio = this.setUio(this.scratch, 0, 0, UIO_READ);
    const e = RUMP_VOP_LISTEXTATTR(vp, EXTATTR_NAMESPACE_USER, uio, { v: 0 }, 0, cred);
    RUMP_VOP_UNLOCK(vp);
    return e !== EOPNOTSUPP;
  }

  /* ---------------------------------------------------------------------- */
  /* the end                                                                 */

  private panic(p: RumpPanic): void {
    if (this.panicked !== null) return;
    this.panicked = p;
    // answer whoever waits; the host mount goes (the caller decides how)
    const s = this.session;
    for (const q of this.parked.splice(0)) s?.replyErr(q.id, HOST_EIO);
    this.onPanic(p);
  }

  /**
   * The connection is over (unmounted, or stopped): answer what still
   * waits, give back every kernel reference the host held (open files,
   * nodes, the root), close the session. The caller's onEnd unmounts the
   * kernel's file system.
   */
  private end(): void {
    if (this.ended) return;
    this.ended = true;
    const s = this.session;
    for (const q of this.parked.splice(0)) s?.replyErr(q.id, HOST_ENODEV);
    const k = this.kernel;
    if (k.dead === null && this.panicked === null) {
      let prev: Lwp | null = null;
      try {
        prev = k.rump_pub_lwproc_curlwp();
        k.rump_pub_lwproc_switch(this.lwp);
        for (const f of this.files.values()) {
          if (lock(f.vp, LK_EXCLUSIVE) === 0) {
            RUMP_VOP_CLOSE(f.vp, f.fmode, f.cred);
            RUMP_VOP_UNLOCK(f.vp);
          }
          this.rele(f.vp);
        }
        this.files.clear();
        for (const vp of this.nodes.drain()) this.rele(vp);
        // p2k's process goes (its descriptors, none, and its credential)
        k.rump_pub_lwproc_releaselwp();
        prev = prev === this.lwp ? null : prev;
        k.rump_pub_lwproc_switch(prev);
      } catch (e) {
        if (e instanceof RumpPanic || k.dead !== null) this.panicked = k.dead ?? (e as RumpPanic);
        else
          this.settings.log(
            `p2k: releasing the vnodes: ${e instanceof Error ? e.message : String(e)}`,
          );
      }
    }
    s?.close();
    this.session = null;
    const end: P2kEnd = { panic: this.panicked ?? k.dead };
    try {
      this.onEnd(end);
    } finally {
      this.endResolve(end);
    }
  }
}

function wholeFile(type: number): Flock {
  return { l_type: type, l_whence: SEEK_SET, l_start: 0, l_len: 0, l_pid: 0 };
}

function fromHostLockType(t: number): number {
  return t === HOST_F_RDLCK
    ? F_RDLCK
    : t === HOST_F_WRLCK
      ? F_WRLCK
      : t === HOST_F_UNLCK
        ? F_UNLCK
        : -1;
}

function toHostLockType(t: number): number {
  return t === F_RDLCK ? HOST_F_RDLCK : t === F_WRLCK ? HOST_F_WRLCK : HOST_F_UNLCK;
}
