import { issue, OUTSIDE_ROLES, type Role, type User } from "@crossline/schemas";
import { uuidv7 } from "../../crypto/ids.js";
import { type Db, type DbOrTx, inTransaction, type Tx } from "../../db/client.js";
import { uniqueConflicts } from "../../db/errors.js";
import { type Ctx, can, requirePermission } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { AppError, assertThat, notFound, taken } from "../../lib/errors.js";
import { hashPassword, oneTimePassword } from "../../lib/secrets.js";
import type { AuditService } from "../audit/audit.service.js";
import {
  displayNames,
  enabledContacts,
  enabledUnitUserIdsWithRole,
  enabledUserIdsWithRole,
  endSessionsOf,
  findUnit,
  findUserById,
  findUserByUsername,
  insertUser,
  listUsers,
  timeZoneOf as readTimeZone,
  type UserRow,
  updateUser,
} from "./users.repo.js";

/**
 * Outside roles are given only by the module that binds the account to its provider (the providers register),
 * never through the users' own routes; and an outside account keeps its one role (it is not made an officer,
 * nor an officer made one). The refusal names the field and the role.
 */
function checkRoles(roles: readonly Role[], before: readonly Role[] | null): void {
  const outside = roles.find((r) => OUTSIDE_ROLES.includes(r));
  const held = before?.find((r) => OUTSIDE_ROLES.includes(r));
  if (held) {
    if (roles.length === 1 && outside) return;
    throw new AppError("VALIDATION_FAILED", [
      { field: "roles", ...issue("users.outsideAccount", { role: held }) },
    ]);
  }
  if (outside)
    throw new AppError("VALIDATION_FAILED", [
      { field: "roles", ...issue("users.outsideRole", { role: outside }) },
    ]);
}

export function toUser(u: UserRow): User {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    email: u.email,
    unitId: u.unitId,
    roles: u.roles as Role[],
    language: u.language as User["language"],
    timeZone: u.timeZone,
    disabled: u.disabled,
    mfaEnrolled: u.mfaSecretSealed !== null,
    lockedUntil: u.lockedUntil?.toISOString() ?? null,
    lastSignInAt: u.lastSignInAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
  };
}

export interface CreateUserInput {
  username: string;
  displayName: string;
  email?: string;
  unitId: string;
  roles: Role[];
  language: "en" | "zh-CN";
  timeZone?: string;
  password?: string;
}

export interface UpdateUserInput {
  displayName?: string;
  email?: string | null;
  unitId?: string;
  roles?: Role[];
  disabled?: boolean;
}

export function createUsersService(deps: {
  db: Db;
  clock: Clock;
  audit: AuditService;
  defaultTimeZone: () => Promise<string>;
}) {
  const { db, clock, audit } = deps;

  /** Admins see every user; supervisors their own unit; anyone else only themselves. Others: not found. */
  function visible(ctx: Ctx, u: UserRow): boolean {
    const a = ctx.actor;
    if (can(a, "users:manage")) return true;
    if (can(a, "users:read_unit") && u.unitId === a.unitId) return true;
    return u.id === a.userId;
  }

  async function getVisible(ctx: Ctx, id: string): Promise<UserRow> {
    const u = await findUserById(db, id);
    assertThat(u && visible(ctx, u), notFound("user"));
    return u;
  }

  async function list(ctx: Ctx, q: { limit: number; cursor?: string }) {
    const a = ctx.actor;
    if (!can(a, "users:manage") && !can(a, "users:read_unit")) requirePermission(a, "users:read_unit");
    const unitId = can(a, "users:manage") ? undefined : (a.unitId ?? "00000000-0000-0000-0000-000000000000");
    // The cursor is the last user id of a page: anything else is named, never handed to the database.
    assertThat(
      q.cursor === undefined ||
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(q.cursor),
      new AppError("VALIDATION_FAILED", [
        { field: "querystring.cursor", issue: "not a cursor from this list" },
      ]),
    );
    const rows = await listUsers(db, { unitId, after: q.cursor, limit: q.limit + 1 });
    const items = rows.slice(0, q.limit).map(toUser);
    return { items, nextCursor: rows.length > q.limit ? items[items.length - 1].id : null };
  }

  async function get(ctx: Ctx, id: string): Promise<User> {
    return toUser(await getVisible(ctx, id));
  }

  async function create(
    ctx: Ctx,
    input: CreateUserInput,
    /**
     * For another module making an account it has authorised itself (the providers register makes provider
     * staff): `within` runs in the same transaction, so the account and its binding exist together or not at all.
     */
    opts: { authorisedBy?: string; within?: (tx: Tx, userId: string) => Promise<void> } = {},
  ): Promise<{ user: User; oneTimePassword: string | null }> {
    if (!opts.authorisedBy) {
      requirePermission(ctx.actor, "users:manage");
      checkRoles(input.roles, null);
    }
    const roles = [...new Set(input.roles)];
    assertThat(
      await findUnit(db, input.unitId),
      new AppError("VALIDATION_FAILED", [{ field: "unitId", issue: "no such unit" }]),
    );
    assertThat(!(await findUserByUsername(db, input.username)), taken("users_username"));
    const otp = input.password ? null : oneTimePassword();
    const passwordHash = await hashPassword(input.password ?? (otp as string));
    const id = uuidv7();
    // Read outside the transaction: on PGlite a query on `db` inside it would wait for the transaction forever.
    const timeZone = input.timeZone ?? (await deps.defaultTimeZone());
    // Two admins creating the same username at once both pass the check above: the index has the last word.
    const row = await inTransaction(db, async (tx) => {
      const u = await insertUser(tx, {
        id,
        username: input.username,
        displayName: input.displayName,
        email: input.email ?? null,
        unitId: input.unitId,
        roles,
        passwordHash,
        mustChangePassword: true,
        language: input.language,
        timeZone,
      });
      await audit.record(tx, ctx, {
        action: "user.create",
        targetType: "user",
        targetId: id,
        details: {
          username: input.username,
          unitId: input.unitId,
          roles,
          ...(opts.authorisedBy ? { authorisedBy: opts.authorisedBy } : {}),
        },
      });
      await opts.within?.(tx, id);
      return u;
    }).catch(uniqueConflicts({ users_username: () => taken("users_username") }));
    return { user: toUser(row), oneTimePassword: otp };
  }

  async function update(ctx: Ctx, id: string, input: UpdateUserInput): Promise<User> {
    const before = await getVisible(ctx, id);
    requirePermission(ctx.actor, "users:manage");
    if (input.unitId) {
      assertThat(
        await findUnit(db, input.unitId),
        new AppError("VALIDATION_FAILED", [{ field: "unitId", issue: "no such unit" }]),
      );
    }
    if (input.roles) {
      const roles = [...new Set(input.roles)];
      checkRoles(roles, before.roles as Role[]);
      input = { ...input, roles };
    }
    if (id === ctx.actor.userId && (input.disabled || (input.roles && !input.roles.includes("admin")))) {
      throw new AppError("CONFLICT", [
        { issue: "you cannot disable yourself or remove your own admin role" },
      ]);
    }
    const row = await inTransaction(db, async (tx) => {
      const u = await updateUser(tx, id, { ...input, updatedAt: clock.now() });
      if (input.disabled) await endSessionsOf(tx, id);
      await audit.record(tx, ctx, {
        action: input.disabled === true ? "user.disable" : "user.update",
        targetType: "user",
        targetId: id,
        details: {
          changes: input,
          before: { unitId: before.unitId, roles: before.roles, disabled: before.disabled },
        },
      });
      return u;
    });
    return toUser(row);
  }

  async function resetMfa(ctx: Ctx, id: string): Promise<void> {
    await getVisible(ctx, id);
    requirePermission(ctx.actor, "users:manage");
    await inTransaction(db, async (tx) => {
      await updateUser(tx, id, {
        mfaSecretSealed: null,
        mfaPendingSealed: null,
        mfaLastStep: null,
        updatedAt: clock.now(),
      });
      await endSessionsOf(tx, id);
      await audit.record(tx, ctx, { action: "user.reset_mfa", targetType: "user", targetId: id });
    });
  }

  async function resetPassword(ctx: Ctx, id: string): Promise<{ oneTimePassword: string }> {
    await getVisible(ctx, id);
    requirePermission(ctx.actor, "users:manage");
    const otp = oneTimePassword();
    const passwordHash = await hashPassword(otp);
    await inTransaction(db, async (tx) => {
      await updateUser(tx, id, {
        passwordHash,
        mustChangePassword: true,
        failedAttempts: 0,
        lockedUntil: null,
        updatedAt: clock.now(),
      });
      await endSessionsOf(tx, id);
      await audit.record(tx, ctx, { action: "user.reset_password", targetType: "user", targetId: id });
    });
    return { oneTimePassword: otp };
  }

  async function findByUsername(ctx: Ctx, username: string): Promise<User> {
    const u = await findUserByUsername(db, username);
    assertThat(u && visible(ctx, u), notFound("user"));
    return toUser(u);
  }

  /**
   * Who receives an alert meant for `roles` (the enabled users holding any of them), read in the caller's
   * transaction: the narrow port other modules use instead of reading the users table.
   */
  function recipientsFor(tx: DbOrTx, roles: readonly string[]): Promise<string[]> {
    return enabledUserIdsWithRole(tx, roles);
  }

  /** A user's profile time zone (other modules render times for their readers with it); undefined: no such user. */
  function timeZoneOf(userId: string): Promise<string | undefined> {
    return readTimeZone(db, userId);
  }

  /**
   * The unit of an enabled user, or null (no such user, or disabled): the narrow port other modules use to
   * check a person they are given (a case's lead officer, a task's assignee) without reading the users table.
   */
  async function unitOfUser(dbx: DbOrTx, id: string): Promise<{ unitId: string; label: string } | null> {
    const u = await findUserById(dbx, id);
    return u && !u.disabled ? { unitId: u.unitId, label: u.displayName } : null;
  }

  /** The same, for the people of one unit (a correlation hit is told to the units owning the records). */
  function recipientsInUnit(tx: DbOrTx, unitId: string, roles: readonly string[]): Promise<string[]> {
    return enabledUnitUserIdsWithRole(tx, unitId, roles);
  }

  /** Enabled users among `ids` with their address, language and time zone (notifications' port). */
  function contactsOf(tx: DbOrTx, ids: readonly string[]) {
    return enabledContacts(tx, ids);
  }

  /** Display names by id (the hotline's roster port); unknown ids are left out. */
  async function namesOf(dbx: DbOrTx, ids: readonly string[]): Promise<Map<string, string>> {
    return new Map((await displayNames(dbx, ids)).map((u) => [u.id, u.name]));
  }

  /** A user's unit and roles, enabled or not, or null for no such user (the roster checks whom it is given). */
  async function membershipOf(dbx: DbOrTx, id: string): Promise<{ unitId: string; roles: Role[] } | null> {
    const u = await findUserById(dbx, id);
    return u ? { unitId: u.unitId, roles: u.roles as Role[] } : null;
  }

  return {
    list,
    get,
    create,
    update,
    resetMfa,
    resetPassword,
    findByUsername,
    recipientsFor,
    timeZoneOf,
    unitOfUser,
    recipientsInUnit,
    contactsOf,
    namesOf,
    membershipOf,
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
