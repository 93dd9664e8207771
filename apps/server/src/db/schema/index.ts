// One schema, one set of migrations: every domain's tables live in a file of its own here.

export * from "./assets.js";
export * from "./audit-anchors.js";
export * from "./cases.js";
export * from "./core.js";
export * from "./correlation.js";
export * from "./federation.js";
export * from "./fugitives.js";
export * from "./hotline.js";
export * from "./indicators.js";
export * from "./lawful.js";
export * from "./persons.js";
export * from "./providers.js";
export * from "./repatriation.js";
export * from "./requests.js";
export * from "./rounds.js";
export * from "./shared-objects.js";
