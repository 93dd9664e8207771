import {
  type CorrelationSearchResult,
  type HitView,
  type IdentifierType,
  normaliseIdentifier,
  normaliseIndicator,
  type Permission,
  ROLE_PERMISSIONS,
  type Role,
  type Unit,
} from "@crossline/schemas";
import { type Db, type DbOrTx, inTransaction, type Tx } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import type { NotifyInput } from "../notifications/notifications.service.js";
import type { RequestIdentifierSource } from "../requests/requests.identifiers.js";
import {
  type IndexEntry,
  type NewHit,
  correlationRepo as repo,
  type SearchQuery,
} from "./correlation.repo.js";

/**
 * Correlation: every identifier the node holds, normalised, in one index; a hit when a new one matches one held
 * before by another record, told to the units owning both (a notification key with parameters), and one search.
 *
 * Modules register their records through the port `index(dbx, recordType, records)` (and `forget`), in their
 * own transaction: indicators do on import and on receipt, cases when an identifier is added. Requests are pulled through
 * the requests module's narrow port (`requestIdentifierSource`), from a queue of their changes, before each search
 * and list.
 */

export interface CorrelationDeps {
  db: Db;
  clock: Clock;
  requests: RequestIdentifierSource;
  recipientsInUnit: (tx: DbOrTx, unitId: string, roles: readonly string[]) => Promise<string[]>;
  notify: (tx: Tx, n: NotifyInput) => Promise<number>;
  unitsByIds: (dbx: DbOrTx, ids: string[]) => Promise<Unit[]>;
}

/** A record's identifiers as given to the port: a kind (indicator kind or identifier type) and canonical value. */
export interface IndexRecord {
  recordId: string;
  ownerUnit: string;
  identifiers: { kind: string; value: string }[];
}

const READERS = (Object.keys(ROLE_PERMISSIONS) as Role[]).filter((r) =>
  ROLE_PERMISSIONS[r].includes("sharing:read" satisfies Permission),
);

/** One index entry: ipv4/ipv6 are one kind `ip` with a network; domains, URLs and e-mails carry their host. */
export function entryOf(
  kind: string,
  value: string,
): Omit<IndexEntry, "recordType" | "recordId" | "ownerUnit"> {
  const k = kind === "ipv4" || kind === "ipv6" ? "ip" : kind;
  let net: string | null = null;
  let host: string | null = null;
  if (k === "ip") net = value.includes("/") ? value : `${value}/${value.includes(":") ? 128 : 32}`;
  else if (k === "domain") host = value;
  else if (k === "email") host = value.slice(value.lastIndexOf("@") + 1) || null;
  else if (k === "url") {
    try {
      host = new URL(value).hostname.replace(/^\[|\]$/g, "") || null;
    } catch {
      host = null;
    }
  }
  return { kind: k, value, net, host };
}

/**
 * The search for an entry. A domain finds its URLs and e-mail addresses (and its subdomains'); an e-mail address
 * or a URL finds itself and the domains it lies on, not every other address or URL on its domain (an address at
 * a webmail provider would otherwise list the provider's every address held).
 */
export function searchQueryOf(kind: string, value: string): SearchQuery {
  const e = entryOf(kind, value);
  const labels = e.kind !== "domain" && e.host && !e.host.includes(":") ? e.host.split(".") : [];
  return {
    kind: e.kind,
    value: e.value,
    net: e.net,
    host: e.kind === "domain" ? e.host : null,
    // login.shop.example.com: login.shop.example.com, shop.example.com, example.com (not the top-level label)
    domains: labels.slice(0, -1).map((_, i) => labels.slice(i).join(".")),
  };
}

/** What a search box entry most likely is, normalised: an address or network, e-mail, URL, hash, phone, domain. */
export function readQuery(raw: string): { kind: string; value: string } | null {
  const s = raw.trim();
  const tryKind = (k: "ip" | "email" | "url" | "file_hash" | "phone" | "domain") => {
    const r = normaliseIndicator(k, s);
    return r.ok ? { kind: k, value: r.indicator.value } : null;
  };
  if (/^[0-9a-f:.]+(\/\d{1,3})?$/i.test(s) && (s.includes(".") || s.includes(":"))) {
    const ip = tryKind("ip");
    if (ip) return ip;
  }
  if (s.includes("@")) return tryKind("email");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^hxxps?:/i.test(s)) return tryKind("url");
  if (/^[0-9a-f]{32}$|^[0-9a-f]{40}$|^[0-9a-f]{64}$/i.test(s)) return tryKind("file_hash");
  if (/^\+?[\d\s().-]{6,}$/.test(s)) return tryKind("phone");
  const d = tryKind("domain");
  if (d) return d;
  for (const network of ["btc", "eth", "trx", "xmr"] as const) {
    const w = normaliseIdentifier("crypto_wallet", s, { network });
    if (w.ok) return { kind: "crypto_wallet", value: w.value };
  }
  return null;
}

export function createCorrelationService(deps: CorrelationDeps) {
  const { db, clock } = deps;

  /** Tells each unit owning a side of the new hits, once per batch: how many, of which kinds, held by whom. */
  async function tell(tx: Tx, hits: NewHit[]) {
    if (!hits.length) return;
    const byUnit = new Map<string, { count: number; kinds: Set<string>; others: Set<string> }>();
    const add = (unit: string, other: string, kind: string) => {
      const e = byUnit.get(unit) ?? { count: 0, kinds: new Set(), others: new Set() };
      e.count++;
      e.kinds.add(kind);
      e.others.add(other);
      byUnit.set(unit, e);
    };
    for (const h of hits) {
      add(h.a_unit, h.b_unit, h.kind);
      if (h.b_unit !== h.a_unit) add(h.b_unit, h.a_unit, h.kind);
    }
    const names = new Map(
      (await deps.unitsByIds(tx, [...new Set(hits.flatMap((h) => [h.a_unit, h.b_unit]))])).map((u) => [
        u.id,
        u,
      ]),
    );
    for (const [unit, e] of byUnit) {
      const userIds = await deps.recipientsInUnit(tx, unit, READERS);
      if (!userIds.length) continue;
      await deps.notify(tx, {
        userIds,
        kind: "correlation_hit",
        severity: "info",
        key: "correlation_hit",
        params: {
          count: e.count,
          kinds: [...e.kinds].sort().join(", "),
          holders: [...e.others].map((u) => names.get(u)?.name ?? u).join(", "),
        },
      });
    }
  }

  /** The port: indexes records' identifiers and tells both sides of any hit, in the caller's transaction. */
  async function index(tx: Tx, recordType: string, records: IndexRecord[]): Promise<number> {
    const entries: IndexEntry[] = [];
    for (const r of records) {
      for (const i of r.identifiers) {
        entries.push({
          recordType,
          recordId: r.recordId,
          ownerUnit: r.ownerUnit,
          ...entryOf(i.kind, i.value),
        });
      }
    }
    if (!entries.length) return 0;
    const hits = await repo.insertAndMatch(tx, entries, clock.now());
    await tell(tx, hits);
    return hits.length;
  }

  /**
   * The port, set-based: indexes the entries of a relation the caller filled in its transaction (a staging
   * table loaded with COPY; its columns are record_id, owner_unit, kind, value, host and net, as `entryOf`
   * gives them) and tells both sides of any hit, like `index`. `relation` is a fixed identifier of the
   * caller's code, never user input.
   */
  async function indexFrom(tx: Tx, recordType: string, relation: string): Promise<number> {
    const hits = await repo.insertAndMatchFromRelation(tx, recordType, relation, clock.now());
    await tell(tx, hits);
    return hits.length;
  }

  async function forget(dbx: DbOrTx, recordType: string, recordIds: string[]): Promise<void> {
    await repo.forget(dbx, recordType, recordIds);
  }

  /**
   * Pulls the requests whose identifiers changed into the index: claims their queued changes through the
   * requests port (a queue filled by a trigger in each changing transaction, so a change committing late is
   * claimed by a later pull: a cursor over the application-stamped `updated_at` had already moved past it, and
   * that request never correlated) under the index's lock, so two searches at once do not pull the same
   * requests (the second's forget removed the hits the first had just recorded). A request whose identifiers
   * the index already holds as they are is left alone (a change queued twice, a restored database), so its hits
   * are not told again. A look without the lock first: most searches find nothing to pull, and need not wait
   * for an import.
   */
  async function syncRequests(): Promise<number> {
    let n = 0;
    while (await deps.requests.waiting(db)) {
      const pulled = await inTransaction(db, async (tx) => {
        await repo.lockIndex(tx);
        const changed = await deps.requests.claim(tx, 500);
        if (!changed.length) return 0;
        const records: IndexRecord[] = changed.flatMap((r) =>
          r.gone
            ? []
            : [
                {
                  recordId: r.id,
                  ownerUnit: r.ownerUnitId,
                  identifiers: r.identifiers
                    .filter((i) => typeof i?.value === "string")
                    .map((i) => ({ kind: i.type as IdentifierType, value: i.value })),
                },
              ],
        );
        const held = new Map<string, Set<string>>();
        for (const e of await repo.entriesOf(
          tx,
          "request",
          changed.map((r) => r.id),
        )) {
          const set = held.get(e.recordId) ?? new Set();
          set.add(`${e.ownerUnit}|${e.kind}|${e.value}`);
          held.set(e.recordId, set);
        }
        const wanted = new Map(
          records.map((r) => [
            r.recordId,
            new Set(r.identifiers.map((i) => `${r.ownerUnit}|${entryOf(i.kind, i.value).kind}|${i.value}`)),
          ]),
        );
        const same = (a: Set<string> | undefined, b: Set<string> | undefined) =>
          (a?.size ?? 0) === (b?.size ?? 0) && [...(a ?? [])].every((k) => b?.has(k));
        const stale = new Set(changed.map((r) => r.id).filter((id) => !same(held.get(id), wanted.get(id))));
        await repo.forget(tx, "request", [...stale]);
        await index(
          tx,
          "request",
          records.filter((r) => stale.has(r.recordId)),
        );
        return changed.length;
      });
      if (!pulled) break;
      n += pulled;
    }
    return n;
  }

  const unitRef = (u: Unit | undefined, id: string) => ({
    id,
    name: u?.name ?? id,
    nameZh: u?.nameZh ?? null,
  });

  async function search(ctx: Ctx, raw: string): Promise<CorrelationSearchResult> {
    requirePermission(ctx.actor, "sharing:read");
    await syncRequests();
    const query = readQuery(raw);
    if (!query || !ctx.actor.unitId) return { query, mine: [], elsewhere: [] };
    const rows = await repo.search(db, searchQueryOf(query.kind, query.value), 500);
    const mine = rows
      .filter((r) => r.ownerUnit === ctx.actor.unitId)
      .map((r) => ({ recordType: r.recordType, recordId: r.recordId, kind: r.kind, value: r.value }));
    const counts = new Map<string, { recordType: string; unit: string; count: number }>();
    for (const r of rows.filter((x) => x.ownerUnit !== ctx.actor.unitId)) {
      const k = `${r.recordType}|${r.ownerUnit}`;
      const c = counts.get(k) ?? { recordType: r.recordType, unit: r.ownerUnit, count: 0 };
      c.count++;
      counts.set(k, c);
    }
    const units = new Map(
      (await deps.unitsByIds(db, [...new Set([...counts.values()].map((c) => c.unit))])).map((u) => [
        u.id,
        u,
      ]),
    );
    return {
      query,
      mine,
      elsewhere: [...counts.values()].map((c) => ({
        recordType: c.recordType,
        unit: unitRef(units.get(c.unit), c.unit),
        count: c.count,
      })),
    };
  }

  async function hits(ctx: Ctx, q: { limit: number; before?: number }) {
    requirePermission(ctx.actor, "sharing:read");
    const unitId = ctx.actor.unitId;
    if (!unitId) return { items: [], nextCursor: null };
    await syncRequests();
    const rows = await repo.hitsOf(db, unitId, q.before, q.limit + 1);
    const page = rows.slice(0, q.limit);
    const units = new Map(
      (await deps.unitsByIds(db, [...new Set(page.flatMap((h) => [h.aUnit, h.bUnit]))])).map((u) => [
        u.id,
        u,
      ]),
    );
    const items: HitView[] = page.map((h) => {
      const aMine = h.aUnit === unitId;
      const [mine, other] = aMine
        ? [
            { type: h.aType, id: h.aId },
            { type: h.bType, id: h.bId, unit: h.bUnit },
          ]
        : [
            { type: h.bType, id: h.bId },
            { type: h.aType, id: h.aId, unit: h.aUnit },
          ];
      return {
        id: h.seq,
        kind: h.kind,
        value: h.value,
        match: h.match,
        mine: { recordType: mine.type, recordId: mine.id },
        other: {
          recordType: other.type,
          // Another unit's record is not shown, only whom to ask.
          recordId: other.unit === unitId ? other.id : null,
          unit: unitRef(units.get(other.unit), other.unit),
        },
        createdAt: h.createdAt.toISOString(),
      };
    });
    return { items, nextCursor: rows.length > q.limit ? page[page.length - 1].seq : null };
  }

  return { index, indexFrom, entryOf, forget, syncRequests, search, hits };
}

export type CorrelationService = ReturnType<typeof createCorrelationService>;
