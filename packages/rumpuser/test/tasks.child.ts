/**
 * Child process for tasks.test.ts: `node --import tsx tasks.child.ts`.
 * Schedules a kernel task a minute away and returns: the process must end at
 * once, since a pending task never keeps it alive. Prints "scheduled".
 */
import { MemoryHost } from "../src/hosts/memory.js";
import { NodeHost } from "../src/hosts/node.js";

new NodeHost({ env: false }).task_schedule(() => process.stdout.write("ran\n"), 60_000);
new MemoryHost().task_schedule(() => process.stdout.write("ran\n"), 60_000);
process.stdout.write("scheduled\n");
