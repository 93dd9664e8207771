import {
  normaliseVerificationCode,
  type VerifyInput,
  type VerifyResult,
  type VerifyView,
} from "@crossline/schemas";
import type { z } from "zod";
import { inTransaction } from "../../db/client.js";
import { hitRateLimit, peekRateLimit } from "../../db/rate-limit.js";
import type { Ctx } from "../../lib/actor.js";
import { AppError } from "../../lib/errors.js";
import { checkSignedNotice } from "./notices.signing.js";
import type { ProvidersContext } from "./providers.context.js";
import type { NoticeRow } from "./providers.repo.js";
import * as repo from "./providers.repo.js";

/** Checks per address per minute on the public endpoint. */
export const VERIFY_PER_MINUTE = 60;
/** Failed checks per address in a quarter of an hour before answers slow down, and before they stop. */
export const VERIFY_FREE_FAILURES = 5;
export const VERIFY_MAX_FAILURES = 30;
const FAILURE_WINDOW_MS = 15 * 60_000;
/** Added delay per failure beyond the free ones, and its cap: guessing codes becomes slow. */
const SLOWDOWN_STEP_MS = 250;
const SLOWDOWN_CAP_MS = 3_000;

const GENUINE: readonly VerifyResult[] = ["valid", "withdrawn"];

/**
 * Proof of authenticity, public (no account): a provider checks a notice by its verification code (a notice
 * that came by e-mail or post only) or by the signed file. Forged, altered and replayed notices are named as
 * such. Rate-limited per address; repeated failures are slowed down, then refused, and every check is audited.
 */
export function createNoticeVerifier(c: ProvidersContext) {
  const { db, clock, audit } = c.deps;

  async function view(result: VerifyResult, n: NoticeRow | undefined): Promise<VerifyView> {
    if (!n || !GENUINE.includes(result) || !n.sentAt) return { result, notice: null };
    const p = await repo.findProvider(db, n.providerId);
    const me = await c.nodeInfo();
    return {
      result,
      notice: {
        reference: n.reference,
        node: me.id,
        agency: me.agency,
        officer: n.createdByLabel,
        approvedBy: n.approvedByLabel,
        provider: p?.name ?? "",
        providerZh: p?.nameZh ?? "",
        kind: n.kind as NonNullable<VerifyView["notice"]>["kind"],
        sentAt: n.sentAt.toISOString(),
        actBy: n.actBy?.toISOString() ?? null,
        inForce: ["sent", "received", "in_progress"].includes(n.status),
        status: n.status as NonNullable<VerifyView["notice"]>["status"],
        withdrawnAt: n.withdrawnAt?.toISOString() ?? null,
      },
    };
  }

  async function judge(
    input: z.output<typeof VerifyInput>,
  ): Promise<{ result: VerifyResult; n?: NoticeRow }> {
    const presented = input.code ?? input.document?.code;
    const code = presented === undefined ? null : normaliseVerificationCode(presented);
    if (input.document) {
      const keys = await c.deps.node.signingPublicKeys();
      const check = await checkSignedNotice(input.document, keys, code, input.addressee);
      if (!check.ok) return { result: check.why };
      const n = await repo.findNoticeByCode(db, check.code);
      // Signed by this node but not (or no longer) on record: nothing to vouch for.
      if (!n || n.signed?.signature !== input.document.signature) {
        return { result: "unknown" };
      }
      return { result: n.status === "withdrawn" ? "withdrawn" : "valid", n };
    }
    if (!code) return { result: "malformed" };
    const n = await repo.findNoticeByCode(db, code);
    if (!n) return { result: "unknown" };
    if (input.addressee !== undefined && input.addressee !== n.providerId) return { result: "replayed" };
    return { result: n.status === "withdrawn" ? "withdrawn" : "valid", n };
  }

  async function verify(ctx: Ctx, input: z.output<typeof VerifyInput>): Promise<VerifyView> {
    const now = clock.now();
    const who = ctx.ip ?? "unknown";
    const perMinute = await hitRateLimit(db, `verify:ip:${who}`, now, 60_000);
    const failures = await peekRateLimit(db, `verify:bad:${who}`, now, FAILURE_WINDOW_MS);
    if (perMinute > VERIFY_PER_MINUTE || failures >= VERIFY_MAX_FAILURES) {
      await inTransaction(db, (tx) =>
        audit.record(tx, ctx, {
          action: "notice.verify_refused",
          targetType: "notice",
          outcome: "denied",
          details: { perMinute, failures },
        }),
      );
      throw new AppError("RATE_LIMITED", [{ issue: "too many checks from this address; try again later" }]);
    }
    const { result, n } = await judge(input);
    const bad = !GENUINE.includes(result);
    await inTransaction(db, (tx) =>
      audit.record(tx, ctx, {
        action: bad ? "notice.verify_failed" : "notice.verify",
        targetType: "notice",
        targetId: n?.id ?? null,
        outcome: bad ? "failure" : "success",
        details: { result, by: input.document ? "document" : "code" },
      }),
    );
    if (bad) {
      const count = await hitRateLimit(db, `verify:bad:${who}`, now, FAILURE_WINDOW_MS);
      const over = count - VERIFY_FREE_FAILURES;
      // Slow down a guesser: each failure beyond the free ones costs a little more time.
      if (over > 0)
        await new Promise((r) => setTimeout(r, Math.min(SLOWDOWN_CAP_MS, over * SLOWDOWN_STEP_MS)));
    }
    return view(result, n);
  }

  return { verify };
}
