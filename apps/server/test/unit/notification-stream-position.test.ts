import { describe, expect, it } from "vitest";
import {
  decodeLastEventId,
  encodePosition,
  MAX_EVENT_XIP,
  positionsOf,
  type Snapshot,
  type StreamPosition,
  visibleIn,
} from "../../src/modules/notifications/notifications.position.js";
import { mulberry32 } from "../support/seeded.js";

/** Whether a position counts the row as delivered. */
const claims = (p: StreamPosition, r: { xid: bigint; id: string }) =>
  visibleIn(p.snapshot, r.xid) || (p.after?.xid === r.xid && r.id <= p.after.id);

const positionOf = (eventId: string): StreamPosition => {
  const d = decodeLastEventId(eventId);
  if (d.kind !== "position") throw new Error(`not a position: ${eventId}`);
  return d.position;
};

/**
 * A model of the database (transactions taking xids, writing the reader's rows, committing or rolling back in any
 * order; `pg_current_snapshot()` as PostgreSQL takes it) and of the stream's looks, as notifications.service.ts's
 * `since` makes them (the rows the position does not claim and the snapshot counts as committed, the cursor's
 * transaction first, then by xid and id, at most `limit`), with a client that drops the connection after any
 * event and comes back with the last event id it got.
 */
function simulate(seed: number) {
  const random = mulberry32(seed);
  const int = (n: number) => Math.floor(random() * n);
  let nextXid = 1000n;
  let nextId = 0;
  const txs: { xid: bigint; ids: string[]; state: "running" | "committed" | "aborted" }[] = [];
  /** A uuid whose order is `minted`'s (the clock of the process that minted it), unique. */
  const uuid = (minted: number) =>
    `${minted.toString(16).padStart(8, "0")}-0000-7000-8000-${(nextId++).toString(16).padStart(12, "0")}`;
  const snapshot = (): Snapshot => {
    const done = txs.filter((t) => t.state !== "running").map((t) => t.xid);
    const xmax = done.length ? done.reduce((a, b) => (a > b ? a : b)) + 1n : nextXid;
    const xip = txs.filter((t) => t.state === "running" && t.xid < xmax).map((t) => t.xid);
    return { xmin: xip[0] ?? xmax, xmax, xip };
  };
  const rowsOf = (state?: string) =>
    txs.filter((t) => !state || t.state === state).flatMap((t) => t.ids.map((id) => ({ xid: t.xid, id })));

  const look = (from: StreamPosition, limit: number) => {
    const to = snapshot();
    const c = from.after;
    const rows = rowsOf("committed")
      .filter((r) => !claims(from, r) && visibleIn(to, r.xid))
      .sort((a, b) =>
        c && (a.xid === c.xid) !== (b.xid === c.xid)
          ? a.xid === c.xid
            ? -1
            : 1
          : a.xid !== b.xid
            ? a.xid < b.xid
              ? -1
              : 1
            : a.id < b.id
              ? -1
              : 1,
      );
    const sent = rows.slice(0, limit);
    const { at, next } = positionsOf(from, to, sent, rows.length > limit);
    return { sent, eventIds: at.map(encodePosition), next };
  };

  // Rows committed before the stream opens are the list's: counted as delivered (once).
  const received = new Map<string, number>();
  /** Rows an event id claims and were not delivered, or the reverse. */
  const wrong: string[] = [];
  const start = () => {
    const s = snapshot();
    for (const r of rowsOf("committed")) if (visibleIn(s, r.xid)) received.set(r.id, 1);
    return s;
  };
  for (let i = 0; i < 3; i++) txs.push({ xid: nextXid++, ids: [uuid(int(1000))], state: "committed" });
  let position: StreamPosition = { snapshot: start() };
  let lastEventId = encodePosition(position); // the ready event's id
  let connected = true;
  for (let step = 0; step < 400; step++) {
    const action = int(10);
    const running = txs.filter((t) => t.state === "running");
    if (action < 3) {
      // a transaction takes its xid and writes 0–3 of the reader's rows (ids in no particular order)
      const ids = Array.from({ length: int(4) }, () => uuid(int(1000)));
      txs.push({ xid: nextXid++, ids, state: "running" });
    } else if (action < 6 && running.length) {
      running[int(running.length)].state = int(8) === 0 ? "aborted" : "committed";
    } else if (!connected) {
      connected = true;
      position = positionOf(lastEventId);
    } else {
      const { sent, eventIds, next } = look(position, 1 + int(4));
      // the client may lose the connection after any of the events
      const got = int(3) === 0 ? int(sent.length + 1) : sent.length;
      for (let i = 0; i < got; i++) {
        received.set(sent[i].id, (received.get(sent[i].id) ?? 0) + 1);
        lastEventId = eventIds[i];
        // what the id claims is exactly what was delivered, of every row there is or will be (a rolled-back
        // transaction's are none)
        const p = positionOf(lastEventId);
        for (const r of [...rowsOf("committed"), ...rowsOf("running")])
          if (claims(p, r) !== received.has(r.id)) wrong.push(`${r.xid}/${r.id} at ${lastEventId}`);
      }
      if (got < sent.length) connected = false;
      else position = next;
    }
  }
  for (const t of txs) if (t.state === "running") t.state = "committed";
  if (!connected) position = positionOf(lastEventId);
  for (let more = true; more; ) {
    const { sent, next } = look(position, 3);
    for (const r of sent) received.set(r.id, (received.get(r.id) ?? 0) + 1);
    position = next;
    more = sent.length > 0;
  }
  return { received, wrong, committed: rowsOf("committed"), aborted: rowsOf("aborted") };
}

describe("notification stream positions (event ids)", () => {
  it("an event id claims exactly what was delivered; resuming from it sends every committed row once", () => {
    for (let seed = 1; seed <= 25; seed++) {
      const { received, wrong, committed, aborted } = simulate(seed);
      expect(wrong, `seed ${seed}`).toEqual([]);
      for (const r of committed)
        expect(received.get(r.id) ?? 0, `seed ${seed}: ${r.id}`).toBeLessThanOrEqual(1);
      for (const r of committed) expect(received.has(r.id), `seed ${seed}: ${r.id}`).toBe(true);
      for (const r of aborted) expect(received.has(r.id)).toBe(false);
    }
  }, 30_000);

  it("round-trips through its compact text; past the in-progress transactions it carries, it claims less, never more", () => {
    const p: StreamPosition = {
      snapshot: { xmin: 981n, xmax: 1050n, xip: [981n, 1000n, 1049n] },
      after: { xid: 1000n, id: "0192f0c4-1111-7000-8000-000000000001" },
    };
    const id = encodePosition(p);
    expect(id).toBe("0192f0c4-1111-7000-8000-000000000001.1e.t6.1.1d.j");
    expect(positionOf(id)).toEqual(p);
    expect(positionOf(encodePosition({ snapshot: p.snapshot }))).toEqual({ snapshot: p.snapshot });

    const xip = Array.from({ length: MAX_EVENT_XIP + 50 }, (_, i) => 5000n + BigInt(i) * 2n);
    const wide: StreamPosition = {
      snapshot: { xmin: xip[0], xmax: 6000n, xip },
      after: { xid: 5002n, id: "0192f0c4-1111-7000-8000-000000000002" },
    };
    const cut = positionOf(encodePosition(wide));
    expect(cut.snapshot.xip).toHaveLength(MAX_EVENT_XIP);
    expect(cut.after).toEqual(wide.after);
    // a cursor above where the id is cut is left out: that transaction then counts as not sent
    const high = {
      ...wide,
      after: { xid: xip[MAX_EVENT_XIP + 10], id: "0192f0c4-1111-7000-8000-000000000002" },
    };
    const highId = encodePosition(high);
    expect(highId.startsWith("0192f0c4-1111-7000-8000-000000000002..")).toBe(true);
    expect(positionOf(highId)).toEqual({ snapshot: cut.snapshot });
    for (let x = 4990n; x < 6010n; x++) {
      for (const id of ["0192f0c4-1111-7000-8000-000000000001", "0192f0c4-1111-7000-8000-000000000003"]) {
        if (claims(cut, { xid: x, id })) expect(claims(wide, { xid: x, id })).toBe(true);
      }
    }
  });

  it("reads a bare notification id as one, and anything malformed as unusable", () => {
    expect(decodeLastEventId(undefined)).toEqual({ kind: "none" });
    expect(decodeLastEventId("0192F0C4-1111-7000-8000-000000000001")).toEqual({
      kind: "notification",
      id: "0192f0c4-1111-7000-8000-000000000001",
    });
    for (const bad of [
      "not-a-uuid",
      "0",
      "-5",
      "t6.0", // a gap of 0: a transaction twice
      "t6.zzzzzzzzzzzz", // below transaction 1
      "zzzzzzzzzzzzzz", // past 64 bits
      "t6..1",
      "0192f0c4-1111-7000-8000-000000000001.2.t6.1", // the cursor's transaction counted as delivered
      "0192f0c4-1111-7000-8000-000000000001.x",
      "0192f0c4-1111-7000-8000-000000000001",
      "x".repeat(5000),
      ["t6", "t7"],
    ]) {
      const d = decodeLastEventId(bad as string);
      if (bad === "0192f0c4-1111-7000-8000-000000000001") expect(d.kind).toBe("notification");
      else expect(d, JSON.stringify(bad)).toEqual({ kind: "invalid" });
    }
  });
});
