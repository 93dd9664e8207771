import type { RepatriationCaseContent, RepatriationStatus } from "@crossline/schemas";
import { sql } from "drizzle-orm";
import {
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * Repatriation cases: a unit's own (`direction = 'own'`, it records the steps) and the peer's received through
 * the `repatriation.case` shared object (`'received'`, read-only, the owner's version, projected on receipt
 * and held by the node's intake unit). `content` is the case as both sides show it (person, status, steps,
 * deadlines); the columns beside it are what the board, the sweep and the figures select on. `person_id` is
 * the node's person record (persons module, asked through its port: no foreign key to its table).
 */
export const repatriationCases = pgTable(
  "repatriation_cases",
  {
    id: uuid("id").primaryKey(),
    direction: text("direction").$type<"own" | "received">().notNull(),
    ownerNode: text("owner_node").notNull(),
    /** The other side: the peer asked to verify (own), the owner (received). */
    peer: text("peer"),
    unitId: uuid("unit_id").notNull(),
    personId: uuid("person_id"),
    requestId: uuid("request_id"),
    sharedObjectId: text("shared_object_id"),
    /** e.g. US-DOJ-R-2026-0001 (the owner's). */
    reference: text("reference").notNull(),
    content: jsonb("content").$type<RepatriationCaseContent>().notNull(),
    status: text("status").$type<RepatriationStatus>().notNull(),
    /** The own record's version (received: the owner's version of the shared object). */
    version: integer("version").notNull(),
    verificationDueAt: ts("verification_due_at"),
    documentDueAt: ts("document_due_at"),
    /** The steps already told overdue (at most once each): 'verification', 'document'. */
    overdueTold: text("overdue_told").array().notNull().default(sql`'{}'::text[]`),
    createdBy: uuid("created_by"),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
    /** When it arrived or ended unverified: the retention of its personal data runs from here. */
    closedAt: ts("closed_at"),
  },
  (t) => [
    uniqueIndex("repatriation_cases_shared_object").on(t.sharedObjectId),
    // One own case per reference (numbered under repatriation.repo.ts nextSeq's lock); received cases keep
    // their owners' references, which may coincide across peers.
    uniqueIndex("repatriation_cases_own_reference").on(t.reference).where(sql`${t.direction} = 'own'`),
    index("repatriation_cases_unit").on(t.unitId, t.id.desc()),
    index("repatriation_cases_pending").on(t.status, t.verificationDueAt, t.documentDueAt),
    check("repatriation_cases_direction", sql`${t.direction} in ('own', 'received')`),
    check(
      "repatriation_cases_status",
      sql`${t.status} in ('awaiting_verification', 'awaiting_document', 'awaiting_transfer', 'in_transfer', 'arrived', 'not_verified')`,
    ),
    check("repatriation_cases_version_positive", sql`${t.version} >= 1`),
  ],
);
