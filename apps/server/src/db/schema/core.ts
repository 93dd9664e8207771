import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { PublicKeyJwk } from "../../crypto/keys.js";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** The node itself: one row. */
export const nodeIdentity = pgTable("node_identity", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  nameZh: text("name_zh"),
  agencyId: uuid("agency_id").notNull(),
  timeZone: text("time_zone").notNull(),
  createdAt: ts("created_at").notNull().defaultNow(),
});

/** The node's own key pairs; private halves sealed under the master key. */
export const nodeKeys = pgTable("node_keys", {
  kid: text("kid").primaryKey(),
  use: text("use", { enum: ["sig", "enc"] }).notNull(),
  publicJwk: jsonb("public_jwk").$type<PublicKeyJwk>().notNull(),
  privateSealed: text("private_sealed").notNull(),
  status: text("status", { enum: ["active", "retiring", "retired"] }).notNull(),
  createdAt: ts("created_at").notNull().defaultNow(),
  retiredAt: ts("retired_at"),
});

export const agencies = pgTable("agencies", {
  id: uuid("id").primaryKey(),
  name: text("name").notNull(),
  nameZh: text("name_zh"),
  createdAt: ts("created_at").notNull().defaultNow(),
});

export const units = pgTable(
  "units",
  {
    id: uuid("id").primaryKey(),
    agencyId: uuid("agency_id")
      .notNull()
      .references(() => agencies.id),
    name: text("name").notNull(),
    nameZh: text("name_zh"),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  // One name per unit on the node, whatever its agency: the name alone names a unit (CLI, logs).
  (t) => [uniqueIndex("units_name").on(t.name)],
);

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey(),
    username: text("username").notNull(),
    displayName: text("display_name").notNull(),
    email: text("email"),
    unitId: uuid("unit_id")
      .notNull()
      .references(() => units.id),
    roles: text("roles").array().notNull(),
    passwordHash: text("password_hash").notNull(),
    mustChangePassword: boolean("must_change_password").notNull().default(false),
    mfaSecretSealed: text("mfa_secret_sealed"),
    mfaPendingSealed: text("mfa_pending_sealed"),
    mfaLastStep: bigint("mfa_last_step", { mode: "number" }),
    language: text("language").notNull().default("en"),
    timeZone: text("time_zone").notNull(),
    disabled: boolean("disabled").notNull().default(false),
    failedAttempts: integer("failed_attempts").notNull().default(0),
    lockedUntil: ts("locked_until"),
    lastSignInAt: ts("last_sign_in_at"),
    createdAt: ts("created_at").notNull().defaultNow(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [uniqueIndex("users_username").on(t.username), index("users_unit").on(t.unitId)],
);

/** Browser sessions; the cookie holds a random token, the table its SHA-256. */
export const sessions = pgTable(
  "sessions",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    csrfToken: text("csrf_token").notNull(),
    createdAt: ts("created_at").notNull().defaultNow(),
    expiresAt: ts("expires_at").notNull(),
    lastSeenAt: ts("last_seen_at").notNull().defaultNow(),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_user").on(t.userId)],
);

/** API tokens for machines: hashed at rest, role-scoped, expiring, revocable. */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    name: text("name").notNull(),
    roles: text("roles").array().notNull(),
    prefix: text("prefix").notNull(),
    secretHash: text("secret_hash").notNull(),
    createdAt: ts("created_at").notNull().defaultNow(),
    expiresAt: ts("expires_at").notNull(),
    revokedAt: ts("revoked_at"),
    lastUsedAt: ts("last_used_at"),
  },
  (t) => [index("api_tokens_user").on(t.userId)],
);

/**
 * Fixed-window counters shared by every process of the node (sign-in rate limit per address, the public peer
 * routes, failed opens per peer, audit windows). UNLOGGED (migration 0043): emptied by crash recovery.
 */
export const rateLimits = pgTable("rate_limits", {
  key: text("key").primaryKey(),
  windowStart: ts("window_start").notNull(),
  count: integer("count").notNull(),
});

/**
 * The audit trail: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE),
 * hash-chained (each entry commits to the one before), gap-free `seq` handed out
 * under the lock of the single `audit_head` row.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    seq: bigint("seq", { mode: "number" }).primaryKey(),
    at: ts("at").notNull(),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id"),
    actorLabel: text("actor_label").notNull(),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    outcome: text("outcome").notNull(),
    ip: text("ip"),
    requestId: text("request_id"),
    details: jsonb("details").notNull().default(sql`'{}'::jsonb`),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [index("audit_action").on(t.action, t.seq), index("audit_actor").on(t.actorId, t.seq)],
);

export const auditHead = pgTable("audit_head", {
  id: integer("id").primaryKey(),
  seq: bigint("seq", { mode: "number" }).notNull(),
  hash: text("hash").notNull(),
});

/** Key/value settings of the node that admins edit (policies and the like). */
export const nodeSettings = pgTable(
  "node_settings",
  {
    key: text("key").notNull(),
    scope: text("scope").notNull().default("node"),
    value: jsonb("value").notNull(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] })],
);
