/**
 * etfs — host files inside the kernel namespace (rump_etfs(3)). A key such
 * as "/img" or "/host/dir" names a host file or directory; lookups at the
 * root file system see the key before anything in rumpfs itself.
 *
 * REG keys are files whose reads and writes go straight to the host
 * (rumpuser_iovread/iovwrite, no kernel caching). DIR keys show the host
 * directory's immediate regular files and directories (DIR_SUBDIRS: the
 * whole tree); the host offers no directory listing hypercall, so readdir
 * of an etfs directory shows only "." and "..". BLK/CHR keys are disk
 * images: block or character devices of the rumpblk driver, read and
 * written through the buffer cache (BLK) or directly (CHR).
 */
import {
  RUMPUSER_FT_BLK,
  RUMPUSER_FT_CHR,
  RUMPUSER_FT_DIR,
  RUMPUSER_FT_REG,
  RUMPUSER_OPEN_RDONLY,
  RUMPUSER_OPEN_RDWR,
  RUMPUSER_OPEN_WRONLY,
  RUMPUSER_SYNCFD_WRITE,
  RUMPUSER_SYNCFD_SYNC,
} from "@rump/rumpuser";
import {
  EEXIST,
  EINVAL,
  EISDIR,
  ENOENT,
  ENOTDIR,
  EOPNOTSUPP,
  EROFS,
  EBUSY,
  EFBIG,
} from "../gen/constants.js";
import {
  vop_access_desc,
  vop_close_desc,
  vop_default_desc,
  vop_fsync_desc,
  vop_getattr_desc,
  vop_inactive_desc,
  vop_islocked_desc,
  vop_lock_desc,
  vop_lookup_desc,
  vop_open_desc,
  vop_pathconf_desc,
  vop_read_desc,
  vop_readdir_desc,
  vop_reclaim_desc,
  vop_seek_desc,
  vop_setattr_desc,
  vop_unlock_desc,
  vop_write_desc,
  vop_abortop_desc,
  vop_poll_desc,
  vop_print_desc,
  vop_putpages_desc,
  vop_advlock_desc,
} from "../gen/vnode_if.js";
import type { Kauth_cred } from "../sys/kauth.js";
import { Mount, type Vfsops, type VnodeOpvEntry } from "../sys/mount.js";
import type { ComponentName } from "../sys/namei.js";
import { ISDOTDOT, LOOKUP, CREATE } from "../sys/namei.js";
import type { Out } from "../sys/out.js";
import { newStatvfs, type Statvfs } from "../sys/stat.js";
import { UIO_READ, type Uio } from "../sys/uio.js";
import { Vattr, VNOVAL } from "../sys/vattr.js";
import { VBLK, VCHR, VDIR, VREG, type Vnode, type VnodeOut } from "../sys/vnode.js";
import { makedev, minor, RUMPBLK_MAJOR } from "../dev/devsw.js";
import { spec_vnodeop_entries } from "../miscfs/specfs/spec_vnops.js";
import { vinvalbuf } from "../kern/vfs_bio.js";
import { DIRENT_RECLEN, dirent_append } from "../sys/dirent.js";
import { vcache_get, vflush, vgone } from "../kern/vfs_vnode.js";
import { vfs_opv_build } from "../kern/vfs_init.js";
import {
  genfs_abortop,
  genfs_can_access,
  genfs_eopnotsupp,
  genfs_nullop,
  genfs_poll,
  genfs_seek,
  vn_default_error,
  genfs_islocked,
  genfs_lock,
  genfs_unlock,
} from "../miscfs/genfs/genfs_vnops.js";
import { specfs_pathconf } from "../miscfs/specfs/spec_pathconf.js";
import { FREAD, FWRITE } from "../kern/sys_file.js";
import type { Kernel } from "./kernel.js";

/** enum rump_etfs_type */
export const RUMP_ETFS_REG = 0;
export const RUMP_ETFS_BLK = 1;
export const RUMP_ETFS_CHR = 2;
export const RUMP_ETFS_DIR = 3;
export const RUMP_ETFS_DIR_SUBDIRS = 4;
/** size: to the end of the host file */
export const RUMP_ETFS_SIZE_ENDOFF = -1;

/** One node behind an etfs key (a key's target, or a file under a DIR key). */
class EtfsNode {
  /** host descriptor while open, -1 otherwise */
  fd = -1;
  /** device nodes: the rumpblk device */
  rdev = 0;
  fdmode = -1;
  opens = 0;
  constructor(
    readonly ino: number,
    readonly hostpath: string,
    readonly vtype: number,
    readonly begin: number,
    /** window size, or -1 for "to the end of the host file" */
    readonly size: number,
    /** DIR_SUBDIRS: children directories are mapped too; DIR: only one level */
    readonly subdirs: boolean,
    /** directories: may lookups descend into this one? */
    readonly searchable: boolean,
  ) {}
}

/** A registered key. */
interface EtfsKey {
  key: string;
  type: number;
  node: EtfsNode;
}

/** Per-kernel etfs state: the keys and the internal mount their vnodes live on. */
export class Etfs {
  readonly keys = new Map<string, EtfsKey>();
  readonly nodes = new Map<number, EtfsNode>();
  /** host path → ino, so a path looked up twice is one vnode */
  readonly byPath = new Map<string, number>();
  nextIno = 2;
  mount: Mount | null = null;
  constructor(readonly kernel: Kernel) {}
}

function nodeOf(vp: Vnode): EtfsNode {
  return vp.v_data as EtfsNode;
}

function hostOf(vp: Vnode) {
  return (vp.v_mount!.mnt_kernel as Kernel).host;
}

/* ------------------------------------------------------------------------ */
/* registration                                                              */

/** Normalise a key: it must start with '/', leading slashes collapse. */
function normKey(key: string): string | null {
  if (key.charCodeAt(0) !== 47) return null;
  let i = 0;
  while (i < key.length && key.charCodeAt(i) === 47) i++;
  return "/" + key.slice(i);
}

export function etfs_register_withsize(
  k: Kernel,
  key: string,
  hostpath: string,
  type: number,
  begin: number,
  size: number,
): number {
  if (typeof key !== "string" || typeof hostpath !== "string") return EINVAL;
  const nk = normKey(key);
  if (nk === null) return EINVAL;
  if (type < RUMP_ETFS_REG || type > RUMP_ETFS_DIR_SUBDIRS) return EINVAL;
  if (!Number.isSafeInteger(begin) || begin < 0) return EINVAL;
  if (!Number.isSafeInteger(size) || (size < 0 && size !== RUMP_ETFS_SIZE_ENDOFF)) return EINVAL;
  const et = k.etfs;
  if (et.keys.has(nk)) return EEXIST;
  const isDir = type === RUMP_ETFS_DIR || type === RUMP_ETFS_DIR_SUBDIRS;
  if (isDir) {
    for (const other of et.keys.values()) {
      if (other.type !== RUMP_ETFS_DIR && other.type !== RUMP_ETFS_DIR_SUBDIRS) continue;
      if (nk.startsWith(other.key) || other.key.startsWith(nk)) return EEXIST;
    }
  }
  const hsize = { v: 0 };
  const htype = { v: 0 };
  const error = k.host.getfileinfo(hostpath, hsize, htype);
  if (error !== 0) return error;
  if (isDir) {
    if (htype.v !== RUMPUSER_FT_DIR) return ENOTDIR;
    if (begin !== 0 || size !== RUMP_ETFS_SIZE_ENDOFF) return EISDIR;
  } else {
    if (htype.v !== RUMPUSER_FT_REG && htype.v !== RUMPUSER_FT_BLK && htype.v !== RUMPUSER_FT_CHR)
      return EINVAL;
    if (begin > hsize.v) return EINVAL;
    if (size !== RUMP_ETFS_SIZE_ENDOFF && begin + size > hsize.v) return EINVAL;
  }
  const isDev = type === RUMP_ETFS_BLK || type === RUMP_ETFS_CHR;
  let rdev = 0;
  if (isDev) {
    const winsize = size === RUMP_ETFS_SIZE_ENDOFF ? hsize.v - begin : size;
    const slot = k.rumpblk.register(hostpath, begin, winsize);
    if (slot < 0) return -slot;
    rdev = makedev(RUMPBLK_MAJOR, slot);
  }
  const node = new EtfsNode(
    et.nextIno++,
    hostpath,
    isDir ? VDIR : type === RUMP_ETFS_BLK ? VBLK : type === RUMP_ETFS_CHR ? VCHR : VREG,
    begin,
    size,
    type === RUMP_ETFS_DIR_SUBDIRS,
    true,
  );
  node.rdev = rdev;
  et.nodes.set(node.ino, node);
  et.keys.set(nk, { key: nk, type, node });
  return 0;
}

export function etfs_remove(k: Kernel, key: string): number {
  if (typeof key !== "string") return EINVAL;
  const nk = normKey(key);
  if (nk === null) return EINVAL;
  const et = k.etfs;
  const ent = et.keys.get(nk);
  if (ent === undefined) return ENOENT;
  const mp = et.mount;
  const isDev = ent.node.vtype === VBLK || ent.node.vtype === VCHR;
  if (mp !== null) {
    const vp = mp.mnt_vcache.get(ent.node.ino);
    if (vp !== undefined && vp.v_usecount > 0) {
      // a disk in use (mounted) cannot go; a file or directory key neither
      return EBUSY;
    }
    // an idle cached vnode of the key is revoked, its buffers dropped
    if (vp !== undefined) vgone(vp);
  }
  if (isDev) {
    let shared = false;
    for (const other of et.keys.values()) {
      if (
        other !== ent &&
        other.node.rdev === ent.node.rdev &&
        (other.node.vtype === VBLK || other.node.vtype === VCHR)
      )
        shared = true;
    }
    if (!shared) k.rumpblk.unregister(minor(ent.node.rdev));
  }
  et.keys.delete(nk);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* the lookup hook of the root file system                                   */

/**
 * Called by the root file system's lookup at its root directory before its
 * own lookup. Returns -1 when no key matches; else 0 with a referenced
 * vnode in vpp (and cn_consume set for keys spanning several components),
 * or an errno.
 */
export function etfs_lookup(k: Kernel, cnp: ComponentName, vpp: VnodeOut): number {
  const et = k.etfs;
  if (et.keys.size === 0) return -1;
  const op = cnp.cn_nameiop;
  if (op !== LOOKUP && op !== CREATE) return -1;
  const rest = cnp.cn_pnbuf;
  for (const ent of et.keys.values()) {
    const kk = ent.key.slice(1);
    const isDir = ent.type === RUMP_ETFS_DIR || ent.type === RUMP_ETFS_DIR_SUBDIRS;
    if (isDir ? !rest.startsWith(kk) : rest !== kk) continue;
    if (isDir && rest.length > kk.length && rest.charCodeAt(kk.length) !== 47) continue;
    const error = etfs_vget(k, ent.node, vpp);
    if (error !== 0) return error;
    cnp.cn_consume = kk.length - cnp.cn_nameptr.length;
    return 0;
  }
  return -1;
}

function etfsMount(k: Kernel): Mount {
  if (k.etfs.mount === null) {
    const mp = new Mount(etfs_vfsops, k);
    mp.mnt_id = k.vfs.nextMountId++;
    mp.mnt_stat.f_fstypename = "etfs";
    mp.mnt_stat.f_mntonname = "/";
    mp.mnt_stat.f_fsidx = [mp.mnt_id, 0];
    k.etfs.mount = mp;
    if (etfs_vnodeop_opv.vector.length === 0)
      etfs_vnodeop_opv.vector = vfs_opv_build(etfs_vnodeop_opv.entries);
    if (etfs_specop_opv.vector.length === 0)
      etfs_specop_opv.vector = vfs_opv_build(etfs_specop_opv.entries);
  }
  return k.etfs.mount;
}

function etfs_vget(k: Kernel, node: EtfsNode, vpp: VnodeOut): number {
  return vcache_get(etfsMount(k), node.ino, vpp);
}

/** Unmount the internal etfs mount at shutdown. */
export function etfs_shutdown(k: Kernel): void {
  const mp = k.etfs.mount;
  if (mp === null) return;
  vflush(mp, null, true);
  k.etfs.mount = null;
}

/* ------------------------------------------------------------------------ */
/* vfsops                                                                    */

function etfs_loadvnode(mp: Mount, vp: Vnode, key: number): number {
  const node = (mp.mnt_kernel as Kernel).etfs.nodes.get(key);
  if (node === undefined) return ENOENT;
  vp.v_type = node.vtype;
  const isDev = node.vtype === VBLK || node.vtype === VCHR;
  vp.v_op = isDev ? etfs_specop_opv.vector : etfs_vnodeop_opv.vector;
  vp.v_data = node;
  vp.v_rdev = node.rdev;
  vp.v_size = isDev ? (mp.mnt_kernel as Kernel).rumpblk.mediasize(node.rdev) : 0;
  if (vp.v_size < 0) vp.v_size = 0;
  return 0;
}

function eopnotsupp(): number {
  return EOPNOTSUPP;
}

const etfs_vnodeop_opv = {
  vector: [] as ReturnType<typeof vfs_opv_build>,
  entries: [] as VnodeOpvEntry[],
};
const etfs_specop_opv = {
  vector: [] as ReturnType<typeof vfs_opv_build>,
  entries: [] as VnodeOpvEntry[],
};

const etfs_vfsops: Vfsops = {
  vfs_name: "etfs",
  vfs_min_mount_data: 0,
  vfs_mount: eopnotsupp,
  vfs_start: () => 0,
  vfs_unmount: () => 0,
  vfs_root: eopnotsupp,
  vfs_statvfs(_mp: Mount, sbp: Statvfs): number {
    Object.assign(sbp, newStatvfs());
    sbp.f_bsize = sbp.f_frsize = sbp.f_iosize = 512;
    sbp.f_namemax = 255;
    return 0;
  },
  vfs_sync: () => 0,
  vfs_vget: eopnotsupp,
  vfs_loadvnode: etfs_loadvnode,
  vfs_newvnode: eopnotsupp,
  vfs_fhtovp: eopnotsupp,
  vfs_vptofh: eopnotsupp,
  vfs_opv_descs: [etfs_vnodeop_opv, etfs_specop_opv],
};

/* ------------------------------------------------------------------------ */
/* vnode operations                                                          */

function hostSize(vp: Vnode, node: EtfsNode): number {
  if (node.size !== RUMP_ETFS_SIZE_ENDOFF) return node.size;
  const sz = { v: 0 };
  if (hostOf(vp).getfileinfo(node.hostpath, sz, null) !== 0) return 0;
  return Math.max(0, sz.v - node.begin);
}

function etfs_lookup_vop(dvp: Vnode, vpp: VnodeOut, cnp: ComponentName): number {
  vpp.vp = null;
  const dnode = nodeOf(dvp);
  if (dvp.v_type !== VDIR) return ENOTDIR;
  if (cnp.cn_flags & ISDOTDOT) return EOPNOTSUPP;
  const name = cnp.cn_nameptr;
  if (name === ".") {
    dvp.v_usecount++;
    vpp.vp = dvp;
    return 0;
  }
  if (!dnode.searchable) return ENOENT;
  const path = dnode.hostpath + "/" + name;
  const k = dvp.v_mount!.mnt_kernel as Kernel;
  const ht = { v: 0 };
  const hs = { v: 0 };
  const error = k.host.getfileinfo(path, hs, ht);
  if (error !== 0) return error === ENOENT ? (cnp.cn_nameiop === CREATE ? EROFS : ENOENT) : error;
  if (ht.v !== RUMPUSER_FT_REG && ht.v !== RUMPUSER_FT_DIR) return ENOENT;
  const et = k.etfs;
  let ino = et.byPath.get(path);
  if (ino === undefined) {
    const isDir = ht.v === RUMPUSER_FT_DIR;
    const node = new EtfsNode(
      et.nextIno++,
      path,
      isDir ? VDIR : VREG,
      0,
      RUMP_ETFS_SIZE_ENDOFF,
      dnode.subdirs,
      dnode.subdirs,
    );
    et.nodes.set(node.ino, node);
    et.byPath.set(path, node.ino);
    ino = node.ino;
  }
  return vcache_get(dvp.v_mount!, ino, vpp);
}

function etfs_open(vp: Vnode, mode: number): number {
  const node = nodeOf(vp);
  if (vp.v_type !== VREG) return 0;
  const want =
    (mode & (FREAD | FWRITE)) === (FREAD | FWRITE)
      ? RUMPUSER_OPEN_RDWR
      : mode & FWRITE
        ? RUMPUSER_OPEN_WRONLY
        : RUMPUSER_OPEN_RDONLY;
  const host = hostOf(vp);
  if (node.fd >= 0 && node.fdmode !== RUMPUSER_OPEN_RDWR && node.fdmode !== want) {
    // widen to read-write
    host.close(node.fd);
    node.fd = -1;
  }
  if (node.fd < 0) {
    const fdp = { v: -1 };
    const m = node.opens > 0 ? RUMPUSER_OPEN_RDWR : want;
    const error = host.open(node.hostpath, m, fdp);
    if (error !== 0) return error;
    node.fd = fdp.v;
    node.fdmode = m;
  }
  node.opens++;
  return 0;
}

function etfs_close(vp: Vnode): number {
  const node = nodeOf(vp);
  if (vp.v_type !== VREG || node.opens === 0) return 0;
  if (--node.opens === 0 && node.fd >= 0) {
    const error = hostOf(vp).close(node.fd);
    node.fd = -1;
    return error;
  }
  return 0;
}

function etfs_read(vp: Vnode, uio: Uio): number {
  const node = nodeOf(vp);
  if (vp.v_type === VDIR) return EISDIR;
  if (node.fd < 0) return EINVAL;
  const size = hostSize(vp, node);
  if (uio.uio_offset >= size) return 0;
  const n = Math.min(uio.uio_resid, size - uio.uio_offset);
  return hostTransfer(vp, node, uio, n, false);
}

function etfs_write(vp: Vnode, uio: Uio): number {
  const node = nodeOf(vp);
  if (vp.v_type === VDIR) return EISDIR;
  if (node.fd < 0) return EINVAL;
  let n = uio.uio_resid;
  if (node.size !== RUMP_ETFS_SIZE_ENDOFF) {
    if (uio.uio_offset >= node.size) return EFBIG;
    n = Math.min(n, node.size - uio.uio_offset);
  }
  return hostTransfer(vp, node, uio, n, true);
}

/** Move `n` bytes between the uio and the host file at begin + offset. */
function hostTransfer(vp: Vnode, node: EtfsNode, uio: Uio, n: number, write: boolean): number {
  const host = hostOf(vp);
  const retv = { v: 0 };
  while (n > 0) {
    const iov = uio.uio_iov[uio.uio_iovidx];
    if (iov === undefined) break;
    const avail = iov.length - uio.uio_iovoff;
    if (avail <= 0) {
      uio.uio_iovidx++;
      uio.uio_iovoff = 0;
      continue;
    }
    const cnt = Math.min(avail, n);
    const chunk = iov.subarray(uio.uio_iovoff, uio.uio_iovoff + cnt);
    const off = node.begin + uio.uio_offset;
    const error = write
      ? host.iovwrite(node.fd, [chunk], off, retv)
      : host.iovread(node.fd, [chunk], off, retv);
    if (error !== 0) return error;
    uio.uio_iovoff += retv.v;
    uio.uio_offset += retv.v;
    uio.uio_resid -= retv.v;
    n -= retv.v;
    if (retv.v < cnt) break; // short transfer: end of the host file
  }
  return 0;
}

function etfs_getattr(vp: Vnode, vap: Vattr): number {
  const node = nodeOf(vp);
  const k = vp.v_mount!.mnt_kernel as Kernel;
  vap.null();
  vap.va_type = vp.v_type;
  vap.va_mode = 0o755;
  vap.va_nlink = vp.v_type === VDIR ? 2 : 1;
  vap.va_uid = 0;
  vap.va_gid = 0;
  vap.va_fsid = vp.v_mount!.mnt_stat.f_fsidx[0];
  vap.va_fileid = node.ino;
  const isDev = vp.v_type === VBLK || vp.v_type === VCHR;
  vap.va_size = vp.v_type === VDIR ? 512 : isDev ? 0 : hostSize(vp, node);
  vap.va_blocksize = 512;
  k.nanotime(vap.va_atime);
  vap.va_mtime.tv_sec = vap.va_ctime.tv_sec = vap.va_birthtime.tv_sec = k.boottime.tv_sec;
  vap.va_mtime.tv_nsec = vap.va_ctime.tv_nsec = vap.va_birthtime.tv_nsec = k.boottime.tv_nsec;
  vap.va_gen = 0;
  vap.va_flags = 0;
  vap.va_rdev = isDev ? node.rdev : VNOVAL;
  vap.va_bytes = vap.va_size;
  return 0;
}

function etfs_setattr(vp: Vnode, vap: Vattr): number {
  // attributes of host files are the host's business
  if (vap.va_size !== VNOVAL && vp.v_type === VREG) return EOPNOTSUPP;
  return EOPNOTSUPP;
}

function etfs_access(vp: Vnode, mode: number, cred: Kauth_cred): number {
  return genfs_can_access(vp.v_type, 0o755, 0, 0, mode, cred);
}

function etfs_readdir(vp: Vnode, uio: Uio, _cred: Kauth_cred, eofflag: Out<number>): number {
  if (vp.v_type !== VDIR) return ENOTDIR;
  if (uio.uio_rw !== UIO_READ) return EINVAL;
  const node = nodeOf(vp);
  // "." (cookie 0) and ".." (cookie 1); the host has no listing hypercall
  let cookie = uio.uio_offset;
  if (uio.uio_resid < DIRENT_RECLEN(2)) return EINVAL;
  if (cookie === 0 && dirent_append(uio, node.ino, 4, ".")) cookie = 1;
  if (cookie === 1 && dirent_append(uio, node.ino, 4, "..")) cookie = 2;
  uio.uio_offset = cookie;
  eofflag.v = cookie >= 2 ? 1 : 0;
  return 0;
}

function etfs_fsync(vp: Vnode): number {
  const node = nodeOf(vp);
  if (node.fd < 0) return 0;
  return hostOf(vp).syncfd(node.fd, RUMPUSER_SYNCFD_WRITE | RUMPUSER_SYNCFD_SYNC, 0, 0);
}

function etfs_inactive(vp: Vnode, recycle: Out<boolean>): number {
  recycle.v = false;
  return genfs_unlock(vp);
}

function etfs_reclaim(vp: Vnode): number {
  const node = nodeOf(vp);
  vinvalbuf(vp);
  if (node.fd >= 0) {
    hostOf(vp).close(node.fd);
    node.fd = -1;
    node.opens = 0;
  }
  return 0;
}

etfs_vnodeop_opv.entries = [
  [vop_default_desc, vn_default_error],
  [vop_lookup_desc, etfs_lookup_vop],
  [vop_open_desc, etfs_open],
  [vop_close_desc, etfs_close],
  [vop_access_desc, etfs_access],
  [vop_getattr_desc, etfs_getattr],
  [vop_setattr_desc, etfs_setattr],
  [vop_read_desc, etfs_read],
  [vop_write_desc, etfs_write],
  [vop_readdir_desc, etfs_readdir],
  [vop_fsync_desc, etfs_fsync],
  [vop_seek_desc, genfs_seek],
  [vop_poll_desc, genfs_poll],
  [vop_abortop_desc, genfs_abortop],
  [vop_inactive_desc, etfs_inactive],
  [vop_reclaim_desc, etfs_reclaim],
  [vop_lock_desc, genfs_lock],
  [vop_unlock_desc, genfs_unlock],
  [vop_islocked_desc, genfs_islocked],
  [vop_pathconf_desc, specfs_pathconf],
  [vop_print_desc, genfs_nullop],
  [vop_putpages_desc, genfs_nullop],
  [vop_advlock_desc, genfs_eopnotsupp],
] as unknown as VnodeOpvEntry[];

/** Device keys: specfs does the I/O; etfs supplies attributes and the life cycle. */
etfs_specop_opv.entries = [
  ...spec_vnodeop_entries,
  [vop_access_desc, etfs_access],
  [vop_getattr_desc, etfs_getattr],
  [vop_setattr_desc, etfs_setattr],
  [vop_inactive_desc, etfs_inactive],
  [vop_reclaim_desc, etfs_reclaim],
  [vop_lock_desc, genfs_lock],
  [vop_unlock_desc, genfs_unlock],
  [vop_islocked_desc, genfs_islocked],
] as unknown as VnodeOpvEntry[];
