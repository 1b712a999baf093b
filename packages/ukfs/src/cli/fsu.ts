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
    // the bin's bundle has minified names: FSU_DEBUG=1 runs the unbundled modules
    const hint =
      process.env.FSU_DEBUG === "1" ? "" : "\n(FSU_DEBUG=1 gives a readable stack trace)";
    process.stderr.write(
      `fsu: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}${hint}\n`,
    );
    process.exitCode = 70;
  },
);
