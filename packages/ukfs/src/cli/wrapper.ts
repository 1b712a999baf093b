/**
 * The CommonJS wrapper the fsu bundle (dist/cli/fsu-main.cjs) is built in
 * (tsup.cli.config.ts): the file is `HEAD body "\n})" TAIL`, an immediately
 * called function, so it also runs as an ordinary CommonJS module, and its
 * text without TAIL is the function V8 compiles with the code cache
 * (codecache.ts) — one string, not a copy of the whole bundle concatenated
 * into a wrapper at every start.
 */
export const WRAP_HEAD = "(function (exports, require, module, __filename, __dirname) {";
export const WRAP_TAIL = "(exports, require, module, __filename, __dirname);";
