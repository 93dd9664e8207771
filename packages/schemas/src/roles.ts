import { z } from "zod";

/** The roles of the brief. A user holds one or more. */
export const ROLES = [
  "duty_officer",
  "case_officer",
  "supervisor",
  "liaison",
  "fugitive_asset",
  "provider_compliance",
  "auditor",
  "admin",
  /** Staff of an online service provider: an outside user bound to one provider (modules/providers). */
  "provider_user",
  "legal_reviewer",
] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/**
 * Permissions are what services check. Roles map to permissions here, in one
 * place, so the console can hide what the server would refuse anyway.
 */
export const PERMISSIONS = [
  "users:read_unit",
  "users:manage",
  "org:manage",
  "tokens:manage_all",
  "audit:read",
  /** Verifying the audit chain, its checkpoints and the access log's seals: integrity, not the entries. */
  "audit:verify",
  "node:manage",
  "peers:read",
  "peers:manage",
  "peers:ping",
  "requests:read",
  "requests:draft",
  "requests:approve",
  "requests:answer",
  "hotline:duty",
  "hotline:roster",
  "policy:manage",
  "reports:read",
  "sharing:read",
  "sharing:write",
  "providers:read",
  "providers:manage",
  "notices:read",
  "notices:draft",
  "notices:approve",
  "portal:answer",
  "cases:read",
  "cases:write",
  "cases:approve",
  "rounds:read",
  "rounds:write",
  "persons:read",
  "persons:rectify",
  "persons:restrict",
  "persons:export",
  "lawful:review",
  "lawful:retention",
  "fugitives:read",
  "fugitives:write",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  duty_officer: [
    "peers:read",
    "peers:ping",
    "requests:read",
    "requests:answer",
    "hotline:duty",
    "reports:read",
    "sharing:read",
    "cases:read",
    "persons:read",
  ],
  case_officer: [
    "requests:read",
    "requests:draft",
    "requests:answer",
    "reports:read",
    "sharing:read",
    "sharing:write",
    "cases:read",
    "cases:write",
    "persons:read",
    "persons:rectify",
  ],
  supervisor: [
    "users:read_unit",
    "peers:read",
    "requests:read",
    "requests:draft",
    "requests:approve",
    "requests:answer",
    "hotline:duty",
    "hotline:roster",
    "reports:read",
    "sharing:read",
    "sharing:write",
    "cases:read",
    "cases:write",
    "cases:approve",
    "rounds:read",
    "rounds:write",
    "persons:read",
    "persons:rectify",
    "persons:restrict",
    "persons:export",
    "fugitives:read",
    "fugitives:write",
  ],
  liaison: [
    "peers:read",
    "requests:read",
    "reports:read",
    "sharing:read",
    "sharing:write",
    "cases:read",
    "cases:write",
    "rounds:read",
    "rounds:write",
    "persons:read",
    "fugitives:read",
  ],
  fugitive_asset: [
    "requests:read",
    "requests:draft",
    "reports:read",
    "sharing:read",
    "sharing:write",
    "cases:read",
    "cases:write",
    "persons:read",
    "persons:rectify",
    "fugitives:read",
    "fugitives:write",
  ],
  provider_compliance: [
    "requests:read",
    "reports:read",
    "providers:read",
    "providers:manage",
    "notices:read",
    "notices:draft",
    "notices:approve",
  ],
  auditor: [
    "audit:read",
    "audit:verify",
    "peers:read",
    "reports:read",
    "rounds:read",
    "persons:read",
    "persons:export",
  ],
  admin: [
    "users:read_unit",
    "users:manage",
    "org:manage",
    "tokens:manage_all",
    // Runs the integrity checks of the trail it cannot read (the verify routes show no entry).
    "audit:verify",
    "node:manage",
    "peers:read",
    "peers:manage",
    "peers:ping",
    "hotline:roster",
    "policy:manage",
    "reports:read",
    "providers:read",
    "providers:manage",
  ],
  provider_user: ["portal:answer"],
  // Screens items for lawful use and keeps the retention of personal data, node-wide (not one unit's).
  legal_reviewer: ["lawful:review", "lawful:retention", "reports:read"],
};

/** The roles a person needs to be put on a unit's duty roster (the hotline service and the roster editor). */
export const ROSTERABLE_ROLES: readonly Role[] = ["duty_officer", "supervisor"];

/** Whether someone with these roles may be rostered for hotline duty. */
export function canBeRostered(roles: readonly Role[]): boolean {
  return roles.some((r) => ROSTERABLE_ROLES.includes(r));
}

export function permissionsOf(roles: readonly Role[]): Set<Permission> {
  const out = new Set<Permission>();
  for (const r of roles) for (const p of ROLE_PERMISSIONS[r]) out.add(p);
  return out;
}

/** Users from outside the agency (provider staff): MFA always, whatever the node's setting. */
export const OUTSIDE_ROLES: readonly Role[] = ["provider_user"];
