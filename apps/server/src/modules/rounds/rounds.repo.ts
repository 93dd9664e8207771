import type { RoundDoc, RoundOp } from "@crossline/schemas";
import { and, asc, eq } from "drizzle-orm";
import type { DbOrTx, Tx } from "../../db/client.js";
import { roundAlerts, roundCalendarTokens, roundProposals, rounds } from "../../db/schema/index.js";

/** The rounds module's data access: its four tables and nothing else. */

export type RoundRow = typeof rounds.$inferSelect;
export type ProposalRow = typeof roundProposals.$inferSelect;

export const listRounds = (dbx: DbOrTx) => dbx.select().from(rounds).orderBy(asc(rounds.id));

export async function findRound(dbx: DbOrTx, id: string): Promise<RoundRow | undefined> {
  const [r] = await dbx.select().from(rounds).where(eq(rounds.id, id));
  return r;
}

/** The row locked for the change (one writer per round at a time, on every process). */
export async function lockRound(tx: Tx, id: string): Promise<RoundRow | undefined> {
  const [r] = await tx.select().from(rounds).where(eq(rounds.id, id)).for("update");
  return r;
}

export async function insertRound(tx: Tx, doc: RoundDoc, at: Date) {
  await tx.insert(rounds).values({
    id: doc.id,
    hostNode: doc.hostNode,
    guestNode: doc.guestNode,
    version: doc.version,
    doc,
    updatedAt: at,
  });
}

export async function saveRound(tx: Tx, doc: RoundDoc, at: Date) {
  await tx.update(rounds).set({ version: doc.version, doc, updatedAt: at }).where(eq(rounds.id, doc.id));
}

export async function insertProposal(
  tx: Tx,
  p: { id: string; roundId: string; base: number; op: RoundOp; createdBy: string | null; createdAt: Date },
) {
  await tx.insert(roundProposals).values({ ...p, state: "pending" });
}

export const pendingProposals = (dbx: DbOrTx, roundId: string) =>
  dbx
    .select()
    .from(roundProposals)
    .where(and(eq(roundProposals.roundId, roundId), eq(roundProposals.state, "pending")))
    .orderBy(asc(roundProposals.createdAt));

export async function settleProposal(tx: Tx, id: string, state: "applied" | "conflict") {
  await tx
    .update(roundProposals)
    .set({ state })
    .where(and(eq(roundProposals.id, id), eq(roundProposals.state, "pending")));
}

/** Marks an alert as sent; false when it was sent before (by this or a concurrent sweep). */
export async function claimAlert(tx: Tx, roundId: string, itemId: string, dueAt: Date, at: Date) {
  const r = await tx
    .insert(roundAlerts)
    .values({ roundId, itemId, dueAt, sentAt: at })
    .onConflictDoNothing()
    .returning({ itemId: roundAlerts.itemId });
  return r.length > 0;
}

export async function putCalendarToken(tx: Tx, userId: string, tokenHash: string, at: Date) {
  await tx
    .insert(roundCalendarTokens)
    .values({ userId, tokenHash, createdAt: at })
    .onConflictDoUpdate({ target: roundCalendarTokens.userId, set: { tokenHash, createdAt: at } });
}

export async function userOfCalendarToken(dbx: DbOrTx, tokenHash: string): Promise<string | undefined> {
  const [r] = await dbx
    .select({ userId: roundCalendarTokens.userId })
    .from(roundCalendarTokens)
    .where(eq(roundCalendarTokens.tokenHash, tokenHash));
  return r?.userId;
}
