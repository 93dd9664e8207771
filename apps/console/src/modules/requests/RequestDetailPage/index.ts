/**
 * The request page, one component per file: the page (RequestDetailPage.tsx) with its parts, the action
 * dialog, the second-check form, the thread, preservation extensions and the form's read-only summary.
 */
export { ActionModal } from "./ActionModal";
export { RequestDetailPage } from "./RequestDetailPage";
