import type { LabelledText, PersonFields, PersonName } from "@crossline/schemas";
import type { DbOrTx, Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";

/** A person as a record names them (a request's subject, a case subject, a fugitive…). */
export interface SubjectPerson {
  names: PersonName[];
  dateOfBirth?: string;
  nationality?: string;
}

/** A record that names people: its type, id and owning unit. */
export interface RecordRef {
  recordType: string;
  recordId: string;
  recordUnitId: string | null;
}

export interface LinkInput {
  personId: string;
  /** The subject's position in the record (0 when it names one person). */
  ordinal: number;
  role?: string | null;
  notes?: LabelledText | null;
}

/** A subject of a record in its position (`ordinal`); entries that are not people are skipped by the caller. */
export interface OrdinalSubject extends SubjectPerson {
  ordinal: number;
  /** The person record this subject is, when the record knows it (drafted from it): linked, not matched. */
  personId?: string;
  role?: string;
  notes?: LabelledText;
}

export interface LinkedPerson {
  personId: string;
  ordinal: number;
  name: PersonName;
  restricted: boolean;
}

/**
 * What other modules (requests now; cases, fugitives, repatriation later) use of persons, and nothing
 * else: they never read the persons tables. Every method runs in the caller's transaction.
 */
export interface PersonsPort {
  /**
   * The person this subject is (same main name and date of birth, persons.match.ts), with any new name
   * form or nationality added to the record, or a new record in `ownerUnitId`. Audited.
   */
  findOrCreate(
    tx: Tx,
    ctx: Ctx,
    subject: SubjectPerson,
    ownerUnitId: string,
  ): Promise<{ personId: string; created: boolean; restricted: boolean }>;
  /**
   * Links a person to a record. A new link to a restricted person is refused (PERSON_RESTRICTED) unless
   * `allowRestricted` (a record received from a peer: it exists whether we link it or not).
   */
  link(
    tx: Tx,
    ctx: Ctx,
    record: RecordRef,
    link: LinkInput,
    opts?: { allowRestricted?: boolean },
  ): Promise<void>;
  /**
   * Links a person the caller names by id (a case subject's `personId`): only a person the caller may see
   * (auditors every one; others their unit's and those named by their unit's records), else NOT_FOUND naming
   * `field`, as if there were none; a restricted person is PERSON_RESTRICTED naming `field`. Then as `link`.
   */
  linkById(tx: Tx, ctx: Ctx, record: RecordRef, link: LinkInput, field: string): Promise<void>;
  /**
   * A record's people, all at once: find or create each (a subject with `personId` is that person; one the
   * record already links to a person bearing the same main name and date of birth stays theirs), link it at its
   * position, drop links of positions no longer there. `field` names the subjects in an error (e.g.
   * body.form.subjects).
   */
  linkSubjects(
    tx: Tx,
    ctx: Ctx,
    record: RecordRef,
    subjects: OrdinalSubject[],
    opts: { field: string; allowRestricted?: boolean },
  ): Promise<void>;
  /**
   * The record's personal data was erased (the lawful module, at the end of its retention): it names no one
   * any more. Its links go; a person no record names from now on starts their own retention. Returns the
   * persons it named.
   */
  unlinkRecord(tx: Tx, recordType: string, recordId: string): Promise<string[]>;
  /** The people a record names, by position, with their main name and whether they are restricted. */
  linkedTo(dbx: DbOrTx, recordType: string, recordId: string): Promise<LinkedPerson[]>;
  /** Main names for display, by person id. */
  namesFor(dbx: DbOrTx, personIds: string[]): Promise<Map<string, PersonName>>;
  /** Refuses (PERSON_RESTRICTED) when the record names a restricted person: before it is sent or processed. */
  assertNotRestricted(dbx: DbOrTx, recordType: string, recordId: string, field?: string): Promise<void>;
}

/** A correction of a person (persons.rectify), as the records naming them receive it. */
export interface Rectification {
  personId: string;
  /** The person's fields as corrected. */
  fields: PersonFields;
  /**
   * The fields this correction changed: a record takes only these (its other fields may know more of the
   * person than the person record does, e.g. a fugitive record's aliases).
   */
  changed: (keyof PersonFields)[];
  /** The person record's new version. */
  version: number;
  reason: string;
}

/** How the persons module learns what a linked record is (reference, title, the subject entry), from its owner module. */
export interface RecordDescriber {
  /**
   * The person was rectified: each record's own copy of them (at `ordinal`) takes the correction, versioned and
   * audited like any change of the record, and where the record is shared its next version goes to every peer
   * holding a copy (the shared-objects domain port), all in the rectification's transaction. Returns how many
   * records changed. Optional: a record that keeps no copy of the person's data leaves it out.
   */
  /**
   * Locks these records (those that exist) to the commit, in one stable order (id order), before the person is:
   * a rectification takes the records naming the person first, as an edit of such a record takes the record and
   * then the persons it names; the other way round the two could each hold one and wait for the other (a
   * deadlock on PostgreSQL). Optional: a module whose `rectified` locks its records after the person leaves it
   * out (its edits then race a rectification as before).
   */
  lock?(tx: Tx, recordIds: string[]): Promise<void>;
  rectified?(
    tx: Tx,
    ctx: Ctx,
    records: { recordId: string; ordinal: number }[],
    r: Rectification,
  ): Promise<number>;
  /**
   * Two person records were merged (persons.merge.ts): the module's own reference to the removed person in
   * these records (a `person_id` column) now names the one kept, in the merge's transaction. Optional: a
   * module that refers to persons only through the links (requests) leaves it out.
   */
  relinked?(tx: Tx, ctx: Ctx, recordIds: string[], from: string, to: string): Promise<void>;
  describe(
    dbx: DbOrTx,
    ids: string[],
  ): Promise<
    {
      id: string;
      reference: string | null;
      title: string | null;
      ownerUnitId: string | null;
      /** The record's subject entries, by position. */
      subjects: Record<string, unknown>[];
    }[]
  >;
}
