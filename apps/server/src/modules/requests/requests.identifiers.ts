import type { DbOrTx, Tx } from "../../db/client.js";
import {
  type ChangedIdentifiers,
  claimIdentifierChanges,
  identifierChangesWaiting,
} from "./requests.repo.js";

/**
 * The narrow port through which other modules (correlation) read the identifiers of requests in both
 * directions, without querying the requests tables: the requests whose identifiers changed, as a queue.
 *
 * A queue, not a cursor: each change is a row written by a trigger in the changing transaction, visible exactly
 * when that change commits, and claimed (deleted) by the consumer's transaction. A cursor over `updated_at`
 * (stamped by the application clock before the commit) skipped a transaction that committed after another
 * that had stamped a later time: the consumer had moved past it, and its identifiers never correlated.
 */
export interface RequestIdentifierSource {
  /** Whether any change waits (a look that claims nothing and waits for no lock). */
  waiting(dbx: DbOrTx): Promise<boolean>;
  /**
   * Claims up to `limit` waiting changes in the caller's transaction (gone at its commit, back at a rollback;
   * another transaction claiming at the same time skips them) and returns each changed request once, with its
   * current owner and identifiers, or `gone` if it was deleted.
   */
  claim(tx: Tx, limit: number): Promise<ChangedIdentifiers[]>;
}

export type { ChangedIdentifiers };

export const requestIdentifierSource: RequestIdentifierSource = {
  waiting: identifierChangesWaiting,
  claim: claimIdentifierChanges,
};
