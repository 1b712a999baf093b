/**
 * NetBSD's inputs for the tests that read them, found as the generators find
 * them ($NETBSD_SRC, netbsd-src/, ../shared/netbsd-src/). A clone without
 * them still runs everything else: the tests that need a missing input are
 * skipped, their titles say why, and the file says once on stderr which
 * inputs are missing and how to get them.
 */
import { basename } from "node:path";
import {
  inputDirs,
  missingInputs,
  missingInputsMessage,
  REPO_ROOT,
  tryReadInput,
  type GenInput,
} from "../gen/common.js";

export interface NeededInputs {
  /** false when every input is there; else the one-line reason the tests are skipped */
  readonly missing: string | false;
  /** the input; call it only in tests that are not skipped */
  get(rel: string): GenInput;
  /** `name`, plus the reason when the tests are skipped */
  title(name: string): string;
}

/** The inputs `rels`, or the reason the tests that need them are skipped. */
export function needInputs(file: string, ...rels: string[]): NeededInputs {
  const dirs = inputDirs(REPO_ROOT);
  const missing = missingInputs(rels, dirs);
  const inputs = new Map<string, GenInput>();
  for (const r of rels) {
    const i = tryReadInput(r, dirs);
    if (i !== undefined) inputs.set(r, i);
  }
  const reason =
    missing.length === 0
      ? false
      : `skipped: ${missing.join(", ")} not found (netbsd-src/README.md says how to get ${missing.length === 1 ? "it" : "them"})`;
  if (missing.length > 0)
    process.stderr.write(
      `${basename(file)}: the tests that need NetBSD's inputs are skipped\n${missingInputsMessage(missing, dirs)}\n`,
    );
  return {
    missing: reason,
    get(rel) {
      const i = inputs.get(rel);
      if (i === undefined) throw new Error(`${rel} is not available (${String(reason)})`);
      return i;
    },
    title: (name) => (reason === false ? name : `${name} [${reason}]`),
  };
}
