/**
 * node:crypto, loaded at its first use: importing it costs milliseconds of
 * every fsu start, and only mkfs and mkdisk (random or reproducible seeds
 * and identifiers) want it.
 */
import type * as Crypto from "node:crypto";
import { createRequire } from "node:module";

let crypto: typeof Crypto | null = null;

export function hostCrypto(): typeof Crypto {
  return (crypto ??= createRequire(import.meta.url)("node:crypto") as typeof Crypto);
}
