import type { AssetDetail, FugitiveDetail, ReceivedAssetView } from "@crossline/schemas";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditLog } from "../../src/db/schema/index.js";
import { ZHANG } from "../support/fugitives-fixtures.js";
import type { Agent } from "../support/node.js";
import { describeDb } from "../support/node.js";
import { type PairedNodes, pairedNodes } from "../support/paired-nodes.js";

type Err = { error: { code: string; details: { field?: string; issue: string }[] } };

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 60_000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function call<T>(a: Agent, method: string, url: string, body?: unknown, want = 200): Promise<T> {
  const r = await a.req<T>(method, url, body);
  if (r.status !== want) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * Two real nodes (signed, encrypted envelopes over HTTP, delivery workers, receipts): CN-MPS shares an asset of
 * a fugitive with US-DOJ; the copy arrives read-only with the owner's version; each new stage arrives once; the
 * withdrawal erases the copy there.
 */
describeDb("assets shared between two real nodes", () => {
  let pair: PairedNodes;
  let cn: Agent;
  let us: Agent;
  let asset: AssetDetail;

  beforeAll(async () => {
    pair = await pairedNodes();
    // In each node's first unit, which is also where received shared objects land (the intake unit).
    await pair.cn.user("assets.cn", ["fugitive_asset"]);
    await pair.us.user("assets.us", ["fugitive_asset"]);
    cn = await pair.cn.as("assets.cn");
    us = await pair.us.as("assets.us");
  }, 360_000);
  afterAll(() => pair?.close());

  const received = async () =>
    (await call<{ items: ReceivedAssetView[] }>(us, "GET", "/api/v1/assets/received")).items;
  const copyOf = async (id: string) => (await received()).find((x) => x.sharedObjectId === id);

  it("shares an asset: the peer holds a read-only copy with the owner's version", async () => {
    const f = (await call<{ fugitive: FugitiveDetail }>(cn, "POST", "/api/v1/fugitives", ZHANG, 201))
      .fugitive;
    asset = (
      await call<{ asset: AssetDetail }>(
        cn,
        "POST",
        "/api/v1/assets",
        {
          kind: "real_estate",
          description: { lang: "en", text: "House in Irvine, California (fictitious)" },
          location: "Irvine, California",
          jurisdiction: "US",
          holder: { name: "张伟明", romanised: "Zhang Weiming" },
          currency: "USD",
          value: "2300000.00",
          fugitiveIds: [f.id],
          identifiedOn: "2015-05-10",
          identifiedBy: "Example City Public Security Bureau",
          legalBasis: { instrument: "uncac", article: "Art. 51" },
        },
        201,
      )
    ).asset;
    asset = (
      await call<{ asset: AssetDetail }>(cn, "POST", `/api/v1/assets/${asset.id}/share`, {
        recipients: ["US-DOJ"],
        marking: { tlp: "AMBER" },
      })
    ).asset;
    const id = asset.sharing.sharedObjectId as string;
    expect(id).toMatch(/^so_/);
    const copy = await waitFor("US holds the asset", () => copyOf(id));
    expect(copy).toMatchObject({ ownerNode: "CN-MPS", version: 1, state: "active" });
    expect(copy.content).toMatchObject({
      reference: asset.reference,
      kind: "real_estate",
      currency: "USD",
      valueMinor: "230000000",
      stage: "identified",
      fugitiveReferences: [f.reference],
      holder: { name: "张伟明" },
    });
    // Read-only at the peer: only the owner versions it.
    const patch = await us.req<Err>("PATCH", `/api/v1/shared-objects/${id}`, { version: 1, content: {} });
    expect(patch.status).toBe(409);
    // Sharing twice with the same peer is refused, naming the field.
    const again = await cn.req<Err>("POST", `/api/v1/assets/${asset.id}/share`, {
      recipients: ["US-DOJ"],
      marking: { tlp: "AMBER" },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.details[0]?.field).toBe("body.recipients");
  });

  it("each new stage reaches the peer exactly once", async () => {
    const id = asset.sharing.sharedObjectId as string;
    let v = (
      await call<{ asset: AssetDetail }>(
        cn,
        "POST",
        `/api/v1/assets/${asset.id}/stages`,
        {
          version: asset.version,
          stage: "frozen",
          date: "2015-09-01",
          authority: "Example US District Court",
          orderReference: "FRZ-2015-77",
          amount: "2300000",
        },
        201,
      )
    ).asset;
    v = (
      await call<{ asset: AssetDetail }>(
        cn,
        "POST",
        `/api/v1/assets/${asset.id}/stages`,
        {
          version: v.version,
          stage: "confiscated",
          date: "2016-08-01",
          authority: "Example US District Court",
          orderReference: "CNF-2016-12",
          amount: "1800000.00",
        },
        201,
      )
    ).asset;
    const copy = await waitFor("US has version 3", async () => {
      const c = await copyOf(id);
      return c?.version === 3 && c;
    });
    expect(copy.content?.stage).toBe("confiscated");
    expect(copy.content?.stages.map((s) => [s.stage, s.amountMinor])).toEqual([
      ["identified", "230000000"],
      ["frozen", "230000000"],
      ["confiscated", "180000000"],
    ]);
    const applied = await pair.us.rt.services.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, id), eq(auditLog.action, "shared_object.received_version")));
    expect(applied).toHaveLength(2);
    asset = v;
  });

  it("withdrawing the sharing erases the peer's copy; it is final", async () => {
    const id = asset.sharing.sharedObjectId as string;
    const w = await call<{ asset: AssetDetail }>(cn, "POST", `/api/v1/assets/${asset.id}/withdraw`);
    expect(w.asset.sharing.withdrawn).toBe(true);
    const gone = await waitFor("US has the tombstone", async () => {
      const c = await copyOf(id);
      return c?.state === "withdrawn" && c;
    });
    expect(gone.content).toBeNull();
    // A later stage stays at home: nothing more is sent.
    await call(
      cn,
      "POST",
      `/api/v1/assets/${asset.id}/stages`,
      {
        version: w.asset.version,
        stage: "returned",
        date: "2017-03-01",
        authority: "Ministry of Justice",
        amount: "1800000",
      },
      201,
    );
    const twice = await cn.req<Err>("POST", `/api/v1/assets/${asset.id}/withdraw`);
    expect(twice.status).toBe(409);
    const share = await cn.req<Err>("POST", `/api/v1/assets/${asset.id}/share`, {
      recipients: ["US-DOJ"],
      marking: { tlp: "AMBER" },
    });
    expect(share.status).toBe(409);
    expect((await copyOf(id))?.state).toBe("withdrawn");
  });

  it("an asset whose object was withdrawn through the shared-objects API still takes changes, and its own 409s", async () => {
    const other = (
      await call<{ asset: AssetDetail }>(
        cn,
        "POST",
        "/api/v1/assets",
        {
          kind: "bank_account",
          description: { lang: "en", text: "Account at an example bank (fictitious)" },
          jurisdiction: "US",
          currency: "USD",
          value: "15000.00",
          fugitiveIds: asset.fugitiveIds,
          identifiedOn: "2015-06-01",
          identifiedBy: "Example City Public Security Bureau",
          legalBasis: { instrument: "uncac", article: "Art. 51" },
        },
        201,
      )
    ).asset;
    const shared = await call<{ asset: AssetDetail }>(cn, "POST", `/api/v1/assets/${other.id}/share`, {
      recipients: ["US-DOJ"],
      marking: { tlp: "AMBER" },
    });
    const id = shared.asset.sharing.sharedObjectId as string;
    await call(cn, "POST", `/api/v1/shared-objects/${id}/withdraw`, {});
    // The asset's next stage: saved, nothing sent (with the old code, 409 "the object is withdrawn").
    const staged = await cn.req<{ asset: AssetDetail } & Err>("POST", `/api/v1/assets/${other.id}/stages`, {
      version: shared.asset.version,
      stage: "frozen",
      date: "2015-07-01",
      authority: "Example District Court",
      orderReference: "F-2015-7",
    });
    expect(staged.status, JSON.stringify(staged.body)).toBe(201);
    expect(staged.body.asset.stage).toBe("frozen");
    // The asset shows its sharing as withdrawn, as when the asset withdrew it itself.
    expect(shared.asset.sharing.withdrawn).toBe(false);
    expect(staged.body.asset.sharing).toMatchObject({ sharedObjectId: id, withdrawn: true });
    const read = await call<{ asset: AssetDetail }>(cn, "GET", `/api/v1/assets/${other.id}`);
    expect(read.asset.sharing.withdrawn).toBe(true);
    const gone = await waitFor("US has the tombstone", async () => {
      const c = await copyOf(id);
      return c?.state === "withdrawn" && c;
    });
    expect(gone.version).toBe(2);
    // Shared again or withdrawn again: the asset's own answers, as when the asset withdrew it itself (with the
    // old code, the generic 409 "the object is withdrawn" of the shared-objects module).
    // (A peer it was not shared with: the old code reached the shared-objects module's own check.)
    const again = await cn.req<Err>("POST", `/api/v1/assets/${other.id}/share`, {
      recipients: ["GB-NCA"],
      marking: { tlp: "AMBER" },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("CONFLICT");
    expect(again.body.error.details).toEqual([
      { issue: "the sharing of this asset was withdrawn: it is final" },
    ]);
    const withdrawn = await cn.req<Err>("POST", `/api/v1/assets/${other.id}/withdraw`);
    expect(withdrawn.status).toBe(409);
    expect(withdrawn.body.error.details).toEqual([{ issue: "the asset is not shared" }]);
  });
});
