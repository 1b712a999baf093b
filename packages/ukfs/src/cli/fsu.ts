#!/usr/bin/env node
/** The fsu command (bin of @rump/ukfs): see main.ts and `fsu --help`. */
import { catchInterrupts } from "./interrupt.js";
import { main } from "./main.js";

// a closed pipe (fsu cat … | head) ends the output quietly; any other failed
// write to stdout (a full disk, /dev/full) is one line and exit status 1
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  process.stderr.write(`fsu: ${e.message} (stdout)\n`);
  process.exit(1);
});

catchInterrupts();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(
      `fsu: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exitCode = 70;
  },
);
