import type {
  ErasureAction,
  KindPolicy,
  LawfulBasis,
  LawfulKind,
  LawfulRefusedPayload,
  Permission,
  RetentionPolicy,
} from "@crossline/schemas";
import type { DbOrTx, Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";

/** What the lists of the lawful module show of a record, asked of its domain. */
export interface RecordInfo {
  title: string;
  ownerUnitId: string | null;
}

/**
 * What a domain declares for one kind of record holding personal data (`lawful.registerKind(...)`). The
 * lawful module does the rest: legal basis, review dates, the retention end from the node's policy, the
 * daily job, the retention dashboard, screening and refusals.
 */
export interface LawfulKindDef {
  kind: LawfulKind;
  /** Titles and owner units for lists (the dashboard, the review queue). Unknown ids are left out. */
  describe(dbx: DbOrTx, ids: string[]): Promise<Map<string, RecordInfo>>;
  /**
   * Whether the actor may see the record in its domain (the drafter's unit…). Decides who may flag it, read its
   * lawful status, or refuse it; a record the actor may not see is NOT_FOUND.
   */
  visible(dbx: DbOrTx, ctx: Ctx, recordId: string): Promise<boolean>;
  /**
   * For kinds with rows in lawful_records: when their retention runs from (a request: its closing or
   * withdrawal), or null while the record is open. Asked in batches by the daily job.
   */
  retentionStart?(dbx: DbOrTx, ids: string[]): Promise<Map<string, Date | null>>;
  /**
   * For kinds that keep their retention end in their own table (shared objects, through the personal-data hooks):
   * the records whose end is at or before `at`; with `only`, that record alone if it is (the erasure's check:
   * a record past the first `limit` of the list is as due as one within it).
   */
  listDue?(
    dbx: DbOrTx,
    at: Date,
    limit: number,
    policy: KindPolicy,
    only?: string,
  ): Promise<{ recordId: string; dueAt: Date }[]>;
  /**
   * The record type under which the persons module links this kind's records to the people they name
   * (`person_links.record_type`): erasing a record unlinks them, and a person no record names any more starts
   * their own retention (persons.lawful.ts). Left out by kinds whose records name no person record.
   */
  personRecordType?: string;
  /**
   * For kinds with `listDue`: locks the record's own row (FOR UPDATE) in the erasure's transaction before the
   * lawful module checks that it is due, so that check and the erasure see the same record (a change committed
   * in between is seen; one that starts in between waits for the erasure's commit).
   */
  lock?(tx: Tx, recordId: string): Promise<void>;
  /** Erases the record's personal data (the action the policy names). Same transaction, audited by the caller. */
  erase(tx: Tx, ctx: Ctx, recordId: string, action: ErasureAction): Promise<Record<string, unknown>>;
  /** An incoming record: the peer that sent it (where a refusal goes); null when it is this node's own. */
  senderOf?(dbx: DbOrTx, recordId: string): Promise<string | null>;
  /** An own record: whether it went to this peer (only that peer may refuse it). */
  sentTo?(dbx: DbOrTx, recordId: string, peerId: string): Promise<boolean>;
  /**
   * What a user of the record's unit needs (besides seeing the record) to read its lawful status, flag it, or
   * refuse it when it came from a peer. Legal reviewers need none of these.
   */
  permissions: { read: Permission; flag: Permission; refuse?: Permission };
  /** A peer refused this node's record on lawful grounds (after the refusal is stored): the domain's reaction. */
  onRefused?(tx: Tx, recordId: string, refusal: LawfulRefusedPayload): Promise<void>;
}

/** The narrow port other modules use: declare a record's basis, and ask whether an item may leave the node. */
export interface LawfulPort {
  /** Creates or restates the basis of a record (same transaction as the record's own change). */
  declare(
    tx: Tx,
    r: {
      kind: LawfulKind;
      recordId: string;
      basis: LawfulBasis;
      purpose: string;
      ownerUnitId: string | null;
    },
  ): Promise<void>;
  /** Throws LAWFUL_REVIEW_PENDING / LAWFUL_REVIEW_BLOCKED when a flag stops the item from leaving the node. */
  assertReleasable(tx: DbOrTx, kind: LawfulKind, recordId: string): Promise<void>;
}

export const DEFAULT_RETENTION_POLICY: RetentionPolicy = {
  kinds: {
    request: { retentionYears: 5, reviewMonths: 12, action: "anonymise" },
    shared_object: { retentionYears: 2, reviewMonths: 12, action: "delete" },
    // From the day no record names the person any more (the last one erased, or no longer naming them).
    person: { retentionYears: 1, reviewMonths: 12, action: "delete" },
  },
  sharedTypes: {},
};
