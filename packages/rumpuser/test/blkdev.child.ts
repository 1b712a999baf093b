/**
 * Child process for blkdev.test.ts: `node --import tsx blkdev.child.ts <device>`
 * prints one JSON line {native, r, size, type}: getfileinfo of the device in a
 * process whose addon state RUMPUSER_NATIVE decides.
 */
import { NodeHost } from "../src/hosts/node.js";
import { nativeStatus } from "../src/native.js";

const size = { v: -1 };
const type = { v: -1 };
const r = new NodeHost({ env: false }).getfileinfo(process.argv[2]!, size, type);
process.stdout.write(
  JSON.stringify({ native: nativeStatus().loaded, r, size: size.v, type: type.v }) + "\n",
);
