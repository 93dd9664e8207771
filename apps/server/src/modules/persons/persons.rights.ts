import type { PersonExport } from "@crossline/schemas";
import { inTransaction } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import type { AccessLogService } from "../access-log/access-log.service.js";
import type { AuditService } from "../audit/audit.service.js";
import type { NodeService } from "../node/node.service.js";
import { personExportPdf } from "./persons.export.js";
import { personsRepo } from "./persons.repo.js";
import type { PersonsService } from "./persons.service.js";

/**
 * Subject rights: the export of everything the node holds on a person (JSON, bilingual PDF). Rectification
 * and restriction are in persons.service.ts. Each export is in the access log (action `export`) and audited.
 */
export function createPersonRights(deps: {
  db: Parameters<typeof inTransaction>[0];
  clock: Clock;
  audit: AuditService;
  node: Pick<NodeService, "summary">;
  persons: PersonsService;
  accessLog: Pick<AccessLogService, "allForPerson">;
}) {
  const { db, clock, audit, node, persons, accessLog } = deps;

  async function exportJson(ctx: Ctx, id: string, format: "json" | "pdf" = "json"): Promise<PersonExport> {
    requirePermission(ctx.actor, "persons:export");
    const nodeId = (await node.summary()).id;
    const r = await persons.load(ctx, id, "export");
    const links = await persons.linksOf(r.id);
    // Records merged into this one (persons.merge.ts): their reads were logged under their own ids.
    const merged = await personsRepo.mergedInto(db, r.id);
    const [history, records, log] = await Promise.all([
      personsRepo.versions(db, r.id),
      persons.records(ctx, links),
      accessLog.allForPerson(r.id, [...new Set([...links.map((l) => l.recordId), ...merged])]),
    ]);
    const person = persons.view(ctx, r, links);
    // The export holds every record naming the person, whichever unit owns it: it answers the person, not a unit.
    person.links = links.map((l) => ({
      recordType: l.recordType as PersonExport["person"]["links"][number]["recordType"],
      recordId: l.recordId,
      ordinal: l.ordinal,
      role: (l.role as PersonExport["person"]["links"][number]["role"]) ?? null,
      notes: l.notes ?? null,
      linkedAt: l.createdAt.toISOString(),
    }));
    await inTransaction(db, (tx) =>
      audit.record(tx, ctx, {
        action: "person.export",
        targetType: "person",
        targetId: r.id,
        details: { format, records: records.length, reason: ctx.reason ?? null },
      }),
    );
    return {
      exportedAt: clock.now().toISOString(),
      nodeId,
      person,
      history: history.map((v) => ({
        version: v.version,
        fields: v.fields,
        changedAt: v.changedAt.toISOString(),
        changedBy: v.changedBy,
        reason: v.reason,
      })),
      records,
      accessLog: log,
    };
  }

  /** The PDF, its instants on `timeZone`'s clock (the reader's). */
  async function exportPdf(ctx: Ctx, id: string, timeZone: string): Promise<Buffer> {
    return personExportPdf(await exportJson(ctx, id, "pdf"), timeZone);
  }

  return { exportJson, exportPdf };
}

export type PersonRights = ReturnType<typeof createPersonRights>;
