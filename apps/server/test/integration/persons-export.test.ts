import type { PersonExport } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import { makeActor } from "../../src/lib/actor.js";
import { personExportDocument } from "../../src/modules/persons/persons.export.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";
import { formNaming, ZHANG } from "../support/persons-fixtures.js";

describeDb(
  "subject access: everything the node holds on a person, as JSON and a bilingual PDF, logged",
  () => {
    let node: TestNode;
    let supervisor: Agent;
    let personId: string;
    let requestId: string;
    let reference: string;

    beforeAll(async () => {
      node = await createTestNode();
      const unit = await node.unit("Cyber unit");
      await node.user("ex.supervisor", ["supervisor"], unit);
      supervisor = await node.as("ex.supervisor");
      const r = await supervisor.req<{
        request: { id: string; reference: string; subjectPersons: { personId: string }[] };
      }>("POST", "/api/v1/requests", { form: formNaming([ZHANG]) });
      requestId = r.body.request.id;
      reference = r.body.request.reference;
      personId = r.body.request.subjectPersons[0].personId;
    }, 120_000);
    afterAll(() => node?.close());

    it("exports the record, its history, the records naming the person with what they say, and the access log", async () => {
      const reason = "subject access request of 2026-11-18";
      const r = await supervisor.req<PersonExport>(
        "GET",
        `/api/v1/persons/${personId}/export.json?reason=${encodeURIComponent(reason)}`,
      );
      expect(r.status).toBe(200);
      expect(String(r.headers["content-disposition"])).toContain(`person-${personId}.json`);
      const x = r.body;
      expect(x.nodeId).toBe("TEST-A");
      expect(x.person).toMatchObject({ id: personId, names: ZHANG.names, dateOfBirth: ZHANG.dateOfBirth });
      expect(x.history.map((v) => v.version)).toEqual([1]);
      expect(x.records).toEqual([
        {
          recordType: "request",
          recordId: requestId,
          reference,
          title: expect.any(String),
          subject: expect.objectContaining({ role: "suspect", names: ZHANG.names, notes: ZHANG.notes }),
        },
      ]);
      // The export itself is in the log it exports, with the reason given.
      expect(x.accessLog.at(-1)).toMatchObject({ action: "export", recordType: "person", personId, reason });
      const audit = await (await node.as("admin")).rt.services.audit.list(
        {
          actor: makeActor({
            type: "user",
            id: null,
            label: "auditor",
            userId: null,
            unitId: null,
            agencyId: null,
            roles: ["auditor"],
          }),
          ip: null,
          requestId: null,
        },
        { limit: 10, action: "person.export" },
      );
      expect(audit.items[0]).toMatchObject({ targetId: personId, details: { format: "json", reason } });
    });

    it("prints the same in a PDF with every heading in English and Chinese", async () => {
      const pdf = await supervisor.req("GET", `/api/v1/persons/${personId}/export.pdf`);
      expect(pdf.status).toBe(200);
      expect(String(pdf.headers["content-type"])).toBe("application/pdf");
      const json = await supervisor.req<PersonExport>("GET", `/api/v1/persons/${personId}/export.json`);
      const doc = personExportDocument(json.body, "Asia/Shanghai");
      expect(doc.title).toBe("Personal data held on a person / 所持个人信息");
      const text = doc.sections.flatMap((s) => [s.heading, ...s.lines]).join("\n");
      expect(text).toContain("张小明 (Zhang Xiaoming)");
      expect(text).toContain("Date of birth / 出生日期: 1988-04-12");
      expect(text).toContain(reference);
      expect(text).toContain("Exported / 导出");
      // every instant on the reader's clock with its offset, none as the JSON's UTC
      expect(doc.meta).toMatch(/Exported at \/ 导出时间: \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(UTC\+08:00\)/);
      expect(`${doc.meta}\n${text}`).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
      const logged = json.body.accessLog.filter((a) => a.action === "export");
      expect(logged).toHaveLength(3);
    });
  },
);
