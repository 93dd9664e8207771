/**
 * One node of the demo, created in a process of its own (`crossline demo-create-node`, started by `demo`): its
 * units, officers and seeded records, then served from the same process. Kept apart from demo.ts, which only
 * starts processes and talks to the nodes' APIs, so that the `demo` command itself loads none of the node's
 * runtime (database, services, HTTP app): `main.ts` imports this file only when the hidden command runs.
 */
import { hostname } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { loadConfig } from "../config.js";
import { seedPgliteDir } from "../db/pglite-template.js";
import { users } from "../db/schema/index.js";
import { cliActor } from "../lib/actor.js";
import { initNodeDir } from "../runtime/init.js";
import { serve } from "../runtime/serve.js";
import { type CreatedNode, type DemoNodeInfo, demoPort, type Steps } from "./demo.js";
import { seedDemoAssets } from "./demo-assets.js";
import { seedDemoCases } from "./demo-cases.js";
import { DEMO_PASSWORD, type DemoNodeSpec, demoNodeSpecs } from "./demo-data.js";
import { seedDemoFugitives } from "./demo-fugitives.js";
import { seedDemoIndicators } from "./demo-indicators.js";
import { seedDemoNotices } from "./demo-notices.js";
import { seedDemoRequests } from "./demo-requests.js";
import { CliError, EXIT } from "./exit.js";

function stepTimer(steps: Steps) {
  let last = performance.now();
  return (step: string) => {
    const now = performance.now();
    steps.push({ step, ms: Math.round(now - last) });
    last = now;
  };
}

/** Creates one demo node with its units, officers (fixed demo password, MFA optional) and an admin API token. */
async function createDemoNode(spec: DemoNodeSpec, dataDir: string, steps: Steps): Promise<DemoNodeInfo> {
  const step = stepTimer(steps);
  const port = demoPort(spec);
  const url = `http://127.0.0.1:${port}`;
  // A copy of a migrated database instead of initdb and every migration for each node (pglite-template.ts).
  await seedPgliteDir(dataDir);
  step("migrated database (template copy)");
  const r = await initNodeDir(
    dataDir,
    {
      id: spec.id,
      name: spec.name,
      nameZh: spec.nameZh,
      agencyName: spec.agency,
      agencyNameZh: spec.agencyZh,
      timeZone: spec.timeZone,
      adminUsername: "admin",
      adminDisplayName: spec.language === "zh-CN" ? "系统管理员 (admin)" : "Node administrator",
      adminPassword: DEMO_PASSWORD,
    },
    {
      port,
      host: "127.0.0.1",
      publicUrl: url,
      mfaRequired: false,
      logLevel: "info",
      language: spec.language,
    },
  );
  const { services } = r.runtime;
  step("open and init");
  try {
    const ctx = { actor: cliActor(`demo@${hostname()}`), ip: null, requestId: null };
    const [agency] = await services.org.listAgencies(ctx);
    const unitIds = new Map<string, string>();
    for (const u of await services.org.listUnits(ctx)) unitIds.set(u.name, u.id);
    for (const u of spec.units) {
      const unit = await services.org.createUnit(ctx, {
        agencyId: agency.id,
        name: u.name,
        nameZh: u.nameZh,
      });
      unitIds.set(u.name, unit.id);
    }
    const userIds = new Map<string, string>();
    for (const u of spec.users) {
      const created = await services.users.create(ctx, {
        username: u.username,
        displayName: u.displayName,
        unitId: unitIds.get(u.unit) as string,
        roles: u.roles,
        language: spec.language,
        timeZone: spec.timeZone,
        password: DEMO_PASSWORD,
      });
      // Demo officers sign in with the printed password straight away.
      await services.db.update(users).set({ mustChangePassword: false }).where(eq(users.id, created.user.id));
      userIds.set(u.username, created.user.id);
    }
    step("units and officers");
    await seedDemoRequests(services, ctx, { nodeId: spec.id, unitIds, userIds });
    step("requests");
    const compliance = spec.users
      .filter((u) => u.roles.includes("provider_compliance"))
      .map((u) => u.username);
    const providerStaff =
      compliance.length >= 2
        ? await seedDemoNotices(services, {
            nodeId: spec.id,
            userIds,
            officer: compliance[0],
            approver: compliance[1],
          })
        : [];
    step("provider notices");
    await seedDemoCases(services, { nodeId: spec.id, unitIds, userIds });
    step("cases");
    await seedDemoIndicators(services, { nodeId: spec.id, unitIds, userIds });
    step("indicators");
    await seedDemoFugitives(services, { nodeId: spec.id, unitIds, userIds });
    step("fugitives");
    await seedDemoAssets(services, { nodeId: spec.id, unitIds, userIds });
    step("assets");
    await services.db.update(users).set({ language: spec.language }).where(eq(users.id, r.adminId));
    const token = await services.tokens.create(ctx, {
      name: "demo admin token",
      userId: r.adminId,
      expiresInDays: 366,
    });
    const liaison = spec.users.find((u) => u.roles.includes("liaison"));
    const liaisonToken = liaison
      ? await services.tokens.create(ctx, {
          name: "demo liaison token (rounds)",
          userId: userIds.get(liaison.username) as string,
          expiresInDays: 366,
        })
      : undefined;
    step("tokens");
    return {
      id: spec.id,
      name: spec.name,
      url,
      dataDir,
      timeZone: spec.timeZone,
      adminToken: token.secret,
      liaisonToken: liaisonToken?.secret,
      signIns: [
        { username: "admin", password: DEMO_PASSWORD, roles: ["admin"] },
        ...spec.users.map((u) => ({ username: u.username, password: DEMO_PASSWORD, roles: u.roles })),
        // Provider staff sign in at /portal and enrol MFA (required for them) on first sign-in.
        ...providerStaff.map((u) => ({ ...u, password: DEMO_PASSWORD })),
      ],
    };
  } finally {
    await r.runtime.close();
    step("close");
  }
}

/**
 * The hidden `demo-create-node` command: creates one node of the demo, prints a CreatedNode as one line of
 * JSON, then serves the node from the same process (its code is loaded and the database's WebAssembly
 * compiled already: a new process would spend a second and more on both).
 */
export async function createDemoNodeCommand(o: {
  id: string;
  dataDir: string;
  nodes: number;
}): Promise<void> {
  const spec = demoNodeSpecs(o.nodes).find((s) => s.id === o.id);
  if (!spec) throw new CliError(`no demo node "${o.id}" among ${o.nodes} nodes`, EXIT.USAGE);
  const steps: Steps = [];
  const dataDir = path.resolve(o.dataDir);
  const node = await createDemoNode(spec, dataDir, steps);
  process.stdout.write(`${JSON.stringify({ node, steps } satisfies CreatedNode)}\n`);
  await serve(loadConfig({ ...process.env, DATABASE_URL: "" }, { dataDir }));
}
