/** statvfs1(2), fstatvfs1(2), getvfsstat(2). */
import {
  EBADF,
  ENOENT,
  MNT_RDONLY,
  MNT_UPDATE,
  newStatvfs,
  O_RDONLY,
  type Statvfs,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import { bootTmpfs, expectErrno, TMPFS_DEFAULT, writeFile } from "../helpers/kernel.js";

const ST_WAIT = 1;

describe("statvfs (tmpfs)", () => {
  it("statvfs1 describes the mount: type, mount point, name length, block sizes", () => {
    const { sys } = bootTmpfs();
    const st = sys.rump_sys_statvfs1("/mnt", ST_WAIT);
    expect(st.f_fstypename).toBe("tmpfs");
    expect(st.f_mntonname).toBe("/mnt");
    expect(st.f_namemax).toBe(255);
    expect(st.f_bsize).toBeGreaterThan(0);
    expect(st.f_frsize).toBeGreaterThan(0);
    expect(st.f_flag & MNT_RDONLY).toBe(0);
    expect(sys.rump_sys_statvfs1("/mnt/.", ST_WAIT).f_fsid).toBe(st.f_fsid);
  });

  it("fstatvfs1 on a descriptor answers for its file system", () => {
    const { sys } = bootTmpfs();
    writeFile(sys, "f");
    const fd = sys.rump_sys_open("f", O_RDONLY);
    expect(sys.rump_sys_fstatvfs1(fd, ST_WAIT).f_mntonname).toBe("/mnt");
    expectErrno(() => sys.rump_sys_fstatvfs1(999, ST_WAIT), EBADF);
    expectErrno(() => sys.rump_sys_statvfs1("/mnt/missing", ST_WAIT), ENOENT);
  });

  it("a size-limited tmpfs reports its size and the space used", () => {
    const { sys } = bootTmpfs({ ta_size_max: 1 << 20, ta_nodes_max: 100 });
    const a = sys.rump_sys_statvfs1("/mnt", ST_WAIT);
    expect(a.f_blocks * a.f_frsize).toBeLessThanOrEqual(1 << 20);
    expect(a.f_blocks * a.f_frsize).toBeGreaterThan(1 << 19);
    expect(a.f_files).toBeLessThanOrEqual(100);
    writeFile(sys, "f", new Uint8Array(64 * 1024));
    const b = sys.rump_sys_statvfs1("/mnt", ST_WAIT);
    expect(b.f_bfree).toBeLessThan(a.f_bfree);
    expect(b.f_ffree).toBeLessThan(a.f_ffree);
  });

  it("a read-only mount has MNT_RDONLY in f_flag", () => {
    const { sys } = bootTmpfs();
    sys.rump_sys_chdir("/");
    sys.rump_sys_mount("tmpfs", "/mnt", MNT_UPDATE | MNT_RDONLY, { ...TMPFS_DEFAULT });
    expect(sys.rump_sys_statvfs1("/mnt", ST_WAIT).f_flag & MNT_RDONLY).toBe(MNT_RDONLY);
  });

  it("getvfsstat counts the mounts and fills the array", () => {
    const { sys } = bootTmpfs();
    const n = sys.rump_sys_getvfsstat(null, ST_WAIT);
    expect(n).toBeGreaterThanOrEqual(2);
    const arr: Statvfs[] = Array.from({ length: n }, () => newStatvfs());
    expect(sys.rump_sys_getvfsstat(arr, ST_WAIT)).toBe(n);
    const names = arr.map((s) => s.f_mntonname);
    expect(names).toContain("/");
    expect(names).toContain("/mnt");
    const one = [newStatvfs()];
    expect(sys.rump_sys_getvfsstat(one, ST_WAIT)).toBe(1);
  });
});
