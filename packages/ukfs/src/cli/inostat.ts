/**
 * Status by inode number, for listing big directories: `ls -l` of a
 * directory has the inode numbers from getdents already, and fetching a
 * vnode by number (VFS_VGET + VOP_GETATTR, as NFS servers and fhstat do)
 * avoids a name lookup per entry, which in a directory of n entries costs
 * a scan of up to n entries each. Falls back to lstat where a file system
 * has no VFS_VGET.
 */
import {
  Kauth_cred,
  LK_SHARED,
  Vattr,
  VNOVAL,
  VOP_GETATTR,
  VOP_UNLOCK,
  type Mount,
  type Vnode,
} from "@rump/librump";
import type { Stat } from "@rump/syscalls";
import type { Ukfs } from "../api.js";

/** v_type → S_IF* (VNON, VREG, VDIR, VBLK, VCHR, VLNK, VSOCK, VFIFO) */
const VTTOIF = [0, 0o100000, 0o040000, 0o060000, 0o020000, 0o120000, 0o140000, 0o010000];

export class InoStat {
  private readonly mp: Mount | null;
  private readonly va = new Vattr();
  private readonly vpp: { vp: Vnode | null } = { vp: null };
  private readonly cred = Kauth_cred.root();

  constructor(private readonly fs: Ukfs) {
    let mp: Mount | null = null;
    try {
      mp = fs.getmp();
    } catch {
      mp = null;
    }
    this.mp = mp;
  }

  /** The status of inode `ino`, or null when it cannot be had this way (use lstat). */
  stat(ino: number): Stat | null {
    const mp = this.mp;
    if (mp === null) return null;
    const k = this.fs.kernel;
    const vpp = this.vpp;
    const va = this.va;
    let vp: Vnode | null = null;
    const error = k.enter(() => {
      vpp.vp = null;
      const e = mp.mnt_op.vfs_vget(mp, ino, LK_SHARED, vpp);
      if (e !== 0) return e;
      vp = vpp.vp;
      va.null();
      const e2 = VOP_GETATTR(vp!, va, this.cred);
      VOP_UNLOCK(vp!);
      return e2;
    });
    if (vp !== null) k.rump_pub_vp_rele(vp);
    // an unallocated inode behind a name: let lstat report the damage
    if (error !== 0 || va.va_type === 0 || va.va_nlink <= 0) return null;
    const t = (x: { tv_sec: number; tv_nsec: number }) => ({
      tv_sec: x.tv_sec,
      tv_nsec: x.tv_nsec,
    });
    return {
      st_dev: va.va_fsid,
      st_ino: va.va_fileid,
      st_mode: (va.va_mode & 0o7777) | (VTTOIF[va.va_type] ?? 0),
      st_nlink: va.va_nlink,
      st_uid: va.va_uid,
      st_gid: va.va_gid,
      st_rdev: va.va_rdev === VNOVAL ? 0 : va.va_rdev,
      st_size: va.va_size,
      st_atimespec: t(va.va_atime),
      st_mtimespec: t(va.va_mtime),
      st_ctimespec: t(va.va_ctime),
      st_birthtimespec: t(va.va_birthtime),
      st_blksize: va.va_blocksize,
      st_blocks: va.va_bytes === VNOVAL ? 0 : Math.ceil(va.va_bytes / 512),
      st_flags: va.va_flags === VNOVAL ? 0 : va.va_flags,
      st_gen: 0,
    };
  }
}
