import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type IssueRef,
  issueText,
  type OutcomeExport,
  type OutcomeVerification,
  ROUNDS_MSG,
  type RoundChange,
  type RoundView,
} from "@crossline/schemas";
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoRounds } from "../../src/cli/demo-rounds.js";
import { outcomeDocument, signOutcome } from "../../src/modules/rounds/rounds.signing.js";
import { runCli } from "../support/cli.js";
import { describeDb } from "../support/node.js";
import {
  CN,
  call,
  change,
  getRound,
  type TwoNodes,
  twoNodes,
  US,
  washingtonRound,
} from "../support/rounds-fixtures.js";

const here = path.dirname(fileURLToPath(import.meta.url));

/** The events of an iCalendar text, read by ical.js (another implementation than the one that wrote it). */
function parseEvents(text: string) {
  const comp = new ICAL.Component(ICAL.parse(text));
  return comp.getAllSubcomponents("vevent").map((v) => {
    const e = new ICAL.Event(v);
    return { uid: e.uid, start: e.startDate.toJSDate(), zone: e.startDate.zone?.tzid };
  });
}

/** An instant on a zone's wall clock, "YYYY-MM-DD HH:mm". */
const localTime = (d: Date, timeZone: string) =>
  new Intl.DateTimeFormat("sv-SE", { timeZone, dateStyle: "short", timeStyle: "short" }).format(d);

describeDb("dialogue rounds between two nodes (in-process hub)", () => {
  let t: TwoNodes;
  let roundId: string;
  beforeAll(async () => {
    t = await twoNodes();
    const created = await call<{ round: RoundView }>(
      t.liaison[US],
      "POST",
      "/api/v1/rounds",
      { guestNode: CN, fields: washingtonRound() },
      201,
    );
    roundId = created.round.doc.id;
    await t.hub.flush();
  }, 240_000);
  afterAll(() => t?.close());

  const both = async () => ({
    us: await getRound(t.liaison[US], roundId),
    cn: await getRound(t.liaison[CN], roundId),
  });

  it("the host's round reaches the guest; both hold the same version", async () => {
    const { us, cn } = await both();
    expect(us.role).toBe("host");
    expect(cn.role).toBe("guest");
    expect(cn.doc).toEqual(us.doc);
    expect(cn.doc.fields.coChairs.map((c) => c.nameOriginal)).toEqual(["Jane Doe", "王明"]);
  });

  it("both sides edit at once: different fields merge, the same field is kept as a conflict and resolved", async () => {
    const base = (await getRound(t.liaison[US], roundId)).doc.version;
    // The host changes the venue; the guest, having read the same version, proposes another venue and a city.
    await change(t.liaison[US], roundId, base, {
      op: "round.set",
      fields: { venue: { en: "Venue A (fictitious)", zh: "场地甲（虚构）" } },
    });
    const p1 = await change(t.liaison[CN], roundId, base, {
      op: "round.set",
      fields: { venue: { en: "Venue B (fictitious)", zh: "场地乙（虚构）" } },
    });
    const p2 = await change(t.liaison[CN], roundId, base, {
      op: "round.set",
      fields: { city: { en: "Washington, D.C.", zh: "华盛顿特区" } },
    });
    expect([p1.outcome, p2.outcome]).toEqual(["pending", "pending"]);
    expect((await getRound(t.liaison[CN], roundId)).pending.map((p) => p.id)).toEqual([
      p1.proposalId,
      p2.proposalId,
    ]);
    await t.hub.flush();
    const { us, cn } = await both();
    expect(cn.doc).toEqual(us.doc);
    expect(us.doc.fields.venue.en).toBe("Venue A (fictitious)");
    expect(us.doc.fields.city.en).toBe("Washington, D.C.");
    const kept = us.doc.conflicts.find((c) => c.proposalId === p1.proposalId);
    expect(kept).toMatchObject({ from: CN, state: "open", fields: ["round.venue"], base });
    // the reason keeps its key: each reader sees it in their own language (the console's conflict card)
    expect(kept?.reasons).toEqual([expect.objectContaining({ key: "rounds.stale" })]);
    const why = kept?.reasons?.[0];
    expect(issueText({ key: why?.key as IssueRef["key"], params: why?.params ?? {} }, "zh-CN")).toBe(
      `自版本 ${base} 以来本轮已被修改（当前版本 ${base + 1}）：round.venue`,
    );
    expect(kept?.reason).toBe(why?.issue);
    expect(cn.pending).toEqual([]);
    // Either side decides; the guest accepts its own wording over the host's.
    await change(t.liaison[CN], roundId, cn.doc.version, {
      op: "conflict.resolve",
      conflictId: kept?.id,
      resolution: "accept",
    });
    await t.hub.flush();
    const after = await both();
    expect(after.cn.doc).toEqual(after.us.doc);
    expect(after.us.doc.fields.venue.en).toBe("Venue B (fictitious)");
    expect(after.us.doc.conflicts.find((c) => c.id === kept?.id)?.state).toBe("accepted");
    // Every change is in the history, the conflict too.
    expect(after.us.doc.history.map((h) => h.op)).toEqual(
      expect.arrayContaining(["round.create", "round.set", "conflict"]),
    );
    // Each entry reads in the reader's language from its key and parameters (the console's history), on both
    // sides alike; English stays in `summary`.
    const read = (h: RoundChange | undefined, lang: "en" | "zh-CN") =>
      h?.note ? issueText(h.note as IssueRef, lang) : "";
    const history = after.cn.doc.history;
    const conflictEntry = history.find((h) => h.op === "conflict" && h.proposalId === p1.proposalId);
    expect(read(conflictEntry, "zh-CN")).toBe(`来自 ${CN} 的变更（修改轮次信息）作为冲突保留`);
    expect(conflictEntry?.summary).toMatch(new RegExp(`^round\\.set from ${CN} kept as a conflict: `));
    const accepted = history.at(-1);
    expect(read(accepted, "zh-CN")).toBe(
      `修改：会场（冲突 ${kept?.id}，提议 ${p1.proposalId}，由 ${CN} 接受）`,
    );
    expect(read(accepted, "en")).toBe(
      `changed: Venue (conflict ${kept?.id}, proposal ${p1.proposalId}, accepted by ${CN})`,
    );
    expect(accepted?.summary).toBe(read(accepted, "en"));
    const created = history.find((h) => h.op === "round.create");
    expect(read(created, "zh-CN")).toBe(`创建第 ${after.cn.doc.fields.number} 轮`);
  });

  it("the host's own stale edit of a changed field is 409; nothing is saved", async () => {
    const v = (await getRound(t.liaison[US], roundId)).doc.version;
    await change(t.liaison[US], roundId, v, {
      op: "round.set",
      fields: { name: { en: "Round 1", zh: "第一轮" } },
    });
    const r = await t.liaison[US].req<{ error: { code: string; details: { field: string }[] } }>(
      "POST",
      `/api/v1/rounds/${roundId}/changes`,
      { base: v, op: { op: "round.set", fields: { name: { en: "Other", zh: "其他" } } } },
    );
    expect(r.status).toBe(409);
    expect(r.body.error.details[0].field).toBe("body.base");
    expect((await getRound(t.liaison[US], roundId)).doc.version).toBe(v + 1);
  });

  describe("outcome list", () => {
    let exported: OutcomeExport;
    it("drafted by the guest, worded by both, signed by both: final on both sides", async () => {
      let v = (await getRound(t.liaison[CN], roundId)).doc.version;
      await change(t.liaison[CN], roundId, v, { op: "outcome.list.create", listId: "L1", replaces: null });
      await change(t.liaison[CN], roundId, v, {
        op: "outcome.item.put",
        listId: "L1",
        itemId: "i1",
        en: "Both sides will designate hotline contacts (demo, fictitious).",
        zh: "双方将指定热线联系人（演示，虚构）。",
      });
      await t.hub.flush();
      v = (await getRound(t.liaison[US], roundId)).doc.version;
      await change(t.liaison[US], roundId, v, {
        op: "outcome.item.put",
        listId: "L1",
        itemId: "i1",
        en: "Both sides designated hotline contacts (demo, fictitious).",
      });
      await change(t.liaison[US], roundId, v + 1, {
        op: "outcome.item.comment",
        listId: "L1",
        itemId: "i1",
        text: "Past tense.",
      });
      let us = await getRound(t.liaison[US], roundId);
      const l1 = us.doc.outcomeLists[0];
      expect(l1.items[0].history.map((h) => h.en)).toHaveLength(2);
      await call(t.liaison[US], "POST", `/api/v1/rounds/${roundId}/lists/L1/sign`, {
        base: us.doc.version,
        listVersion: l1.version,
      });
      await t.hub.flush();
      const cn = await getRound(t.liaison[CN], roundId);
      expect(cn.doc.outcomeLists[0]).toMatchObject({ state: "draft", signatures: [{ node: US }] });
      await call(t.liaison[CN], "POST", `/api/v1/rounds/${roundId}/lists/L1/sign`, {
        base: cn.doc.version,
        listVersion: l1.version,
      });
      await t.hub.flush();
      const after = await both();
      expect(after.cn.doc).toEqual(after.us.doc);
      expect(after.us.doc.outcomeLists[0].state).toBe("final");
      expect(after.us.doc.outcomeLists[0].signatures.map((s) => s.node).sort()).toEqual([CN, US]);
      us = after.us;
      exported = await call<OutcomeExport>(t.liaison[CN], "GET", `/api/v1/rounds/${roundId}/lists/L1/export`);
      expect(exported.document.items).toEqual([
        {
          n: 1,
          en: "Both sides designated hotline contacts (demo, fictitious).",
          zh: "双方将指定热线联系人（演示，虚构）。",
        },
      ]);
    });

    it("both signatures verify on either node, and with jwcrypto (a third-party JOSE implementation)", async () => {
      for (const side of [US, CN] as const) {
        const v = await call<OutcomeVerification>(t.liaison[side], "POST", "/api/v1/rounds/verify", exported);
        expect(v.valid).toBe(true);
        expect(v.signatures.map((s) => s.check)).toEqual(["valid", "valid"]);
      }
      const out = JSON.parse(
        execFileSync("/usr/bin/python3", [path.join(here, "../support/py/verify_outcome.py")], {
          input: JSON.stringify(exported),
          encoding: "utf8",
        }),
      ) as { node: string; verified: boolean; payloadIsCanonical: boolean; thumbprint: string }[];
      expect(out.map((o) => [o.node, o.verified, o.payloadIsCanonical])).toEqual(
        exported.signatures.map((s) => [s.node, true, true]),
      );
      expect(out.map((o) => o.thumbprint)).toEqual(exported.signatures.map((s) => s.keyFingerprint));
      // The CLI, offline (no node): with the keys inside the file, and against trusted keys given apart.
      const dir = mkdtempSync(path.join(os.tmpdir(), "crossline-rounds-"));
      try {
        const file = path.join(dir, "outcomes.json");
        writeFileSync(file, JSON.stringify(exported));
        const keys = path.join(dir, "keys.json");
        writeFileSync(
          keys,
          JSON.stringify({
            [US]: await t.nodes[US].rt.services.node.signingPublicKeys(),
            [CN]: await t.nodes[CN].rt.services.node.signingPublicKeys(),
          }),
        );
        const ok = runCli(["rounds", "verify", file, "--keys", keys]);
        expect(ok.code, ok.stderr).toBe(0);
        expect(ok.stdout).toContain("Outcome list VERIFIED");
        const edited = structuredClone(exported);
        edited.document.items[0].zh = "双方未达成任何共识。";
        writeFileSync(file, JSON.stringify(edited));
        const bad = runCli(["rounds", "verify", file, "--json"]);
        expect(bad.code).toBe(1);
        expect((JSON.parse(bad.stdout) as OutcomeVerification).signatures.map((s) => s.check)).toEqual([
          "other_text",
          "other_text",
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      // The bilingual PDF: both texts side by side and the fingerprints (its text layer read back by pdftotext).
      const pdf = await t.nodes[CN].rt.app.inject({
        method: "GET",
        url: `/api/v1/rounds/${roundId}/lists/L1/export.pdf`,
        headers: { cookie: t.liaison[CN].cookie as string },
      });
      expect(pdf.statusCode).toBe(200);
      expect(pdf.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");
      const pdfDir = mkdtempSync(path.join(os.tmpdir(), "crossline-pdf-"));
      try {
        writeFileSync(path.join(pdfDir, "o.pdf"), pdf.rawPayload);
        let text: string | null = null;
        try {
          text = execFileSync("pdftotext", [path.join(pdfDir, "o.pdf"), "-"]).toString();
        } catch {
          // poppler-utils is not installed here: the bytes above are all that can be checked.
          text = null;
        }
        if (text !== null) {
          expect(text).toContain("designated hotline contacts");
          expect(text).toContain("热线联系人");
          expect(text).toContain(exported.signatures[0].keyFingerprint);
        }
      } finally {
        rmSync(pdfDir, { recursive: true, force: true });
      }
      // A changed word: the signatures are over another text.
      const tampered = structuredClone(exported);
      tampered.document.items[0].en = "Both sides agreed to nothing.";
      const v = await call<OutcomeVerification>(t.liaison[US], "POST", "/api/v1/rounds/verify", tampered);
      expect(v.valid).toBe(false);
      expect(v.signatures.map((s) => s.check)).toEqual(["other_text", "other_text"]);
    });

    it("a final list cannot change, on either side; a correction is a new signed list that replaces it", async () => {
      for (const side of [US, CN] as const) {
        const before = await getRound(t.liaison[side], roundId);
        const r = await t.liaison[side].req<{
          error: { code: string; details: { field: string; key: string }[] };
        }>("POST", `/api/v1/rounds/${roundId}/changes`, {
          base: before.doc.version,
          op: { op: "outcome.item.put", listId: "L1", itemId: "i1", en: "Changed" },
        });
        expect(r.status).toBe(409);
        expect(r.body.error.details[0]).toMatchObject({ field: "body.op.listId", key: "rounds.listFinal" });
        expect((await getRound(t.liaison[side], roundId)).doc).toEqual(before.doc);
        expect((await getRound(t.liaison[side], roundId)).pending).toEqual([]);
      }
      let v = (await getRound(t.liaison[US], roundId)).doc.version;
      await change(t.liaison[US], roundId, v, { op: "outcome.list.create", listId: "L2", replaces: "L1" });
      await change(t.liaison[US], roundId, v + 1, {
        op: "outcome.item.put",
        listId: "L2",
        itemId: "i1",
        en: "Both sides designated 24/7 hotline contacts (demo, fictitious).",
      });
      let us = await getRound(t.liaison[US], roundId);
      const l2 = us.doc.outcomeLists.find((l) => l.id === "L2");
      expect(l2).toMatchObject({ seq: 2, replaces: "L1", state: "draft" });
      await call(t.liaison[US], "POST", `/api/v1/rounds/${roundId}/lists/L2/sign`, {
        base: us.doc.version,
        listVersion: l2?.version,
      });
      await t.hub.flush();
      v = (await getRound(t.liaison[CN], roundId)).doc.version;
      await call(t.liaison[CN], "POST", `/api/v1/rounds/${roundId}/lists/L2/sign`, {
        base: v,
        listVersion: l2?.version,
      });
      await t.hub.flush();
      us = await getRound(t.liaison[US], roundId);
      expect(us.doc.outcomeLists.map((l) => [l.id, l.state, l.replacedBy])).toEqual([
        ["L1", "final", "L2"],
        ["L2", "final", null],
      ]);
      const e2 = await call<OutcomeExport>(t.liaison[US], "GET", `/api/v1/rounds/${roundId}/lists/L2/export`);
      expect(e2.document).toMatchObject({ replaces: "L1", seq: 2 });
      expect(
        (await call<OutcomeVerification>(t.liaison[CN], "POST", "/api/v1/rounds/verify", e2)).valid,
      ).toBe(true);
    });

    it("a signature over a different canonical text is kept as a conflict; the list stays a draft", async () => {
      const v = (await getRound(t.liaison[US], roundId)).doc.version;
      await change(t.liaison[US], roundId, v, { op: "outcome.list.create", listId: "L3", replaces: null });
      await change(t.liaison[US], roundId, v + 1, {
        op: "outcome.item.put",
        listId: "L3",
        itemId: "x",
        en: "E",
        zh: "中",
      });
      await t.hub.flush();
      const cn = await getRound(t.liaison[CN], roundId);
      const l3 = cn.doc.outcomeLists.find((l) => l.id === "L3");
      if (!l3) throw new Error("L3 missing");
      // The guest node's real key, over a text that is not the list's (another wording).
      const other = structuredClone(l3);
      other.items[0].en = "Something else";
      const jws = await signOutcome(
        outcomeDocument(cn.doc, other),
        (await t.nodes[CN].rt.services.node.keys()).signing,
      );
      await t.nodes[CN].rt.services.federation.enqueue(null as never, null as never, {
        peerId: US,
        type: ROUNDS_MSG.proposal,
        payload: {
          roundId,
          proposalId: "rp_forged",
          base: cn.doc.version,
          op: { op: "outcome.sign", listId: "L3", listVersion: l3.version, jws },
          by: { node: CN, name: "someone" },
        },
      });
      await t.hub.flush();
      const us = await getRound(t.liaison[US], roundId);
      expect(us.doc.outcomeLists.find((l) => l.id === "L3")).toMatchObject({
        state: "draft",
        signatures: [],
      });
      const forged = us.doc.conflicts.find((c) => c.proposalId === "rp_forged");
      expect(forged?.reason).toMatch(/other_text/);
      expect(forged?.reasons?.[0]).toMatchObject({ key: "rounds.signatureMismatch" });
      expect(issueText(forged?.reasons?.[0] as IssueRef, "zh-CN")).toMatch(/^签名所覆盖的不是本清单/);
      expect((await getRound(t.liaison[CN], roundId)).doc).toEqual(us.doc);
    });

    it("signing needs both languages: the missing one is named", async () => {
      const v = (await getRound(t.liaison[US], roundId)).doc.version;
      await change(t.liaison[US], roundId, v, { op: "outcome.list.create", listId: "L4", replaces: null });
      await change(t.liaison[US], roundId, v + 1, {
        op: "outcome.item.put",
        listId: "L4",
        itemId: "y",
        en: "English only",
      });
      const us = await getRound(t.liaison[US], roundId);
      const r = await t.liaison[US].req<{ error: { code: string; details: { field: string }[] } }>(
        "POST",
        `/api/v1/rounds/${roundId}/lists/L4/sign`,
        { base: us.doc.version, listVersion: us.doc.outcomeLists.find((l) => l.id === "L4")?.version },
      );
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: "VALIDATION_FAILED", details: [{ field: "items.1.zh" }] });
      expect((await getRound(t.liaison[US], roundId)).doc.version).toBe(us.doc.version);
    });
  });

  describe("action plan", () => {
    const item = (over: Record<string, unknown> = {}) => ({
      text: { en: "Exchange hotline test schedule (demo)", zh: "交换热线测试时间表（演示）" },
      ownerNode: CN,
      agency: "MPS",
      officer: "Li Hua",
      dueAt: "2016-03-01T00:00:00+08:00",
      status: "planned",
      ...over,
    });

    it("bad input is refused with its field, on either side, and nothing is saved", async () => {
      const cases: [Record<string, unknown>, string][] = [
        [item({ ownerNode: "NX-NPA" }), "body.op.fields.ownerNode"],
        [item({ agency: "Ministry of Nowhere" }), "body.op.fields.agency"],
        [item({ dueAt: "2015-11-01T00:00:00Z" }), "body.op.fields.dueAt"],
        [item({ dueAt: "2016-03-01T00:00:00" }), "body.op.fields.dueAt"],
        [item({ text: { en: "English only", zh: "" } }), "body.op.fields.text.zh"],
      ];
      await t.hub.flush();
      for (const side of [US, CN] as const) {
        const before = await getRound(t.liaison[side], roundId);
        for (const [fields, field] of cases) {
          const r = await t.liaison[side].req<{ error: { code: string; details: { field: string }[] } }>(
            "POST",
            `/api/v1/rounds/${roundId}/changes`,
            { base: before.doc.version, op: { op: "action.put", itemId: "bad", fields } },
          );
          expect(r.status, `${side} ${field}`).toBe(400);
          expect(r.body.error.details.map((d) => d.field)).toContain(field);
        }
        // A round date with no time zone.
        const r = await t.liaison[side].req<{ error: { details: { field: string }[] } }>(
          "POST",
          `/api/v1/rounds/${roundId}/changes`,
          { base: before.doc.version, op: { op: "round.set", fields: { startsAt: "2015-12-01T09:00:00" } } },
        );
        expect(r.status).toBe(400);
        expect(r.body.error.details[0].field).toBe("body.op.fields.startsAt");
        const after = await getRound(t.liaison[side], roundId);
        expect(after.doc).toEqual(before.doc);
        expect(after.pending).toEqual([]);
      }
      expect(t.hub.pending()).toBe(0);
    });

    it("items sync, progress is dated, overdue items alert the liaison officers once, summaries per side", async () => {
      let v = (await getRound(t.liaison[CN], roundId)).doc.version;
      await change(t.liaison[CN], roundId, v, { op: "action.put", itemId: "a1", fields: item() });
      await change(t.liaison[CN], roundId, v, {
        op: "action.put",
        itemId: "a2",
        fields: item({
          ownerNode: US,
          agency: "DOJ",
          officer: "John Roe",
          dueAt: "2027-01-15T12:00:00-05:00",
        }),
      });
      await t.hub.flush();
      v = (await getRound(t.liaison[US], roundId)).doc.version;
      await change(t.liaison[US], roundId, v, {
        op: "action.progress",
        itemId: "a2",
        at: "2026-11-19T10:00:00-05:00",
        note: { en: "Draft schedule sent", zh: "" },
        status: "in_progress",
      });
      await t.hub.flush();
      const { us, cn } = await both();
      expect(cn.doc).toEqual(us.doc);
      expect(us.doc.actionItems.map((a) => [a.id, a.status, a.updates.length])).toEqual([
        ["a1", "planned", 0],
        ["a2", "in_progress", 1],
      ]);
      const board = await call<{ items: { id: string; overdue: boolean }[] }>(
        t.liaison[US],
        "GET",
        `/api/v1/round-actions?roundId=${roundId}&overdue=true`,
      );
      expect(board.items.map((i) => i.id)).toEqual(["a1"]);
      const summary = await call<{
        bySide: { node: string; total: number; overdue: number; in_progress: number }[];
      }>(t.liaison[CN], "GET", `/api/v1/rounds/${roundId}/actions/summary`);
      expect(summary.bySide).toEqual([
        expect.objectContaining({ node: US, total: 1, in_progress: 1, overdue: 0 }),
        expect.objectContaining({ node: CN, total: 1, overdue: 1 }),
      ]);
      for (const side of [US, CN] as const) {
        expect(await t.nodes[side].rt.services.rounds.sweepOverdue()).toEqual({ alerted: 1 });
        expect(await t.nodes[side].rt.services.rounds.sweepOverdue()).toEqual({ alerted: 0 });
        const n = await call<{ items: { kind: string; title: string }[] }>(
          t.liaison[side],
          "GET",
          "/api/v1/notifications",
        );
        expect(n.items.filter((x) => x.kind === "round_action_overdue")).toHaveLength(1);
      }
    });
  });

  it("calendar: rounds and due dates as iCalendar in UTC, right local times; a feed URL per user", async () => {
    const res = await t.nodes[CN].rt.app.inject({
      method: "GET",
      url: "/api/v1/rounds/calendar.ics",
      headers: { cookie: t.liaison[CN].cookie as string },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/calendar");
    const events = parseEvents(res.body);
    const round = events.find((e) => e.uid === `${roundId}@crossline`);
    // 09:00 in Washington is 22:00 the same day in Beijing.
    expect(round && localTime(round.start, "America/New_York")).toBe("2015-12-01 09:00");
    expect(round && localTime(round.start, "Asia/Shanghai")).toBe("2015-12-01 22:00");
    const due = events.find((e) => e.uid === `${roundId}.a1@crossline`);
    expect(due && localTime(due.start, "Asia/Shanghai")).toBe("2016-03-01 00:00");
    expect(due && localTime(due.start, "America/New_York")).toBe("2016-02-29 11:00");
    // The feed: the token in the URL is the credential, while its user may read rounds.
    const { path: feed } = await call<{ path: string }>(
      t.liaison[CN],
      "POST",
      "/api/v1/rounds/calendar/feed-token",
      {},
    );
    const anon = await t.nodes[CN].rt.app.inject({ method: "GET", url: feed });
    expect(anon.statusCode).toBe(200);
    expect(parseEvents(anon.body).map((e) => e.uid)).toEqual(events.map((e) => e.uid));
    const wrong = await t.nodes[CN].rt.app.inject({
      method: "GET",
      url: "/calendar/v1/rounds/AAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics",
    });
    expect(wrong.statusCode).toBe(404);
    // A new token replaces the old one.
    await call(t.liaison[CN], "POST", "/api/v1/rounds/calendar/feed-token", {});
    expect((await t.nodes[CN].rt.app.inject({ method: "GET", url: feed })).statusCode).toBe(404);
  });

  it("demo data: the four rounds of 2015–2017 on both sides, lists signed by both, some items done, some late", async () => {
    const caller =
      (side: typeof US | typeof CN) =>
      async <T>(method: string, url: string, body?: unknown) =>
        call<T>(
          t.liaison[side],
          method,
          url,
          body,
          method === "POST" && url === "/api/v1/rounds" ? 201 : 200,
        );
    const settle = async () => {
      await t.hub.flush();
    };
    expect(await seedDemoRounds({ [US]: caller(US), [CN]: caller(CN) }, settle)).toBe(4);
    expect(await seedDemoRounds({ [US]: caller(US), [CN]: caller(CN) }, settle)).toBe(0);
    type L = {
      items: {
        id: string;
        number: number;
        city: { en: string };
        startsAt: string;
        hostNode: string;
        finalLists: number;
        version: number;
      }[];
    };
    const us = (await call<L>(t.liaison[US], "GET", "/api/v1/rounds")).items.filter((r) => r.id !== roundId);
    const cn = (await call<L>(t.liaison[CN], "GET", "/api/v1/rounds")).items.filter((r) => r.id !== roundId);
    expect(cn).toEqual(us);
    expect(us.map((r) => [r.number, r.city.en, r.startsAt.slice(0, 10), r.hostNode, r.finalLists])).toEqual([
      [1, "Washington", "2015-12-01", US, 1],
      [2, "Beijing", "2016-06-14", CN, 1],
      [3, "Washington", "2016-12-07", US, 1],
      [4, "Washington", "2017-10-04", US, 1],
    ]);
    const board = await call<{
      items: { roundId: string; status: string; overdue: boolean; text: { en: string } }[];
    }>(t.liaison[CN], "GET", "/api/v1/round-actions");
    const demo = board.items.filter((i) => i.roundId !== roundId);
    expect(demo.every((i) => i.text.en.includes("fictitious"))).toBe(true);
    expect(demo.filter((i) => i.status === "done").length).toBeGreaterThan(0);
    expect(demo.filter((i) => i.overdue).length).toBeGreaterThan(0);
  });

  it("another role without the permission gets 403; an unknown round is 404", async () => {
    await t.nodes[US].user("duty.us", ["duty_officer"]);
    const duty = await t.nodes[US].as("duty.us");
    expect((await duty.req("GET", "/api/v1/rounds")).status).toBe(403);
    expect(
      (await t.liaison[US].req("GET", "/api/v1/rounds/rnd_01890000-0000-7000-8000-000000000000")).status,
    ).toBe(404);
  });
});
