import { readFileSync } from "node:fs";
import { serverPath } from "./paths.js";

/**
 * This node's software release: the server package's version. Shown by `crossline --version`, `/readyz` and
 * `crossline_build_info`, and told to peers in the hotline test (ping and pong), so that each side's Peers page
 * says which release the other runs: peers upgrade at their own pace (docs/decisions/0004).
 */
export const RELEASE: string = (
  JSON.parse(readFileSync(serverPath("package.json"), "utf8")) as { version: string }
).version;
