/**
 * Where a live notification stream stands, and how it travels as an SSE event id so that a reconnect (the
 * browser's Last-Event-ID) resumes in commit order: neither missing a notification whose transaction committed
 * while the client was away (even one older than what it last got) nor sending one again.
 *
 * A position is a set of transactions already delivered: every transaction visible in `snapshot` (a
 * `pg_snapshot`: all below `xmax` but those in `xip`), plus, of the transaction `after.xid` (one not visible in
 * the snapshot), its rows up to `after.id` (a look sends rows by transaction, then id). The stream sends the
 * reader's rows outside the set that the statement can see, and every event carries the set including it.
 * Pure code: no database here (notifications.service.ts asks the database).
 */

/** A `pg_snapshot`, its in-progress transactions ascending; normalised: `xmin` is the first of them, else `xmax`. */
export interface Snapshot {
  xmin: bigint;
  xmax: bigint;
  xip: bigint[];
}

export interface StreamPosition {
  snapshot: Snapshot;
  after?: { xid: bigint; id: string };
}

/** The largest transaction id taken from a client (xid8 is unsigned 64-bit; PostgreSQL will not get near). */
const MAX_XID = (1n << 62n) - 1n;
/** In-progress transactions an event id carries; past them it claims fewer as delivered (see `encodePosition`). */
export const MAX_EVENT_XIP = 200;
/** Longest Last-Event-ID read: 200 transactions' gaps, a uuid and the rest fit many times over. */
const MAX_EVENT_ID_LENGTH = 4096;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE36 = /^[0-9a-z]{1,13}$/;

function snapshotOf(xmax: bigint, xip: bigint[]): Snapshot {
  return { xmin: xip[0] ?? xmax, xmax, xip };
}

/** `pg_current_snapshot()::text` (`xmin:xmax:xip,xip`), normalised. */
export function parseSnapshot(text: string): Snapshot {
  const m = /^(\d+):(\d+):([\d,]*)$/.exec(text);
  if (!m) throw new Error(`not a pg_snapshot: ${text}`);
  const xip = m[3] ? m[3].split(",").map((x) => BigInt(x)) : [];
  xip.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return snapshotOf(BigInt(m[2]), [...new Set(xip)]);
}

/** The snapshot as `pg_snapshot` text, for a query. */
export function snapshotText(s: Snapshot): string {
  return `${s.xmin}:${s.xmax}:${s.xip.join(",")}`;
}

export function visibleIn(s: Snapshot, xid: bigint): boolean {
  return xid < s.xmin || (xid < s.xmax && !s.xip.includes(xid));
}

/** The position with `after`'s transaction wholly delivered (all its rows were sent): a snapshot alone. */
export function throughCursor(p: StreamPosition): Snapshot {
  const a = p.after;
  if (!a) return p.snapshot;
  const { xmax, xip } = p.snapshot;
  if (a.xid === xmax) return snapshotOf(xmax + 1n, xip);
  return snapshotOf(
    xmax,
    xip.filter((x) => x !== a.xid),
  );
}

/**
 * The position once the row (`xid`, `id`) has been sent by a look that went from `from` (a snapshot alone) to
 * the statement's snapshot `to`, sending the reader's rows of the transactions visible in `to` but not in
 * `from`, by transaction then id. Delivered are then: every transaction below `xid` visible in `to` (those the
 * look sent before, and those visible before it), every transaction above `xid` visible in `from` (not yet sent
 * by this look), and `xid` up to `id`. As one snapshot: below `xid` the in-progress ones of `to`, from `xid` on
 * those of `from`, and `xid` itself is in progress or `xmax` (the cursor says how much of it was sent).
 */
export function positionAt(from: Snapshot, to: Snapshot, xid: bigint, id: string): StreamPosition {
  // `xid` is not visible in `from` (else the look had not sent it): at or past its xmax, or in its `xip`.
  const xip = [...to.xip.filter((x) => x < xid), ...from.xip.filter((x) => x >= xid)];
  return { snapshot: snapshotOf(xid > from.xmax ? xid : from.xmax, xip), after: { xid, id } };
}

/**
 * The positions of a look that went from `from` to the statement's snapshot `to` and sends `rows` (the
 * cursor's transaction first, then by transaction and id): each row's (its event id), and where the stream
 * stands after them: `to`, or, when the look stopped at its limit (`more`), the last row's.
 */
export function positionsOf(
  from: StreamPosition,
  to: Snapshot,
  rows: readonly { xid: bigint; id: string }[],
  more: boolean,
): { at: StreamPosition[]; next: StreamPosition } {
  const cursor = from.after;
  const through = throughCursor(from);
  const at = rows.map(
    (r): StreamPosition =>
      cursor && r.xid === cursor.xid
        ? { snapshot: from.snapshot, after: { xid: r.xid, id: r.id } }
        : positionAt(through, to, r.xid, r.id),
  );
  const last = at.at(-1);
  return { at, next: more && last ? last : { snapshot: to } };
}

const b36 = (n: bigint) => n.toString(36);
function fromB36(s: string): bigint | null {
  if (!BASE36.test(s)) return null;
  let n = 0n;
  for (const c of s) n = n * 36n + BigInt(Number.parseInt(c, 36));
  return n;
}

/**
 * The SSE event id of a position: `<notification id>.<xmax − after.xid>.<xmax>[.<gap>…]` after a notification,
 * `<xmax>[.<gap>…]` without one (the `ready` event), numbers in base 36, the gaps going down from `xmax` through
 * the in-progress transactions (the first is `xmax` minus the highest). Over `MAX_EVENT_XIP` of those (a node
 * with that many writing transactions at once), `xmax` is lowered to the first left out (and a cursor above it is
 * left empty): the id then claims less than was delivered, so a resume may send some again, never miss one.
 */
export function encodePosition(p: StreamPosition): string {
  let { xmax, xip } = p.snapshot;
  if (xip.length > MAX_EVENT_XIP) {
    xmax = xip[MAX_EVENT_XIP];
    xip = xip.slice(0, MAX_EVENT_XIP);
  }
  const parts = [b36(xmax)];
  let prev = xmax;
  for (let i = xip.length - 1; i >= 0; i--) {
    parts.push(b36(prev - xip[i]));
    prev = xip[i];
  }
  const a = p.after;
  if (!a) return parts.join(".");
  // A cursor past the lowered `xmax` is left out (empty): its transaction then counts as not sent at all.
  return `${a.id}.${a.xid > xmax ? "" : b36(xmax - a.xid)}.${parts.join(".")}`;
}

/**
 * What a client's Last-Event-ID says: a position (an id of `encodePosition`), a notification id (an event id of
 * streams before positions were sent), or nothing usable (absent, malformed, out of range: `invalid`).
 */
export type ResumeFrom =
  | { kind: "none" }
  | { kind: "invalid" }
  | { kind: "notification"; id: string }
  | { kind: "position"; position: StreamPosition };

export function decodeLastEventId(raw: string | string[] | undefined): ResumeFrom {
  if (raw === undefined || raw === "") return { kind: "none" };
  if (typeof raw !== "string" || raw.length > MAX_EVENT_ID_LENGTH) return { kind: "invalid" };
  const value = raw.trim().toLowerCase();
  if (UUID.test(value)) return { kind: "notification", id: value };
  const parts = value.split(".");
  let after: { xid: bigint; id: string } | undefined;
  let afterGap: bigint | null = null;
  let afterId = "";
  if (parts[0] && UUID.test(parts[0])) {
    afterId = parts[0];
    if (parts[1] !== "") {
      afterGap = fromB36(parts[1] ?? "");
      if (afterGap === null) return { kind: "invalid" };
    }
    parts.splice(0, 2);
  }
  const xmax = fromB36(parts[0] ?? "");
  if (xmax === null || xmax < 1n || xmax > MAX_XID) return { kind: "invalid" };
  const xip: bigint[] = [];
  let prev = xmax;
  for (const g of parts.slice(1)) {
    const gap = fromB36(g);
    if (gap === null || gap < 1n || prev - gap < 1n) return { kind: "invalid" };
    prev -= gap;
    xip.unshift(prev);
  }
  if (afterGap !== null) {
    const xid = xmax - afterGap;
    // The cursor's transaction is one the snapshot does not count as delivered: `xmax` or one in progress.
    if (xid < 1n || (xid !== xmax && !xip.includes(xid))) return { kind: "invalid" };
    after = { xid, id: afterId };
  }
  return { kind: "position", position: { snapshot: snapshotOf(xmax, xip), ...(after ? { after } : {}) } };
}
