/**
 * tmpfs at the vnode-operation level: every VOP through the generated
 * VOP_* (DIAGNOSTIC lock checks on), on a fresh mount per test.
 */
import { describe, expect, it } from "vitest";
import {
  EACCES,
  EBUSY,
  EEXIST,
  EFTYPE,
  EINVAL,
  EISDIR,
  EJUSTRETURN,
  EMLINK,
  ENAMETOOLONG,
  ENOENT,
  ENOSPC,
  ENOTDIR,
  ENOTEMPTY,
  EPERM,
  EROFS,
  ESTALE,
  MNT_GETARGS,
  MNT_RDONLY,
  MNT_UPDATE,
  S_ISGID,
  S_ISUID,
} from "../src/gen/constants.js";
import { VOP_ACCESS, VOP_PATHCONF, VOP_READDIR, VOP_UNLOCK } from "../src/gen/vnode_if.js";
import { Uio, UIO_READ } from "../src/sys/uio.js";
import { vgone, vn_lock, vrele } from "../src/kern/vfs_vnode.js";
import { VREAD, VWRITE } from "../src/miscfs/genfs/genfs_vnops.js";
import { tmpfs_set_lookup_hook } from "../src/fs/tmpfs/tmpfs_vfsops.js";
import { VFS_TO_TMPFS, VP_TO_TMPFS_NODE, type TmpfsArgs } from "../src/fs/tmpfs/tmpfs.js";
import { SF_IMMUTABLE, UF_APPEND, UF_IMMUTABLE } from "../src/sys/consts.js";
import { DIRENT_RECLEN, DT_CHR, DT_DIR, DT_FIFO, DT_LNK, DT_REG } from "../src/sys/dirent.js";
import { CREATE, DELETE, LOOKUP, RENAME } from "../src/sys/namei.js";
import { newStatvfs } from "../src/sys/stat.js";
import { VA_UTIMES_NULL } from "../src/sys/vattr.js";
import {
  LK_EXCLUSIVE,
  VCHR,
  VDIR,
  VFIFO,
  VLNK,
  VREG,
  VV_ROOT,
  type Vnode,
} from "../src/sys/vnode.js";
import {
  bootKernel,
  bytes,
  create,
  defaultArgs,
  getattr,
  link,
  listdir,
  lookup,
  mkdir,
  mkdirv,
  mknod,
  mountTmpfs,
  newMount,
  parseDirents,
  read,
  readdir,
  readlink,
  remove,
  rename,
  rmdir,
  root,
  setattr,
  symlink,
  touch,
  user,
  write,
} from "./helpers/tmpfs_harness.js";

const IO_APPEND = 0x20;

function access(vp: Vnode, mode: number, cred = root): number {
  vn_lock(vp, LK_EXCLUSIVE);
  const e = VOP_ACCESS(vp, mode, cred);
  VOP_UNLOCK(vp);
  return e;
}

function get(dvp: Vnode, name: string): Vnode {
  const [e, vp] = lookup(dvp, name);
  if (e !== 0) throw new Error(`lookup ${name}: ${e}`);
  return vp!;
}

describe("tmpfs mount", () => {
  it("checks its arguments", () => {
    const k = bootKernel();
    const { ops, mp } = newMount(k);
    expect(ops.vfs_mount(mp, "/m", null, -1)).toBe(EINVAL);
    expect(ops.vfs_mount(mp, "/m", defaultArgs(), 39)).toBe(EINVAL);
    expect(ops.vfs_mount(mp, "/m", defaultArgs({ ta_version: 2 }), -1)).toBe(EINVAL);
    expect(ops.vfs_mount(mp, "/m", defaultArgs({ ta_root_uid: -1 }), -1)).toBe(EINVAL);
    expect(ops.vfs_mount(mp, "/m", defaultArgs({ ta_root_gid: -1 }), -1)).toBe(EINVAL);
    expect(
      ops.vfs_mount(mp, "/m", defaultArgs({ ta_root_mode: 0o41777, ta_root_uid: 7 }), 40),
    ).toBe(0);
    const out = { vp: null as Vnode | null };
    expect(ops.vfs_root(mp, 0, out)).toBe(0);
    const va = getattr(out.vp!);
    expect(va.va_mode).toBe(0o1777);
    expect(va.va_uid).toBe(7);
    expect(va.va_nlink).toBe(2);
    expect(va.va_type).toBe(VDIR);
    expect(out.vp!.v_vflag & VV_ROOT).toBe(VV_ROOT);
  });

  it("derives the limits, updates them and reports them (MNT_GETARGS)", () => {
    const fs = mountTmpfs({ ta_size_max: 1 << 20 });
    const tm = VFS_TO_TMPFS(fs.mp);
    expect(tm.tm_nodes_max).toBe(3 + 1024);
    expect(tm.tm_pages_max).toBe(256);
    const unl = mountTmpfs({ ta_size_max: 100 });
    expect(VFS_TO_TMPFS(unl.mp).tm_nodes_max).toBe(0x7fffffff);
    expect(VFS_TO_TMPFS(unl.mp).tm_pages_max).toBe(Infinity);

    for (let i = 0; i < 5; i++) touch(fs.root, `f${i}`);
    fs.mp.mnt_flag |= MNT_UPDATE;
    expect(fs.ops.vfs_mount(fs.mp, "/m", defaultArgs({ ta_nodes_max: 4 }), -1)).toBe(EBUSY);
    expect(
      fs.ops.vfs_mount(fs.mp, "/m", defaultArgs({ ta_nodes_max: 100, ta_root_mode: 0o700 }), -1),
    ).toBe(0);
    fs.mp.mnt_flag &= ~MNT_UPDATE;
    expect(tm.tm_nodes_max).toBe(100);

    fs.mp.mnt_flag |= MNT_GETARGS;
    const a = { ta_version: 0 } as unknown as TmpfsArgs;
    expect(fs.ops.vfs_mount(fs.mp, "/m", a, -1)).toBe(0);
    fs.mp.mnt_flag &= ~MNT_GETARGS;
    expect(a).toEqual({
      ta_version: 1,
      ta_nodes_max: 100,
      ta_size_max: 0,
      ta_root_uid: 0,
      ta_root_gid: 0,
      ta_root_mode: 0o700,
    });
  });

  it("unmounts: EBUSY while in use, frees every page after", () => {
    const fs = mountTmpfs();
    const before = fs.k.memused;
    const [, vp] = create(fs.root, "big");
    expect(write(vp!, 0, new Uint8Array(100_000))).toBe(0);
    expect(fs.k.memused - before).toBe(25 * 4096);
    expect(fs.ops.vfs_unmount(fs.mp, 0)).toBe(EBUSY);
    vrele(vp!);
    vrele(fs.root);
    expect(fs.ops.vfs_unmount(fs.mp, 0)).toBe(0);
    expect(fs.k.memused).toBe(before);
    expect(fs.mp.mnt_data).toBe(null);
  });

  it("statvfs counts pages and nodes", () => {
    const fs = mountTmpfs({ ta_size_max: 1 << 20, ta_nodes_max: 50 });
    const sb = newStatvfs();
    expect(fs.ops.vfs_statvfs(fs.mp, sb)).toBe(0);
    expect(sb.f_bsize).toBe(4096);
    expect(sb.f_frsize).toBe(4096);
    expect(sb.f_blocks).toBe(256);
    expect(sb.f_bfree).toBe(256);
    expect(sb.f_files).toBe(50);
    expect(sb.f_ffree).toBe(49);
    expect(sb.f_namemax).toBe(255);
    const [, vp] = create(fs.root, "f");
    write(vp!, 0, new Uint8Array(5000));
    fs.ops.vfs_statvfs(fs.mp, sb);
    expect(sb.f_bfree).toBe(254);
    expect(sb.f_bavail).toBe(254);
    expect(sb.f_ffree).toBe(48);
  });

  it("file handles round-trip", () => {
    const fs = mountTmpfs();
    const [, vp] = create(fs.root, "f");
    const fid = { v: null as Uint8Array | null };
    expect(fs.ops.vfs_vptofh(vp!, fid)).toBe(0);
    const out = { vp: null as Vnode | null };
    expect(fs.ops.vfs_fhtovp(fs.mp, fid.v!, 0, out)).toBe(0);
    expect(out.vp).toBe(vp);
    vrele(out.vp!);
    vrele(vp!);
    expect(remove(fs.root, "f")).toBe(0);
    expect(fs.ops.vfs_fhtovp(fs.mp, fid.v!, 0, out)).toBe(ESTALE);
  });

  it("a file handle finds a node deep in the tree after its vnode was reclaimed", () => {
    const fs = mountTmpfs();
    const d = mkdirv(mkdirv(fs.root, "a"), "b");
    const [, vp] = create(d, "f");
    const fid = { v: null as Uint8Array | null };
    expect(fs.ops.vfs_vptofh(vp!, fid)).toBe(0);
    const ino = getattr(vp!).va_fileid;
    vgone(vp!); // revoked: the node keeps its name, its vnode is dead
    vrele(vp!);
    const out = { vp: null as Vnode | null };
    expect(fs.ops.vfs_fhtovp(fs.mp, fid.v!, 0, out)).toBe(0);
    expect(out.vp).not.toBe(vp);
    expect(getattr(out.vp!).va_fileid).toBe(ino);
    // and a lookup by name finds that same new vnode
    const [e, again] = lookup(d, "f");
    expect(e).toBe(0);
    expect(again).toBe(out.vp);
    vrele(again!);
    vrele(out.vp!);
  });
});

describe("tmpfs names", () => {
  it("create sets owner, group, mode, times; the parent's mtime moves", () => {
    const fs = mountTmpfs({ ta_root_gid: 42, ta_root_mode: 0o777 });
    const d0 = getattr(fs.root);
    const [e, vp] = create(fs.root, "f", 0o4755 | 0o170000, user(100, 7));
    expect(e).toBe(0);
    const va = getattr(vp!);
    expect(va.va_type).toBe(VREG);
    expect(va.va_uid).toBe(100);
    expect(va.va_gid).toBe(42);
    expect(va.va_mode).toBe(0o4755);
    expect(va.va_nlink).toBe(1);
    expect(va.va_size).toBe(0);
    expect(va.va_blocksize).toBe(4096);
    expect(va.va_bytes).toBe(0);
    expect(va.va_fileid).toBe(VP_TO_TMPFS_NODE(vp!).tn_id);
    expect(va.va_fsid).toBe(fs.mp.mnt_stat.f_fsidx[0]);
    expect(va.va_birthtime).toEqual(va.va_mtime);
    expect(va.va_atime).toEqual(va.va_ctime);
    const d1 = getattr(fs.root);
    expect(d1.va_mtime.tv_sec * 1e9 + d1.va_mtime.tv_nsec).toBeGreaterThan(
      d0.va_mtime.tv_sec * 1e9 + d0.va_mtime.tv_nsec,
    );
    expect(d1.va_ctime).toEqual(d1.va_mtime);
    expect(d1.va_size).toBeGreaterThan(d0.va_size);
  });

  it("lookup: ., .., missing, EJUSTRETURN, ENOTDIR, EEXIST", () => {
    const fs = mountTmpfs();
    const d = mkdirv(fs.root, "d");
    touch(d, "f");
    expect(lookup(d, ".")[1]).toBe(d);
    expect(lookup(d, "..")[1]).toBe(fs.root);
    expect(lookup(fs.root, "..")[1]).toBe(fs.root);
    expect(lookup(d, "nope")[0]).toBe(ENOENT);
    expect(lookup(d, "nope", CREATE)[0]).toBe(EJUSTRETURN);
    expect(lookup(d, "nope", RENAME)[0]).toBe(EJUSTRETURN);
    expect(lookup(d, "nope", CREATE, root, false)[0]).toBe(ENOENT);
    expect(lookup(d, "f", LOOKUP, root, false)[0]).toBe(ENOTDIR);
    expect(lookup(d, ".", RENAME)[0]).toBe(EINVAL);
    expect(create(d, "f")[0]).toBe(EEXIST);
    expect(mkdir(d, "f")[0]).toBe(EEXIST);
    const [e, f] = lookup(d, "f");
    expect(e).toBe(0);
    expect(f!.v_type).toBe(VREG);
    expect(f!.v_lock).toBe(0);
  });

  it("name cache: negative entries are dropped by create, positive ones by remove", () => {
    const fs = mountTmpfs();
    const ev = fs.k.evcnt;
    expect(lookup(fs.root, "x")[0]).toBe(ENOENT);
    const neg = ev.namecache_neghits;
    expect(lookup(fs.root, "x")[0]).toBe(ENOENT);
    expect(ev.namecache_neghits).toBe(neg + 1);
    touch(fs.root, "x");
    const [e, vp] = lookup(fs.root, "x");
    expect(e).toBe(0);
    const hits = ev.namecache_hits;
    vrele(lookup(fs.root, "x")[1]!);
    expect(ev.namecache_hits).toBe(hits + 1);
    vrele(vp!);
    expect(remove(fs.root, "x")).toBe(0);
    expect(lookup(fs.root, "x")[0]).toBe(ENOENT);
  });

  it("names of 255 bytes work, 256 are ENAMETOOLONG; any byte but / and NUL", () => {
    const fs = mountTmpfs();
    const n255 = "n".repeat(255);
    const [e] = create(fs.root, n255);
    expect(e).toBe(0);
    expect(lookup(fs.root, n255)[0]).toBe(0);
    expect(create(fs.root, "n".repeat(256))[0]).toBe(ENAMETOOLONG);
    expect(lookup(fs.root, "n".repeat(256))[0]).toBe(ENAMETOOLONG);
    const latin = "\xe9t\xe9\xff";
    touch(fs.root, latin);
    expect(listdir(fs.root)).toContain(latin);
    expect(VOP_PATHCONF_(fs.root, 4)).toEqual([0, 255]);
  });

  it("removal needs write access and honours the sticky bit", () => {
    const fs = mountTmpfs({ ta_root_mode: 0o1777 });
    const alice = user(100, 100);
    const bob = user(200, 200);
    touch(fs.root, "a", 0o644, alice);
    expect(remove(fs.root, "a", bob)).toBe(EPERM);
    expect(rename(fs.root, "a", fs.root, "b", bob)).toBe(EPERM);
    expect(remove(fs.root, "a", alice)).toBe(0);
    const d = mkdirv(fs.root, "d", 0o755);
    touch(d, "f");
    expect(remove(d, "f", bob)).toBe(EACCES);
  });
});

function VOP_PATHCONF_(vp: Vnode, name: number): [number, number] {
  const r = { v: -1 };
  vn_lock(vp, LK_EXCLUSIVE);
  const e = VOP_PATHCONF(vp, name, r);
  VOP_UNLOCK(vp);
  return [e, r.v];
}

describe("tmpfs data", () => {
  it("reads holes as zeros and keeps sparse files sparse", () => {
    const fs = mountTmpfs();
    const [, vp] = create(fs.root, "s");
    expect(write(vp!, 10_000, bytes("abc"))).toBe(0);
    expect(getattr(vp!).va_size).toBe(10_003);
    expect(getattr(vp!).va_bytes).toBe(4096);
    const [, d] = read(vp!, 0, 20_000);
    expect(d.length).toBe(10_003);
    expect(d.subarray(0, 10_000).every((b) => b === 0)).toBe(true);
    expect(Array.from(d.subarray(10_000))).toEqual([97, 98, 99]);
    // far away: one page, not a table the size of the offset
    const far = 2 ** 40;
    expect(write(vp!, far, bytes("z"))).toBe(0);
    expect(getattr(vp!).va_size).toBe(far + 1);
    expect(getattr(vp!).va_bytes).toBe(8192);
    expect(Array.from(read(vp!, far - 2, 10)[1])).toEqual([0, 0, 122]);
    // beyond EOF
    expect(read(vp!, far + 5, 10)[1].length).toBe(0);
  });

  it("writes across pages and reads back exactly", () => {
    const fs = mountTmpfs();
    const [, vp] = create(fs.root, "f");
    const data = new Uint8Array(300_001);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) & 0xff;
    for (let off = 0; off < data.length; off += 65_536) {
      expect(write(vp!, off, data.subarray(off, Math.min(off + 65_536, data.length)))).toBe(0);
    }
    expect(Buffer.from(read(vp!, 0, 400_000)[1]).equals(Buffer.from(data))).toBe(true);
    expect(Buffer.from(read(vp!, 4095, 3)[1]).equals(Buffer.from(data.subarray(4095, 4098)))).toBe(
      true,
    );
    // overwrite in the middle, unaligned
    write(vp!, 5000, bytes("XYZ"));
    expect(String.fromCharCode(...read(vp!, 4999, 5)[1])).toBe(
      String.fromCharCode(data[4999]!) + "XYZ" + String.fromCharCode(data[5003]!),
    );
  });

  it("truncate: shrinking frees pages and zeroes the tail; growing leaves a hole", () => {
    const fs = mountTmpfs();
    const [, vp] = create(fs.root, "t");
    write(vp!, 0, new Uint8Array(10_000).fill(0x55));
    const m0 = getattr(vp!).va_mtime;
    expect(setattr(vp!, (v) => (v.va_size = 5000))).toBe(0);
    const va = getattr(vp!);
    expect(va.va_size).toBe(5000);
    expect(va.va_bytes).toBe(8192);
    expect(va.va_mtime.tv_sec * 1e9 + va.va_mtime.tv_nsec).toBeGreaterThan(
      m0.tv_sec * 1e9 + m0.tv_nsec,
    );
    expect(setattr(vp!, (v) => (v.va_size = 9000))).toBe(0);
    const [, d] = read(vp!, 0, 9000);
    expect(d.subarray(0, 5000).every((b) => b === 0x55)).toBe(true);
    expect(d.subarray(5000).every((b) => b === 0)).toBe(true);
    expect(setattr(vp!, (v) => (v.va_size = 0))).toBe(0);
    expect(getattr(vp!).va_bytes).toBe(0);
    // freed pages are reused without leaking old bytes
    write(vp!, 100, bytes("q"));
    expect(
      read(vp!, 0, 101)[1]
        .subarray(0, 100)
        .every((b) => b === 0),
    ).toBe(true);
    expect(setattr(fs.root, (v) => (v.va_size = 0))).toBe(EISDIR);
    expect(setattr(vp!, (v) => (v.va_size = -2))).toBe(EINVAL);
  });

  it("IO_APPEND writes at the end; append-only files refuse other writes", () => {
    const fs = mountTmpfs();
    const [, vp] = create(fs.root, "a");
    write(vp!, 0, bytes("abc"));
    expect(write(vp!, 0, bytes("de"), root, IO_APPEND)).toBe(0);
    expect(String.fromCharCode(...read(vp!, 0, 10)[1])).toBe("abcde");
    expect(setattr(vp!, (v) => (v.va_flags = UF_APPEND))).toBe(0);
    expect(write(vp!, 0, bytes("x"))).toBe(EPERM);
    expect(write(vp!, 0, bytes("f"), root, IO_APPEND)).toBe(0);
    expect(setattr(vp!, (v) => (v.va_size = 0))).toBe(EPERM);
  });

  it("a removed but open file keeps its data until the last reference goes", () => {
    const fs = mountTmpfs();
    const tm = VFS_TO_TMPFS(fs.mp);
    const [, vp] = create(fs.root, "f");
    write(vp!, 0, new Uint8Array(8192).fill(9));
    const nodes = tm.tm_nodes_cnt;
    const mem = fs.k.memused;
    expect(remove(fs.root, "f")).toBe(0);
    expect(lookup(fs.root, "f")[0]).toBe(ENOENT);
    expect(getattr(vp!).va_nlink).toBe(0);
    expect(read(vp!, 0, 8192)[1].every((b) => b === 9)).toBe(true);
    expect(tm.tm_nodes_cnt).toBe(nodes);
    vrele(vp!);
    expect(tm.tm_nodes_cnt).toBe(nodes - 1);
    expect(fs.k.memused).toBe(mem - 8192);
  });

  it("enforces ta_size_max, ta_nodes_max and RUMP_MEMLIMIT with ENOSPC", () => {
    const fs = mountTmpfs({ ta_size_max: 64 * 1024, ta_nodes_max: 5 });
    const [, vp] = create(fs.root, "f");
    expect(write(vp!, 0, new Uint8Array(64 * 1024))).toBe(0);
    expect(write(vp!, 64 * 1024, new Uint8Array(1))).toBe(ENOSPC);
    expect(getattr(vp!).va_size).toBe(64 * 1024);
    expect(write(vp!, 100, new Uint8Array(1000))).toBe(0); // overwrite needs no page
    touch(fs.root, "g");
    touch(fs.root, "h");
    expect(create(fs.root, "i")[0]).toBe(ENOSPC);
    expect(mkdir(fs.root, "j")[0]).toBe(ENOSPC);
    expect(symlink(fs.root, "k", "x")[0]).toBe(ENOSPC);

    const lim = mountTmpfs({}, { RUMP_MEMLIMIT: "200000" });
    const [, v2] = create(lim.root, "f");
    const used = lim.k.memused;
    const room = Math.floor((200_000 - used) / 4096) * 4096;
    expect(write(v2!, 0, new Uint8Array(room + 1))).toBe(ENOSPC);
    expect(getattr(v2!).va_size).toBe(0);
    expect(write(v2!, 0, new Uint8Array(room))).toBe(0);
  });
});

describe("tmpfs directories", () => {
  it("readdir: . and .. first, types, inode numbers", () => {
    const fs = mountTmpfs();
    const d = mkdirv(fs.root, "d");
    touch(d, "f");
    vrele(mkdirv(d, "sub"));
    vrele(symlink(d, "l", "f")[1]!);
    vrele(mknod(d, "c", VCHR, 0x1234)[1]!);
    vrele(mknod(d, "p", VFIFO, 0)[1]!);
    const r = readdir(d, 0);
    expect(r.error).toBe(0);
    expect(r.eof).toBe(true);
    expect(r.entries.map((e) => [e.name, e.type])).toEqual([
      [".", DT_DIR],
      ["..", DT_DIR],
      ["f", DT_REG],
      ["sub", DT_DIR],
      ["l", DT_LNK],
      ["c", DT_CHR],
      ["p", DT_FIFO],
    ]);
    expect(r.entries[0]!.fileno).toBe(getattr(d).va_fileid);
    expect(r.entries[1]!.fileno).toBe(getattr(fs.root).va_fileid);
    expect(r.cookies.length).toBe(7);
    expect(r.cookies.at(-1)).toBe(r.next);
    // resuming at each cookie gives the rest
    const again = readdir(d, r.cookies[2]!);
    expect(again.entries.map((e) => e.name)).toEqual(["sub", "l", "c", "p"]);
    // too small for one record
    expect(readdir(d, 0, 8).error).toBe(EINVAL);
    // at the end: nothing, eof
    const end = readdir(d, r.next);
    expect(end.entries.length).toBe(0);
    expect(end.eof).toBe(true);
  });

  it("records straddling iovecs are scattered correctly", () => {
    const fs = mountTmpfs();
    touch(fs.root, "a-rather-long-name");
    const a = new Uint8Array(20);
    const b = new Uint8Array(200);
    const uio = new Uio([a, b], 0, 220, UIO_READ);
    const eof = { v: 0 };
    vn_lock(fs.root, LK_EXCLUSIVE);
    expect(VOP_READDIR(fs.root, uio, root, eof, null, null)).toBe(0);
    VOP_UNLOCK(fs.root);
    const all = new Uint8Array(220);
    all.set(a);
    all.set(b, 20);
    expect(parseDirents(all.subarray(0, 220 - uio.uio_resid)).map((d) => d.name)).toEqual([
      ".",
      "..",
      "a-rather-long-name",
    ]);
    expect(DIRENT_RECLEN(1)).toBe(16);
    expect(DIRENT_RECLEN(255)).toBe(272);
  });

  it("a cookie survives inserts and removals before and after it", () => {
    const fs = mountTmpfs();
    const d = mkdirv(fs.root, "d");
    const model: string[] = [];
    for (let i = 0; i < 200; i++) {
      touch(d, `f${i}`);
      model.push(`f${i}`);
    }
    const first = readdir(d, 0, 1024);
    expect(first.eof).toBe(false);
    const lastIdx = Number(first.entries.at(-1)!.name.slice(1));
    const gone = new Set<string>();
    // entries already seen, the very next one, and some later ones go; new ones come
    for (let i = 0; i <= lastIdx + 1; i++) if (i % 2 === 0 || i === lastIdx + 1) gone.add(`f${i}`);
    for (let i = lastIdx + 2; i < 200; i += 3) gone.add(`f${i}`);
    for (const n of gone) expect(remove(d, n)).toBe(0);
    for (let i = 0; i < 10; i++) {
      touch(d, `new${i}`);
      model.push(`new${i}`);
    }
    const live = model.filter((n) => !gone.has(n));
    const rest: string[] = [];
    let off = first.next;
    for (;;) {
      const r = readdir(d, off, 700);
      rest.push(...r.entries.map((e) => e.name));
      off = r.next;
      if (r.eof) break;
    }
    expect(rest).toEqual(live.filter((n) => n.startsWith("new") || Number(n.slice(1)) > lastIdx));
    expect(listdir(d)).toEqual([".", "..", ...live]);
    // a name added after the reader reached the end shows up when it reads on
    touch(d, "late");
    expect(readdir(d, off).entries.map((e) => e.name)).toEqual(["late"]);
  });

  it("mkdir/rmdir keep link counts; rmdir of a non-empty directory is ENOTEMPTY", () => {
    const fs = mountTmpfs();
    expect(getattr(fs.root).va_nlink).toBe(2);
    const d = mkdirv(fs.root, "d");
    expect(getattr(d).va_nlink).toBe(2);
    expect(getattr(fs.root).va_nlink).toBe(3);
    vrele(mkdirv(d, "e"));
    expect(getattr(d).va_nlink).toBe(3);
    expect(rmdir(fs.root, "d")).toBe(ENOTEMPTY);
    expect(rmdir(d, "e")).toBe(0);
    expect(getattr(d).va_nlink).toBe(2);
    touch(d, "f");
    expect(rmdir(d, "f")).toBe(ENOTDIR);
    expect(remove(fs.root, "d")).toBe(EPERM);
    expect(remove(d, "f")).toBe(0);
    expect(rmdir(fs.root, "d")).toBe(0);
    expect(getattr(fs.root).va_nlink).toBe(2);
    expect(getattr(d).va_nlink).toBe(0);
    // the removed directory is empty and cannot get entries
    expect(lookup(d, ".")[0]).toBe(ENOENT);
    expect(create(d, "x")[0]).toBe(ENOENT);
    expect(readdir(d, 0).entries.length).toBe(0);
    vrele(d);
  });

  it("hard links: count, EPERM for directories and flagged files, EMLINK at LINK_MAX", () => {
    const fs = mountTmpfs();
    const [, vp] = create(fs.root, "f");
    const c0 = getattr(vp!).va_ctime;
    expect(link(fs.root, vp!, "g")).toBe(0);
    expect(getattr(vp!).va_nlink).toBe(2);
    expect(getattr(vp!).va_ctime).not.toEqual(c0);
    expect(get(fs.root, "g")).toBe(vp);
    expect(link(fs.root, vp!, "g")).toBe(EEXIST);
    const d = mkdirv(fs.root, "d");
    expect(link(fs.root, d, "dd")).toBe(EPERM);
    expect(remove(fs.root, "f")).toBe(0);
    expect(getattr(vp!).va_nlink).toBe(1);
    setattr(vp!, (v) => (v.va_flags = UF_IMMUTABLE));
    expect(link(fs.root, vp!, "h")).toBe(EPERM);
    setattr(vp!, (v) => (v.va_flags = 0));
    VP_TO_TMPFS_NODE(vp!).tn_links = 32767;
    expect(link(fs.root, vp!, "h")).toBe(EMLINK);
    VP_TO_TMPFS_NODE(vp!).tn_links = 1;
  });

  it("symlinks: target, size, readlink", () => {
    const fs = mountTmpfs();
    const [e, vp] = symlink(fs.root, "l", "some/where\xff");
    expect(e).toBe(0);
    expect(vp!.v_type).toBe(VLNK);
    expect(getattr(vp!).va_size).toBe(11);
    expect(readlink(vp!)).toEqual([0, "some/where\xff"]);
    expect(symlink(fs.root, "m", "x".repeat(1024))[0]).toBe(ENAMETOOLONG);
    expect(symlink(fs.root, "m", "x".repeat(1023))[0]).toBe(0);
    const [, f] = create(fs.root, "f");
    expect(readlink(f!)[0]).toBe(EINVAL);
  });

  it("device nodes and fifos get rdev and the right vector", () => {
    const fs = mountTmpfs();
    const [e, c] = mknod(fs.root, "c", VCHR, 0x0102);
    expect(e).toBe(0);
    expect(c!.v_type).toBe(VCHR);
    expect(c!.v_rdev).toBe(0x0102);
    expect(getattr(c!).va_rdev).toBe(0x0102);
    const [, p] = mknod(fs.root, "p", VFIFO, 0);
    expect(p!.v_type).toBe(VFIFO);
    const tm = VFS_TO_TMPFS(fs.mp);
    expect(c!.v_op).toBe(tm.tm_specop_p);
    expect(p!.v_op).toBe(tm.tm_fifoop_p);
    expect(fs.root.v_op).toBe(tm.tm_vnodeop_p);
    const [, f] = create(fs.root, "f");
    expect(getattr(f!).va_rdev).toBe(-1);
    expect(mknod(fs.root, "r", VREG, 0)[0]).toBe(EINVAL);
  });
});

describe("tmpfs rename", () => {
  function setup() {
    const fs = mountTmpfs({ ta_root_mode: 0o777 });
    const a = mkdirv(fs.root, "a", 0o777);
    const b = mkdirv(fs.root, "b", 0o777);
    return { fs, a, b };
  }

  it("moves a file within and across directories", () => {
    const { fs, a, b } = setup();
    touch(a, "f");
    const f = get(a, "f");
    const seq = readdir(a, 2).cookies;
    expect(rename(a, "f", a, "g")).toBe(0);
    expect(lookup(a, "f")[0]).toBe(ENOENT);
    expect(get(a, "g")).toBe(f);
    expect(readdir(a, 2).cookies).toEqual(seq); // same place in the directory
    expect(rename(a, "g", b, "h")).toBe(0);
    expect(get(b, "h")).toBe(f);
    expect(listdir(a)).toEqual([".", ".."]);
    expect(getattr(f).va_nlink).toBe(1);
    expect(getattr(fs.root).va_nlink).toBe(4);
  });

  it("replaces a file, freeing it when it had no other link", () => {
    const { fs, a } = setup();
    touch(a, "f");
    const [, t] = create(a, "t");
    write(t!, 0, new Uint8Array(5000));
    const tm = VFS_TO_TMPFS(fs.mp);
    const n = tm.tm_nodes_cnt;
    vrele(t!);
    expect(rename(a, "f", a, "t")).toBe(0);
    expect(tm.tm_nodes_cnt).toBe(n - 1);
    expect(listdir(a)).toEqual([".", "..", "t"]);
  });

  it("moves a directory: fixes .. and both parents' link counts", () => {
    const { a, b } = setup();
    const d = mkdirv(a, "d");
    expect(getattr(a).va_nlink).toBe(3);
    expect(rename(a, "d", b, "d2")).toBe(0);
    expect(getattr(a).va_nlink).toBe(2);
    expect(getattr(b).va_nlink).toBe(3);
    expect(lookup(d, "..")[1]).toBe(b);
    expect(readdir(d, 0).entries[1]!.fileno).toBe(getattr(b).va_fileid);
  });

  it("replaces an empty directory; ENOTEMPTY for a full one", () => {
    const { fs, a, b } = setup();
    const d = mkdirv(a, "d");
    const e = mkdirv(b, "e");
    touch(d, "inside");
    expect(rename(a, "d", b, "e")).toBe(0);
    expect(getattr(e).va_nlink).toBe(0);
    expect(get(b, "e")).toBe(d);
    expect(getattr(b).va_nlink).toBe(3);
    expect(getattr(a).va_nlink).toBe(2);
    vrele(mkdirv(a, "x"));
    expect(rename(a, "x", fs.root, "b")).toBe(ENOTEMPTY);
  });

  it("type mismatches: EISDIR and ENOTDIR", () => {
    const { a } = setup();
    touch(a, "f");
    vrele(mkdirv(a, "d"));
    expect(rename(a, "f", a, "d")).toBe(EISDIR);
    expect(rename(a, "d", a, "f")).toBe(ENOTDIR);
  });

  it("EINVAL: a directory into its own subtree, '.' and '..'", () => {
    const { fs, a } = setup();
    const d = mkdirv(a, "d");
    const e = mkdirv(d, "e");
    expect(rename(fs.root, "a", e, "x")).toBe(EINVAL);
    expect(rename(fs.root, "a", a, "x")).toBe(EINVAL);
    expect(rename(a, "d", d, "x")).toBe(EINVAL);
    expect(rename(a, ".", fs.root, "x")).toBe(EINVAL);
    expect(rename(a, "..", fs.root, "x")).toBe(EINVAL);
    expect(rename(fs.root, "a", a, ".")).toBe(EINVAL);
    // the target contains the source
    expect(rename(e, "..", fs.root, "a")).toBe(EINVAL);
    touch(e, "f");
    vrele(mkdirv(e, "g"));
    expect(rename(e, "g", fs.root, "a")).toBe(ENOTEMPTY);
  });

  it("two links to one file: a no-op that succeeds", () => {
    const { a } = setup();
    const [, f] = create(a, "f");
    link(a, f!, "g");
    expect(rename(a, "f", a, "g")).toBe(0);
    expect(listdir(a).sort()).toEqual([".", "..", "f", "g"]);
    expect(getattr(f!).va_nlink).toBe(2);
    expect(rename(a, "f", a, "f")).toBe(0);
  });

  it("permissions: write access to both directories; sticky target", () => {
    const { fs, a } = setup();
    const alice = user(100, 100);
    const ro = mkdirv(fs.root, "ro", 0o755);
    touch(a, "f", 0o644, alice);
    expect(rename(a, "f", ro, "f", alice)).toBe(EACCES);
    const st = mkdirv(fs.root, "st", 0o1777);
    touch(st, "t", 0o644); // root's
    expect(rename(a, "f", st, "t", alice)).toBe(EPERM);
    expect(rename(a, "f", st, "u", alice)).toBe(0);
    setattr(get(st, "u"), (v) => (v.va_flags = UF_IMMUTABLE));
    expect(rename(st, "u", a, "f")).toBe(EPERM);
  });

  it("updates ctime of the file and mtime of both directories", () => {
    const { a, b } = setup();
    touch(a, "f");
    const f = get(a, "f");
    const t = (vp: Vnode, w: "va_mtime" | "va_ctime") => {
      const v = getattr(vp)[w];
      return v.tv_sec * 1e9 + v.tv_nsec;
    };
    const [fc, am, bm] = [t(f, "va_ctime"), t(a, "va_mtime"), t(b, "va_mtime")];
    expect(rename(a, "f", b, "f")).toBe(0);
    expect(t(f, "va_ctime")).toBeGreaterThan(fc);
    expect(t(a, "va_mtime")).toBeGreaterThan(am);
    expect(t(b, "va_mtime")).toBeGreaterThan(bm);
  });
});

describe("tmpfs attributes and permissions", () => {
  it("chmod: owner or root; others EPERM; setgid by a non-member EPERM; sticky on files EFTYPE", () => {
    const fs = mountTmpfs({ ta_root_mode: 0o777, ta_root_gid: 5 });
    const alice = user(100, 100);
    const [, vp] = create(fs.root, "f", 0o644, alice);
    const c0 = getattr(vp!).va_ctime;
    expect(setattr(vp!, (v) => (v.va_mode = 0o600), user(200, 200))).toBe(EPERM);
    // the file's group is the directory's (5); alice is not in it
    expect(setattr(vp!, (v) => (v.va_mode = 0o2755), alice)).toBe(EPERM);
    expect(setattr(vp!, (v) => (v.va_mode = 0o755), alice)).toBe(0);
    expect(getattr(vp!).va_mode).toBe(0o755);
    expect(getattr(vp!).va_ctime).not.toEqual(c0);
    expect(setattr(vp!, (v) => (v.va_mode = 0o1644), alice)).toBe(EFTYPE);
    expect(setattr(vp!, (v) => (v.va_mode = 0o6755))).toBe(0);
    expect(getattr(vp!).va_mode).toBe(0o6755);
  });

  it("chown: only root gives away files; owners pick their own groups", () => {
    const fs = mountTmpfs({ ta_root_mode: 0o777 });
    const alice = user(100, 100, [300]);
    const [, vp] = create(fs.root, "f", 0o6755, alice);
    expect(setattr(vp!, (v) => (v.va_uid = 200), alice)).toBe(EPERM);
    expect(setattr(vp!, (v) => (v.va_gid = 400), alice)).toBe(EPERM);
    expect(setattr(vp!, (v) => (v.va_gid = 300), user(200, 300))).toBe(EPERM);
    expect(setattr(vp!, (v) => (v.va_gid = 300), alice)).toBe(0);
    expect(getattr(vp!).va_gid).toBe(300);
    expect(getattr(vp!).va_mode & (S_ISUID | S_ISGID)).toBe(0);
    expect(setattr(vp!, (v) => ((v.va_uid = 7), (v.va_gid = 8)))).toBe(0);
    expect([getattr(vp!).va_uid, getattr(vp!).va_gid]).toEqual([7, 8]);
  });

  it("writes by non-root clear setuid/setgid", () => {
    const fs = mountTmpfs({ ta_root_mode: 0o777 });
    const alice = user(100, 100);
    const [, vp] = create(fs.root, "f", 0o6777, alice);
    write(vp!, 0, bytes("x"));
    expect(getattr(vp!).va_mode).toBe(0o6777);
    write(vp!, 0, bytes("x"), alice);
    expect(getattr(vp!).va_mode).toBe(0o777);
  });

  it("chflags: UF_ by the owner, SF_ by root only; immutable files refuse changes", () => {
    const fs = mountTmpfs({ ta_root_mode: 0o777 });
    const alice = user(100, 100);
    const [, vp] = create(fs.root, "f", 0o644, alice);
    expect(setattr(vp!, (v) => (v.va_flags = SF_IMMUTABLE), alice)).toBe(EPERM);
    expect(setattr(vp!, (v) => (v.va_flags = UF_IMMUTABLE), user(200, 200))).toBe(EPERM);
    expect(setattr(vp!, (v) => (v.va_flags = UF_IMMUTABLE), alice)).toBe(0);
    expect(getattr(vp!).va_flags).toBe(UF_IMMUTABLE);
    expect(write(vp!, 0, bytes("x"))).toBe(EPERM);
    expect(access(vp!, VWRITE)).toBe(EPERM);
    expect(setattr(vp!, (v) => (v.va_mode = 0o600))).toBe(EPERM);
    expect(remove(fs.root, "f")).toBe(EPERM);
    expect(setattr(vp!, (v) => (v.va_flags = SF_IMMUTABLE))).toBe(0);
    expect(setattr(vp!, (v) => (v.va_flags = 0), alice)).toBe(EPERM);
    expect(setattr(vp!, (v) => (v.va_flags = 0))).toBe(0);
    expect(remove(fs.root, "f")).toBe(0);
  });

  it("times: explicit by the owner, 'now' with write access, ctime always", () => {
    const fs = mountTmpfs({ ta_root_mode: 0o777 });
    const alice = user(100, 100);
    const bob = user(200, 200);
    const [, vp] = create(fs.root, "f", 0o666, alice);
    expect(
      setattr(
        vp!,
        (v) => {
          v.va_atime = { tv_sec: 1000, tv_nsec: 5 };
          v.va_mtime = { tv_sec: 2000, tv_nsec: 6 };
          v.va_birthtime = { tv_sec: 500, tv_nsec: 0 };
        },
        alice,
      ),
    ).toBe(0);
    const va = getattr(vp!);
    expect(va.va_atime).toEqual({ tv_sec: 1000, tv_nsec: 5 });
    expect(va.va_mtime).toEqual({ tv_sec: 2000, tv_nsec: 6 });
    expect(va.va_birthtime).toEqual({ tv_sec: 500, tv_nsec: 0 });
    expect(va.va_ctime.tv_sec).toBeGreaterThan(2000);
    expect(setattr(vp!, (v) => (v.va_mtime = { tv_sec: 1, tv_nsec: 0 }), bob)).toBe(EPERM);
    expect(
      setattr(
        vp!,
        (v) => {
          v.va_mtime = { tv_sec: 3000, tv_nsec: 0 };
          v.va_vaflags = VA_UTIMES_NULL;
        },
        bob,
      ),
    ).toBe(0);
    expect(setattr(vp!, (v) => (v.va_ctime = { tv_sec: 1, tv_nsec: 0 }))).toBe(EINVAL);
    // read moves atime, write mtime and ctime
    const a0 = getattr(vp!).va_atime;
    read(vp!, 0, 1);
    expect(getattr(vp!).va_atime).not.toEqual(a0);
    const m0 = getattr(vp!).va_mtime;
    write(vp!, 0, bytes("x"));
    expect(getattr(vp!).va_mtime).not.toEqual(m0);
  });

  it("access: owner/group/other bits, EROFS on a read-only mount", () => {
    const fs = mountTmpfs({ ta_root_mode: 0o777, ta_root_gid: 50 });
    const [, vp] = create(fs.root, "f", 0o640, user(100, 1));
    expect(getattr(vp!).va_gid).toBe(50);
    expect(access(vp!, VREAD, user(100, 1))).toBe(0);
    expect(access(vp!, VWRITE, user(100, 1))).toBe(0);
    expect(access(vp!, VREAD, user(101, 50))).toBe(0);
    expect(access(vp!, VWRITE, user(101, 50))).toBe(EACCES);
    expect(access(vp!, VREAD, user(101, 51))).toBe(EACCES);
    const d = mkdirv(fs.root, "d");
    const [, l] = symlink(fs.root, "l", "f");
    const [, c] = mknod(fs.root, "c", VCHR, 1);
    fs.mp.mnt_flag |= MNT_RDONLY;
    expect(access(vp!, VWRITE)).toBe(EROFS);
    expect(access(d, VWRITE)).toBe(EROFS);
    expect(access(l!, VWRITE)).toBe(EROFS);
    expect(access(c!, VWRITE)).toBe(0);
    expect(access(vp!, VREAD)).toBe(0);
    expect(create(fs.root, "g")[0]).toBe(EROFS);
    expect(lookup(fs.root, "f", DELETE)[0]).toBe(EROFS);
    expect(write(vp!, 0, bytes("x"))).toBe(EROFS);
  });

  it("pathconf", () => {
    const fs = mountTmpfs();
    expect(VOP_PATHCONF_(fs.root, 1)).toEqual([0, 32767]);
    expect(VOP_PATHCONF_(fs.root, 4)).toEqual([0, 255]);
    expect(VOP_PATHCONF_(fs.root, 5)).toEqual([0, 1024]);
    expect(VOP_PATHCONF_(fs.root, 6)).toEqual([0, 512]);
    expect(VOP_PATHCONF_(fs.root, 7)).toEqual([0, 1]);
    expect(VOP_PATHCONF_(fs.root, 8)).toEqual([0, 1]);
    expect(VOP_PATHCONF_(fs.root, 10)).toEqual([0, 1]);
    expect(VOP_PATHCONF_(fs.root, 11)).toEqual([0, 64]);
    expect(VOP_PATHCONF_(fs.root, 99)[0]).toBe(EINVAL);
  });

  it("lookup hook runs first in the root directory", () => {
    const fs = mountTmpfs();
    const d = mkdirv(fs.root, "d");
    tmpfs_set_lookup_hook(fs.mp, (_dvp, cnp, vpp) => {
      if (cnp.cn_nameptr !== "magic") return -1;
      d.v_usecount++;
      vpp.vp = d;
      return 0;
    });
    expect(lookup(fs.root, "magic")[1]).toBe(d);
    expect(lookup(fs.root, "other")[0]).toBe(ENOENT);
    expect(lookup(d, "magic")[0]).toBe(ENOENT);
  });
});
