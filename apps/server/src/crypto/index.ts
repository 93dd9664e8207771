export * from "./envelope.js";
export * from "./hash.js";
export * from "./ids.js";
export * from "./keys.js";
