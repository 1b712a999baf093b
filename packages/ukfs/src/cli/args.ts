/**
 * Command-line parsing: getopt-style short flags that cluster (`-la`),
 * options with a value (`-t ffs`, `-s16m`, `--type=ffs`), long options
 * (`--json`), and named options of find(1)'s kind (`-name`, `-type`).
 * Options and operands may be interleaved; `--` ends the options.
 */
import { UsageError } from "./errors.js";

export interface OptSpec {
  /** "l" (a short flag) or "json" (a long one; also accepted with a single dash) */
  name: string;
  /** takes a value */
  value?: boolean;
  /** what the option does, for --help ("" hides it) */
  help: string;
  /** the value's name in help ("SIZE") */
  arg?: string;
  /**
   * A flag that takes a value only when one that matches follows (`-F` of
   * mkfs: force, or with -t msdos `-F 32`, newfs_msdos's FAT width); the
   * option is then the value, else true.
   */
  optional?: RegExp;
}

export interface Parsed {
  /** flag → true, valued option → last value */
  opts: Map<string, string | true>;
  /** valued option → every value given, in order (for options that may repeat) */
  all: Map<string, string[]>;
  operands: string[];
}

export function parseArgs(command: string, argv: string[], specs: readonly OptSpec[]): Parsed {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const opts = new Map<string, string | true>();
  const all = new Map<string, string[]>();
  const operands: string[] = [];
  const setValue = (name: string, v: string): void => {
    opts.set(name, v);
    const list = all.get(name);
    if (list === undefined) all.set(name, [v]);
    else list.push(v);
  };
  const take = (spec: OptSpec, inline: string | undefined, i: number): number => {
    if (spec.optional !== undefined) {
      if (inline !== undefined) {
        if (!spec.optional.test(inline))
          throw new UsageError(`option -${spec.name}: bad value "${inline}"`, command);
        opts.set(spec.name, inline);
        return i;
      }
      const v = argv[i + 1];
      if (v !== undefined && spec.optional.test(v)) {
        opts.set(spec.name, v);
        return i + 1;
      }
      opts.set(spec.name, true);
      return i;
    }
    if (!spec.value) {
      if (inline !== undefined) throw new UsageError(`option ${spec.name} takes no value`, command);
      opts.set(spec.name, true);
      return i;
    }
    if (inline !== undefined) {
      setValue(spec.name, inline);
      return i;
    }
    const v = argv[i + 1];
    if (v === undefined) throw new UsageError(`option -${spec.name} needs a value`, command);
    setValue(spec.name, v);
    return i + 1;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (a === "-" || !a.startsWith("-")) {
      operands.push(a);
      continue;
    }
    const body = a.startsWith("--") ? a.slice(2) : a.slice(1);
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const named = byName.get(name);
    if (named !== undefined && (name.length > 1 || a.startsWith("--"))) {
      i = take(named, eq < 0 ? undefined : body.slice(eq + 1), i);
      continue;
    }
    if (a.startsWith("--")) throw new UsageError(`unknown option ${a}`, command);
    // a cluster of short flags; a valued one takes the rest of the word or the next
    for (let j = 0; j < body.length; j++) {
      const spec = byName.get(body[j]!);
      if (spec === undefined || spec.name.length !== 1)
        throw new UsageError(`unknown option -${body[j]!}`, command);
      if (spec.value || spec.optional !== undefined) {
        const rest = body.slice(j + 1);
        if (spec.optional !== undefined && rest !== "" && !spec.optional.test(rest)) {
          // a flag clustered with others (-Fq): no value
          opts.set(spec.name, true);
          continue;
        }
        i = take(spec, rest === "" ? undefined : rest, i);
        break;
      }
      opts.set(spec.name, true);
    }
  }
  return { opts, all, operands };
}

/** "16m", "1g", "4096", "512k" → bytes (binary units). */
export function parseSize(command: string, s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kmgt]?)(i?b)?$/i.exec(s.trim());
  if (m === null) throw new UsageError(`bad size "${s}" (e.g. 16m, 1g, 65536)`, command);
  const mult = { "": 1, k: 1 << 10, m: 1 << 20, g: 1 << 30, t: 2 ** 40 }[m[2]!.toLowerCase()]!;
  const n = Math.floor(Number(m[1]) * mult);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`bad size "${s}"`, command);
  return n;
}

/** A non-negative integer option value. */
export function parseInt10(command: string, what: string, s: string): number {
  if (!/^\d+$/.test(s)) throw new UsageError(`${what} must be a number, not "${s}"`, command);
  return Number(s);
}
