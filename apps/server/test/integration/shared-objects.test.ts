import { SHARED_MSG, type SharedObjectView } from "@crossline/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { auditLog } from "../../src/db/schema/index.js";
import { describeDb } from "../support/node.js";
import {
  AMBER,
  call,
  indicator,
  publish,
  seen,
  type ThreeNodes,
  threeNodes,
} from "../support/shared-objects-fixtures.js";

const CN = "CN-MPS";
const US = "US-DOJ";
const NX = "NX-NPA";

describeDb("shared objects between three nodes (in-process hub)", () => {
  let t: ThreeNodes;
  beforeAll(async () => {
    t = await threeNodes();
    // Three nodes to initialise (keys, migrations, users): more than the default hook time on a busy machine.
  }, 360_000);
  afterAll(() => t?.close());

  /** Deliveries of one object's messages, as `type to version` (from the hub's record). */
  const deliveries = (id: string) =>
    t.hub.delivered
      .filter((d) => (d.payload as { id?: string }).id === id)
      .map(
        (d) =>
          `${d.type.replace("shared.object.", "")} ${d.from}>${d.to} v${(d.payload as { version: number }).version}`,
      );

  /**
   * A message a peer sends by hand, outside the mechanism (a misbehaving or replaying peer): straight into the
   * node's hub port, which ignores the transaction and the caller.
   */
  const send = (from: keyof ThreeNodes["nodes"], to: string, payload: unknown) =>
    t.nodes[from].rt.services.federation.enqueue(null as never, null as never, {
      peerId: to,
      type: SHARED_MSG.put,
      payload,
    });

  const auditOf = async (node: keyof ThreeNodes["nodes"], targetId: string) =>
    (await t.nodes[node].rt.services.db.select().from(auditLog)).filter((e) => e.targetId === targetId);

  describe("fan-out, versions and withdrawal", () => {
    it("publishes to two peers at once; each holds a read-only copy at version 1", async () => {
      const o = await publish(t.officers[CN], indicator("203.0.113.7", AMBER, [US, NX]));
      expect(o).toMatchObject({ ownerNode: CN, direction: "own", version: 1, path: [CN] });
      expect(o.id).toMatch(/^so_/);
      expect(o.holders.map((h) => [h.nodeId, h.state, h.version])).toEqual([
        [NX, "active", 1],
        [US, "active", 1],
      ]);
      await t.hub.flush();
      for (const peer of [US, NX] as const) {
        const copy = await seen(t.officers[peer], o.id);
        expect(copy).toMatchObject({
          ownerNode: CN,
          direction: "received",
          sourceNode: CN,
          path: [CN, peer],
          version: 1,
          state: "active",
          content: { kind: "ipv4", value: "203.0.113.7" },
        });
        // Read-only: only the owner versions or withdraws.
        const patch = await t.officers[peer].req("PATCH", `/api/v1/shared-objects/${o.id}`, {
          version: 1,
          content: { kind: "ipv4", value: "198.51.100.1" },
        });
        expect(patch.status).toBe(409);
        expect(
          (await t.officers[peer].req("POST", `/api/v1/shared-objects/${o.id}/withdraw`, {})).status,
        ).toBe(409);
      }
      const list = await call<{ items: SharedObjectView[] }>(
        t.officers[US],
        "GET",
        "/api/v1/shared-objects?direction=received&type=indicator",
      );
      expect(list.items.map((i) => i.id)).toContain(o.id);
    });

    it("an update reaches each holder exactly once; a stale version is a conflict", async () => {
      const o = await publish(t.officers[CN], indicator("203.0.113.8", AMBER, [US, NX]));
      const v2 = await call(t.officers[CN], "PATCH", `/api/v1/shared-objects/${o.id}`, {
        version: 1,
        content: { kind: "ipv4", value: "203.0.113.9" },
      });
      expect(v2.object.version).toBe(2);
      const stale = await t.officers[CN].req<{ error: { code: string; details: { field: string }[] } }>(
        "PATCH",
        `/api/v1/shared-objects/${o.id}`,
        { version: 1, content: { kind: "ipv4", value: "203.0.113.10" } },
      );
      expect(stale.status).toBe(409);
      expect(stale.body.error.details[0].field).toBe("body.version");
      await t.hub.flush();
      expect(deliveries(o.id).sort()).toEqual([
        `put ${CN}>${NX} v1`,
        `put ${CN}>${NX} v2`,
        `put ${CN}>${US} v1`,
        `put ${CN}>${US} v2`,
      ]);
      for (const peer of [US, NX] as const) {
        expect(await seen(t.officers[peer], o.id)).toMatchObject({
          version: 2,
          content: { value: "203.0.113.9" },
        });
      }
    });

    it("two calls at once on one object (double clicks): one version, one tombstone, one copy; the other a 409", async () => {
      // Each change locks the object's row in its transaction before it reads it (repo.lock): the second waits.
      type Err = { error: { details: { field?: string; issue: string }[] } };
      const o = await publish(t.officers[CN], indicator("203.0.113.20", AMBER, [US]));
      const patch = { version: 1, content: { kind: "ipv4", value: "203.0.113.21" } };
      const updates = await Promise.all([
        t.officers[CN].req<Err>("PATCH", `/api/v1/shared-objects/${o.id}`, patch),
        t.officers[CN].req<Err>("PATCH", `/api/v1/shared-objects/${o.id}`, patch),
      ]);
      expect(updates.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(updates.find((r) => r.status === 409)?.body.error.details[0].field).toBe("body.version");
      const shares = await Promise.all([
        t.officers[CN].req<Err>("POST", `/api/v1/shared-objects/${o.id}/share`, { recipients: [NX] }),
        t.officers[CN].req<Err>("POST", `/api/v1/shared-objects/${o.id}/share`, { recipients: [NX] }),
      ]);
      expect(shares.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(shares.find((r) => r.status === 409)?.body.error.details[0]).toMatchObject({
        field: "body.recipients.0",
        issue: `${NX} holds it already`,
      });
      const withdrawals = await Promise.all([
        t.officers[CN].req<Err>("POST", `/api/v1/shared-objects/${o.id}/withdraw`, {}),
        t.officers[CN].req<Err>("POST", `/api/v1/shared-objects/${o.id}/withdraw`, {}),
      ]);
      expect(withdrawals.map((r) => r.status).sort()).toEqual([200, 409]);
      await t.hub.flush();
      expect(deliveries(o.id).sort()).toEqual([
        `put ${CN}>${NX} v2`,
        `put ${CN}>${US} v1`,
        `put ${CN}>${US} v2`,
        `withdraw ${CN}>${NX} v3`,
        `withdraw ${CN}>${US} v3`,
      ]);
      const actions = (await auditOf(CN, o.id)).map((e) => e.action).sort();
      expect(actions).toEqual([
        "shared_object.publish",
        "shared_object.share",
        "shared_object.update",
        "shared_object.withdraw",
      ]);
    });

    it("a withdrawal while one peer is cut off reaches it when the link heals, and never delays the other", async () => {
      const o = await publish(t.officers[CN], indicator("203.0.113.11", AMBER, [US, NX]));
      await t.hub.flush();
      t.hub.down.add(`${CN}>${NX}`);
      try {
        await call(t.officers[CN], "POST", `/api/v1/shared-objects/${o.id}/withdraw`, {});
        const other = await publish(t.officers[CN], indicator("203.0.113.12", AMBER, [US, NX]));
        await t.hub.flush();
        // The healthy link carried the tombstone and the next object at once; the cut one holds both.
        expect(await seen(t.officers[US], o.id)).toMatchObject({
          state: "withdrawn",
          version: 2,
          content: null,
        });
        expect(await seen(t.officers[US], other.id)).toMatchObject({ state: "active" });
        expect(await seen(t.officers[NX], o.id)).toMatchObject({ state: "active", version: 1 });
        expect(await seen(t.officers[NX], other.id)).toBeNull();
        expect(t.hub.pending()).toBe(2);
      } finally {
        t.hub.down.delete(`${CN}>${NX}`);
      }
      await t.hub.flush();
      expect(await seen(t.officers[NX], o.id)).toMatchObject({
        state: "withdrawn",
        version: 2,
        content: null,
      });
      const active = await call<{ items: SharedObjectView[] }>(
        t.officers[NX],
        "GET",
        "/api/v1/shared-objects?state=active&limit=200",
      );
      expect(active.items.map((i) => i.id)).not.toContain(o.id);
      // Exactly one tombstone each, and nothing after it.
      expect(
        deliveries(o.id)
          .filter((d) => d.startsWith("withdraw"))
          .sort(),
      ).toEqual([`withdraw ${CN}>${NX} v2`, `withdraw ${CN}>${US} v2`]);
      expect((await t.officers[CN].req("POST", `/api/v1/shared-objects/${o.id}/withdraw`, {})).status).toBe(
        409,
      );
    });
  });

  describe("onward sharing and loops", () => {
    it("A→B→C: updates and the tombstone travel the same way, once each; C never sends back", async () => {
      const o = await publish(t.officers[CN], indicator("198.51.100.20", AMBER, [US]));
      await t.hub.flush();
      const onward = await call(t.officers[US], "POST", `/api/v1/shared-objects/${o.id}/share`, {
        recipients: [NX],
      });
      expect(onward.object.holders.map((h) => h.nodeId)).toEqual([NX]);
      await t.hub.flush();
      expect(await seen(t.officers[NX], o.id)).toMatchObject({
        ownerNode: CN,
        sourceNode: US,
        path: [CN, US, NX],
        version: 1,
      });
      // Back to the owner or to the node it came from: refused before anything is sent.
      for (const back of [CN, US]) {
        const r = await t.officers[NX].req<{ error: { details: { field: string; issue: string }[] } }>(
          "POST",
          `/api/v1/shared-objects/${o.id}/share`,
          { recipients: [back] },
        );
        expect(r.status).toBe(409);
        expect(r.body.error.details[0]).toMatchObject({ field: "body.recipients.0" });
      }
      // Nor a second time to a node that holds it.
      expect(
        (await t.officers[US].req("POST", `/api/v1/shared-objects/${o.id}/share`, { recipients: [NX] }))
          .status,
      ).toBe(409);
      await call(t.officers[CN], "PATCH", `/api/v1/shared-objects/${o.id}`, {
        version: 1,
        content: { kind: "ipv4", value: "198.51.100.21" },
      });
      await t.hub.flush();
      expect(await seen(t.officers[NX], o.id)).toMatchObject({
        version: 2,
        content: { value: "198.51.100.21" },
      });
      await call(t.officers[CN], "POST", `/api/v1/shared-objects/${o.id}/withdraw`, {});
      await t.hub.flush();
      expect(await seen(t.officers[NX], o.id)).toMatchObject({ state: "withdrawn", version: 3 });
      expect(deliveries(o.id)).toEqual([
        `put ${CN}>${US} v1`,
        `put ${US}>${NX} v1`,
        `put ${CN}>${US} v2`,
        `put ${US}>${NX} v2`,
        `withdraw ${CN}>${US} v3`,
        `withdraw ${US}>${NX} v3`,
      ]);
    });

    it("a node offered a copy it already holds refuses it, and the sender stops sending it there", async () => {
      const o = await publish(t.officers[CN], indicator("198.51.100.30", AMBER, [US, NX]));
      await t.hub.flush();
      await call(t.officers[US], "POST", `/api/v1/shared-objects/${o.id}/share`, { recipients: [NX] });
      await t.hub.flush();
      const atUs = await seen(t.officers[US], o.id);
      expect(atUs?.holders).toEqual([
        expect.objectContaining({ nodeId: NX, state: "refused", refusal: "ALREADY_HELD" }),
      ]);
      await call(t.officers[CN], "PATCH", `/api/v1/shared-objects/${o.id}`, {
        version: 1,
        content: { kind: "ipv4", value: "198.51.100.31" },
      });
      await t.hub.flush();
      // NX got version 2 once, from the owner; US did not relay it.
      expect(deliveries(o.id).filter((d) => d.includes(">NX-NPA v2"))).toEqual([`put ${CN}>${NX} v2`]);
      expect((await auditOf(NX, o.id)).map((e) => e.action)).toContain("shared_object.refused");
      expect((await auditOf(US, o.id)).map((e) => e.action)).toContain("shared_object.refused_by_peer");
      // NX holds the owner's copy, not US's: the owner's tombstone reaches it, US sends none there.
      await call(t.officers[CN], "POST", `/api/v1/shared-objects/${o.id}/withdraw`, {});
      await t.hub.flush();
      expect(
        deliveries(o.id)
          .filter((d) => d.startsWith("withdraw"))
          .sort(),
      ).toEqual([`withdraw ${CN}>${NX} v3`, `withdraw ${CN}>${US} v3`]);
      expect(await seen(t.officers[NX], o.id)).toMatchObject({ state: "withdrawn", version: 3 });
    });
  });

  describe("markings, on the sending side and on the receiving side", () => {
    it("TLP:RED goes only to the nodes it names, by the owner and by anyone passing it on", async () => {
      const red = { tlp: "RED" as const, releasableTo: [US, NX] };
      const refused = await t.officers[CN].req<{ error: { details: { field: string }[] } }>(
        "POST",
        "/api/v1/shared-objects",
        indicator("192.0.2.1", { tlp: "RED", releasableTo: [US] }, [US, NX]),
      );
      expect(refused.status).toBe(409);
      expect(refused.body.error.details.map((d) => d.field)).toEqual(["body.recipients.1"]);
      const noNames = await t.officers[CN].req<{ error: { details: { field: string }[] } }>(
        "POST",
        "/api/v1/shared-objects",
        indicator("192.0.2.1", { tlp: "RED" }, [US]),
      );
      expect(noNames.status).toBe(400);
      expect(noNames.body.error.details[0].field).toBe("body.marking.releasableTo");
      const o = await publish(t.officers[CN], indicator("192.0.2.2", red, [US]));
      await t.hub.flush();
      // Named: US may pass it on to NX.
      await call(t.officers[US], "POST", `/api/v1/shared-objects/${o.id}/share`, { recipients: [NX] });
      await t.hub.flush();
      expect(await seen(t.officers[NX], o.id)).toMatchObject({ state: "active", sourceNode: US });
    });

    it("AMBER+STRICT and no_onward_transfer are never passed on", async () => {
      for (const marking of [
        { tlp: "AMBER+STRICT" as const },
        { tlp: "GREEN" as const, handling: ["no_onward_transfer" as const] },
      ]) {
        const o = await publish(t.officers[CN], indicator("192.0.2.3", marking, [US]));
        await t.hub.flush();
        const copy = await seen(t.officers[US], o.id);
        expect(copy?.canShareOnward).toBe(false);
        const r = await t.officers[US].req<{ error: { details: { issue: string }[] } }>(
          "POST",
          `/api/v1/shared-objects/${o.id}/share`,
          { recipients: [NX] },
        );
        expect(r.status).toBe(409);
        expect(r.body.error.details[0].issue).toMatch(/forbids passing it on/);
      }
    });

    it("a narrower marking withdraws the copies it no longer admits, at the owner and at a relay", async () => {
      const o = await publish(t.officers[CN], indicator("192.0.2.20", AMBER, [US]));
      await t.hub.flush();
      await call(t.officers[US], "POST", `/api/v1/shared-objects/${o.id}/share`, { recipients: [NX] });
      await t.hub.flush();
      // AMBER+STRICT: US keeps it (a direct recipient), NX (an onward copy) loses it.
      await call(t.officers[CN], "PATCH", `/api/v1/shared-objects/${o.id}`, {
        version: 1,
        marking: { tlp: "AMBER+STRICT" },
      });
      await t.hub.flush();
      expect(await seen(t.officers[US], o.id)).toMatchObject({ state: "active", version: 2 });
      expect(await seen(t.officers[NX], o.id)).toMatchObject({
        state: "withdrawn",
        version: 2,
        content: null,
      });
      expect((await seen(t.officers[US], o.id))?.holders).toEqual([
        expect.objectContaining({ nodeId: NX, state: "withdrawn", version: 2 }),
      ]);
      // RED naming NX only: the owner withdraws it from US, which had nobody left to relay to.
      const p = await publish(t.officers[CN], indicator("192.0.2.21", AMBER, [US, NX]));
      await t.hub.flush();
      await call(t.officers[CN], "PATCH", `/api/v1/shared-objects/${p.id}`, {
        version: 1,
        marking: { tlp: "RED", releasableTo: [NX] },
      });
      await t.hub.flush();
      expect(await seen(t.officers[US], p.id)).toMatchObject({ state: "withdrawn", version: 2 });
      expect(await seen(t.officers[NX], p.id)).toMatchObject({
        state: "active",
        version: 2,
        marking: { tlp: "RED" },
      });
      expect(
        t.hub.delivered
          .filter((d) => d.type === SHARED_MSG.withdraw && (d.payload as { id: string }).id === p.id)
          .map((d) => `${d.to} ${(d.payload as { cause: string }).cause}`),
      ).toEqual([`${US} marking`]);
    });

    it("the receiver enforces the marking too: a forged copy is refused with its reason, and the link goes on", async () => {
      const o = await publish(
        t.officers[CN],
        indicator("192.0.2.4", { tlp: "RED", releasableTo: [US] }, [US]),
      );
      await t.hub.flush();
      const atCn = (await seen(t.officers[CN], o.id)) as SharedObjectView;
      const base = {
        ownerNode: CN,
        id: o.id,
        type: "indicator",
        typeVersion: 1,
        version: 1,
        marking: atCn.marking,
        content: atCn.content,
        ownerUpdatedAt: atCn.ownerUpdatedAt,
      };
      // A misbehaving US passes the RED object (not naming NX) on, and an AMBER+STRICT one; CN sends a copy
      // whose path does not start with its owner.
      await send(US, NX, { ...base, path: [CN, US] });
      await send(US, NX, {
        ...base,
        id: "so_0190a0c0-0000-7000-8000-0000000000aa",
        marking: { tlp: "AMBER+STRICT", handling: [] },
        path: [CN, US],
      });
      await send(CN, NX, { ...base, id: "so_0190a0c0-0000-7000-8000-0000000000ab", path: [NX, CN] });
      const after = await publish(t.officers[US], indicator("192.0.2.5", AMBER, [NX]));
      await t.hub.flush();
      expect(await seen(t.officers[NX], o.id)).toBeNull();
      expect(await seen(t.officers[NX], after.id)).toMatchObject({ state: "active" });
      const refusals = t.hub.delivered
        .filter((d) => d.type === SHARED_MSG.refused && d.from === NX)
        .map((d) => `${d.to} ${(d.payload as { reason: string }).reason}`);
      expect(refusals).toEqual(
        expect.arrayContaining([`${US} NOT_NAMED`, `${US} ONWARD_FORBIDDEN`, `${CN} WRONG_SOURCE`]),
      );
      const audited = (await t.nodes[NX].rt.services.db.select().from(auditLog))
        .filter((e) => e.action === "shared_object.refused")
        .map((e) => (e.details as { reason: string }).reason);
      expect(audited).toEqual(expect.arrayContaining(["NOT_NAMED", "ONWARD_FORBIDDEN", "WRONG_SOURCE"]));
    });
  });

  describe("clocks that disagree: versions decide, never timestamps", () => {
    it("applies a higher version stamped hours earlier, ignores a replayed lower one, refuses one after the tombstone", async () => {
      const o = await publish(t.officers[NX], indicator("198.51.100.40", AMBER, [US]));
      await t.hub.flush();
      const v1 = (await seen(t.officers[US], o.id)) as SharedObjectView;
      // NX's clock is 15 hours ahead of US's; its stamp is in US's future, and it changes nothing.
      expect(Date.parse(v1.ownerUpdatedAt) - Date.parse(v1.receivedAt as string)).toBe(15 * 3600_000);
      // NX's clock jumps back 20 hours: version 2 carries an earlier stamp than version 1, and still wins.
      t.clocks[NX].advance(-20 * 3600_000);
      await call(t.officers[NX], "PATCH", `/api/v1/shared-objects/${o.id}`, {
        version: 1,
        content: { kind: "ipv4", value: "198.51.100.41" },
      });
      await t.hub.flush();
      const v2 = (await seen(t.officers[US], o.id)) as SharedObjectView;
      expect(v2).toMatchObject({ version: 2, content: { value: "198.51.100.41" } });
      expect(Date.parse(v2.ownerUpdatedAt)).toBeLessThan(Date.parse(v1.ownerUpdatedAt));
      // A replay of version 1 with a stamp far in the future: ignored (idempotent), no refusal.
      const payload = {
        ownerNode: NX,
        id: o.id,
        type: "indicator",
        typeVersion: 1,
        version: 1,
        marking: v1.marking,
        content: v1.content,
        path: [NX],
        ownerUpdatedAt: "2099-01-01T00:00:00.000Z",
      };
      await send(NX, US, payload);
      await t.hub.flush();
      expect(await seen(t.officers[US], o.id)).toMatchObject({
        version: 2,
        content: { value: "198.51.100.41" },
      });
      await call(t.officers[NX], "POST", `/api/v1/shared-objects/${o.id}/withdraw`, {});
      await t.hub.flush();
      await send(NX, US, { ...payload, version: 4 });
      await t.hub.flush();
      expect(await seen(t.officers[US], o.id)).toMatchObject({
        state: "withdrawn",
        version: 3,
        content: null,
      });
      expect(
        t.hub.delivered
          .filter((d) => d.type === SHARED_MSG.refused && (d.payload as { id: string }).id === o.id)
          .map((d) => d.payload as { reason: string; version: number }),
      ).toEqual([expect.objectContaining({ reason: "AFTER_WITHDRAWAL", version: 4 })]);
    });
  });

  describe("peers on different releases", () => {
    it("a copy of a type the receiver's release does not declare is kept unread until it does", async () => {
      const bulletin = {
        type: "zz.bulletin",
        version: 1,
        schema: z.strictObject({ title: z.string() }),
      };
      t.nodes[CN].rt.services.sharedObjects.types.register(bulletin);
      const o = await publish(t.officers[CN], {
        type: "zz.bulletin",
        marking: AMBER,
        content: { title: "Contact points for the first quarter" },
        recipients: [US, NX],
      });
      await t.hub.flush();
      // Kept at both, held by neither, refused by neither: the owner keeps sending there.
      expect(
        t.hub.deferred.filter((d) => (d.msg.payload as { id: string }).id === o.id).map((d) => d.to),
      ).toEqual([US, NX]);
      expect(await seen(t.officers[US], o.id)).toBeNull();
      expect((await seen(t.officers[CN], o.id))?.holders.map((h) => h.state)).toEqual(["active", "active"]);
      // US upgrades: the copy is applied; NX still keeps it unread.
      t.nodes[US].rt.services.sharedObjects.types.register(bulletin);
      await t.hub.applyDeferred();
      expect(await seen(t.officers[US], o.id)).toMatchObject({
        version: 1,
        content: { title: "Contact points for the first quarter" },
      });
      expect(t.hub.deferred.map((d) => d.to)).toEqual([NX]);
    });

    it("a peer that refused a later version still gets the tombstone of the version it holds", async () => {
      // NX's release reads the type with a stricter schema: version 1 fits it, version 2 does not.
      const memo = (max: number) => ({
        type: "zz.memo",
        version: 1,
        schema: z.strictObject({ title: z.string().max(max) }),
      });
      t.nodes[CN].rt.services.sharedObjects.types.register(memo(200));
      t.nodes[NX].rt.services.sharedObjects.types.register(memo(20));
      const o = await publish(t.officers[CN], {
        type: "zz.memo",
        marking: AMBER,
        content: { title: "Short title" },
        recipients: [NX],
      });
      await t.hub.flush();
      expect(await seen(t.officers[NX], o.id)).toMatchObject({ state: "active", version: 1 });
      await call(t.officers[CN], "PATCH", `/api/v1/shared-objects/${o.id}`, {
        version: 1,
        content: { title: "A title far longer than the receiver's release allows" },
      });
      await t.hub.flush();
      expect((await seen(t.officers[CN], o.id))?.holders).toEqual([
        expect.objectContaining({ nodeId: NX, state: "refused", refusal: "CONTENT_INVALID" }),
      ]);
      expect(await seen(t.officers[NX], o.id)).toMatchObject({ state: "active", version: 1 });
      // The owner withdraws: NX's version 1 goes too (before, the tombstone went to active holders only).
      await call(t.officers[CN], "POST", `/api/v1/shared-objects/${o.id}/withdraw`, {});
      await t.hub.flush();
      expect(await seen(t.officers[NX], o.id)).toMatchObject({
        state: "withdrawn",
        version: 3,
        content: null,
      });
      expect(deliveries(o.id)).toEqual([
        `put ${CN}>${NX} v1`,
        `put ${CN}>${NX} v2`,
        `refused ${NX}>${CN} v2`,
        `withdraw ${CN}>${NX} v3`,
      ]);
    });
  });

  describe("input", () => {
    it("names the field of bad content and of an unknown type; nothing is saved", async () => {
      const before = await call<{ items: unknown[] }>(
        t.officers[CN],
        "GET",
        "/api/v1/shared-objects?limit=200",
      );
      const bad = await t.officers[CN].req<{ error: { code: string; details: { field: string }[] } }>(
        "POST",
        "/api/v1/shared-objects",
        { type: "indicator", marking: AMBER, content: { kind: "ipv4", value: "" }, recipients: [US] },
      );
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.map((d) => d.field)).toEqual(["body.content.value"]);
      const unknown = await t.officers[CN].req<{
        error: { details: { field: string; allowed?: string[] }[] };
      }>("POST", "/api/v1/shared-objects", { type: "no.such.type", marking: AMBER, content: {} });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.details[0]).toMatchObject({
        field: "body.type",
        allowed: expect.arrayContaining(["indicator", "indicator.set", "case.summary"]),
      });
      const after = await call<{ items: unknown[] }>(
        t.officers[CN],
        "GET",
        "/api/v1/shared-objects?limit=200",
      );
      expect(after.items.length).toBe(before.items.length);
    });

    it("pages with a cursor, newest first", async () => {
      for (const v of ["192.0.2.60", "192.0.2.61", "192.0.2.62"]) await publish(t.officers[CN], indicator(v));
      const seenIds: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: SharedObjectView[]; nextCursor: string | null } = await call(
          t.officers[CN],
          "GET",
          `/api/v1/shared-objects?direction=own&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        );
        seenIds.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seenIds.length).toBeGreaterThanOrEqual(3);
      expect([...seenIds].sort().reverse()).toEqual(seenIds);
      expect(new Set(seenIds).size).toBe(seenIds.length);
    });
  });
});
