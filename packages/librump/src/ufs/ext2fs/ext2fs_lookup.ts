/**
 * Directories (ext2fs_lookup.c): reading directory blocks with every entry
 * checked (ext2fs_dirbadentry), finding a name, VOP_LOOKUP with the name
 * cache, VOP_READDIR, and changing directories (ext2fs_direnter,
 * ext2fs_dirremove, ext2fs_dirrewrite, ext2fs_dirempty, ext2fs_checkpath).
 * Indexed (dir_index) directories are looked up through their hash index
 * (ext2fs_htree.ts) and read as the linear directories they also are: the
 * index blocks look like one empty entry spanning the block. Removing or
 * re-pointing an entry keeps an index valid; adding one drops the
 * directory's index flag (ext2 allows that; with metadata_csum the index
 * blocks become empty leaf blocks with a checksum tail). Large directories
 * get a name hash (i_dirhash) so that lookups there do not rescan them.
 *
 * metadata_csum: a leaf block's entries end 12 bytes early, at a tail
 * holding the block's checksum; index blocks end in a dx tail. Both are
 * verified when a block comes from the disk and set when it is written
 * (the buffer's b_wrhook). Inline directories (ext2fs_inline.ts) are one
 * synthetic block read from the inode.
 */
import {
  EFBIG,
  EINVAL,
  EJUSTRETURN,
  ENAMETOOLONG,
  ENOENT,
  ENOTDIR,
  EPERM,
  EROFS,
  MNT_RDONLY,
  S_ISTXT,
} from "../../gen/constants.js";
import { bdwrite, bread, brelse, incore } from "../../kern/vfs_bio.js";
import { cache_enter, cache_lookup, CACHE_HIT, CACHE_NEGATIVE } from "../../kern/vfs_cache.js";
import { vcache_get, vref, vrele } from "../../kern/vfs_vnode.js";
import { genfs_can_sticky, VEXEC, VWRITE } from "../../miscfs/genfs/genfs_vnops.js";
import { BC_INVAL, BO_DONE, type Buf } from "../../sys/buf.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import {
  DT_BLK,
  DT_CHR,
  DT_DIR,
  DT_FIFO,
  DT_LNK,
  DT_REG,
  DT_SOCK,
  DT_UNKNOWN,
  dirent_append,
} from "../../sys/dirent.js";
import {
  CREATE,
  DELETE,
  ISLASTCN,
  LOOKUP,
  OPMASK,
  RENAME,
  type ComponentName,
} from "../../sys/namei.js";
import type { Out } from "../../sys/out.js";
import type { Uio } from "../../sys/uio.js";
import { VDIR, VLNK, type Vnode, type VnodeOut } from "../../sys/vnode.js";
import {
  e2_rd16,
  e2_wr32,
  e2fs_direct_set_ino,
  e2fs_direct_set_reclen,
  e2fs_direct_write,
  EXT2_DIR_REC_LEN,
  EXT2_INDEX,
  EXT2_ROOTINO,
  e2fs_dirblk_check,
  e2fs_direct_name,
  e2fs_direct_namecmp,
  e2fs_direct_parse,
  EXT2_FT_BLKDEV,
  EXT2_FT_CHRDEV,
  EXT2_FT_DIR,
  EXT2_FT_FIFO,
  EXT2_FT_REG_FILE,
  EXT2_FT_SOCK,
  EXT2_FT_SYMLINK,
  EXT2_IFBLK,
  EXT2_IFCHR,
  EXT2_IFDIR,
  EXT2_IFIFO,
  EXT2_IFLNK,
  EXT2_IFMT,
  EXT2_IFREG,
  EXT2_IFSOCK,
  EXT2_MAXNAMLEN,
  EXT2F_COMPAT_DIR_INDEX,
  EXT2F_ROCOMPAT_DIR_NLINK,
} from "./ext2fs.js";
import {
  E2DirCsum,
  ext2fs_dirleaf_csum_verify,
  ext2fs_dirtail_init,
  ext2fs_dirtail_ok,
  ext2fs_dx_countoff,
  ext2fs_dx_csum_verify,
  ext2fs_inode_seed,
} from "./ext2fs_csum.js";
import {
  DX_NODE_ENTRIES,
  DX_ROOT_ENTRIES,
  ext2fs_dirhash,
  ext2fs_dx_block,
  ext2fs_dx_check_entries,
  ext2fs_dx_check_root,
  ext2fs_dx_hash,
  ext2fs_dx_hashversion,
  ext2fs_dx_node_limit,
  ext2fs_dx_root_limit,
  ext2fs_dx_search,
} from "./ext2fs_htree.js";
import { ext2fs_bmap } from "./ext2fs_bmap.js";
import { ext2fs_balloc, ext2fs_inline_release } from "./ext2fs_inode.js";
import {
  e2_fsbtodb,
  ext2fs_corrupt,
  IN_CHANGE,
  IN_UPDATE,
  VFSTOE2MP,
  VTOE2I,
  type E2Inode,
  type Ext2Mount,
  ext2fs_access,
} from "./ext2fs_extern.js";

/** How a directory block is laid out (ext2fs_dirblk_kind). */
const DIRBLK_LEAF = 0;
const DIRBLK_DXROOT = 1;
const DIRBLK_DXNODE = 2;

/** Is `ip` an indexed directory whose index we use (EXT2_INDEX on a dir_index file system)? */
export function ext2fs_isdx(ip: E2Inode): boolean {
  const fs = ip.i_ump.um_e2fs;
  return (
    (ip.i_din.e2di_flags & EXT2_INDEX) !== 0 &&
    fs.e2fs_rev >= 1 &&
    (fs.e2fs_features_compat & EXT2F_COMPAT_DIR_INDEX) !== 0 &&
    ip.i_inline === null
  );
}

/**
 * Block `lbn` (bytes `b`) of directory `ip`: a leaf, or (in an indexed
 * directory) the index root (block 0) or an interior index block (one
 * empty entry spanning the block), as Linux tells them apart.
 */
function ext2fs_dirblk_kind(ip: E2Inode, lbn: number, b: Uint8Array): number {
  if (!ext2fs_isdx(ip)) return DIRBLK_LEAF;
  const bsize = ip.i_ump.um_e2fs.e2fs_bsize;
  const coff = ext2fs_dx_countoff(b, bsize);
  if (lbn === 0) return coff === DX_ROOT_ENTRIES ? DIRBLK_DXROOT : DIRBLK_LEAF;
  return coff === DX_NODE_ENTRIES ? DIRBLK_DXNODE : DIRBLK_LEAF;
}

/** The write hook of `ip`'s directory blocks (metadata_csum), made on first use. */
function dirhook(ip: E2Inode): E2DirCsum | null {
  if (!ip.i_ump.um_e2fs.e2fs_metacsum) return null;
  if (ip.i_dirhook === null) ip.i_dirhook = new E2DirCsum(ip);
  return ip.i_dirhook as E2DirCsum;
}

/**
 * A directory block the directory code changed: written behind, keeping
 * its "checked" mark, its checksum set at write time.
 */
export function ext2fs_dirblk_dirty(ip: E2Inode, bp: Buf): void {
  bp.b_private = ip.i_ump;
  bp.b_wrhook = dirhook(ip);
  bdwrite(bp);
}

/**
 * Read logical block `lbn` of directory `ip` with every entry checked
 * (and, from the disk, its checksum). On success bpp.v holds the busy
 * buffer (null for an inline directory's synthetic block), and
 * ump.um_dirdata / um_dirend the bytes and where their entries end (the
 * block size, less a leaf's checksum tail).
 */
export function ext2fs_dirblk_read(ip: E2Inode, lbn: number, bpp: Out<Buf | null>): number {
  const ump = ip.i_ump;
  const fs = ump.um_e2fs;
  const bsize = fs.e2fs_bsize;
  bpp.v = null;
  if (ip.i_inline !== null) {
    if (lbn !== 0)
      return ext2fs_corrupt(ump, `directory inode ${ip.i_number}: inline, no block ${lbn}`);
    ump.um_dirdata = ip.i_inline;
    ump.um_dirend = ip.i_inline.length;
    return 0;
  }
  const bn = { v: 0 };
  let error = ext2fs_bmap(ip, lbn, bn);
  if (error !== 0) return error;
  if (bn.v === 0)
    return ext2fs_corrupt(ump, `directory inode ${ip.i_number}: hole at block ${lbn}`);
  // a block checked before and changed since only by the directory code
  // (which writes sane entries: e2_bdwrite drops the mark) is not checked again
  const blkno = e2_fsbtodb(ump, bn.v);
  const cached = incore(ump.um_devvp, blkno);
  const done = cached !== null && (cached.b_oflags & BO_DONE) !== 0;
  const checked = done && cached.b_private === ump;
  error = bread(ump.um_devvp, blkno, bsize, bpp);
  if (error !== 0) return error;
  const b = bpp.v!.b_data;
  const kind = ext2fs_dirblk_kind(ip, lbn, b);
  const end = kind === DIRBLK_LEAF ? ump.um_dirblksiz : bsize;
  ump.um_dirdata = b;
  ump.um_dirend = end;
  if (checked) return 0;
  let why = e2fs_dirblk_check(b, end, ump.um_ftype, fs.e2fs_icount, ump.um_direct);
  if (why === null && fs.e2fs_metacsum) {
    const seed = ext2fs_inode_seed(fs, ip.i_number, ip.i_din.e2di_gen);
    if (kind === DIRBLK_LEAF) {
      if (!ext2fs_dirtail_ok(b, bsize)) why = "no checksum tail";
      else if (!done && !ext2fs_dirleaf_csum_verify(seed, b, bsize)) why = "fails its checksum";
    } else if (!done) {
      const coff = kind === DIRBLK_DXROOT ? DX_ROOT_ENTRIES : DX_NODE_ENTRIES;
      if (!ext2fs_dx_csum_verify(seed, b, bsize, coff)) why = "index block fails its checksum";
    }
  }
  if (why !== null) {
    // a corrupt block is not kept: a later read sees the disk again
    brelse(bpp.v!, BC_INVAL);
    bpp.v = null;
    return ext2fs_corrupt(ump, `directory inode ${ip.i_number} block ${lbn}: ${why}`);
  }
  bpp.v!.b_private = ump;
  bpp.v!.b_wrhook = dirhook(ip);
  return 0;
}

/** Blocks of directory `ip` (an inline directory is one). */
export function ext2fs_dirnblk(ip: E2Inode): number {
  if (ip.i_inline !== null) return 1;
  return Math.ceil(ip.i_din.e2di_size / ip.i_ump.um_e2fs.e2fs_bsize);
}

/** The slot of an entry: its inode (0: absent), byte offset and the entry before it in its block. */
export interface DirSlot {
  ino: number;
  off: number;
  prev: number;
}

/**
 * Search leaf block `lbn` of `ip` for `name` into `slot` (slot.ino stays
 * 0 when it is not there).
 */
function ext2fs_dirblk_search(ip: E2Inode, lbn: number, name: string, slot: DirSlot): number {
  const ump = ip.i_ump;
  const bsize = ump.um_e2fs.e2fs_bsize;
  const d = ump.um_direct;
  const bpp = ump.um_bpp;
  const error = ext2fs_dirblk_read(ip, lbn, bpp);
  if (error !== 0) return error;
  const bp = bpp.v;
  bpp.v = null;
  const buf = ump.um_dirdata;
  const end = ump.um_dirend;
  let off = 0;
  let prev = -1;
  while (off < end) {
    e2fs_direct_parse(buf, off, ump.um_ftype, bsize, d);
    if (d.e2d_ino !== 0 && e2fs_direct_namecmp(buf, off, d.e2d_namlen, name)) {
      slot.ino = d.e2d_ino;
      slot.off = lbn * bsize + off;
      slot.prev = prev < 0 ? -1 : lbn * bsize + prev;
      break;
    }
    prev = off;
    off += d.e2d_reclen;
  }
  if (bp !== null) brelse(bp, 0);
  return 0;
}

/** One level of an htree descent: the index block, where its entries are, which one was taken. */
interface DxFrame {
  lbn: number;
  coff: number;
  at: number;
  count: number;
  /** the block the entry taken names */
  child: number;
}

/**
 * Read index block `lbn` of `ip` for a descent: its entries checked
 * (limit, count, hashes, blocks inside the directory); the frame filled.
 */
function dx_frame(
  ip: E2Inode,
  lbn: number,
  root: boolean,
  hash: number,
  f: DxFrame,
  first: boolean,
): number {
  const ump = ip.i_ump;
  const fs = ump.um_e2fs;
  const bpp = ump.um_bpp;
  const error = ext2fs_dirblk_read(ip, lbn, bpp);
  if (error !== 0) return error;
  const bp = bpp.v!;
  bpp.v = null;
  const b = bp.b_data;
  const want = root ? DIRBLK_DXROOT : DIRBLK_DXNODE;
  let why: string | null = null;
  if (ext2fs_dirblk_kind(ip, lbn, b) !== want) why = `block ${lbn} is not an index block`;
  const coff = root ? DX_ROOT_ENTRIES : DX_NODE_ENTRIES;
  if (why === null)
    why = ext2fs_dx_check_entries(
      b,
      coff,
      root ? ext2fs_dx_root_limit(fs) : ext2fs_dx_node_limit(fs),
      ext2fs_dirnblk(ip),
    );
  if (why !== null) {
    brelse(bp, 0);
    return ext2fs_corrupt(ump, `directory inode ${ip.i_number}: hash index: ${why}`);
  }
  f.lbn = lbn;
  f.coff = coff;
  f.count = e2_rd16(b, coff + 2);
  f.at = first ? 0 : ext2fs_dx_search(b, coff, hash);
  f.child = ext2fs_dx_block(b, coff, f.at);
  brelse(bp, 0);
  return 0;
}

/**
 * Look `name` up in indexed directory `ip` through its hash index:
 * descend to the leaf whose range holds the name's hash, search it, and
 * go on to the next leaves while their first hash says the collision
 * continues there. slot.ino = 0 when the name is not there.
 */
function ext2fs_dx_lookup(ip: E2Inode, name: string, slot: DirSlot): number {
  const ump = ip.i_ump;
  const fs = ump.um_e2fs;
  slot.ino = 0;
  slot.off = 0;
  slot.prev = -1;
  const bpp = ump.um_bpp;
  let error = ext2fs_dirblk_read(ip, 0, bpp);
  if (error !== 0) return error;
  const info = { version: 0, levels: 0 };
  let why = ext2fs_dx_check_root(fs, bpp.v!.b_data, info);
  brelse(bpp.v!, 0);
  bpp.v = null;
  if (why !== null) return ext2fs_corrupt(ump, `directory inode ${ip.i_number}: ${why}`);
  const hash = ext2fs_dirhash(ext2fs_dx_hashversion(fs, info.version), name, fs.e2fs_hash_seed);
  const frames: DxFrame[] = [];
  for (let l = 0; l <= info.levels; l++)
    frames.push({ lbn: 0, coff: 0, at: 0, count: 0, child: 0 });
  error = dx_frame(ip, 0, true, hash, frames[0]!, false);
  for (let l = 1; error === 0 && l <= info.levels; l++)
    error = dx_frame(ip, frames[l - 1]!.child, false, hash, frames[l]!, false);
  if (error !== 0) return error;
  const nblk = ext2fs_dirnblk(ip);
  for (let steps = 0; steps < nblk; steps++) {
    error = ext2fs_dirblk_search(ip, frames[info.levels]!.child, name, slot);
    if (error !== 0 || slot.ino !== 0) return error;
    // the next leaf, if the collision goes on there
    let l = info.levels;
    while (l >= 0 && frames[l]!.at + 1 >= frames[l]!.count) l--;
    if (l < 0) return 0;
    const f = frames[l]!;
    error = ext2fs_dirblk_read(ip, f.lbn, bpp);
    if (error !== 0) return error;
    const nh = ext2fs_dx_hash(bpp.v!.b_data, f.coff, f.at + 1);
    f.child = ext2fs_dx_block(bpp.v!.b_data, f.coff, f.at + 1);
    brelse(bpp.v!, 0);
    bpp.v = null;
    if ((nh & ~1) >>> 0 !== hash) return 0;
    f.at++;
    for (let k = l + 1; k <= info.levels && error === 0; k++)
      error = dx_frame(ip, frames[k - 1]!.child, false, hash, frames[k]!, true);
    if (error !== 0) return error;
  }
  why = "the index leads round in circles";
  return ext2fs_corrupt(ump, `directory inode ${ip.i_number}: hash index: ${why}`);
}

/** Directories of at least this many blocks get a name hash on their first full scan. */
const DIRHASH_MINBLOCKS = 4;
/** Bytes charged to RUMP_MEMLIMIT per hashed name (a Map entry and a short string). */
export const DIRHASH_ENTRY_BYTES = 96;

/** Forget the name hash of directory `ip` (its memory goes back). */
export function ext2fs_dirhash_free(ip: E2Inode): void {
  if (ip.i_dirhash === null) return;
  ip.i_ump.um_kernel.memRelease(ip.i_dirhash.size * DIRHASH_ENTRY_BYTES);
  ip.i_dirhash = null;
}

/** Keep the hash in step with an entry that now names `ino` (0: removed). */
function dirhash_set(ip: E2Inode, name: string, ino: number): void {
  const h = ip.i_dirhash;
  if (h === null) return;
  const k = ip.i_ump.um_kernel;
  if (ino === 0) {
    if (h.delete(name)) k.memRelease(DIRHASH_ENTRY_BYTES);
  } else if (h.has(name)) {
    h.set(name, ino);
  } else if (k.memReserve(DIRHASH_ENTRY_BYTES)) {
    h.set(name, ino);
  } else {
    ext2fs_dirhash_free(ip); // out of memory: back to scanning
  }
}

/**
 * Find `name` in directory `ip`: slot.v = its inode (0 when absent).
 * Bounded by the directory's size; every block is checked on the way.
 * A large directory's first full scan leaves a name → inode hash (as
 * NetBSD's dirhash does for UFS), kept in step by every change of the
 * directory and charged to RUMP_MEMLIMIT; later lookups are one probe.
 */
export function ext2fs_dirlookup(ip: E2Inode, name: string, slot: Out<number>): number {
  const h = ip.i_dirhash;
  if (h !== null) {
    slot.v = h.get(name) ?? 0;
    return 0;
  }
  const ump = ip.i_ump;
  slot.v = 0;
  if (ext2fs_isdx(ip)) {
    const ds = ump.um_slot;
    const error = ext2fs_dx_lookup(ip, name, ds);
    slot.v = ds.ino;
    return error;
  }
  const fs = ump.um_e2fs;
  const bsize = fs.e2fs_bsize;
  const d = ump.um_direct;
  const bpp = ump.um_bpp;
  const nblk = ext2fs_dirnblk(ip);
  // build the hash on this scan when the directory is large enough
  let build: Map<string, number> | null = nblk >= DIRHASH_MINBLOCKS ? new Map() : null;
  for (let lbn = 0; lbn < nblk; lbn++) {
    const error = ext2fs_dirblk_read(ip, lbn, bpp);
    if (error !== 0) return error;
    const bp = bpp.v;
    bpp.v = null;
    const buf = ump.um_dirdata;
    const end = ump.um_dirend;
    let off = 0;
    while (off < end) {
      e2fs_direct_parse(buf, off, ump.um_ftype, bsize, d);
      if (d.e2d_ino !== 0) {
        if (build !== null) {
          const n = e2fs_direct_name(buf, off, d.e2d_namlen);
          if (!build.has(n)) build.set(n, d.e2d_ino);
          if (slot.v === 0 && n === name) slot.v = d.e2d_ino;
        } else if (e2fs_direct_namecmp(buf, off, d.e2d_namlen, name)) {
          slot.v = d.e2d_ino;
          if (bp !== null) brelse(bp, 0);
          return 0;
        }
      }
      off += d.e2d_reclen; // checked: >= 8, inside the block
    }
    if (bp !== null) brelse(bp, 0);
  }
  if (build !== null) {
    if (ump.um_kernel.memReserve(build.size * DIRHASH_ENTRY_BYTES)) ip.i_dirhash = build;
    build = null;
  }
  return 0;
}

/**
 * VOP_LOOKUP: dvp locked; on success *vpp referenced and unlocked (dvp
 * itself for "."). A missing last component of CREATE/RENAME answers
 * EJUSTRETURN (EROFS on a read-only mount, as does a last component of
 * DELETE/RENAME there).
 */
export function ext2fs_lookup(dvp: Vnode, vpp: VnodeOut, cnp: ComponentName): number {
  vpp.vp = null;
  if (dvp.v_type !== VDIR) return ENOTDIR;
  const mp = dvp.v_mount!;
  const dp = VTOE2I(dvp);
  const ump = VFSTOE2MP(mp);
  const name = cnp.cn_nameptr;
  const op = cnp.cn_nameiop & OPMASK;
  const lastcn = (cnp.cn_flags & ISLASTCN) !== 0;
  const cred = cnp.cn_cred;
  const rdonly = (mp.mnt_flag & MNT_RDONLY) !== 0;

  let error = ext2fs_access(dvp, VEXEC, cred);
  if (error !== 0) return error;
  if (lastcn && rdonly && (op === DELETE || op === RENAME)) return EROFS;
  if (name.length > EXT2_MAXNAMLEN) return ENAMETOOLONG;

  const modifying = lastcn && op !== LOOKUP;
  if (!(lastcn && (op === DELETE || op === RENAME))) {
    const c = cache_lookup(dvp, name, vpp, ump.um_kernel.evcnt);
    if (c === CACHE_HIT) return 0;
    if (c === CACHE_NEGATIVE && !(lastcn && op === CREATE)) return ENOENT;
  }
  if (dp.i_din.e2di_nlink <= 0 && name !== "..") return ENOENT;

  if (name === ".") {
    if (lastcn && op === RENAME) return EINVAL;
    vref(dvp);
    vpp.vp = dvp;
    return 0;
  }
  if (lastcn && op === RENAME && name === "..") return EINVAL;

  const slot = { v: 0 };
  error = ext2fs_dirlookup(dp, name, slot);
  if (error !== 0) return error;
  if (slot.v === 0) {
    if (lastcn && (op === CREATE || op === RENAME)) {
      if (rdonly) return EROFS;
      error = ext2fs_access(dvp, VWRITE, cred);
      return error !== 0 ? error : EJUSTRETURN;
    }
    if (!modifying) cache_enter(dvp, null, name);
    return ENOENT;
  }
  if (slot.v === dp.i_number && name !== "..") {
    return ext2fs_corrupt(ump, `directory inode ${dp.i_number}: entry "${name}" names itself`);
  }
  if (lastcn && (op === DELETE || op === RENAME)) {
    error = ext2fs_access(dvp, VWRITE, cred);
    if (error !== 0) return error;
  }
  error = vcache_get(mp, slot.v, vpp);
  if (error === ENOENT) {
    vpp.vp = null;
    return ext2fs_corrupt(
      ump,
      `directory inode ${dp.i_number}: entry "${name}" names unallocated inode ${slot.v}`,
    );
  }
  if (error !== 0) return error;
  const vp = vpp.vp!;
  if (name === ".." && vp.v_type !== VDIR) {
    vpp.vp = null;
    vrele(vp);
    return ext2fs_corrupt(ump, `directory inode ${dp.i_number}: ".." is not a directory`);
  }
  if (lastcn && (op === DELETE || op === RENAME) && dp.i_din.e2di_mode & S_ISTXT) {
    const ip = VTOE2I(vp);
    if (genfs_can_sticky(cred, dp.i_din.e2di_uid, ip.i_din.e2di_uid) !== 0) {
      vpp.vp = null;
      vrele(vp);
      return EPERM;
    }
  }
  if (!lastcn && vp.v_type !== VDIR && vp.v_type !== VLNK) {
    vpp.vp = null;
    vrele(vp);
    return ENOTDIR;
  }
  if (!modifying) cache_enter(dvp, vp, name);
  return 0;
}

/** file_type → DT_* */
function ft_to_dt(ft: number): number {
  switch (ft) {
    case EXT2_FT_REG_FILE:
      return DT_REG;
    case EXT2_FT_DIR:
      return DT_DIR;
    case EXT2_FT_CHRDEV:
      return DT_CHR;
    case EXT2_FT_BLKDEV:
      return DT_BLK;
    case EXT2_FT_FIFO:
      return DT_FIFO;
    case EXT2_FT_SOCK:
      return DT_SOCK;
    case EXT2_FT_SYMLINK:
      return DT_LNK;
    default:
      return DT_UNKNOWN;
  }
}

/** i_mode → DT_* */
function mode_to_dt(mode: number): number {
  switch (mode & EXT2_IFMT) {
    case EXT2_IFREG:
      return DT_REG;
    case EXT2_IFDIR:
      return DT_DIR;
    case EXT2_IFCHR:
      return DT_CHR;
    case EXT2_IFBLK:
      return DT_BLK;
    case EXT2_IFIFO:
      return DT_FIFO;
    case EXT2_IFSOCK:
      return DT_SOCK;
    case EXT2_IFLNK:
      return DT_LNK;
    default:
      return DT_UNKNOWN;
  }
}

/**
 * The type of inode `ino` read from its inode table (for directories
 * without file_type); DT_UNKNOWN when it cannot be read.
 */
function ext2fs_ino_dtype(ump: Ext2Mount, ino: number): number {
  const fs = ump.um_e2fs;
  if (!(ino >= 1 && ino <= fs.e2fs_icount)) return DT_UNKNOWN;
  const cg = Math.floor((ino - 1) / fs.e2fs_ipg);
  const idx = (ino - 1) % fs.e2fs_ipg;
  const blk = ump.um_gd[cg]!.ext2bgd_i_tables + Math.floor(idx / fs.e2fs_ipb);
  const bpp = { v: null as Buf | null };
  if (bread(ump.um_devvp, e2_fsbtodb(ump, blk), fs.e2fs_bsize, bpp) !== 0) return DT_UNKNOWN;
  const mode = e2_rd16(bpp.v!.b_data, (idx % fs.e2fs_ipb) * fs.e2fs_isize);
  brelse(bpp.v!, 0);
  return mode_to_dt(mode);
}

/**
 * VOP_READDIR: the entries from byte offset uio_offset on, as struct
 * dirent; uio_offset comes back as the offset of the next entry (the
 * cookie). An offset inside an entry resumes at the next one.
 */
export function ext2fs_readdir(
  vp: Vnode,
  uio: Uio,
  _cred: Kauth_cred,
  eofflag: Out<number>,
  cookies: Out<number[] | null> | null,
  ncookies: Out<number> | null,
): number {
  eofflag.v = 0;
  if (vp.v_type !== VDIR) return ENOTDIR;
  const ip = VTOE2I(vp);
  const ump = ip.i_ump;
  const fs = ump.um_e2fs;
  const bsize = fs.e2fs_bsize;
  // an inline directory reads as one block
  const size = ip.i_inline !== null ? bsize : ip.i_din.e2di_size;
  let pos = uio.uio_offset;
  if (pos < 0) return EINVAL;
  const cks: number[] | null = cookies !== null && ncookies !== null ? [] : null;
  const d = ump.um_direct;
  const bpp = ump.um_bpp;
  let count = 0;
  let full = false;
  // one block's entries, taken out before the buffer is released (reading
  // an inode for its type must not hold the directory's buffer)
  const inos: number[] = [];
  const names: string[] = [];
  const types: number[] = [];
  const nexts: number[] = [];
  while (pos < size && !full) {
    const lbn = Math.floor(pos / bsize);
    const base = lbn * bsize;
    const error = ext2fs_dirblk_read(ip, lbn, bpp);
    if (error !== 0) return error;
    const bp = bpp.v;
    bpp.v = null;
    const buf = ump.um_dirdata;
    const end = ump.um_dirend;
    inos.length = names.length = types.length = nexts.length = 0;
    let off = 0;
    while (off < end) {
      e2fs_direct_parse(buf, off, ump.um_ftype, bsize, d);
      const next = off + d.e2d_reclen;
      if (base + next > pos) {
        if (base + off >= pos && d.e2d_ino !== 0) {
          inos.push(d.e2d_ino);
          names.push(e2fs_direct_name(buf, off, d.e2d_namlen));
          types.push(ump.um_ftype ? ft_to_dt(d.e2d_type) : -1);
          nexts.push(base + next);
        } else {
          inos.push(0);
          names.push("");
          types.push(0);
          nexts.push(base + next);
        }
      }
      off = next;
    }
    if (bp !== null) brelse(bp, 0);
    for (let i = 0; i < inos.length; i++) {
      const ino = inos[i]!;
      if (ino !== 0) {
        let type = types[i]!;
        if (type < 0) type = ext2fs_ino_dtype(ump, ino);
        if (!dirent_append(uio, ino, type, names[i]!)) {
          full = true;
          break;
        }
        count++;
        if (cks !== null) cks.push(nexts[i]!);
      }
      pos = nexts[i]!;
      uio.uio_offset = pos;
    }
    if (!full) pos = Math.max(pos, base + bsize);
  }
  if (full && count === 0) return EINVAL; // not even one entry fits
  uio.uio_offset = pos;
  eofflag.v = pos >= size ? 1 : 0;
  if (cks !== null) {
    cookies!.v = cks;
    ncookies!.v = cks.length;
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* changing directories (ext2fs_direnter, ext2fs_dirremove, …)              */

/**
 * Find `name` in `ip` with its place: slot.ino (0 when absent), slot.off
 * (byte offset in the directory) and slot.prev (offset of the entry before
 * it in the same block, -1 when it starts the block).
 */
export function ext2fs_dirsearch(ip: E2Inode, name: string, slot: DirSlot): number {
  slot.ino = 0;
  slot.off = 0;
  slot.prev = -1;
  if (ext2fs_isdx(ip)) return ext2fs_dx_lookup(ip, name, slot);
  const nblk = ext2fs_dirnblk(ip);
  for (let lbn = 0; lbn < nblk; lbn++) {
    const error = ext2fs_dirblk_search(ip, lbn, name, slot);
    if (error !== 0 || slot.ino !== 0) return error;
  }
  return 0;
}

/**
 * An indexed (dir_index) directory is about to get an entry the index
 * does not know: drop the index flag, so that it is a plain linear
 * directory again (ext2 allows that; the index blocks read as empty
 * entries). With metadata_csum those blocks have no room for a leaf's
 * checksum tail: the root's ".." and each interior block's empty entry
 * end 12 bytes early, and the tail goes there.
 */
function ext2fs_dropindex(dp: E2Inode): number {
  if ((dp.i_din.e2di_flags & EXT2_INDEX) === 0) return 0;
  const ump = dp.i_ump;
  const fs = ump.um_e2fs;
  if (fs.e2fs_metacsum && ext2fs_isdx(dp)) {
    const bsize = fs.e2fs_bsize;
    const bpp = ump.um_bpp;
    const nblk = ext2fs_dirnblk(dp);
    for (let lbn = 0; lbn < nblk; lbn++) {
      const error = ext2fs_dirblk_read(dp, lbn, bpp);
      if (error !== 0) return error;
      const bp = bpp.v!;
      bpp.v = null;
      const b = bp.b_data;
      const kind = ext2fs_dirblk_kind(dp, lbn, b);
      if (kind === DIRBLK_LEAF) {
        brelse(bp, 0);
        continue;
      }
      if (kind === DIRBLK_DXROOT) {
        e2fs_direct_set_reclen(b, 12, ump.um_dirblksiz - 12);
      } else {
        b.fill(0, 0, ump.um_dirblksiz);
        e2fs_direct_set_reclen(b, 0, ump.um_dirblksiz);
      }
      ext2fs_dirtail_init(b, bsize);
      ext2fs_dirblk_dirty(dp, bp);
    }
  }
  dp.i_din.e2di_flags &= ~EXT2_INDEX;
  dp.i_flag |= IN_CHANGE;
  // a count of 1 was fine in an indexed directory; now it must be exact if it can
  if (dp.i_din.e2di_nlink === 1 && has_dir_nlink(ump) && dp.i_nsubdir < 0) {
    const n = { v: 0 };
    const error = ext2fs_dir_countsubdirs(dp, n);
    if (error !== 0) return error;
    if (n.v + 2 <= EXT2FS_LINK_MAX) dp.i_din.e2di_nlink = n.v + 2;
    else dp.i_nsubdir = n.v;
  }
  return 0;
}

/**
 * A leaf block for a directory: its entries end at um_dirblksiz, where a
 * checksum tail follows with metadata_csum. `b` holds one empty entry.
 */
function ext2fs_dirblk_init(ump: Ext2Mount, b: Uint8Array): void {
  const bsize = ump.um_e2fs.e2fs_bsize;
  b.fill(0, 0, bsize);
  e2fs_direct_set_reclen(b, 0, ump.um_dirblksiz);
  if (ump.um_dirblksiz < bsize) ext2fs_dirtail_init(b, bsize);
}

/**
 * ext2fs_direnter: put the entry (name → ino, file_type) into the first
 * record with room for it (splitting the record), else add a block to the
 * directory.
 */
export function ext2fs_direnter(
  dp: E2Inode,
  name: string,
  ino: number,
  type: number,
  cred: Kauth_cred | null,
): number {
  const ump = dp.i_ump;
  const fs = ump.um_e2fs;
  const ftype = ump.um_ftype;
  const d = ump.um_direct;
  const need = EXT2_DIR_REC_LEN(name.length);
  const bsize = fs.e2fs_bsize;
  const bpp = ump.um_bpp;
  const ft = ftype ? type : 0;
  let error = ext2fs_dir_uninline(dp, cred);
  if (error === 0) error = ext2fs_dropindex(dp);
  if (error !== 0) return error;
  const size = dp.i_din.e2di_size;
  const nblk = Math.ceil(size / bsize);
  // the blocks below i_diroff had no room at the last insertion (a removal
  // there lowers it): a growing directory is not rescanned from its start
  const first = dp.i_diroff < nblk ? dp.i_diroff : 0;
  for (let lbn = first; lbn < nblk; lbn++) {
    error = ext2fs_dirblk_read(dp, lbn, bpp);
    if (error !== 0) return error;
    const bp = bpp.v!;
    bpp.v = null;
    const buf = bp.b_data;
    const end = ump.um_dirend;
    let off = 0;
    let slack = 0;
    while (off < end) {
      e2fs_direct_parse(buf, off, ftype, bsize, d);
      const used = d.e2d_ino !== 0 ? EXT2_DIR_REC_LEN(d.e2d_namlen) : 0;
      const free = d.e2d_reclen - used;
      slack += free;
      if (free >= need) {
        if (used === 0) {
          e2fs_direct_write(buf, off, ftype, ino, d.e2d_reclen, ft, name);
        } else {
          e2fs_direct_write(buf, off + used, ftype, ino, free, ft, name);
          e2fs_direct_set_reclen(buf, off, used);
        }
        ext2fs_dirblk_dirty(dp, bp);
        dp.i_diroff = lbn;
        dp.i_flag |= IN_CHANGE | IN_UPDATE;
        dirhash_set(dp, name, ino);
        return 0;
      }
      off += d.e2d_reclen;
    }
    if (slack >= need) {
      // the room is spread over the block: pack its entries, then append
      const w = ext2fs_dircompact(ump, buf, end);
      e2fs_direct_write(buf, w, ftype, ino, end - w, ft, name);
      ext2fs_dirblk_dirty(dp, bp);
      dp.i_diroff = lbn;
      dp.i_flag |= IN_CHANGE | IN_UPDATE;
      dirhash_set(dp, name, ino);
      return 0;
    }
    brelse(bp, 0);
  }
  // grow by one block
  if (size + bsize > ump.um_maxfilesize) return EFBIG;
  const lbn = nblk;
  error = ext2fs_balloc(dp, lbn, true, cred, bpp);
  if (error !== 0) return error;
  const buf = bpp.v!.b_data;
  ext2fs_dirblk_init(ump, buf);
  e2fs_direct_write(buf, 0, ftype, ino, ump.um_dirblksiz, ft, name);
  ext2fs_dirblk_dirty(dp, bpp.v!);
  bpp.v = null;
  dp.i_diroff = lbn;
  dp.i_din.e2di_size = (lbn + 1) * bsize;
  if (dp.i_vnode !== null) dp.i_vnode.v_size = dp.i_din.e2di_size;
  dp.i_flag |= IN_CHANGE | IN_UPDATE;
  dirhash_set(dp, name, ino);
  return 0;
}

/**
 * Pack the live entries of directory block `buf` (entries up to `end`) to
 * its start, each at its minimal size, in order; returns the offset where
 * free space begins.
 */
function ext2fs_dircompact(ump: Ext2Mount, buf: Uint8Array, end: number): number {
  const bsize = ump.um_e2fs.e2fs_bsize;
  const tmp = buf.slice(0, end);
  const d = ump.um_direct;
  let r = 0;
  let w = 0;
  while (r < end) {
    e2fs_direct_parse(tmp, r, ump.um_ftype, bsize, d);
    if (d.e2d_ino !== 0) {
      const n = EXT2_DIR_REC_LEN(d.e2d_namlen);
      buf.set(tmp.subarray(r, r + n), w);
      e2fs_direct_set_reclen(buf, w, n);
      w += n;
    }
    r += d.e2d_reclen;
  }
  buf.fill(0, w, end);
  return w;
}

/**
 * An inline directory (ext2fs_inline.ts) about to change becomes a block
 * directory: its entries ("." and ".." first) packed into a new block 0.
 */
export function ext2fs_dir_uninline(dp: E2Inode, cred: Kauth_cred | null): number {
  const src = dp.i_inline;
  if (src === null) return 0;
  const ump = dp.i_ump;
  const bsize = ump.um_e2fs.e2fs_bsize;
  let error = ext2fs_inline_release(dp);
  if (error !== 0) return error;
  const bpp = ump.um_bpp;
  error = ext2fs_balloc(dp, 0, true, cred, bpp);
  if (error !== 0) return error;
  const buf = bpp.v!.b_data;
  ext2fs_dirblk_init(ump, buf);
  const d = ump.um_direct;
  let w = 0;
  let last = 0;
  for (let r = 0; r < src.length;) {
    e2fs_direct_parse(src, r, ump.um_ftype, bsize, d);
    if (d.e2d_ino !== 0) {
      const n = EXT2_DIR_REC_LEN(d.e2d_namlen);
      buf.set(src.subarray(r, r + n), w);
      e2fs_direct_set_reclen(buf, w, n);
      last = w;
      w += n;
    }
    r += d.e2d_reclen;
  }
  e2fs_direct_set_reclen(buf, last, ump.um_dirblksiz - last);
  ext2fs_dirblk_dirty(dp, bpp.v!);
  bpp.v = null;
  dp.i_din.e2di_size = bsize;
  if (dp.i_vnode !== null) dp.i_vnode.v_size = bsize;
  dp.i_diroff = 0;
  dp.i_flag |= IN_CHANGE | IN_UPDATE;
  return 0;
}

/**
 * ext2fs_dirremove: remove the entry `name` (which must name `ino`) from
 * `dp`: merged into the record before it, or marked unused when it starts
 * its block.
 */
export function ext2fs_dirremove(dp: E2Inode, name: string, ino: number): number {
  const ump = dp.i_ump;
  const bsize = ump.um_e2fs.e2fs_bsize;
  const slot = ump.um_slot;
  let error = ext2fs_dir_uninline(dp, null);
  if (error === 0) error = ext2fs_dirsearch(dp, name, slot);
  if (error !== 0) return error;
  if (slot.ino === 0 || slot.ino !== ino) return ENOENT;
  const lbn = Math.floor(slot.off / bsize);
  if (lbn < dp.i_diroff) dp.i_diroff = lbn;
  const bpp = ump.um_bpp;
  error = ext2fs_dirblk_read(dp, lbn, bpp);
  if (error !== 0) return error;
  const bp = bpp.v!;
  bpp.v = null;
  const buf = bp.b_data;
  const at = slot.off - lbn * bsize;
  const d = ump.um_direct;
  if (slot.prev < 0) {
    e2_wr32(buf, at, 0);
  } else {
    const prev = slot.prev - lbn * bsize;
    e2fs_direct_parse(buf, at, ump.um_ftype, bsize, d);
    const rl = d.e2d_reclen;
    e2fs_direct_parse(buf, prev, ump.um_ftype, bsize, d);
    if (prev + d.e2d_reclen !== at) {
      brelse(bp, BC_INVAL);
      return ext2fs_corrupt(ump, `directory inode ${dp.i_number}: entry "${name}" moved`);
    }
    e2fs_direct_set_reclen(buf, prev, d.e2d_reclen + rl);
  }
  ext2fs_dirblk_dirty(dp, bp);
  dp.i_flag |= IN_CHANGE | IN_UPDATE;
  dirhash_set(dp, name, 0);
  return 0;
}

/** ext2fs_dirrewrite: point the entry `name` of `dp` at another inode. */
export function ext2fs_dirrewrite(dp: E2Inode, name: string, ino: number, type: number): number {
  const ump = dp.i_ump;
  const bsize = ump.um_e2fs.e2fs_bsize;
  const slot = ump.um_slot;
  let error = ext2fs_dir_uninline(dp, null);
  if (error === 0) error = ext2fs_dirsearch(dp, name, slot);
  if (error !== 0) return error;
  if (slot.ino === 0) return ENOENT;
  const lbn = Math.floor(slot.off / bsize);
  const bpp = ump.um_bpp;
  error = ext2fs_dirblk_read(dp, lbn, bpp);
  if (error !== 0) return error;
  e2fs_direct_set_ino(bpp.v!.b_data, slot.off - lbn * bsize, ump.um_ftype, ino, type);
  ext2fs_dirblk_dirty(dp, bpp.v!);
  bpp.v = null;
  dp.i_flag |= IN_CHANGE | IN_UPDATE;
  dirhash_set(dp, name, ino);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* directory link counts (dir_nlink)                                        */

/** EXT2FS_LINK_MAX: the most links an inode (and a directory's count of subdirectories + 2) may have */
export const EXT2FS_LINK_MAX = 65000;

function has_dir_nlink(ump: Ext2Mount): boolean {
  const fs = ump.um_e2fs;
  return fs.e2fs_rev >= 1 && (fs.e2fs_features_rocompat & EXT2F_ROCOMPAT_DIR_NLINK) !== 0;
}

/** Count the subdirectories of `dp` (every entry but "." and ".." that is a directory). */
function ext2fs_dir_countsubdirs(dp: E2Inode, n: Out<number>): number {
  const ump = dp.i_ump;
  const bsize = ump.um_e2fs.e2fs_bsize;
  const d = ump.um_direct;
  const bpp = ump.um_bpp;
  const inos: number[] = [];
  n.v = 0;
  const nblk = ext2fs_dirnblk(dp);
  for (let lbn = 0; lbn < nblk; lbn++) {
    const error = ext2fs_dirblk_read(dp, lbn, bpp);
    if (error !== 0) return error;
    const bp = bpp.v;
    bpp.v = null;
    const buf = ump.um_dirdata;
    const end = ump.um_dirend;
    for (let off = 0; off < end; off += d.e2d_reclen) {
      e2fs_direct_parse(buf, off, ump.um_ftype, bsize, d);
      if (d.e2d_ino === 0) continue;
      const nl = d.e2d_namlen;
      if (buf[off + 8] === 0x2e && (nl === 1 || (nl === 2 && buf[off + 9] === 0x2e))) continue;
      if (ump.um_ftype) {
        if (d.e2d_type === EXT2_FT_DIR) n.v++;
      } else inos.push(d.e2d_ino);
    }
    if (bp !== null) brelse(bp, 0);
  }
  for (const ino of inos) if (ext2fs_ino_dtype(ump, ino) === DT_DIR) n.v++;
  return 0;
}

/**
 * May `dp` get another subdirectory? Without dir_nlink not past
 * EXT2FS_LINK_MAX links; with it always (its count then stays 1, "many").
 */
export function ext2fs_dirnlink_full(dp: E2Inode): boolean {
  return !has_dir_nlink(dp.i_ump) && dp.i_din.e2di_nlink >= EXT2FS_LINK_MAX;
}

/**
 * `dp` gets a subdirectory: one more link, or with dir_nlink past
 * EXT2FS_LINK_MAX the count 1 ("too many to count", as Linux sets it);
 * the exact number is kept in memory while known.
 */
export function ext2fs_dirnlink_inc(dp: E2Inode): void {
  const din = dp.i_din;
  const n = din.e2di_nlink;
  if (n === 1 && has_dir_nlink(dp.i_ump)) {
    if (dp.i_nsubdir >= 0) dp.i_nsubdir++;
  } else if (n + 1 > EXT2FS_LINK_MAX && has_dir_nlink(dp.i_ump)) {
    dp.i_nsubdir = n - 1;
    din.e2di_nlink = 1;
  } else {
    din.e2di_nlink = n + 1;
  }
  dp.i_flag |= IN_CHANGE;
}

/**
 * Before an operation that may take a subdirectory from `dp`: a count of
 * 1 under dir_nlink ("many") gets its exact number of subdirectories
 * counted once (then kept in memory), so that ext2fs_dirnlink_dec can
 * make the count exact again when they fit.
 */
export function ext2fs_dirnlink_prepare(dp: E2Inode): number {
  if (dp.i_din.e2di_nlink !== 1 || !has_dir_nlink(dp.i_ump) || dp.i_nsubdir >= 0) return 0;
  const n = { v: 0 };
  const error = ext2fs_dir_countsubdirs(dp, n);
  if (error === 0) dp.i_nsubdir = n.v;
  return error;
}

/**
 * `dp` loses a subdirectory. A count of 1 under dir_nlink is made exact
 * again once the subdirectories fit (e2fsck accepts 1 for fewer than
 * EXT2FS_LINK_MAX only in an indexed directory, and our insertions drop
 * the index); ext2fs_dirnlink_prepare counted them first.
 */
export function ext2fs_dirnlink_dec(dp: E2Inode): void {
  const din = dp.i_din;
  if (din.e2di_nlink === 1 && has_dir_nlink(dp.i_ump)) {
    if (dp.i_nsubdir > 0) dp.i_nsubdir--;
    if (dp.i_nsubdir >= 0 && dp.i_nsubdir + 2 <= EXT2FS_LINK_MAX) {
      din.e2di_nlink = dp.i_nsubdir + 2;
      dp.i_nsubdir = -1;
    }
  } else if (din.e2di_nlink > 0) {
    din.e2di_nlink--;
  }
  dp.i_flag |= IN_CHANGE;
}

/** ext2fs_dirempty: does directory `ip` hold nothing but "." and ".."? */
export function ext2fs_dirempty(ip: E2Inode, empty: Out<boolean>): number {
  const ump = ip.i_ump;
  const bsize = ump.um_e2fs.e2fs_bsize;
  const d = ump.um_direct;
  const bpp = ump.um_bpp;
  empty.v = true;
  const nblk = ext2fs_dirnblk(ip);
  for (let lbn = 0; lbn < nblk && empty.v; lbn++) {
    const error = ext2fs_dirblk_read(ip, lbn, bpp);
    if (error !== 0) return error;
    const bp = bpp.v;
    bpp.v = null;
    const buf = ump.um_dirdata;
    const end = ump.um_dirend;
    let off = 0;
    while (off < end) {
      e2fs_direct_parse(buf, off, ump.um_ftype, bsize, d);
      if (d.e2d_ino !== 0) {
        const n = d.e2d_namlen;
        const dot = n === 1 && buf[off + 8] === 0x2e;
        const dotdot = n === 2 && buf[off + 8] === 0x2e && buf[off + 9] === 0x2e;
        if (!dot && !dotdot) {
          empty.v = false;
          break;
        }
      }
      off += d.e2d_reclen;
    }
    if (bp !== null) brelse(bp, 0);
  }
  return 0;
}

/**
 * ext2fs_checkpath: would moving directory `source` under `target` put it
 * inside itself? Walks ".." up from target to the root: EINVAL if source
 * is met. Bounded by the number of inodes (a loop is EIO).
 */
export function ext2fs_checkpath(source: E2Inode, target: E2Inode): number {
  const ump = target.i_ump;
  const mp = ump.um_mountp;
  if (target.i_number === source.i_number) return EINVAL;
  if (target.i_number === EXT2_ROOTINO) return 0;
  const slot = { v: 0 };
  let error = ext2fs_dirlookup(target, "..", slot);
  if (error !== 0) return error;
  let ino = slot.v;
  const vpp: VnodeOut = { vp: null };
  for (let n = 0; n < ump.um_e2fs.e2fs_icount; n++) {
    if (ino === source.i_number) return EINVAL;
    if (ino === EXT2_ROOTINO || ino === 0) return 0;
    error = vcache_get(mp, ino, vpp);
    if (error !== 0)
      return error === ENOENT ? ext2fs_corrupt(ump, `".." names free inode ${ino}`) : error;
    const vp = vpp.vp!;
    if (vp.v_type !== VDIR) {
      vrele(vp);
      return ext2fs_corrupt(ump, `".." names inode ${ino}, not a directory`);
    }
    error = ext2fs_dirlookup(VTOE2I(vp), "..", slot);
    vrele(vp);
    if (error !== 0) return error;
    if (slot.v === ino) return 0;
    ino = slot.v;
  }
  return ext2fs_corrupt(ump, `directory loop above inode ${target.i_number}`);
}
