import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { configFilePath } from "./lib/paths.js";

/** PGlite's shared_buffers unless configured: a quarter of PostgreSQL's default (pgliteSharedBuffersMb). */
export const PGLITE_SHARED_BUFFERS_MB = 32;

/**
 * The node's configuration: parsed once, at boot, from environment variables
 * over an optional JSON file (`<dataDir>/crossline.json`, written by
 * `crossline init`, or the file named by CROSSLINE_CONFIG). Secrets have no
 * defaults; `crossline init` generates them.
 */
const base64url32 = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, { message: "32 random bytes in base64url (crossline init generates one)" });

export const ConfigSchema = z
  .strictObject({
    dataDir: z.string().min(1),
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, { message: "a postgres:// or postgresql:// URL" })
      .optional(),
    /**
     * PostgreSQL: the owner's URL, used only to apply migrations, so the node itself can run as a role that
     * owns nothing (docs/database-roles.md). Without it, migrations run as the `databaseUrl` role.
     */
    migrationDatabaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, { message: "a postgres:// or postgresql:// URL" })
      .optional(),
    host: z.string().min(1).default("127.0.0.1"),
    port: z.coerce.number().int().min(0).max(65535).default(4100),
    /** The URL peers and browsers reach this node at. */
    publicUrl: z.url().optional(),
    /** HTTPS served by the node itself: PEM certificate (chain) and key files, reloaded when they change. */
    tlsCertFile: z.string().min(1).optional(),
    tlsKeyFile: z.string().min(1).optional(),
    /** PEM file of extra certificate authorities the federation client trusts for peers (besides the system's). */
    tlsCaFile: z.string().min(1).optional(),
    /**
     * Behind a reverse proxy: the proxies' addresses or CIDRs (comma-separated), whose X-Forwarded-For and
     * X-Forwarded-Proto are believed; nobody else's. Empty: no proxy is trusted.
     */
    trustedProxies: z
      .union([z.array(z.string().min(1)), z.string().transform((v) => v.split(",").map((x) => x.trim()))])
      .transform((l) => l.filter((x) => x.length > 0))
      .default([]),
    /** Key that encrypts the node's private keys and MFA secrets at rest. */
    masterKey: base64url32,
    mfaRequired: z
      .union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")])
      .default(true),
    /** The node's default language: its console opens in it until a person chooses (see NodeSummary). */
    language: z.enum(["en", "zh-CN"]).default("en"),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    bodyLimitBytes: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    sessionTtlHours: z.coerce.number().int().min(1).max(720).default(12),
    signIn: z
      .strictObject({
        maxFailures: z.coerce.number().int().min(1).max(100).default(5),
        lockMinutes: z.coerce
          .number()
          .int()
          .min(1)
          .max(24 * 60)
          .default(15),
        perIpPerMinute: z.coerce.number().int().min(1).max(10_000).default(30),
      })
      .default({ maxFailures: 5, lockMinutes: 15, perIpPerMinute: 30 }),
    smtpUrl: z
      .string()
      .regex(/^smtps?:\/\//, { message: "an smtp:// or smtps:// URL" })
      .optional(),
    mailFrom: z.string().max(320).default("crossline@localhost"),
    /** Serve the built console from this directory (defaults to apps/console/dist when present). */
    consoleDir: z.string().optional(),
    workers: z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]).default(true),
    /**
     * Federation: how often a delivery worker looks for due envelopes while there is work about (retries, batches
     * in flight). The fallback to the wakes that an enqueue, a resumed peer or a NOTIFY give.
     */
    fedPollMs: z.coerce.number().int().min(5).max(60_000).default(250),
    /**
     * Federation: the longest a delivery worker whose outbox holds nothing due waits before it looks again
     * (it looks at the next retry's time when one is pending). Never below fedPollMs.
     */
    fedIdlePollMs: z.coerce.number().int().min(5).max(600_000).default(5_000),
    /** Federation: delivery loops per process (each has one POST in flight; see fedPipeline). */
    fedWorkerConcurrency: z.coerce.number().int().min(1).max(16).default(2),
    /** Federation: envelopes per HTTP POST and per delivery transaction. */
    fedBatchSize: z.coerce.number().int().min(1).max(1000).default(200),
    /**
     * Federation: batch receipts (docs/federation.md §3.1). On: this node signs one receipt per delivery when
     * asked and says so in its answers, and asks a peer that says so for one. Off: a receipt per envelope.
     */
    fedBatchReceipts: z
      .union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")])
      .default(true),
    /**
     * Federation: pipelining (docs/federation.md §10). On: while a full batch is in flight, the loop claims and
     * seals the peer's next one, and POSTs it as soon as the first is answered cleanly. Off: one batch after the
     * other.
     */
    fedPipeline: z
      .union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")])
      .default(true),
    /** Federation: how long a worker owns claimed envelopes before another may retry them. */
    fedLeaseSeconds: z.coerce.number().int().min(1).max(3600).default(30),
    fedRequestTimeoutMs: z.coerce.number().int().min(100).max(300_000).default(15_000),
    /** Federation retries: exponential backoff from base to max, with jitter. */
    fedBackoffBaseMs: z.coerce.number().int().min(10).max(600_000).default(1000),
    fedBackoffMaxMs: z.coerce
      .number()
      .int()
      .min(10)
      .max(24 * 3600_000)
      .default(300_000),
    /** Federation: a link with an envelope undelivered for longer than this alerts admins and duty officers. */
    fedLinkDownAlertMinutes: z.coerce
      .number()
      .min(0.05)
      .max(7 * 24 * 60)
      .default(15),
    fedInvitationTtlMinutes: z.coerce
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(24 * 60),
    /** Federation: largest envelope (JWE compact) accepted or sent. */
    fedMaxEnvelopeBytes: z.coerce
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024)
      .default(256 * 1024),
    /**
     * Federation: requests a minute one source address may make to the public peer-to-peer routes
     * (envelopes, control, attachment chunks); pairing gets a tenth. Counted in the database, shared by every
     * process; a well-behaved peer batches far below this.
     */
    fedPublicPerIpPerMinute: z.coerce.number().int().min(10).max(1_000_000).default(6000),
    /**
     * Federation: envelopes claiming one peer that may fail to open (bad signature or key) in a minute; past
     * it, further ones claiming that peer are refused unopened with RATE_LIMITED (the peer's own retry later).
     */
    fedForgedPerPeerPerMinute: z.coerce.number().int().min(1).max(1_000_000).default(200),
    /**
     * PGlite only: PostgreSQL's shared buffer cache in MB. PGlite allocates it inside its WebAssembly memory
     * at start, whether used or not: 128 MB (PostgreSQL's default) made an idle node 66 MB larger than 32 MB,
     * and the operating system caches the data files anyway. Raise it for large data on PGlite.
     */
    pgliteSharedBuffersMb: z.coerce.number().int().min(1).max(4096).default(PGLITE_SHARED_BUFFERS_MB),
    /** Federation: attachment chunk size. */
    fedChunkBytes: z.coerce
      .number()
      .int()
      .min(1024)
      .max(8 * 1024 * 1024)
      .default(256 * 1024),
    /**
     * Fugitives: an evidence file uploaded for a report on a peer's entry and named by no report within this
     * many hours is removed (row and bytes, audited) by the hourly sweep.
     */
    fugitiveEvidenceUnsentHours: z.coerce
      .number()
      .min(0.01)
      .max(90 * 24)
      .default(24),
    /** Audit anchoring: how often the node signs its audit head and sends it to its peers. */
    auditCheckpointMinutes: z.coerce
      .number()
      .min(0.05)
      .max(7 * 24 * 60)
      .default(60),
    /**
     * `serve`: a process whose event loop has not turned for this many seconds is aborted (SIGABRT) by a watchdog
     * thread, so the service manager restarts it (docs/operations.md, "Monitoring"); 0 switches the watchdog off.
     */
    watchdogSeconds: z.coerce.number().int().min(0).max(3600).default(60),
  })
  .superRefine((c, ctx) => {
    if (c.publicUrl?.endsWith("/")) {
      ctx.addIssue({ code: "custom", path: ["publicUrl"], message: "must not end with '/'" });
    }
    if (Boolean(c.tlsCertFile) !== Boolean(c.tlsKeyFile)) {
      ctx.addIssue({
        code: "custom",
        path: [c.tlsCertFile ? "tlsKeyFile" : "tlsCertFile"],
        message: "HTTPS needs both a certificate file and a key file",
      });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;

const ENV_MAP: Record<string, string> = {
  CROSSLINE_DATA_DIR: "dataDir",
  DATABASE_URL: "databaseUrl",
  CROSSLINE_MIGRATION_DATABASE_URL: "migrationDatabaseUrl",
  CROSSLINE_HOST: "host",
  CROSSLINE_PORT: "port",
  CROSSLINE_PUBLIC_URL: "publicUrl",
  CROSSLINE_TLS_CERT_FILE: "tlsCertFile",
  CROSSLINE_TLS_KEY_FILE: "tlsKeyFile",
  CROSSLINE_TLS_CA_FILE: "tlsCaFile",
  CROSSLINE_TRUSTED_PROXIES: "trustedProxies",
  CROSSLINE_MASTER_KEY: "masterKey",
  CROSSLINE_MFA_REQUIRED: "mfaRequired",
  CROSSLINE_LOG_LEVEL: "logLevel",
  CROSSLINE_LANGUAGE: "language",
  CROSSLINE_BODY_LIMIT_BYTES: "bodyLimitBytes",
  CROSSLINE_SESSION_TTL_HOURS: "sessionTtlHours",
  CROSSLINE_SMTP_URL: "smtpUrl",
  CROSSLINE_MAIL_FROM: "mailFrom",
  CROSSLINE_CONSOLE_DIR: "consoleDir",
  CROSSLINE_WORKERS: "workers",
  CROSSLINE_FED_POLL_MS: "fedPollMs",
  CROSSLINE_FED_IDLE_POLL_MS: "fedIdlePollMs",
  CROSSLINE_FED_BATCH_SIZE: "fedBatchSize",
  CROSSLINE_FED_BATCH_RECEIPTS: "fedBatchReceipts",
  CROSSLINE_FED_PIPELINE: "fedPipeline",
  CROSSLINE_FED_WORKER_CONCURRENCY: "fedWorkerConcurrency",
  CROSSLINE_FED_LEASE_SECONDS: "fedLeaseSeconds",
  CROSSLINE_FED_REQUEST_TIMEOUT_MS: "fedRequestTimeoutMs",
  CROSSLINE_FED_BACKOFF_BASE_MS: "fedBackoffBaseMs",
  CROSSLINE_FED_BACKOFF_MAX_MS: "fedBackoffMaxMs",
  CROSSLINE_FED_LINK_DOWN_ALERT_MINUTES: "fedLinkDownAlertMinutes",
  CROSSLINE_FED_INVITATION_TTL_MINUTES: "fedInvitationTtlMinutes",
  CROSSLINE_FED_MAX_ENVELOPE_BYTES: "fedMaxEnvelopeBytes",
  CROSSLINE_FED_PUBLIC_PER_IP_PER_MINUTE: "fedPublicPerIpPerMinute",
  CROSSLINE_FED_FORGED_PER_PEER_PER_MINUTE: "fedForgedPerPeerPerMinute",
  CROSSLINE_FED_CHUNK_BYTES: "fedChunkBytes",
  CROSSLINE_PGLITE_SHARED_BUFFERS_MB: "pgliteSharedBuffersMb",
  CROSSLINE_AUDIT_CHECKPOINT_MINUTES: "auditCheckpointMinutes",
  CROSSLINE_FUGITIVE_EVIDENCE_UNSENT_HOURS: "fugitiveEvidenceUnsentHours",
  CROSSLINE_WATCHDOG_SECONDS: "watchdogSeconds",
};

/** Every environment variable that sets a setting (deploy files are checked against it). */
export const settingEnvNames = (): string[] => Object.keys(ENV_MAP);

export class ConfigError extends Error {
  constructor(readonly problems: { setting: string; expected: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p.setting}: ${p.expected}`).join("\n")}`);
  }
}

/** Reverse map from config key to the environment variable that sets it, for messages. */
function settingName(key: string): string {
  const env = Object.entries(ENV_MAP).find(([, k]) => k === key)?.[0];
  return env ? `${env} (${key})` : key;
}

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Record<keyof Config, unknown>> = {},
): Config {
  const dataDir = (overrides.dataDir as string | undefined) ?? env.CROSSLINE_DATA_DIR ?? "./.crossline";
  let fromFile: Record<string, unknown> = {};
  const file = env.CROSSLINE_CONFIG ?? configFilePath(dataDir);
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new ConfigError([{ setting: file, expected: `valid JSON (${(e as Error).message})` }]);
    }
  } else if (env.CROSSLINE_CONFIG) {
    throw new ConfigError([
      { setting: "CROSSLINE_CONFIG", expected: `an existing file; ${file} is missing` },
    ]);
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_MAP)) {
    const v = env[name];
    if (v !== undefined && v !== "") fromEnv[key] = v;
  }
  const raw = { ...fromFile, ...fromEnv, ...overrides, dataDir: path.resolve(dataDir) };
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = i.path.join(".");
        const missing = i.code === "invalid_type" && raw[i.path[0] as keyof typeof raw] === undefined;
        return {
          setting: settingName(key || "(root)"),
          expected: missing ? "is required (run `crossline init` to create a node)" : i.message,
        };
      }),
    );
  }
  return parsed.data;
}
