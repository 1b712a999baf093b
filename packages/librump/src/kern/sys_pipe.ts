/**
 * Pipes (sys_pipe.c) and the buffer fifofs shares. A pipe is a bounded
 * ring buffer with reader and writer counts.
 *
 * Where NetBSD would sleep — reading an empty pipe that still has writers,
 * writing to a full one — a synchronous system call cannot be woken by
 * anybody else, so it fails with EDEADLK instead of hanging (DESIGN.md,
 * execution model), before any side effect. O_NONBLOCK gets EAGAIN as usual.
 * Writes of at most PIPE_BUF bytes are atomic.
 */
import {
  EAGAIN,
  EDEADLK,
  EINVAL,
  EPIPE,
  ESPIPE,
  ENOTTY,
  O_NONBLOCK,
  S_IFIFO,
} from "../gen/constants.js";
import type { Retval } from "../gen/sysent.js";
import type { Kauth_cred } from "../sys/kauth.js";
import type { Lwp } from "../sys/proc.js";
import type { Stat } from "../sys/stat.js";
import { uiomove, type Uio } from "../sys/uio.js";
import { PIPE_BUF, RLIMIT_NOFILE } from "../sys/consts.js";
import { closef, type Filedesc } from "./kern_descrip.js";
import { DTYPE_PIPE, File, FREAD, FWRITE, type Fileops } from "./sys_file.js";

/** PIPE_SIZE */
export const PIPE_SIZE = 16384;
const O_NOSIGPIPE = 0x01000000;
const SIGPIPE = 13;

/** The shared state of one pipe or fifo. */
export class PipeBuf {
  readonly buf = new Uint8Array(PIPE_SIZE);
  /** read position and number of buffered bytes */
  head = 0;
  cnt = 0;
  readers = 0;
  writers = 0;
  ino: number;
  readonly atime = { tv_sec: 0, tv_nsec: 0 };
  readonly mtime = { tv_sec: 0, tv_nsec: 0 };
  constructor(ino: number) {
    this.ino = ino;
  }

  /**
   * Move buffered data into `uio`. Returns errno; 0 with nothing moved means
   * end of file (no writers).
   */
  read(uio: Uio, nonblock: boolean): number {
    if (uio.uio_resid === 0) return 0;
    if (this.cnt === 0) {
      if (this.writers === 0) return 0;
      return nonblock ? EAGAIN : EDEADLK;
    }
    while (this.cnt > 0 && uio.uio_resid > 0) {
      const chunk = Math.min(this.cnt, PIPE_SIZE - this.head, uio.uio_resid);
      uiomove(this.buf, this.head, chunk, uio);
      this.head = (this.head + chunk) % PIPE_SIZE;
      this.cnt -= chunk;
    }
    if (this.cnt === 0) this.head = 0;
    return 0;
  }

  /** Append from `uio`; see the header for the rules. */
  write(uio: Uio, nonblock: boolean): number {
    if (this.readers === 0) return EPIPE;
    const want = uio.uio_resid;
    if (want === 0) return 0;
    const space = PIPE_SIZE - this.cnt;
    if (want <= PIPE_BUF && space < want) return nonblock ? EAGAIN : EDEADLK;
    if (space === 0) return nonblock ? EAGAIN : EDEADLK;
    let left = Math.min(space, want);
    while (left > 0) {
      const tail = (this.head + this.cnt) % PIPE_SIZE;
      const chunk = Math.min(left, PIPE_SIZE - tail);
      uiomove(this.buf, tail, chunk, uio);
      this.cnt += chunk;
      left -= chunk;
    }
    return 0;
  }
}

/** The file state of one end of a pipe(2). */
class PipeEnd {
  constructor(
    readonly pipe: PipeBuf,
    readonly reader: boolean,
  ) {}
}

function pipe_read(fp: File, uio: Uio, _cred: Kauth_cred, _flags: number): number {
  const end = fp.f_data as PipeEnd;
  const error = end.pipe.read(uio, (fp.f_flag & O_NONBLOCK) !== 0);
  if (error === 0) (fp.f_ops as PipeOps).kernelTime(end.pipe.atime);
  return error;
}

function pipe_write(fp: File, uio: Uio, _cred: Kauth_cred, _flags: number): number {
  const end = fp.f_data as PipeEnd;
  const error = end.pipe.write(uio, (fp.f_flag & O_NONBLOCK) !== 0);
  if (error === EPIPE && (fp.f_flag & O_NOSIGPIPE) === 0) (fp.f_ops as PipeOps).sigpipe();
  if (error === 0) (fp.f_ops as PipeOps).kernelTime(end.pipe.mtime);
  return error;
}

function pipe_stat(fp: File, sb: Stat): number {
  const end = fp.f_data as PipeEnd;
  const p = end.pipe;
  sb.st_mode = S_IFIFO | 0o600;
  sb.st_ino = p.ino;
  sb.st_nlink = 1;
  sb.st_uid = fp.f_cred.cr_euid;
  sb.st_gid = fp.f_cred.cr_egid;
  sb.st_size = p.cnt;
  sb.st_blksize = PIPE_SIZE;
  sb.st_blocks = 0;
  sb.st_atimespec = { ...p.atime };
  sb.st_mtimespec = { ...p.mtime };
  sb.st_ctimespec = { ...p.mtime };
  sb.st_birthtimespec = { ...p.mtime };
  return 0;
}

function pipe_close(fp: File, _l: Lwp): number {
  const end = fp.f_data as PipeEnd;
  if (end.reader) end.pipe.readers--;
  else end.pipe.writers--;
  return 0;
}

/** Pipe fileops, bound to a kernel for time and SIGPIPE. */
interface PipeOps extends Fileops {
  kernelTime(ts: { tv_sec: number; tv_nsec: number }): void;
  sigpipe(): void;
}

function pipeOps(l: Lwp): PipeOps {
  const k = l.l_proc.p_kernel;
  const pid = l.l_proc.p_pid;
  return {
    fo_read: pipe_read,
    fo_write: pipe_write,
    fo_ioctl: () => ENOTTY,
    fo_fcntl: () => EINVAL,
    fo_stat: pipe_stat,
    fo_close: pipe_close,
    fo_seek: () => ESPIPE,
    kernelTime: (ts) => k.nanotime(ts),
    sigpipe: () => void k.host.kill(pid, SIGPIPE),
  };
}

/** pipe1: create a pipe, install both ends, results in rv[0] (read), rv[1] (write). */
function pipe1(l: Lwp, rv: Retval, flags: number): number {
  const k = l.l_proc.p_kernel;
  const fdp = l.l_proc.p_fd as Filedesc;
  const limit = l.l_proc.p_rlimit_cur[RLIMIT_NOFILE] ?? 1024;
  const rfd = fdp.alloc(0, limit);
  if (rfd < 0) return -rfd;
  const pipe = new PipeBuf(k.vfs.nextPipeIno++);
  const ops = pipeOps(l);
  k.nanotime(pipe.atime);
  k.nanotime(pipe.mtime);
  const cred = l.l_cred;
  const extra = flags & (O_NONBLOCK | O_NOSIGPIPE);
  const rf = new File(FREAD | extra, DTYPE_PIPE, ops, new PipeEnd(pipe, true), cred);
  const cloexec = (flags & 0x00400000) !== 0;
  fdp.install(rfd, rf, cloexec);
  pipe.readers = 1;
  const wfd = fdp.alloc(0, limit);
  if (wfd < 0) {
    fdp.detach(rfd);
    closef(rf, l);
    return -wfd;
  }
  const wf = new File(FWRITE | extra, DTYPE_PIPE, ops, new PipeEnd(pipe, false), cred);
  fdp.install(wfd, wf, cloexec);
  pipe.writers = 1;
  rv[0] = rfd;
  rv[1] = wfd;
  return 0;
}

export function sys_pipe(l: Lwp, rv: Retval): number {
  return pipe1(l, rv, 0);
}

export function sys_pipe2(
  l: Lwp,
  rv: Retval,
  fildes: Int32Array | number[],
  flags: number,
): number {
  if (flags & ~(0x00400000 | O_NONBLOCK | O_NOSIGPIPE)) return EINVAL;
  const error = pipe1(l, rv, flags);
  if (error !== 0) return error;
  if (fildes !== undefined && fildes !== null) {
    fildes[0] = rv[0]!;
    fildes[1] = rv[1]!;
  }
  rv[0] = 0;
  return 0;
}
