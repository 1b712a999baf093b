/**
 * Partitions in device names (ukfs.md §4): %DISKLABEL:, %OFFSET:, the
 * deprecated %PART:, and their errors.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUMP_ETFS_SIZE_ENDOFF } from "@rump/librump";
import { EADDRNOTAVAIL, EINVAL, ENODEV, ENOENT, ERANGE } from "@rump/syscalls";
import {
  ukfs_part_na,
  ukfs_part_none,
  ukfs_part_probe,
  ukfs_part_release,
  ukfs_part_tostring,
  UKFS_DEVICE_ARGVPROBE,
  UKFS_DISKLABEL_MAGICLEN,
  UKFS_OFFSET_MINLEN,
} from "../src/index.js";
import { findDisklabel } from "../src/part.js";
import { errnoOf, writeDisklabel } from "./helpers.js";

let dir = "";
let labelled = "";
let bare = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ukfs-part-"));
  const img = new Uint8Array(1 << 20);
  writeDisklabel(img, 512, [
    [128, 256],
    [0, 0],
    [0, 2048],
    [0, 0],
    [384, 100],
  ]);
  labelled = join(dir, "labelled.img");
  writeFileSync(labelled, img);
  bare = join(dir, "bare.img");
  writeFileSync(bare, new Uint8Array(65536));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("ukfs_part_probe", () => {
  it("no suffix: the whole image", () => {
    expect(ukfs_part_probe("/some/image")).toEqual({
      devpath: "/some/image",
      part: ukfs_part_none,
    });
    expect(ukfs_part_tostring(ukfs_part_none)).toBe("");
  });

  it("%DISKLABEL:<c>% reads the label; offsets and sizes in bytes", () => {
    const a = ukfs_part_probe(`${labelled}%DISKLABEL:a%`);
    expect(a.devpath).toBe(labelled);
    expect(a.part).toMatchObject({
      kind: "disklabel",
      letter: "a",
      offset: 128 * 512,
      size: 256 * 512,
    });
    expect(ukfs_part_tostring(a.part)).toBe("%DISKLABEL:a%");
    expect(ukfs_part_probe(`${labelled}%DISKLABEL:e%`).part).toMatchObject({
      offset: 384 * 512,
      size: 100 * 512,
    });
    ukfs_part_release(a.part);
    expect("%DISKLABEL:a%".length).toBe(UKFS_DISKLABEL_MAGICLEN);
  });

  it("a big-endian label is found too", () => {
    const img = new Uint8Array(8192);
    writeDisklabel(img, 64, [[16, 32]], false);
    const lab = findDisklabel(img)!;
    expect(lab.le).toBe(false);
    expect(lab.partitions[0]).toMatchObject({ offset: 16 * 512, size: 32 * 512 });
    // a broken checksum is no label
    img[64 + 148] = img[64 + 148]! ^ 1;
    expect(findDisklabel(img)).toBeNull();
  });

  it("disklabel errors: EINVAL for a bad letter or form, ENOENT for no label or partition", () => {
    expect(errnoOf(() => ukfs_part_probe(`${labelled}%DISKLABEL:w%`))).toBe(EINVAL);
    expect(errnoOf(() => ukfs_part_probe(`${labelled}%DISKLABEL:A%`))).toBe(EINVAL);
    expect(errnoOf(() => ukfs_part_probe(`${labelled}%DISKLABEL:a`))).toBe(EINVAL);
    expect(errnoOf(() => ukfs_part_probe(`${labelled}%DISKLABEL:ab%`))).toBe(EINVAL);
    expect(errnoOf(() => ukfs_part_probe(`${bare}%DISKLABEL:a%`))).toBe(ENOENT);
    expect(errnoOf(() => ukfs_part_probe(`${labelled}%DISKLABEL:b%`))).toBe(ENOENT); // size 0
    expect(errnoOf(() => ukfs_part_probe(`${labelled}%DISKLABEL:f%`))).toBe(ENOENT); // index == npartitions
    expect(errnoOf(() => ukfs_part_probe(`${dir}/missing%DISKLABEL:a%`))).toBe(ENOENT);
  });

  it("%OFFSET:<start>,<size>%", () => {
    const r = ukfs_part_probe("/img%OFFSET:512,4096%");
    expect(r.devpath).toBe("/img");
    expect(r.part).toMatchObject({ kind: "offset", offset: 512, size: 4096 });
    expect(ukfs_part_tostring(r.part)).toBe("[512,4608]");
    expect(ukfs_part_probe("/img%OFFSET:1024,0%").part.size).toBe(RUMP_ETFS_SIZE_ENDOFF);
    expect("%OFFSET:512,512%".length).toBe(UKFS_OFFSET_MINLEN);
  });

  it("offset errors: EINVAL, ERANGE, EADDRNOTAVAIL", () => {
    expect(errnoOf(() => ukfs_part_probe("/img%OFFSET:512%"))).toBe(EINVAL);
    expect(errnoOf(() => ukfs_part_probe("/img%OFFSET:512,512"))).toBe(EINVAL);
    expect(errnoOf(() => ukfs_part_probe("/img%OFFSET:-1,512%"))).toBe(ERANGE);
    expect(errnoOf(() => ukfs_part_probe("/img%OFFSET:1,-512%"))).toBe(ERANGE);
    expect(errnoOf(() => ukfs_part_probe("/img%OFFSET:99999999999999999999,1%"))).toBe(ERANGE);
    expect(errnoOf(() => ukfs_part_probe("/img%OFFSET:12x,1%"))).toBe(EADDRNOTAVAIL);
    expect(errnoOf(() => ukfs_part_probe("/img%OFFSET:1,2%junk"))).toBe(EADDRNOTAVAIL);
  });

  it("%PART: is deprecated: ENODEV", () => {
    expect(errnoOf(() => ukfs_part_probe("/img%PART:a%"))).toBe(ENODEV);
  });

  it("ukfs_part_tostring of ukfs_part_na is EINVAL", () => {
    expect(errnoOf(() => ukfs_part_tostring(ukfs_part_na))).toBe(EINVAL);
  });

  it("UKFS_DEVICE_ARGVPROBE probes argv[argc-2] and strips it", () => {
    const argv = ["fsu_ls", "/img%OFFSET:0,512%", "/dir"];
    const part = UKFS_DEVICE_ARGVPROBE(argv);
    expect(part).toMatchObject({ kind: "offset", offset: 0, size: 512 });
    expect(argv[1]).toBe("/img");
    expect(UKFS_DEVICE_ARGVPROBE(["fsu_ls", "x"])).toBeNull();
  });
});
