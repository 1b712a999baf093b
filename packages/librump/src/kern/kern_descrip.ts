/**
 * Descriptor tables (kern_descrip.c): allocation of the lowest free slot,
 * close-on-exec flags, sharing and copying for rfork, and closing.
 */
import { EBADF, EMFILE } from "../gen/constants.js";
import type { Lwp } from "../sys/proc.js";
import type { Vnode } from "../sys/vnode.js";
import { DTYPE_VNODE, type File } from "./sys_file.js";
import { lf_closefile, lf_releaseproc } from "./vfs_lockf.js";

/** A process's descriptor table (struct filedesc). */
export class Filedesc {
  fd_ofiles: (File | null)[] = [];
  /** close-on-exec flags, parallel to fd_ofiles */
  fd_exclose: boolean[] = [];
  /** processes sharing this table (RUMP_RFFD_SHARE) */
  fd_refcnt = 1;
  /** lowest slot that may be free */
  fd_freefile = 0;

  /** fd_getfile: the file at `fd`, or null for a bad descriptor. */
  get(fd: number): File | null {
    if (fd >= 0 && fd < this.fd_ofiles.length) {
      const fp = this.fd_ofiles[fd];
      return fp === undefined ? null : fp;
    }
    return null;
  }

  /**
   * fd_alloc: lowest free slot ≥ want, bounded by `limit` (RLIMIT_NOFILE).
   * Returns the slot or -EMFILE.
   */
  alloc(want: number, limit: number): number {
    let i = want > this.fd_freefile ? want : this.fd_freefile;
    const n = this.fd_ofiles.length;
    while (i < n && this.fd_ofiles[i] !== null) i++;
    if (i >= limit) return -EMFILE;
    while (this.fd_ofiles.length <= i) {
      this.fd_ofiles.push(null);
      this.fd_exclose.push(false);
    }
    if (want <= this.fd_freefile) this.fd_freefile = i + 1;
    return i;
  }

  /** Install `fp` at slot `fd` (taking the caller's reference). */
  install(fd: number, fp: File, cloexec: boolean): void {
    while (this.fd_ofiles.length <= fd) {
      this.fd_ofiles.push(null);
      this.fd_exclose.push(false);
    }
    this.fd_ofiles[fd] = fp;
    this.fd_exclose[fd] = cloexec;
  }

  /** Detach slot `fd`, returning its file (reference passes to the caller). */
  detach(fd: number): File | null {
    const fp = this.get(fd);
    if (fp === null) return null;
    this.fd_ofiles[fd] = null;
    this.fd_exclose[fd] = false;
    if (fd < this.fd_freefile) this.fd_freefile = fd;
    // keep the table short so that fd_lastfile-style scans stay cheap
    while (this.fd_ofiles.length > 0 && this.fd_ofiles[this.fd_ofiles.length - 1] === null) {
      this.fd_ofiles.pop();
      this.fd_exclose.pop();
    }
    return fp;
  }

  /** fd_copy: a new table with the same files (rfork RFFDG). */
  copy(): Filedesc {
    const fdp = new Filedesc();
    for (let i = 0; i < this.fd_ofiles.length; i++) {
      const fp = this.fd_ofiles[i] ?? null;
      if (fp !== null) fp.f_count++;
      fdp.fd_ofiles.push(fp);
      fdp.fd_exclose.push(this.fd_exclose[i] ?? false);
    }
    fdp.fd_freefile = this.fd_freefile;
    return fdp;
  }
}

/** closef: drop one reference to `fp`; the last one closes the file. */
export function closef(fp: File, l: Lwp): number {
  if (--fp.f_count > 0) return 0;
  const error = fp.f_ops.fo_close(fp, l);
  fp.f_cred.cr_refcnt--;
  return error;
}

/** fd_close: close descriptor `fd` of the current process. */
export function fd_close(l: Lwp, fd: number): number {
  const fdp = l.l_proc.p_fd as Filedesc;
  const fp = fdp.detach(fd);
  if (fp === null) return EBADF;
  // POSIX locks of this process on the file go away with any close of it
  lf_closefile(l, fp);
  return closef(fp, l);
}

/** fd_free: the process lets go of its table (exit / last lwp released). */
export function fd_free(l: Lwp, fdp: Filedesc): void {
  if (--fdp.fd_refcnt > 0) {
    // the table lives on in another process; this one's POSIX locks still go
    for (const fp of fdp.fd_ofiles) {
      if (fp !== null && fp !== undefined && fp.f_type === DTYPE_VNODE)
        lf_releaseproc(fp.f_data as Vnode, l.l_proc);
    }
    return;
  }
  for (let fd = 0; fd < fdp.fd_ofiles.length; fd++) {
    const fp = fdp.fd_ofiles[fd] ?? null;
    if (fp === null) continue;
    fdp.fd_ofiles[fd] = null;
    lf_closefile(l, fp);
    closef(fp, l);
  }
  fdp.fd_ofiles.length = 0;
  fdp.fd_exclose.length = 0;
}
