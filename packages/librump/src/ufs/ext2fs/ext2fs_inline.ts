/**
 * Inline data (inline_data; Linux's fs/ext4/inline.c for the format): a
 * small file's bytes, or a small directory's entries, live in the inode
 * itself — the first 60 in i_block, the rest in the value of the
 * extended attribute "system.data" in the inode's tail (after
 * i_extra_isize: a magic word, then entries, values at offsets from the
 * first entry). An inline directory's i_block starts with its parent's
 * inode number (there is no "." or ".." entry), then entries to byte 60;
 * the attribute's value holds more entries.
 *
 * Here: reading both (ext2fs_inline_load makes the bytes once, at vnode
 * load; a directory is presented to the directory code as one block of
 * ".", "..", then both regions of entries), and taking an inode out of
 * inline storage (ext2fs_inline_drop) before it is changed: its bytes are
 * kept by the caller, the attribute is removed from the inode's tail, the
 * flag is cleared.
 *
 * Distrust the disk: the attribute area is walked with every entry
 * inside it, names and values inside the inode; a directory's regions
 * must pass e2fs_dirblk_check.
 */
import {
  e2_rd16,
  e2_rd32,
  e2_wr16,
  e2fs_dirblk_check,
  e2fs_direct_write,
  EXT2_FT_DIR,
  EXT2_IFDIR,
  EXT2_IFMT,
  EXT2_N_BLOCKS,
  type Ext2Dinode,
  type Ext2Direct,
  type Ext2Fs,
} from "./ext2fs.js";

/** Bytes of i_block, and of its parent-inode prefix in an inline directory. */
export const EXT4_MIN_INLINE_DATA_SIZE = EXT2_N_BLOCKS * 4;
export const EXT4_INLINE_DOTDOT_SIZE = 4;
/** The in-inode attribute area's magic, and system.data's name index and name. */
const EA_MAGIC = 0xea020000;
const EA_INDEX_SYSTEM = 7;
const EA_ENTRY_HDR = 16;

/** Where the value of system.data sits in an inode's bytes. */
export interface InlineValue {
  /** byte offset in the inode of the value (−1: no attribute) */
  voff: number;
  vlen: number;
  /** offset of the entry in the inode */
  eoff: number;
}

/**
 * Find system.data in the attribute area of the inode at `off` of `b`.
 * null and `out` filled (voff −1 when there is none), or why the area is
 * bad.
 */
export function ext2fs_inline_find(
  fs: Ext2Fs,
  b: Uint8Array,
  off: number,
  d: Ext2Dinode,
  out: InlineValue,
): string | null {
  out.voff = -1;
  out.vlen = 0;
  out.eoff = -1;
  const isize = fs.e2fs_isize;
  if (isize <= 128 || d.e2di_extra_isize === 0) return null;
  const area = 128 + d.e2di_extra_isize;
  if (area + 4 > isize) return null;
  if (e2_rd32(b, off + area) !== EA_MAGIC) return null;
  const first = area + 4;
  let e = first;
  while (e + 4 <= isize && e2_rd32(b, off + e) !== 0) {
    if (e + EA_ENTRY_HDR > isize) return "attribute entry past the inode";
    const nlen = b[off + e]!;
    const idx = b[off + e + 1]!;
    const voffs = e2_rd16(b, off + e + 2);
    const vinum = e2_rd32(b, off + e + 4);
    const vsize = e2_rd32(b, off + e + 8);
    const next = e + ((EA_ENTRY_HDR + nlen + 3) & ~3);
    if (next > isize) return "attribute name past the inode";
    if (vinum !== 0) return "attribute value in an inode (ea_inode)";
    if (vsize > 0 && (first + voffs < next || first + voffs + vsize > isize))
      return `attribute value at ${voffs} of ${vsize} bytes`;
    if (
      idx === EA_INDEX_SYSTEM &&
      nlen === 4 &&
      b[off + e + 16] === 0x64 &&
      b[off + e + 17] === 0x61 &&
      b[off + e + 18] === 0x74 &&
      b[off + e + 19] === 0x61
    ) {
      out.voff = first + voffs;
      out.vlen = vsize;
      out.eoff = e;
    }
    e = next;
  }
  return null;
}

/**
 * The inline bytes of the inode at `off` of `b`: for a file its data
 * (i_size bytes), for a directory one synthetic block — ".", "..", the
 * entries of i_block, then those of the attribute — whose entries pass
 * e2fs_dirblk_check. null with `why.v` set when they are bad.
 */
export function ext2fs_inline_load(
  fs: Ext2Fs,
  b: Uint8Array,
  off: number,
  d: Ext2Dinode,
  ino: number,
  ftype: boolean,
  direct: Ext2Direct,
  why: { v: string },
): Uint8Array | null {
  const v: InlineValue = { voff: -1, vlen: 0, eoff: -1 };
  const bad = ext2fs_inline_find(fs, b, off, d, v);
  if (bad !== null) {
    why.v = `inline data: ${bad}`;
    return null;
  }
  const iblock = b.subarray(off + 40, off + 40 + EXT4_MIN_INLINE_DATA_SIZE);
  const ea = v.voff >= 0 ? b.subarray(off + v.voff, off + v.voff + v.vlen) : b.subarray(0, 0);
  if ((d.e2di_mode & EXT2_IFMT) !== EXT2_IFDIR) {
    const size = d.e2di_size;
    if (size > EXT4_MIN_INLINE_DATA_SIZE + ea.length) {
      why.v = `inline data of ${EXT4_MIN_INLINE_DATA_SIZE + ea.length} bytes, size ${size}`;
      return null;
    }
    const out = new Uint8Array(size);
    out.set(iblock.subarray(0, Math.min(size, EXT4_MIN_INLINE_DATA_SIZE)));
    if (size > EXT4_MIN_INLINE_DATA_SIZE)
      out.set(ea.subarray(0, size - EXT4_MIN_INLINE_DATA_SIZE), 60);
    return out;
  }
  const r1 = iblock.subarray(EXT4_INLINE_DOTDOT_SIZE);
  const parent = e2_rd32(iblock, 0);
  for (const r of [r1, ea]) {
    if (r.length === 0) continue;
    const bad2 = e2fs_dirblk_check(r, r.length, ftype, fs.e2fs_icount, direct);
    if (bad2 !== null) {
      why.v = `inline directory: ${bad2}`;
      return null;
    }
  }
  if (parent === 0 || parent > fs.e2fs_icount) {
    why.v = `inline directory: parent inode ${parent}`;
    return null;
  }
  const out = new Uint8Array(24 + r1.length + ea.length);
  e2fs_direct_write(out, 0, ftype, ino, 12, EXT2_FT_DIR, ".");
  e2fs_direct_write(out, 12, ftype, parent, 12, EXT2_FT_DIR, "..");
  out.set(r1, 24);
  out.set(ea, 24 + r1.length);
  return out;
}

/**
 * Take system.data out of the attribute area of the inode at `off` of
 * `b` (its entry and value; the others move up so the area stays packed).
 * The caller clears EXT2_INLINE_DATA and rewrites i_block.
 */
export function ext2fs_inline_drop(fs: Ext2Fs, b: Uint8Array, off: number, d: Ext2Dinode): void {
  const v: InlineValue = { voff: -1, vlen: 0, eoff: -1 };
  if (ext2fs_inline_find(fs, b, off, d, v) !== null || v.eoff < 0) return;
  const isize = fs.e2fs_isize;
  const first = 128 + d.e2di_extra_isize + 4;
  // collect the other entries and their values, then lay them out again
  const ents: { hdr: Uint8Array; val: Uint8Array }[] = [];
  let e = first;
  while (e + 4 <= isize && e2_rd32(b, off + e) !== 0) {
    const nlen = b[off + e]!;
    const next = e + ((EA_ENTRY_HDR + nlen + 3) & ~3);
    if (e !== v.eoff) {
      const voffs = e2_rd16(b, off + e + 2);
      const vsize = e2_rd32(b, off + e + 8);
      ents.push({
        hdr: b.slice(off + e, off + next),
        val: b.slice(off + first + voffs, off + first + voffs + vsize),
      });
    }
    e = next;
  }
  b.fill(0, off + first, off + isize);
  let w = first;
  let vend = isize;
  for (const x of ents) {
    const vlen = (x.val.length + 3) & ~3;
    vend -= vlen;
    b.set(x.hdr, off + w);
    e2_wr16(b, off + w + 2, x.val.length > 0 ? vend - first : 0);
    b.set(x.val, off + vend);
    w += x.hdr.length;
  }
}
