import { issue, type Permission, permissionsOf, type Role } from "@crossline/schemas";
import { AppError } from "./errors.js";

/** Who is acting. Services receive it and decide; routes never authorize. */
export interface Actor {
  type: "user" | "token" | "cli" | "system" | "peer" | "anonymous";
  /** user id, token id, peer node id… what `type` names. */
  id: string | null;
  label: string;
  userId: string | null;
  unitId: string | null;
  agencyId: string | null;
  roles: readonly Role[];
  permissions: ReadonlySet<Permission>;
}

/** Everything a service needs to know about the call besides its input. */
export interface Ctx {
  actor: Actor;
  ip: string | null;
  requestId: string | null;
  /** Why the caller reads personal data, when they said (X-Crossline-Reason, or a `reason` query): the access log keeps it. */
  reason?: string | null;
}

export function makeActor(a: Omit<Actor, "permissions">): Actor {
  return { ...a, permissions: permissionsOf(a.roles) };
}

export const SYSTEM_ACTOR: Actor = makeActor({
  type: "system",
  id: null,
  label: "system",
  userId: null,
  unitId: null,
  agencyId: null,
  roles: [],
});

/** The actor for commands run by the node administrator on the node's own machine. */
export function cliActor(label: string): Actor {
  return makeActor({
    type: "cli",
    id: null,
    label,
    userId: null,
    unitId: null,
    agencyId: null,
    roles: ["admin", "auditor"],
  });
}

export const systemCtx = (requestId: string | null = null): Ctx => ({
  actor: SYSTEM_ACTOR,
  ip: null,
  requestId,
});

export function can(actor: Actor, permission: Permission): boolean {
  return actor.permissions.has(permission);
}

/** Deny by default: throws FORBIDDEN unless the actor holds the permission. */
export function requirePermission(actor: Actor, permission: Permission): void {
  if (!actor.permissions.has(permission)) {
    throw new AppError("FORBIDDEN", [issue("permission.required", { permission })]);
  }
}
