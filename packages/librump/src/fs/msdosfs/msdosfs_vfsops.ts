/**
 * msdosfs file-system operations (msdosfs_vfsops.c): mount from a block
 * device named by struct msdosfs_args, the BPB gate, FSInfo, the map of
 * clusters in use, unmount, root, statvfs and sync.
 *
 * Read-write: the clean-shutdown bit of FAT16/FAT32 is cleared while
 * mounted read-write and set again at a clean unmount (a volume found
 * dirty is mounted with a console warning, as Linux and Windows do; it
 * stays dirty only if the unmount cannot write); FSInfo's free count and
 * next-free hint are written from the map at sync and unmount; the FAT
 * copies are brought into step at every sync. MNT_UPDATE switches between
 * read-only and read-write.
 */
import {
  ALLPERMS,
  EBUSY,
  EFTYPE,
  EINVAL,
  EIO,
  ENOENT,
  ENOTBLK,
  EOPNOTSUPP,
  ESTALE,
  MNT_FORCE,
  MNT_GETARGS,
  MNT_LOCAL,
  MNT_RDONLY,
  MNT_UPDATE,
  MNT_WAIT,
} from "../../gen/constants.js";
import { VOP_CLOSE, VOP_GETATTR, VOP_OPEN, VOP_UNLOCK } from "../../gen/vnode_if.js";
import type { Kernel } from "../../kern/kernel.js";
import { FREAD, FWRITE } from "../../kern/sys_file.js";
import { bread, brelse, vflushbuf, vinvalbuf } from "../../kern/vfs_bio.js";
import { vfs_opv_vectors } from "../../kern/vfs_init.js";
import { namei, Nameidata } from "../../kern/vfs_lookup.js";
import { vcache_get, vcache_vnodes, vflush, vn_lock, vput, vrele } from "../../kern/vfs_vnode.js";
import { genfs_dev_writable, genfs_mount_fspec } from "../../miscfs/genfs/genfs_mount.js";
import { BC_INVAL, type Buf } from "../../sys/buf.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { Mount, Vfsops } from "../../sys/mount.js";
import { FOLLOW, LOCKLEAF, LOOKUP } from "../../sys/namei.js";
import type { Out } from "../../sys/out.js";
import type { Statvfs } from "../../sys/stat.js";
import { Vattr } from "../../sys/vattr.js";
import {
  LK_EXCLUSIVE,
  LK_RETRY,
  LK_SHARED,
  VBLK,
  type Vnode,
  type VnodeOut,
} from "../../sys/vnode.js";
import { FSI_NXTFREE, fsinfo_valid } from "./bootsect.js";
import { msdosfs_bpb_validate } from "./bpb.js";
import { VTODE, type Denode } from "./denode.js";
import { ATTR_WIN95, DIRENT_SIZE, SLOT_DELETED, SLOT_EMPTY, rd32 } from "./direntry.js";
import { deupdat, msdosfs_loadvnode } from "./msdosfs_denode.js";
import {
  fat_iscluster,
  fat_mirror,
  fat_setclean,
  fillinusemap,
  freeinusemap,
  msdosfs_fsinfo_update,
} from "./msdosfs_fat.js";
import { msdosfs_vnodeop_entries } from "./msdosfs_vnops.js";
import {
  MSDOSFSMNT_GEMDOSFS,
  MSDOSFSMNT_LONGNAME,
  MSDOSFSMNT_MNTOPT,
  MSDOSFSMNT_NOWIN95,
  MSDOSFSMNT_SHORTNAME,
  MSDOSFSMNT_UTF8,
  MSDOSFSMNT_VERSION,
  MSDOSFSMNT_VERSIONED,
  MSDOSFS_ARGS_SIZE,
  MSDOSFS_ORPHAN_BASE,
  MSDOSFS_ROOT_KEY,
  MsdosfsMount,
  type MsdosfsArgs,
} from "./msdosfsmount.js";

/** The mount arguments in force, NetBSD's versioning rules applied. */
interface Margs {
  uid: number;
  gid: number;
  mask: number;
  dirmask: number;
  gmtoff: number;
  flags: number;
}

const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/**
 * The arguments of `args`: unversioned ones (no MSDOSFSMNT_VERSIONED) have
 * dirmask = mask; before version 3 there is no gmtoff. Fields a JavaScript
 * caller left out: uid, gid and mask from the mount point (what
 * mount_msdos passes), flags MSDOSFSMNT_UTF8 | MSDOSFSMNT_LONGNAME.
 */
function msdosfs_args(mp: Mount, args: MsdosfsArgs): Margs {
  let uid = 0;
  let gid = 0;
  let mode = 0o755;
  const covered = mp.mnt_vnodecovered;
  if (covered !== null && (!isNum(args.uid) || !isNum(args.gid) || !isNum(args.mask))) {
    const va = new Vattr();
    vn_lock(covered, LK_SHARED | LK_RETRY);
    if (VOP_GETATTR(covered, va, (mp.mnt_kernel as Kernel).lwp.l_cred) === 0) {
      uid = va.va_uid;
      gid = va.va_gid;
      mode = va.va_mode & ALLPERMS;
    }
    VOP_UNLOCK(covered);
  }
  const flags = isNum(args.flags)
    ? args.flags >>> 0
    : MSDOSFSMNT_UTF8 | MSDOSFSMNT_LONGNAME | MSDOSFSMNT_VERSIONED;
  const mask = isNum(args.mask) ? args.mask & ALLPERMS : mode;
  const versioned = (flags & MSDOSFSMNT_VERSIONED) !== 0 || !isNum(args.flags);
  const version = versioned ? (isNum(args.version) ? args.version : MSDOSFSMNT_VERSION) : 1;
  return {
    uid: isNum(args.uid) ? args.uid >>> 0 : uid,
    gid: isNum(args.gid) ? args.gid >>> 0 : gid,
    mask,
    dirmask: versioned && isNum(args.dirmask) ? args.dirmask & ALLPERMS : mask,
    gmtoff: version >= 3 && isNum(args.gmtoff) ? Math.trunc(args.gmtoff) : 0,
    flags,
  };
}

/** update_mp: the arguments into the mount; NOWIN95 implies SHORTNAME. */
function update_mp(pmp: MsdosfsMount, a: Margs): void {
  pmp.pm_uid = a.uid;
  pmp.pm_gid = a.gid;
  pmp.pm_mask = a.mask;
  pmp.pm_dirmask = a.dirmask;
  pmp.pm_gmtoff = a.gmtoff;
  pmp.pm_flags = (pmp.pm_flags & ~MSDOSFSMNT_MNTOPT) | (a.flags & MSDOSFSMNT_MNTOPT);
  if (pmp.pm_flags & MSDOSFSMNT_NOWIN95) pmp.pm_flags |= MSDOSFSMNT_SHORTNAME;
}

/** VFS_MOUNT */
export function msdosfs_mount(mp: Mount, _path: string, data: unknown, _dataLen: number): number {
  if (data === null || typeof data !== "object") return EINVAL;
  const args = data as MsdosfsArgs;
  if (mp.mnt_flag & MNT_GETARGS) {
    const pmp = mp.mnt_data as MsdosfsMount | null;
    if (pmp === null) return EIO;
    args.fspec = null;
    args.uid = pmp.pm_uid;
    args.gid = pmp.pm_gid;
    args.mask = pmp.pm_mask;
    args.flags = pmp.pm_flags & MSDOSFSMNT_MNTOPT;
    args.version = MSDOSFSMNT_VERSION;
    args.dirmask = pmp.pm_dirmask;
    args.gmtoff = pmp.pm_gmtoff;
    return 0;
  }
  const a = msdosfs_args(mp, args);
  if (a.flags & MSDOSFSMNT_GEMDOSFS) {
    (mp.mnt_kernel as Kernel).printf("msdosfs: GEMDOS file systems are not supported\n");
    return EOPNOTSUPP;
  }
  if (mp.mnt_flag & MNT_UPDATE) {
    const pmp = mp.mnt_data as MsdosfsMount | null;
    if (pmp === null) return EINVAL;
    const wantRo = (mp.mnt_flag & MNT_RDONLY) !== 0;
    if (wantRo && !pmp.pm_ronly) {
      let error = msdosfs_sync(mp, MNT_WAIT, pmp.pm_kernel.lwp.l_cred);
      if (error === 0) error = fat_setclean(pmp, true, null);
      if (error === 0) error = vflushbuf(pmp.pm_devvp);
      if (error !== 0) return error;
      pmp.pm_ronly = true;
    } else if (!wantRo && pmp.pm_ronly) {
      let error = genfs_dev_writable(pmp.pm_kernel, pmp.pm_devvp, "msdosfs", pmp.pm_fspec);
      if (error !== 0) return error;
      pmp.pm_ronly = false;
      error = msdosfs_markdirty(pmp);
      if (error !== 0) return error;
    }
    if (isNum(args.uid) || isNum(args.mask) || isNum(args.flags)) update_mp(pmp, a);
    return 0;
  }
  const k = mp.mnt_kernel as Kernel;
  const fspec = genfs_mount_fspec(data);
  if (fspec === null) return EINVAL;
  const ronly = (mp.mnt_flag & MNT_RDONLY) !== 0;
  const l = k.lwp;
  const nd = new Nameidata(fspec, LOOKUP, FOLLOW | LOCKLEAF, l.l_cred);
  let error = namei(l, nd);
  if (error !== 0) return error;
  const devvp = nd.ni_vp!;
  if (devvp.v_type !== VBLK) {
    vput(devvp);
    return ENOTBLK;
  }
  for (const other of k.vfs.mountlist) {
    const o = other.mnt_data as { um_devvp?: unknown; pm_devvp?: unknown } | null;
    if (o !== null && typeof o === "object" && (o.um_devvp === devvp || o.pm_devvp === devvp)) {
      vput(devvp);
      return EBUSY;
    }
  }
  const fflag = FREAD | (ronly ? 0 : FWRITE);
  error = VOP_OPEN(devvp, fflag, l.l_cred);
  if (error !== 0) {
    vput(devvp);
    return error;
  }
  VOP_UNLOCK(devvp);
  error = msdosfs_mountfs(mp, k, devvp, fspec, ronly, a);
  if (error !== 0) {
    vn_lock(devvp, LK_EXCLUSIVE | LK_RETRY);
    VOP_CLOSE(devvp, fflag, l.l_cred);
    VOP_UNLOCK(devvp);
    vinvalbuf(devvp);
    vrele(devvp);
  }
  return error;
}

/**
 * findwin95: does the root directory show long names are in use? (It
 * does when it has a long-name entry, or nothing but deleted entries.)
 */
function findwin95(pmp: MsdosfsMount, root: Denode): boolean {
  const g = pmp.pm_geom;
  const bpp = pmp.pm_bpp;
  let win95 = true;
  const size = root.de_FileSize;
  const bpc = g.bpcluster;
  for (let off = 0; off < size; off += bpc) {
    // the root region (FAT12/16) or the first clusters (FAT32), read directly
    const blk = pmp.fat32 ? -1 : pmp.secblk(g.rootdirblk) + (off / bpc) * g.spc * pmp.pm_secblks;
    if (blk < 0) return true;
    const len = Math.min(bpc, size - off);
    if (bread(pmp.pm_devvp, blk, len, bpp) !== 0) return win95;
    const b = bpp.v!.b_data;
    for (let o = 0; o + DIRENT_SIZE <= len; o += DIRENT_SIZE) {
      const c0 = b[o]!;
      if (c0 === SLOT_EMPTY) {
        brelse(bpp.v!, 0);
        bpp.v = null;
        return win95;
      }
      if (c0 === SLOT_DELETED) continue;
      if (b[o + 11] === ATTR_WIN95) {
        brelse(bpp.v!, 0);
        bpp.v = null;
        return true;
      }
      win95 = false;
    }
    brelse(bpp.v!, 0);
    bpp.v = null;
  }
  return win95;
}

/** Read the boot sector through the BPB gate, FSInfo and the FAT; set up the mount. */
function msdosfs_mountfs(
  mp: Mount,
  k: Kernel,
  devvp: Vnode,
  fspec: string,
  ronly: boolean,
  a: Margs,
): number {
  vflushbuf(devvp);
  vinvalbuf(devvp);
  const bpp = { v: null as Buf | null };
  const mediasize = devvp.v_size;
  if (mediasize > 0 && mediasize < 512) {
    k.printf(`msdosfs ${fspec}: device too small for a boot sector\n`);
    return EFTYPE;
  }
  let error = bread(devvp, 0, 512, bpp);
  if (error !== 0) return error;
  const boot = bpp.v!.b_data.slice(0, 512);
  brelse(bpp.v!, BC_INVAL);
  bpp.v = null;
  const [vnodeop] = vfs_opv_vectors(mp.mnt_op);
  const pmp = new MsdosfsMount(mp, k, devvp, fspec, ronly, vnodeop);
  const why = msdosfs_bpb_validate(boot, mediasize, pmp.pm_geom);
  if (why !== null) {
    k.printf(`msdosfs ${fspec}: not a usable FAT file system: ${why}\n`);
    return EFTYPE;
  }
  pmp.setup();
  update_mp(pmp, a);
  const g = pmp.pm_geom;
  if (g.fsinfo !== 0) {
    error = bread(devvp, pmp.secblk(g.fsinfo), g.bps, bpp);
    if (error !== 0) return error;
    const b = bpp.v!.b_data;
    if (fsinfo_valid(b)) {
      pmp.pm_fsinfo_ok = true;
      const nxt = rd32(b, FSI_NXTFREE);
      if (fat_iscluster(pmp, nxt)) pmp.pm_nxtfree = nxt;
    }
    brelse(bpp.v!, 0);
    bpp.v = null;
  }
  error = fillinusemap(pmp);
  if (error !== 0) {
    freeinusemap(pmp);
    vinvalbuf(devvp);
    return error;
  }
  // FSInfo is rewritten from the map at the first sync of a read-write mount
  pmp.pm_fsinfo_dirty = true;
  mp.mnt_data = pmp;
  mp.mnt_flag |= MNT_LOCAL;
  const st = mp.mnt_stat;
  st.f_mntfromname = fspec;
  st.f_iosize = g.bpcluster;
  const rvp = { vp: null as Vnode | null };
  error = vcache_get(mp, MSDOSFS_ROOT_KEY, rvp);
  if (error === 0 && (pmp.pm_flags & (MSDOSFSMNT_SHORTNAME | MSDOSFSMNT_LONGNAME)) === 0) {
    // NetBSD's divination: FAT32 has long names; else the root directory says
    pmp.pm_flags |=
      pmp.fat32 || findwin95(pmp, VTODE(rvp.vp!)) ? MSDOSFSMNT_LONGNAME : MSDOSFSMNT_SHORTNAME;
  }
  if (rvp.vp !== null) vrele(rvp.vp);
  if (error === 0 && !ronly) error = msdosfs_markdirty(pmp);
  if (error !== 0) {
    vflush(mp, null, true);
    mp.mnt_data = null;
    freeinusemap(pmp);
    vinvalbuf(devvp);
    return error === ENOENT ? EFTYPE : error;
  }
  const namemax = pmp.pm_flags & MSDOSFSMNT_LONGNAME ? 255 : 12;
  st.f_namemax = namemax;
  mp.mnt_namemax = 255;
  return 0;
}

/**
 * A read-write mount begins: the clean bit goes (written at once to every
 * FAT). A volume that was already dirty is said so on the console.
 */
function msdosfs_markdirty(pmp: MsdosfsMount): number {
  const was = { v: true };
  const error = fat_setclean(pmp, false, was);
  if (error !== 0) return error;
  if (!was.v) {
    pmp.pm_wasdirty = true;
    pmp.pm_kernel.printf(
      `msdosfs ${pmp.pm_fspec}: volume was not unmounted cleanly; some data may be damaged (run fsck.fat)\n`,
    );
  }
  return vflushbuf(pmp.pm_devvp);
}

/** VFS_START */
function msdosfs_start(_mp: Mount, _flags: number): number {
  return 0;
}

/** VFS_UNMOUNT: flush the vnodes, bring every FAT and FSInfo up to date, set the clean bit. */
export function msdosfs_unmount(mp: Mount, mntflags: number): number {
  const error = vflush(mp, null, (mntflags & MNT_FORCE) !== 0);
  if (error !== 0) return error;
  const pmp = mp.mnt_data as MsdosfsMount | null;
  if (pmp === null) return 0;
  const devvp = pmp.pm_devvp;
  const k = pmp.pm_kernel;
  if (!pmp.pm_ronly) {
    let werr = fat_mirror(pmp, false);
    const e2 = msdosfs_fsinfo_update(pmp, false);
    const e3 = vflushbuf(devvp);
    if (werr === 0) werr = e2 !== 0 ? e2 : e3;
    // everything is out: the volume is clean again
    if (werr === 0) werr = fat_setclean(pmp, true, null);
    if (werr === 0) werr = vflushbuf(devvp);
    if (werr !== 0) {
      k.printf(
        `msdosfs ${pmp.pm_fspec}: write error ${werr} at unmount; the volume is left dirty\n`,
      );
      if ((mntflags & MNT_FORCE) === 0) return werr;
    }
  } else {
    vflushbuf(devvp);
  }
  vn_lock(devvp, LK_EXCLUSIVE | LK_RETRY);
  VOP_CLOSE(devvp, FREAD | (pmp.pm_ronly ? 0 : FWRITE), k.lwp.l_cred);
  VOP_UNLOCK(devvp);
  vinvalbuf(devvp);
  vrele(devvp);
  freeinusemap(pmp);
  mp.mnt_data = null;
  return 0;
}

function lockIfAsked(vpp: VnodeOut, lktype: number): number {
  if (lktype === 0) return 0;
  const error = vn_lock(vpp.vp!, lktype);
  if (error !== 0) {
    vrele(vpp.vp!);
    vpp.vp = null;
  }
  return error;
}

/** VFS_ROOT */
export function msdosfs_root(mp: Mount, lktype: number, vpp: VnodeOut): number {
  const error = vcache_get(mp, MSDOSFS_ROOT_KEY, vpp);
  if (error !== 0) return error;
  return lockIfAsked(vpp, lktype);
}

/** VFS_STATVFS: clusters as blocks; "files" are the root's entries (as NetBSD). */
export function msdosfs_statvfs(mp: Mount, sbp: Statvfs): number {
  const pmp = mp.mnt_data as MsdosfsMount;
  const g = pmp.pm_geom;
  sbp.f_bsize = g.bpcluster;
  sbp.f_frsize = g.bpcluster;
  sbp.f_iosize = g.bpcluster;
  sbp.f_blocks = g.nclusters;
  sbp.f_bfree = pmp.pm_freeclustercount;
  sbp.f_bavail = pmp.pm_freeclustercount;
  sbp.f_bresvd = 0;
  sbp.f_files = g.rootdirents;
  sbp.f_ffree = 0;
  sbp.f_favail = 0;
  sbp.f_fresvd = 0;
  sbp.f_namemax = pmp.pm_flags & MSDOSFSMNT_LONGNAME ? 255 : 12;
  return 0;
}

/**
 * VFS_SYNC: every changed entry, the FAT copies, FSInfo, then every dirty
 * buffer of the device.
 */
export function msdosfs_sync(mp: Mount, _waitfor: number, _cred: Kauth_cred): number {
  const pmp = mp.mnt_data as MsdosfsMount | null;
  if (pmp === null || pmp.pm_ronly) return 0;
  let error = 0;
  for (const vp of vcache_vnodes(mp)) {
    const dep = vp.v_data as Denode | null;
    if (dep === null || dep.de_flag === 0) continue;
    const e = deupdat(dep, false);
    if (e !== 0 && error === 0) error = e;
  }
  const e1 = fat_mirror(pmp, false);
  const e2 = msdosfs_fsinfo_update(pmp, false);
  const e3 = vflushbuf(pmp.pm_devvp);
  if (error === 0) error = e1 !== 0 ? e1 : e2 !== 0 ? e2 : e3;
  return error;
}

/** VFS_VGET: FAT has no inode numbers to look up by (NetBSD: EOPNOTSUPP). */
function msdosfs_vget(_mp: Mount, _ino: number, _lktype: number, vpp: VnodeOut): number {
  vpp.vp = null;
  return EOPNOTSUPP;
}

/** VFS_NEWVNODE: entries are made by createde, their vnodes loaded by key. */
function msdosfs_newvnode(): number {
  return EOPNOTSUPP;
}

/** File handle: fid_len u16, pad u16, then the vnode key as a double. */
const MSDOSFS_FID_SIZE = 12;

function msdosfs_fhtovp(mp: Mount, fid: Uint8Array, lktype: number, vpp: VnodeOut): number {
  vpp.vp = null;
  if (fid.length < MSDOSFS_FID_SIZE) return EINVAL;
  const dv = new DataView(fid.buffer, fid.byteOffset, fid.byteLength);
  if (dv.getUint16(0, true) !== MSDOSFS_FID_SIZE) return EINVAL;
  const key = dv.getFloat64(4, true);
  if (!Number.isInteger(key) || key >= MSDOSFS_ORPHAN_BASE) return ESTALE;
  const error = vcache_get(mp, key, vpp);
  if (error !== 0) return error === ENOENT ? ESTALE : error;
  return lockIfAsked(vpp, lktype);
}

function msdosfs_vptofh(vp: Vnode, fid: Out<Uint8Array | null>): number {
  const b = new Uint8Array(MSDOSFS_FID_SIZE);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, MSDOSFS_FID_SIZE, true);
  dv.setFloat64(4, vp.v_key, true);
  fid.v = b;
  return 0;
}

/** The "msdos" type (MOUNT_MSDOS). */
export const msdosfs_vfsops: Vfsops = {
  vfs_name: "msdos",
  vfs_min_mount_data: MSDOSFS_ARGS_SIZE,
  vfs_mount: msdosfs_mount,
  vfs_start: msdosfs_start,
  vfs_unmount: msdosfs_unmount,
  vfs_root: msdosfs_root,
  vfs_statvfs: msdosfs_statvfs,
  vfs_sync: msdosfs_sync,
  vfs_vget: msdosfs_vget,
  vfs_loadvnode: msdosfs_loadvnode,
  vfs_newvnode: msdosfs_newvnode,
  vfs_fhtovp: msdosfs_fhtovp,
  vfs_vptofh: msdosfs_vptofh,
  vfs_opv_descs: [
    { vector: [], entries: msdosfs_vnodeop_entries },
    { vector: [], entries: msdosfs_vnodeop_entries },
    { vector: [], entries: msdosfs_vnodeop_entries },
  ],
};
