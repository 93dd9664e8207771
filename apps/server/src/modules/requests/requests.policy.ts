import {
  DEFAULT_DEADLINE_POLICY,
  REQUEST_TYPE_NAMES,
  RequestPolicy,
  type RequestType,
} from "@crossline/schemas";
import { and, asc, eq } from "drizzle-orm";
import { type Db, type DbOrTx, inTransaction } from "../../db/client.js";
import { nodeSettings, units } from "../../db/schema/index.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { AppError, assertThat } from "../../lib/errors.js";
import type { AuditService } from "../audit/audit.service.js";

const KEY = "requests.policy";

export const DEFAULT_REQUEST_POLICY: RequestPolicy = {
  deadlines: DEFAULT_DEADLINE_POLICY,
  fourEyes: Object.fromEntries(REQUEST_TYPE_NAMES.map((t) => [t, true])) as Record<RequestType, boolean>,
  intakeUnitId: null,
  escalation: { peerAfterMinutes: 60, contact: null },
};

/**
 * The node's request policy: deadlines per type and urgency, four-eyes per type, the intake unit and
 * escalation. Stored in node_settings; the shipped defaults apply until an administrator edits it.
 */
export function createRequestPolicyService(deps: { db: Db; clock: Clock; audit: AuditService }) {
  const { db, clock, audit } = deps;

  async function read(dbx: DbOrTx = db): Promise<RequestPolicy> {
    const [row] = await dbx
      .select()
      .from(nodeSettings)
      .where(and(eq(nodeSettings.scope, "node"), eq(nodeSettings.key, KEY)));
    if (!row) return DEFAULT_REQUEST_POLICY;
    const parsed = RequestPolicy.safeParse({ ...DEFAULT_REQUEST_POLICY, ...(row.value as object) });
    return parsed.success ? parsed.data : DEFAULT_REQUEST_POLICY;
  }

  /** The unit incoming requests land in: the configured one, else the node's first unit. */
  async function intakeUnitId(dbx: DbOrTx = db): Promise<string> {
    const p = await read(dbx);
    if (p.intakeUnitId) return p.intakeUnitId;
    const [u] = await dbx
      .select({ id: units.id })
      .from(units)
      .orderBy(asc(units.createdAt), asc(units.id))
      .limit(1);
    if (!u) throw new AppError("NODE_BUSY", [{ issue: "the node has no unit" }]);
    return u.id;
  }

  async function get(ctx: Ctx): Promise<RequestPolicy> {
    if (!ctx.actor.permissions.has("policy:manage")) requirePermission(ctx.actor, "requests:read");
    return read();
  }

  async function put(ctx: Ctx, policy: RequestPolicy): Promise<RequestPolicy> {
    requirePermission(ctx.actor, "policy:manage");
    if (policy.intakeUnitId) {
      const [u] = await db.select({ id: units.id }).from(units).where(eq(units.id, policy.intakeUnitId));
      assertThat(
        u,
        new AppError("VALIDATION_FAILED", [{ field: "body.intakeUnitId", issue: "no such unit" }]),
      );
    }
    const before = await read();
    await inTransaction(db, async (tx) => {
      await tx
        .insert(nodeSettings)
        .values({ scope: "node", key: KEY, value: policy, updatedAt: clock.now() })
        .onConflictDoUpdate({
          target: [nodeSettings.scope, nodeSettings.key],
          set: { value: policy, updatedAt: clock.now() },
        });
      await audit.record(tx, ctx, {
        action: "policy.requests.update",
        targetType: "policy",
        targetId: KEY,
        details: { changed: changedKeys(before, policy) },
      });
    });
    return policy;
  }

  return { read, intakeUnitId, get, put };
}

function changedKeys(a: RequestPolicy, b: RequestPolicy): string[] {
  const out: string[] = [];
  for (const t of REQUEST_TYPE_NAMES) {
    if (JSON.stringify(a.deadlines[t]) !== JSON.stringify(b.deadlines[t])) out.push(`deadlines.${t}`);
    if (a.fourEyes[t] !== b.fourEyes[t]) out.push(`fourEyes.${t}`);
  }
  if (a.intakeUnitId !== b.intakeUnitId) out.push("intakeUnitId");
  if (JSON.stringify(a.escalation) !== JSON.stringify(b.escalation)) out.push("escalation");
  return out;
}

export type RequestPolicyService = ReturnType<typeof createRequestPolicyService>;
