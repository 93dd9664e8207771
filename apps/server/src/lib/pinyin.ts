import { createRequire } from "node:module";
import type * as PinyinPro from "pinyin-pro";

let loaded: typeof PinyinPro | undefined;

/**
 * pinyin-pro, loaded by the first Chinese name keyed or romanised instead of with the server: its dictionaries
 * are 0.6 MB of code that cost every node about 50 ms of its start (scripts/build.mjs leaves it in
 * node_modules). A synchronous require, so that the name functions stay synchronous.
 */
export function pinyinPro(): typeof PinyinPro {
  loaded ??= createRequire(import.meta.url)("pinyin-pro") as typeof PinyinPro;
  return loaded;
}
