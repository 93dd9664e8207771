// The template lives with the database code: the demo creates its nodes from it too.
export { seedPgliteDir } from "../../src/db/pglite-template.js";
