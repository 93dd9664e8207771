import { type ApiToken, issue, type Role } from "@crossline/schemas";
import { sha256Hex } from "../../crypto/hash.js";
import { uuidv7 } from "../../crypto/ids.js";
import { type Db, inTransaction } from "../../db/client.js";
import { type Actor, type Ctx, can, makeActor } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { AppError, assertThat, notFound } from "../../lib/errors.js";
import { randomToken } from "../../lib/secrets.js";
import type { AuditService } from "../audit/audit.service.js";
import { findUserById } from "../users/users.repo.js";
import {
  findToken,
  findTokenWithUser,
  insertToken,
  listTokens,
  revokeToken,
  type TokenRow,
  touchToken,
} from "./auth.repo.js";

export const TOKEN_PREFIX = "clt_";

function toApiToken(t: TokenRow): ApiToken {
  return {
    id: t.id,
    name: t.name,
    userId: t.userId,
    roles: t.roles as Role[],
    prefix: t.prefix,
    createdAt: t.createdAt.toISOString(),
    expiresAt: t.expiresAt.toISOString(),
    revokedAt: t.revokedAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  };
}

export function createTokensService(deps: { db: Db; clock: Clock; audit: AuditService }) {
  const { db, clock, audit } = deps;

  /** Tokens act for a user with at most that user's roles; another user's token is not found. */
  async function create(
    ctx: Ctx,
    input: { name: string; roles?: Role[]; expiresInDays: number; userId?: string },
  ): Promise<{ token: ApiToken; secret: string }> {
    const a = ctx.actor;
    const userId = input.userId ?? a.userId;
    assertThat(
      userId,
      new AppError("VALIDATION_FAILED", [{ field: "userId", issue: "name the user the token acts for" }]),
    );
    if (userId !== a.userId && !can(a, "tokens:manage_all")) throw notFound("user");
    if (a.type === "token") throw new AppError("FORBIDDEN", [{ issue: "a token cannot create tokens" }]);
    const owner = await findUserById(db, userId);
    assertThat(owner && !owner.disabled, notFound("user"));
    const ownerRoles = owner.roles as Role[];
    const roles = input.roles ?? ownerRoles;
    const extra = roles.filter((r) => !ownerRoles.includes(r));
    assertThat(
      extra.length === 0,
      new AppError("VALIDATION_FAILED", [
        { field: "roles", ...issue("token.rolesNotHeld", { roles: extra.join(", ") }) },
      ]),
    );
    const secret = `${TOKEN_PREFIX}${randomToken(32)}`;
    const now = clock.now();
    const row: TokenRow = {
      id: uuidv7(),
      userId,
      name: input.name,
      roles,
      prefix: secret.slice(0, 12),
      secretHash: sha256Hex(secret),
      createdAt: now,
      expiresAt: new Date(now.getTime() + input.expiresInDays * 86_400_000),
      revokedAt: null,
      lastUsedAt: null,
    };
    await inTransaction(db, async (tx) => {
      await insertToken(tx, row);
      await audit.record(tx, ctx, {
        action: "token.create",
        targetType: "api_token",
        targetId: row.id,
        details: { name: row.name, userId, roles, expiresAt: row.expiresAt.toISOString() },
      });
    });
    return { token: toApiToken(row), secret };
  }

  async function list(ctx: Ctx): Promise<ApiToken[]> {
    const a = ctx.actor;
    const all = can(a, "tokens:manage_all");
    if (!all && !a.userId) return [];
    const rows = await listTokens(db, all ? null : (a.userId as string));
    return rows.map(toApiToken);
  }

  async function revoke(ctx: Ctx, id: string): Promise<void> {
    const a = ctx.actor;
    const t = await findToken(db, id);
    assertThat(t && (t.userId === a.userId || can(a, "tokens:manage_all")), notFound("token"));
    if (t.revokedAt) return;
    await inTransaction(db, async (tx) => {
      await revokeToken(tx, id, clock.now());
      await audit.record(tx, ctx, { action: "token.revoke", targetType: "api_token", targetId: id });
    });
  }

  /** Resolves a bearer secret to an actor holding the token's roles (never more than its user's). */
  async function resolve(secret: string): Promise<Actor | null> {
    if (!secret.startsWith(TOKEN_PREFIX)) return null;
    const now = clock.now();
    const row = await findTokenWithUser(db, sha256Hex(secret), now);
    if (!row || row.user.disabled) return null;
    const userRoles = row.user.roles as Role[];
    const roles = (row.token.roles as Role[]).filter((r) => userRoles.includes(r));
    // lastUsedAt is advisory: refresh it at most once a minute to keep reads cheap.
    if (!row.token.lastUsedAt || now.getTime() - row.token.lastUsedAt.getTime() > 60_000) {
      await touchToken(db, row.token.id, now);
    }
    return makeActor({
      type: "token",
      id: row.token.id,
      // no word of any language: the actor's type ("token", labelled in each) is recorded beside the label
      label: `${row.user.username} · ${row.token.name}`,
      userId: row.user.id,
      unitId: row.user.unitId,
      agencyId: row.agencyId,
      roles,
    });
  }

  return { create, list, revoke, resolve };
}

export type TokensService = ReturnType<typeof createTokensService>;
