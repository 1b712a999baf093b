/** What a command gets: its options and operands, output, and the images it opens. */
import { EINVAL } from "@rump/syscalls";
import type { Ukfs } from "../api.js";
import type { OptSpec } from "./args.js";
import { FsuError, UsageError } from "./errors.js";
import { openFsuImage } from "./image.js";
import { writeOut } from "./stdout.js";

export interface Command {
  name: string;
  /** one line for `fsu --help` */
  summary: string;
  /** the operands and options after "fsu <name> " */
  usage: string;
  options: OptSpec[];
  /** [min, max] operands (including IMAGE) */
  operands: [number, number];
  /** example command lines, each with what it does */
  examples: [string, string][];
  /** more text for `fsu help <name>` */
  details?: string;
  run(ctx: Ctx): void | Promise<void>;
}

export class Ctx {
  /** kernel console lines of opened images */
  readonly console: string[] = [];
  private readonly handles: Ukfs[] = [];
  constructor(
    readonly command: Command,
    readonly opts: Map<string, string | true>,
    readonly operands: string[],
    private readonly all: Map<string, string[]> = new Map(),
  ) {}

  /** Every value of an option that may be given more than once, in order. */
  values(name: string): string[] {
    return this.all.get(name) ?? [];
  }

  flag(name: string): boolean {
    return this.opts.get(name) === true;
  }
  value(name: string): string | undefined {
    const v = this.opts.get(name);
    return typeof v === "string" ? v : undefined;
  }
  get json(): boolean {
    return this.flag("json");
  }

  out(s: string): void {
    writeOut(s);
  }

  usage(message: string): UsageError {
    return new UsageError(message, this.command.name);
  }

  /** Mount an image (read-only unless `writable`; --force: even an unclean one); closed by close(). */
  open(spec: string, writable: boolean): Ukfs {
    const h = openFsuImage(spec, writable, this.console, { force: this.flag("force") });
    this.handles.push(h);
    return h;
  }

  /** Unmount everything opened (the last error, if any, is thrown after all are closed). */
  close(): void {
    let err: unknown = null;
    for (const h of this.handles.splice(0).reverse()) {
      if (!h.alive) continue;
      try {
        h.close();
      } catch (e) {
        err = e;
        try {
          h.release(0x02 /* UKFS_RELFLAG_FORCE */);
        } catch {
          /* the kernel goes with the process */
        }
      }
    }
    if (err !== null) throw err;
  }
}

/** --force of the commands that write (added to each in commands/index.ts). */
export const FORCE_OPT: OptSpec = {
  name: "force",
  help: "write to an image that was not unmounted cleanly (MNT_FORCE, for the brave: it stays marked not clean; fsu fsck -y repairs it)",
};

/**
 * A path inside the image: absolute, and not leading above the root with
 * "..". Returns it unchanged (the kernel resolves it, chrooted).
 */
export function imagePath(p: string, syscall: string): string {
  if (!p.startsWith("/"))
    throw new FsuError(EINVAL, syscall, p, "paths inside the image are absolute (start with /)");
  let depth = 0;
  for (const c of p.split("/")) {
    if (c === "..") {
      if (--depth < 0) throw new FsuError(EINVAL, syscall, p, "the path leads outside the image");
    } else if (c !== "" && c !== ".") depth++;
  }
  return p;
}
