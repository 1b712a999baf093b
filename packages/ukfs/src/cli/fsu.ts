/** The fsu command (bin of @rump/ukfs): see main.ts and `fsu --help`. */
import { catchInterrupts } from "./interrupt.js";
import { main } from "./main.js";

// (stdout.ts: a closed pipe ends the output quietly, any other failed write
// to stdout is one line and exit status 1)
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
