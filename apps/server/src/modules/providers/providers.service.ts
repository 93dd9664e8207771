import type { NoticeDraftInput, NoticeFromRequestInput } from "@crossline/schemas";
import type { Ctx } from "../../lib/actor.js";
import { createNoticeBorder } from "./notices.border.js";
import { createNoticeFigures } from "./notices.figures.js";
import { createNoticeLifecycle } from "./notices.lifecycle.js";
import { createNoticePortal } from "./notices.portal.js";
import { createNoticeSweep } from "./notices.sweep.js";
import { createNoticeVerifier } from "./notices.verify.js";
import { createProvidersContext, type ProvidersDeps } from "./providers.context.js";
import { createProviderRegister } from "./providers.register.js";

export type { ProviderAccountsPort, ProvidersDeps } from "./providers.context.js";

/**
 * Online service providers and notices: the façade the routes, the CLI and the demo call. One file per
 * responsibility, sharing one context (providers.context.ts):
 *
 * | file                    | what                                                                   |
 * | ----------------------- | ---------------------------------------------------------------------- |
 * | providers.register.ts   | the register, provider staff accounts, the notice policy               |
 * | notices.lifecycle.ts    | the authority's side: draft, four eyes, send (code, signature), withdraw |
 * | notices.portal.ts       | the provider's side: receipt, work, answer, evidence; the shared thread |
 * | notices.sweep.ts        | the overdue sweep: each notice's people told once                      |
 * | notices.border.ts       | across the border: a notice as a request to the peer, and back         |
 * | notices.signing.ts      | verification codes and the node's signature over a notice              |
 * | notices.verify.ts       | the public check: valid, withdrawn, forged, altered, replayed          |
 * | notices.figures.ts      | time to action, compliance rate, overdue notices                       |
 * | providers.repo.ts       | the module's tables                                                    |
 */
export function createProvidersService(deps: ProvidersDeps) {
  const c = createProvidersContext(deps);
  const register = createProviderRegister(c);
  const border = createNoticeBorder(c);
  const life = createNoticeLifecycle(c, border);
  const portal = createNoticePortal(c, life, border);
  const verifier = createNoticeVerifier(c);
  const figures = createNoticeFigures(c);
  return {
    providers: register,
    notices: {
      createDraft: (ctx: Ctx, input: NoticeDraftInput) => life.createDraft(ctx, input),
      fromRequest: (ctx: Ctx, input: NoticeFromRequestInput) =>
        border.fromRequest(ctx, input, life.createDraft),
      list: life.list,
      get: life.get,
      act: life.act,
      signedFile: life.signedFile,
      postMessage: portal.postMessage,
      downloadEvidence: portal.downloadEvidence,
      figures: figures.figures,
    },
    portal: {
      act: portal.act,
      answer: portal.answer,
      uploadEvidence: portal.uploadEvidence,
      me: portal.me,
    },
    verify: verifier.verify,
    /** The overdue sweep (providers.worker.ts). */
    sweepOverdue: createNoticeSweep(c).sweepOverdue,
    /** The requests inbox's listener: the peer moved a request a notice is linked to. */
    peerEvent: border.peerEvent,
  };
}

export type ProvidersService = ReturnType<typeof createProvidersService>;
