import type { Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import { defineHandler, PermanentRejection } from "../federation/federation.types.js";
import type { Rectification } from "../persons/persons.port.js";
import { createRequestsContext, type RequestsDeps } from "./requests.context.js";
import { MSG, SubjectRectifiedPayload } from "./requests.messages.js";
import * as repo from "./requests.repo.js";

/** The subject entry with the corrected fields of the person (only those the rectification changed). */
function corrected<S extends object>(s: S, r: Rectification): S {
  const out = { ...s } as Record<string, unknown>;
  if (r.changed.includes("names")) out.names = r.fields.names;
  if (r.changed.includes("dateOfBirth")) {
    delete out.dateOfBirth;
    if (r.fields.dateOfBirth) out.dateOfBirth = r.fields.dateOfBirth;
  }
  const nationality = out.nationality as string | undefined;
  if (r.changed.includes("nationalities") && nationality && !r.fields.nationalities.includes(nationality)) {
    delete out.nationality;
    if (r.fields.nationalities[0]) out.nationality = r.fields.nationalities[0];
  }
  return out as S;
}

/**
 * A rectified person reaches the requests naming them (persons.port.ts `rectified`) and, through the request's
 * thread, the peer that received the request: the own request's subject entry takes the correction (the
 * entry as sent is kept in the audit entry), and a request already sent carries a signed
 * `request.subject_rectified` message to its peer, which applies it to its copy, links the corrected subject
 * to its own person record and audits it. An incoming request is the peer's: it is corrected by its owner.
 */
export function createRequestRectification(deps: RequestsDeps) {
  const { clock, audit, federation } = deps;
  const { linkSubjects } = createRequestsContext(deps);

  /** The requests naming a person about to be rectified, locked in id order before the person (persons.port.ts). */
  async function lock(tx: Tx, recordIds: string[]): Promise<void> {
    await repo.lockRequestsInOrder(tx, recordIds);
  }

  async function rectified(
    tx: Tx,
    ctx: Ctx,
    records: { recordId: string; ordinal: number }[],
    r: Rectification,
  ): Promise<number> {
    let changed = 0;
    for (const { recordId, ordinal } of records) {
      const row = await repo.lockRequest(tx, recordId);
      if (row?.direction !== "outgoing") continue;
      const subjects = row.content.subjects ?? [];
      const before = subjects[ordinal];
      if (before?.kind !== "person") continue;
      const after = corrected(before, r);
      if (JSON.stringify(after) === JSON.stringify(before)) continue;
      const now = clock.now();
      const content = { ...row.content, subjects: subjects.map((s, i) => (i === ordinal ? after : s)) };
      await repo.updateRequest(tx, row.id, { content, version: row.version + 1, updatedAt: now });
      const sent = !!row.peerId && !!row.sentAt;
      await audit.record(tx, ctx, {
        action: "request.subject_rectified",
        targetType: "request",
        targetId: row.id,
        details: {
          ordinal,
          person: r.personId,
          personVersion: r.version,
          reason: r.reason,
          before: { names: before.names, dateOfBirth: before.dateOfBirth ?? null },
          ...(sent ? { to: row.peerId } : {}),
        },
      });
      if (sent && row.peerId) {
        await federation.enqueue(tx, ctx, {
          peerId: row.peerId,
          type: MSG.subjectRectified,
          conversation: row.id,
          payload: {
            requestId: row.id,
            ordinal,
            subject: after,
            reason: r.reason.slice(0, 2000),
            at: now.toISOString(),
            by: ctx.actor.label.slice(0, 300),
          },
        });
      }
      changed++;
    }
    return changed;
  }

  /** The peer's correction of a subject of a request it sent here: applied to this node's copy. */
  function registerHandler(): void {
    federation.registerHandler(
      defineHandler(MSG.subjectRectified, SubjectRectifiedPayload, async (tx, msg, ctx) => {
        const p = msg.payload;
        const row = await repo.lockRequest(tx, p.requestId);
        if (!row || row.peerId !== msg.peerId || row.direction !== "incoming")
          throw new PermanentRejection(
            "NOT_SHARED",
            `request ${p.requestId} is not shared with ${msg.peerId}`,
          );
        const subjects = row.content.subjects ?? [];
        const before = subjects[p.ordinal];
        if (before?.kind !== "person" || p.subject.kind !== "person")
          throw new PermanentRejection(
            "NO_SUCH_SUBJECT",
            `request ${p.requestId} has no person at ${p.ordinal}`,
          );
        const content = {
          ...row.content,
          subjects: subjects.map((s, i) => (i === p.ordinal ? p.subject : s)),
        };
        const updated = await repo.updateRequest(tx, row.id, {
          content,
          version: row.version + 1,
          updatedAt: clock.now(),
        });
        // The corrected subject is linked to this node's person record (found or created), as on arrival.
        await linkSubjects(tx, ctx, updated, { received: true });
        await audit.record(tx, ctx, {
          action: "request.remote.subject_rectified",
          targetType: "request",
          targetId: row.id,
          details: {
            from: msg.peerId,
            msgId: msg.msgId,
            ordinal: p.ordinal,
            reason: p.reason,
            by: p.by,
            before: { names: before.names, dateOfBirth: before.dateOfBirth ?? null },
          },
        });
      }),
    );
  }

  return { lock, rectified, registerHandler };
}
