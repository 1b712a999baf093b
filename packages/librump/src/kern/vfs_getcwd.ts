/**
 * Support for __getcwd: finding a directory entry by inode number in the
 * NetBSD struct dirent records that VOP_READDIR produces.
 */

/** The name (byte string) of the record with d_fileno `ino`, or null. */
export function parseDirentBuf(buf: Uint8Array, len: number, ino: number): string | null {
  const dv = new DataView(buf.buffer, buf.byteOffset, len);
  let off = 0;
  while (off + 13 <= len) {
    const fileno = dv.getUint32(off, true) + dv.getUint32(off + 4, true) * 0x100000000;
    const reclen = dv.getUint16(off + 8, true);
    const namlen = dv.getUint16(off + 10, true);
    if (reclen === 0 || off + reclen > len) return null;
    if (fileno === ino) {
      let s = "";
      for (let i = 0; i < namlen; i++) s += String.fromCharCode(buf[off + 13 + i]!);
      if (s !== "." && s !== "..") return s;
    }
    off += reclen;
  }
  return null;
}
