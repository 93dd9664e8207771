import {
  DEFAULT_DEADLINE_POLICY,
  REQUEST_TYPE_NAMES,
  RequestPolicy,
  type RequestType,
} from "@crossline/schemas";
import { type Db, type DbOrTx, inTransaction } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError, assertThat } from "../../lib/errors.js";
import type { AuditService } from "../audit/audit.service.js";
import type { SettingsPort } from "../node/node.settings.js";

/** What the request policy needs of the organisation (org module): units by id, and the first one. */
export interface UnitsPort {
  exists(dbx: DbOrTx, id: string): Promise<boolean>;
  /** The node's oldest unit (where requests land when no intake unit is set), or undefined. */
  firstId(dbx: DbOrTx): Promise<string | undefined>;
}

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
export function createRequestPolicyService(deps: {
  db: Db;
  audit: AuditService;
  settings: SettingsPort;
  units: UnitsPort;
}) {
  const { db, audit, settings, units } = deps;

  async function read(dbx: DbOrTx = db): Promise<RequestPolicy> {
    const stored = await settings.raw(dbx, KEY);
    if (stored === undefined) return DEFAULT_REQUEST_POLICY;
    // Merged over the defaults: a policy stored before a field existed keeps working.
    const parsed = RequestPolicy.safeParse({ ...DEFAULT_REQUEST_POLICY, ...(stored as object) });
    return parsed.success ? parsed.data : DEFAULT_REQUEST_POLICY;
  }

  /** The unit incoming requests land in: the configured one, else the node's first unit. */
  async function intakeUnitId(dbx: DbOrTx = db): Promise<string> {
    const p = await read(dbx);
    if (p.intakeUnitId) return p.intakeUnitId;
    const first = await units.firstId(dbx);
    if (!first) throw new AppError("NODE_BUSY", [{ issue: "the node has no unit" }]);
    return first;
  }

  async function get(ctx: Ctx): Promise<RequestPolicy> {
    if (!ctx.actor.permissions.has("policy:manage")) requirePermission(ctx.actor, "requests:read");
    return read();
  }

  async function put(ctx: Ctx, policy: RequestPolicy): Promise<RequestPolicy> {
    requirePermission(ctx.actor, "policy:manage");
    if (policy.intakeUnitId) {
      assertThat(
        await units.exists(db, policy.intakeUnitId),
        new AppError("VALIDATION_FAILED", [{ field: "body.intakeUnitId", issue: "no such unit" }]),
      );
    }
    const before = await read();
    await inTransaction(db, async (tx) => {
      await settings.write(tx, KEY, policy);
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
