/**
 * The orphan list (ext3/ext4; Linux's fs/ext4/orphan.c for the format):
 * inodes that lost their last name while still open are chained from the
 * superblock's s_last_orphan through their i_dtime, so that a crash does
 * not leave them allocated and unreachable. An inode goes on the list
 * when its link count drops to zero (ext2fs_orphan_add) and off it when
 * it is finally freed at its last close (ext2fs_orphan_del, from
 * ext2fs_freeinode). The list is kept in memory too (um_orphans, head
 * first), so unlinking from its middle does not walk the disk.
 *
 * A list left by a crashed system is processed at a read-write mount
 * (ext2fs_orphan_cleanup), as Linux does: an inode without links is
 * freed, one with links had a truncate in progress and loses the blocks
 * past its size. The walk is bounded by the inode count; a bad list
 * (an impossible or free inode, a loop) refuses the mount.
 */
import { ENOENT } from "../../gen/constants.js";
import { vcache_get, vrele } from "../../kern/vfs_vnode.js";
import type { Vnode } from "../../sys/vnode.js";
import { E2FS_REV1 } from "./ext2fs.js";
import { ext2fs_corrupt, IN_MODIFIED, type E2Inode, type Ext2Mount } from "./ext2fs_extern.js";
import { ext2fs_truncate } from "./ext2fs_inode.js";

/** `ip` has no names left but is still in use: put it at the head of the list. */
export function ext2fs_orphan_add(ip: E2Inode): void {
  const ump = ip.i_ump;
  const fs = ump.um_e2fs;
  if (ip.i_orphan || fs.e2fs_rev < E2FS_REV1 || ump.um_ronly) return;
  ip.i_din.e2di_dtime = fs.e2fs_last_orphan;
  fs.e2fs_last_orphan = ip.i_number;
  ump.um_orphans.unshift(ip);
  ip.i_orphan = true;
  ip.i_flag |= IN_MODIFIED;
  ump.um_fmod = true;
}

/** `ip` leaves the list (it is being freed): its neighbours are linked past it. */
export function ext2fs_orphan_del(ip: E2Inode): void {
  if (!ip.i_orphan) return;
  const ump = ip.i_ump;
  const list = ump.um_orphans;
  const at = list.indexOf(ip);
  const next = ip.i_din.e2di_dtime;
  if (at === 0) {
    ump.um_e2fs.e2fs_last_orphan = next;
    ump.um_fmod = true;
  } else if (at > 0) {
    const prev = list[at - 1]!;
    prev.i_din.e2di_dtime = next;
    prev.i_flag |= IN_MODIFIED;
  }
  if (at >= 0) list.splice(at, 1);
  ip.i_din.e2di_dtime = 0;
  ip.i_orphan = false;
  ip.i_flag |= IN_MODIFIED;
}

/**
 * Process the orphan list a crashed system left (read-write mounts):
 * returns 0 or an errno (EIO with a console line for a bad list).
 */
export function ext2fs_orphan_cleanup(ump: Ext2Mount): number {
  const fs = ump.um_e2fs;
  if (fs.e2fs_rev < E2FS_REV1 || fs.e2fs_last_orphan === 0) return 0;
  const mp = ump.um_mountp;
  const seen = new Set<number>();
  const vpp: { vp: Vnode | null } = { vp: null };
  let ino = fs.e2fs_last_orphan;
  let freed = 0;
  let truncated = 0;
  ump.um_orphanscan = true;
  try {
    while (ino !== 0) {
      if (!(ino >= fs.e2fs_first_ino && ino <= fs.e2fs_icount) || seen.has(ino))
        return ext2fs_corrupt(
          ump,
          `orphan list: inode ${ino}${seen.has(ino) ? " again (a loop)" : ""}`,
        );
      seen.add(ino);
      let error = vcache_get(mp, ino, vpp);
      if (error === ENOENT) return ext2fs_corrupt(ump, `orphan list: inode ${ino} is not in use`);
      if (error !== 0) return error;
      const vp = vpp.vp!;
      const ip = vp.v_data as E2Inode;
      const next = ip.i_din.e2di_dtime;
      // off the list (it is processed now), then freed or cut to its size
      fs.e2fs_last_orphan = next;
      ip.i_din.e2di_dtime = 0;
      ip.i_flag |= IN_MODIFIED;
      ump.um_fmod = true;
      if (ip.i_din.e2di_nlink > 0) {
        error = ext2fs_truncate(ip, ip.i_din.e2di_size, null, true);
        truncated++;
      } else freed++;
      vrele(vp); // the last reference: an inode without links is freed now
      if (error !== 0) return error;
      ino = next;
    }
  } finally {
    ump.um_orphanscan = false;
  }
  ump.um_kernel.printf(
    `ext2fs ${ump.um_fspec}: orphan list processed: ${freed} inode(s) freed, ${truncated} truncated\n`,
  );
  return 0;
}
