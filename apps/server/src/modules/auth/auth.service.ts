import { type Language, type Me, OUTSIDE_ROLES, type Role, type SessionResponse } from "@crossline/schemas";
import { sha256Hex } from "../../crypto/hash.js";
import { type Db, inTransaction } from "../../db/client.js";
import { type Actor, type Ctx, makeActor } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { AppError, assertThat } from "../../lib/errors.js";
import { dummyPasswordHash, hashPassword, randomToken, verifyPassword } from "../../lib/secrets.js";
import type { AuditService } from "../audit/audit.service.js";
import type { NodeService } from "../node/node.service.js";
import { findUserById, findUserByUsername, type UserRow } from "../users/users.repo.js";
import {
  countSignInFailure,
  deleteSession,
  deleteUserSessions,
  findSessionWithUser,
  hitRateLimit,
  insertSession,
  recordSignIn,
  sessionHashesOf,
  updateUserCredential,
} from "./auth.repo.js";
import { openSecret, sealSecret } from "./secret-seal.js";
import { checkTotp, newTotpSecret, totpEnrolment } from "./totp.js";

export interface AuthConfig {
  masterKey: string;
  mfaRequired: boolean;
  sessionTtlHours: number;
  signIn: { maxFailures: number; lockMinutes: number; perIpPerMinute: number };
}

export interface SessionState {
  actor: Actor;
  user: UserRow;
  unitName: string;
  unitNameZh: string | null;
  csrfToken: string;
  tokenHash: string;
}

export function createAuthService(deps: {
  db: Db;
  clock: Clock;
  audit: AuditService;
  node: NodeService;
  config: AuthConfig;
}) {
  const { db, clock, audit, node, config } = deps;

  function userActor(u: UserRow, agencyId: string): Actor {
    return makeActor({
      type: "user",
      id: u.id,
      label: u.username,
      userId: u.id,
      unitId: u.unitId,
      agencyId,
      roles: u.roles as Role[],
    });
  }

  function me(s: { user: UserRow; actor: Actor; unitName: string; unitNameZh: string | null }): Me {
    const u = s.user;
    return {
      id: u.id,
      username: u.username,
      displayName: u.displayName,
      agencyId: s.actor.agencyId as string,
      unitId: u.unitId,
      unitName: s.unitName,
      unitNameZh: s.unitNameZh,
      roles: u.roles as Role[],
      permissions: [...s.actor.permissions],
      language: u.language as Language,
      timeZone: u.timeZone,
      mfaEnrolled: u.mfaSecretSealed !== null,
      mfaRequired: mfaRequiredFor(u),
      mustChangePassword: u.mustChangePassword,
    };
  }

  async function sessionResponse(s: SessionState): Promise<SessionResponse> {
    return { user: me(s), csrfToken: s.csrfToken, node: await node.summary() };
  }

  /** What the session may not do yet: change a one-time password, then enrol MFA where required. */
  function pendingStep(u: UserRow): "PASSWORD_CHANGE_REQUIRED" | "MFA_ENROLMENT_REQUIRED" | null {
    if (u.mustChangePassword) return "PASSWORD_CHANGE_REQUIRED";
    if (mfaRequiredFor(u) && u.mfaSecretSealed === null) return "MFA_ENROLMENT_REQUIRED";
    return null;
  }

  /** MFA where the node requires it, and always for outside users (provider staff), whatever the node says. */
  function mfaRequiredFor(u: UserRow): boolean {
    return config.mfaRequired || u.roles.some((r) => OUTSIDE_ROLES.includes(r as Role));
  }

  async function failSignIn(
    ctx: Ctx,
    username: string,
    reason: string,
    user?: UserRow,
    countFailure = false,
  ): Promise<boolean> {
    let locked = false;
    await inTransaction(db, async (tx) => {
      if (user && countFailure) {
        // Counted by the statement, not from the row read before the password check: failures in parallel each
        // count, and one that locks the account is not undone by another writing back what it had read.
        const until = new Date(clock.now().getTime() + config.signIn.lockMinutes * 60_000);
        const lockedUntil = await countSignInFailure(tx, user.id, config.signIn.maxFailures, until);
        locked = lockedUntil?.getTime() === until.getTime();
      }
      await audit.record(tx, ctx, {
        action: "auth.sign_in",
        targetType: "user",
        targetId: user?.id ?? null,
        outcome: "failure",
        details: { username, reason, ...(locked ? { locked: true } : {}) },
      });
    });
    return locked;
  }

  async function signIn(
    ctx: Ctx,
    input: { username: string; password: string; totp?: string },
    client: { userAgent: string | null },
  ): Promise<{ token: string; session: SessionResponse }> {
    const now = clock.now();
    const hits = await hitRateLimit(db, `sign-in:${ctx.ip ?? "unknown"}`, now, 60_000);
    if (hits > config.signIn.perIpPerMinute) {
      await failSignIn(ctx, input.username, "rate_limited");
      throw new AppError("RATE_LIMITED");
    }
    const user = await findUserByUsername(db, input.username);
    if (!user) {
      await verifyPassword(await dummyPasswordHash(), input.password);
      await failSignIn(ctx, input.username, "unknown_user");
      throw new AppError("INVALID_CREDENTIALS");
    }
    if (user.lockedUntil && user.lockedUntil > now) {
      await failSignIn(ctx, input.username, "locked", user);
      throw new AppError("ACCOUNT_LOCKED");
    }
    if (!(await verifyPassword(user.passwordHash, input.password))) {
      const locked = await failSignIn(ctx, input.username, "bad_password", user, true);
      throw new AppError(locked ? "ACCOUNT_LOCKED" : "INVALID_CREDENTIALS");
    }
    if (user.disabled) {
      await failSignIn(ctx, input.username, "disabled", user);
      throw new AppError("ACCOUNT_DISABLED");
    }
    let mfaStep: number | null = user.mfaLastStep;
    if (user.mfaSecretSealed) {
      if (!input.totp) {
        await failSignIn(ctx, input.username, "mfa_code_missing", user);
        throw new AppError("MFA_REQUIRED");
      }
      const secret = openSecret(user.mfaSecretSealed, config.masterKey, user.id);
      const check = await checkTotp(secret, input.totp, now.getTime(), user.mfaLastStep);
      if (!check.ok) {
        const locked = await failSignIn(ctx, input.username, "bad_mfa_code", user, true);
        throw new AppError(locked ? "ACCOUNT_LOCKED" : "MFA_INVALID");
      }
      mfaStep = check.step;
    }
    const token = randomToken(32);
    const csrfToken = randomToken(24);
    const tokenHash = sha256Hex(token);
    const signedInCtx: Ctx = { ...ctx, actor: userActor(user, "") };
    // Checked again by the statement that signs in, against the row as it is now: sign-ins in parallel read it
    // before any of them wrote. The account must not have been locked meanwhile (guesses in parallel past the
    // limit), and a one-time code is taken once (the same code in two sign-ins at once: one gets through).
    const signedIn = await inTransaction(db, async (tx) => {
      const recorded = await recordSignIn(tx, user.id, now, {
        step: mfaStep,
        checkStep: Boolean(user.mfaSecretSealed),
      });
      if (!recorded) return false;
      await insertSession(tx, {
        tokenHash,
        userId: user.id,
        csrfToken,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + config.sessionTtlHours * 3_600_000),
        ip: ctx.ip,
        userAgent: client.userAgent?.slice(0, 300) ?? null,
      });
      await audit.record(tx, signedInCtx, {
        action: "auth.sign_in",
        targetType: "user",
        targetId: user.id,
        details: { username: user.username, mfa: user.mfaSecretSealed !== null },
      });
      return true;
    });
    if (!signedIn) {
      const lockedNow = ((await findUserById(db, user.id))?.lockedUntil ?? now) > now;
      await failSignIn(ctx, input.username, lockedNow ? "locked" : "bad_mfa_code", user);
      throw new AppError(lockedNow ? "ACCOUNT_LOCKED" : "MFA_INVALID");
    }
    const state = await resolveSession(token);
    return { token, session: await sessionResponse(state as SessionState) };
  }

  async function resolveSession(token: string): Promise<SessionState | null> {
    const tokenHash = sha256Hex(token);
    const row = await findSessionWithUser(db, tokenHash, clock.now());
    if (!row || row.user.disabled) return null;
    return {
      actor: userActor(row.user, row.agencyId),
      user: row.user,
      unitName: row.unitName,
      unitNameZh: row.unitNameZh,
      csrfToken: row.session.csrfToken,
      tokenHash,
    };
  }

  async function signOut(ctx: Ctx, s: SessionState): Promise<void> {
    await inTransaction(db, async (tx) => {
      await deleteSession(tx, s.tokenHash);
      await audit.record(tx, ctx, { action: "auth.sign_out", targetType: "user", targetId: s.user.id });
    });
  }

  async function signOutEverywhere(ctx: Ctx, s: SessionState): Promise<number> {
    return inTransaction(db, async (tx) => {
      const gone = await deleteUserSessions(tx, s.user.id);
      await audit.record(tx, ctx, {
        action: "auth.sign_out_everywhere",
        targetType: "user",
        targetId: s.user.id,
        details: { sessions: gone },
      });
      return gone;
    });
  }

  async function changePassword(
    ctx: Ctx,
    s: SessionState,
    input: { currentPassword: string; newPassword: string },
  ) {
    if (!(await verifyPassword(s.user.passwordHash, input.currentPassword))) {
      await audit.recordAlone(ctx, {
        action: "auth.change_password",
        targetType: "user",
        targetId: s.user.id,
        outcome: "failure",
        details: { reason: "bad_current_password" },
      });
      throw new AppError("VALIDATION_FAILED", [
        { field: "currentPassword", issue: "is not your current password" },
      ]);
    }
    assertThat(
      input.newPassword !== input.currentPassword,
      new AppError("VALIDATION_FAILED", [
        { field: "newPassword", issue: "must differ from the current password" },
      ]),
    );
    const passwordHash = await hashPassword(input.newPassword);
    await inTransaction(db, async (tx) => {
      await updateUserCredential(tx, s.user.id, {
        passwordHash,
        mustChangePassword: false,
        updatedAt: clock.now(),
      });
      // Every other session of this user ends; this one stays.
      for (const h of await sessionHashesOf(tx, s.user.id)) if (h !== s.tokenHash) await deleteSession(tx, h);
      await audit.record(tx, ctx, {
        action: "auth.change_password",
        targetType: "user",
        targetId: s.user.id,
      });
    });
  }

  async function mfaEnrol(ctx: Ctx, s: SessionState) {
    assertThat(
      s.user.mfaSecretSealed === null,
      new AppError("CONFLICT", [{ issue: "MFA is already enrolled; an admin can reset it" }]),
    );
    const secret = newTotpSecret();
    const info = await node.summary();
    await inTransaction(db, async (tx) => {
      await updateUserCredential(tx, s.user.id, {
        mfaPendingSealed: sealSecret(secret, config.masterKey, s.user.id),
      });
      await audit.record(tx, ctx, {
        action: "auth.mfa_enrol_start",
        targetType: "user",
        targetId: s.user.id,
      });
    });
    return totpEnrolment(secret, `Crossline ${info.id}`, s.user.username);
  }

  async function mfaConfirm(ctx: Ctx, s: SessionState, code: string): Promise<SessionResponse> {
    const u = await findUserById(db, s.user.id);
    assertThat(u?.mfaPendingSealed, new AppError("CONFLICT", [{ issue: "start MFA enrolment first" }]));
    const secret = openSecret(u.mfaPendingSealed, config.masterKey, u.id);
    const check = await checkTotp(secret, code, clock.now().getTime(), null);
    if (!check.ok) {
      await audit.recordAlone(ctx, {
        action: "auth.mfa_confirm",
        targetType: "user",
        targetId: u.id,
        outcome: "failure",
      });
      throw new AppError("MFA_INVALID", [{ field: "code", issue: "does not match the authenticator" }]);
    }
    await inTransaction(db, async (tx) => {
      await updateUserCredential(tx, u.id, {
        mfaSecretSealed: sealSecret(secret, config.masterKey, u.id),
        mfaPendingSealed: null,
        mfaLastStep: check.step,
      });
      await audit.record(tx, ctx, { action: "auth.mfa_confirm", targetType: "user", targetId: u.id });
    });
    const fresh = await resolveSessionByHash(s);
    return sessionResponse(fresh);
  }

  async function resolveSessionByHash(s: SessionState): Promise<SessionState> {
    const u = (await findUserById(db, s.user.id)) as UserRow;
    return { ...s, user: u };
  }

  async function setPreferences(
    ctx: Ctx,
    s: SessionState,
    input: { language?: Language; timeZone?: string },
  ) {
    await inTransaction(db, async (tx) => {
      await updateUserCredential(tx, s.user.id, { ...input, updatedAt: clock.now() });
      await audit.record(tx, ctx, {
        action: "user.preferences",
        targetType: "user",
        targetId: s.user.id,
        details: input,
      });
    });
    return me(await resolveSessionByHash(s));
  }

  return {
    signIn,
    resolveSession,
    sessionResponse,
    pendingStep,
    signOut,
    signOutEverywhere,
    changePassword,
    mfaEnrol,
    mfaConfirm,
    setPreferences,
    userActor,
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
