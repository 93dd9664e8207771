import { createRequestAttachments } from "./requests.attachments.js";
import { createRequestsContext, type RequestsDeps } from "./requests.context.js";
import { createRequestDrafts } from "./requests.drafts.js";
import { createRequestLifecycle } from "./requests.lifecycle.js";
import { createRequestsPort } from "./requests.port.js";
import { createRequestPreservation } from "./requests.preservation.js";
import { createRequestQueries } from "./requests.queries.js";
import * as repo from "./requests.repo.js";
import { createRequestSweeps } from "./requests.sweeps.js";
import { createRequestThread } from "./requests.thread.js";

export type { RequestsDeps } from "./requests.context.js";
export { invalidTransition, parseForm, referenceFor } from "./requests.context.js";

/**
 * Requests for assistance: the façade the routes, the CLI and the workers call. Each responsibility lives
 * in its own file and shares one context (requests.context.ts):
 *
 * | file                      | what                                                             |
 * | ------------------------- | ---------------------------------------------------------------- |
 * | requests.queries.ts       | the board, one request's detail                                  |
 * | requests.drafts.ts        | whom to address, create and edit a draft                         |
 * | requests.lifecycle.ts     | lifecycle events (submit, approve, send … close), second check, routing |
 * | requests.thread.ts        | thread messages and read receipts                                |
 * | requests.attachments.ts   | upload and download of attachments                               |
 * | requests.preservation.ts  | extensions of a preservation                                     |
 * | requests.sweeps.ts        | the deadline sweeps: escalation, answer overdue, preservation expiring |
 * | requests.inbox.ts         | what the peer's messages do here                                 |
 * | requests.lawful.ts        | the lawful record kind: anonymisation, the attachments' bytes erased |
 * | requests.repo.ts          | the module's tables                                              |
 */

export function createRequestsService(deps: RequestsDeps) {
  const c = createRequestsContext(deps);
  const files = createRequestAttachments(c);
  const drafts = createRequestDrafts(c);
  const life = createRequestLifecycle(c, files);
  return {
    ...createRequestQueries(c),
    recipients: drafts.recipients,
    create: drafts.create,
    update: drafts.update,
    act: life.act,
    recordSecondCheck: life.recordSecondCheck,
    assign: life.assign,
    ...createRequestThread(c, files),
    ...createRequestPreservation(c),
    ...createRequestSweeps(c),
    uploadAttachment: files.uploadAttachment,
    downloadAttachment: files.downloadAttachment,
    /** The cases module's port: the requests drafted from a case (what a case page lists). */
    requestsOfCase: (caseId: string) => repo.requestsOfCase(deps.db, caseId),
    /** The providers module's port: notices across the border (requests.port.ts). */
    port: createRequestsPort(c, drafts, life),
    /** Requests past their next deadline, node-wide (for /metrics and its alert). */
    overdueCount: () => repo.countOverdue(c.deps.db, c.deps.clock.now()),
  };
}

export type RequestsService = ReturnType<typeof createRequestsService>;
