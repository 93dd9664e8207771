import {
  NOTICE_KINDS,
  type NoticePolicy,
  type ProviderInput,
  type ProviderPatch,
  type ProviderUserInput,
  type ProviderView,
} from "@crossline/schemas";
import type { z } from "zod";
import { uuidv7 } from "../../crypto/ids.js";
import { inTransaction } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError, assertThat, notFound } from "../../lib/errors.js";
import type { ProvidersContext } from "./providers.context.js";
import * as repo from "./providers.repo.js";

/**
 * The register of online service providers: providers with their contacts and channels, their staff's
 * outside accounts (role provider_user, bound to one provider), and the notice policy (deadlines per kind
 * and urgency, four eyes per kind). Provider-compliance officers and administrators manage it.
 */
export function createProviderRegister(c: ProvidersContext) {
  const { db, clock, audit } = c.deps;

  async function list(ctx: Ctx): Promise<ProviderView[]> {
    requirePermission(ctx.actor, "providers:read");
    return (await repo.listProviders(db)).map(c.providerView);
  }

  async function get(ctx: Ctx, id: string): Promise<ProviderView> {
    requirePermission(ctx.actor, "providers:read");
    const p = await repo.findProvider(db, id);
    assertThat(p, notFound("provider"));
    return c.providerView(p);
  }

  async function create(ctx: Ctx, input: z.output<typeof ProviderInput>): Promise<ProviderView> {
    requirePermission(ctx.actor, "providers:manage");
    const now = clock.now();
    const row = await inTransaction(db, async (tx) => {
      const p = await repo.insertProvider(tx, {
        id: uuidv7(),
        ...input,
        viaPeerId: input.viaPeerId ?? null,
        active: true,
        createdAt: now,
        updatedAt: now,
      });
      await audit.record(tx, ctx, {
        action: "provider.create",
        targetType: "provider",
        targetId: p.id,
        details: { name: p.name, country: p.country, viaPeerId: p.viaPeerId },
      });
      return p;
    });
    return c.providerView(row);
  }

  async function update(ctx: Ctx, id: string, patch: z.output<typeof ProviderPatch>): Promise<ProviderView> {
    requirePermission(ctx.actor, "providers:manage");
    assertThat(await repo.findProvider(db, id), notFound("provider"));
    const row = await inTransaction(db, async (tx) => {
      const p = await repo.updateProvider(tx, id, { ...patch, updatedAt: clock.now() });
      await audit.record(tx, ctx, {
        action: "provider.update",
        targetType: "provider",
        targetId: id,
        details: { changed: Object.keys(patch) },
      });
      return p;
    });
    return c.providerView(row);
  }

  async function listUsers(ctx: Ctx, providerId: string) {
    requirePermission(ctx.actor, "providers:manage");
    assertThat(await repo.findProvider(db, providerId), notFound("provider"));
    return (await repo.providerUsersOf(db, providerId)).map((u) => ({
      id: u.userId,
      username: u.username,
      displayName: u.displayName,
      email: u.email,
      timeZone: u.timeZone,
    }));
  }

  /**
   * An outside account for a provider's staff: role provider_user only, in the officer's unit (the users
   * module needs one), bound to this provider in the same transaction. It must enrol MFA at first sign-in.
   */
  async function createUser(ctx: Ctx, providerId: string, input: z.output<typeof ProviderUserInput>) {
    requirePermission(ctx.actor, "providers:manage");
    const p = await repo.findProvider(db, providerId);
    assertThat(p, notFound("provider"));
    assertThat(
      ctx.actor.unitId,
      new AppError("FORBIDDEN", [{ issue: "provider accounts are made by a user of a unit" }]),
    );
    const now = clock.now();
    const made = await c.deps.accounts.createBound(
      ctx,
      { ...input, unitId: ctx.actor.unitId },
      async (tx, userId) => {
        await repo.bindProviderUser(tx, {
          userId,
          providerId,
          username: input.username,
          displayName: input.displayName,
          email: input.email,
          timeZone: input.timeZone,
          createdAt: now,
        });
        await audit.record(tx, ctx, {
          action: "provider.user_create",
          targetType: "provider",
          targetId: providerId,
          details: { userId, username: input.username },
        });
      },
    );
    return {
      user: {
        id: made.userId,
        username: input.username,
        displayName: input.displayName,
        email: input.email,
        timeZone: input.timeZone,
      },
      oneTimePassword: made.oneTimePassword,
    };
  }

  async function getPolicy(ctx: Ctx): Promise<NoticePolicy> {
    if (!ctx.actor.permissions.has("providers:manage")) requirePermission(ctx.actor, "notices:read");
    return c.readPolicy();
  }

  async function putPolicy(ctx: Ctx, policy: NoticePolicy): Promise<NoticePolicy> {
    requirePermission(ctx.actor, "providers:manage");
    const before = await c.readPolicy();
    const changed = NOTICE_KINDS.flatMap((k) => [
      ...(JSON.stringify(before.deadlines[k]) !== JSON.stringify(policy.deadlines[k])
        ? [`deadlines.${k}`]
        : []),
      ...(before.fourEyes[k] !== policy.fourEyes[k] ? [`fourEyes.${k}`] : []),
    ]);
    await inTransaction(db, async (tx) => {
      await c.writePolicy(tx, policy);
      await audit.record(tx, ctx, {
        action: "policy.notices.update",
        targetType: "policy",
        targetId: "notices.policy",
        details: { changed },
      });
    });
    return policy;
  }

  return { list, get, create, update, listUsers, createUser, getPolicy, putPolicy };
}
