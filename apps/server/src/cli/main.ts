import { hostname } from "node:os";
import type { ApiToken, CreateTokenResponse, CreateUserResponse, Role, User } from "@crossline/schemas";
import { ROLES } from "@crossline/schemas";
import { Command, Option } from "commander";
import { ConfigError } from "../config.js";
import { RELEASE } from "../lib/release.js";
import { DataDirBusyError } from "../runtime/lock.js";
import { addAuditCommands } from "./audit-commands.js";
import { addBackupCommands } from "./backup-commands.js";
import type { NodeClient } from "./client.js";
import { config, jsonCommand, nodeCommand } from "./command-kit.js";
import { parseDemoNodeCount } from "./demo.js";
import { addDemoCommand } from "./demo-command.js";
import { CliError, EXIT, runProgram } from "./exit.js";
import { addIndicatorCommands } from "./indicators-commands.js";
import { addMigrateCommand } from "./migrate-command.js";
import { addNoticeCommands } from "./notices-commands.js";
import { addPeerCommands } from "./peer-commands.js";
import { addRoundsCommands } from "./rounds-commands.js";

/** Every user of the node, a page of 200 at a time. */
async function* userPages(c: NodeClient): AsyncGenerator<User[]> {
  let cursor: string | null = null;
  do {
    const page: { items: User[]; nextCursor: string | null } = await c.call(
      "GET",
      `/api/v1/users?limit=200${cursor ? `&cursor=${cursor}` : ""}`,
    );
    yield page.items;
    cursor = page.nextCursor;
  } while (cursor);
}

async function userByName(c: NodeClient, username: string): Promise<User> {
  for await (const items of userPages(c)) {
    const u = items.find((x) => x.username === username.toLowerCase());
    if (u) return u;
  }
  throw new CliError(`no user named ${username}`, EXIT.STATE);
}

const roleOption = () =>
  new Option("--role <role...>", "roles (repeat or list)").choices(ROLES as unknown as string[]);

export function buildCli(): Command {
  const program = new Command("crossline")
    .description("Crossline node: peer-to-peer cooperation between law-enforcement agencies")
    .version(RELEASE, "-V, --version", "print the release")
    .option("--data-dir <dir>", "the node's data directory (default $CROSSLINE_DATA_DIR or ./.crossline)")
    .addHelpText(
      "after",
      "\nExit codes: 0 ok, 1 a check failed, 2 bad usage or configuration, 3 wrong state (not found, busy, exists), 4 failure.",
    )
    .showHelpAfterError();

  const init = program
    .command("init")
    .description(
      "create a node: identity, keys (encrypted at rest), the first admin with a one-time password",
    )
    .requiredOption("--id <id>", "node id, e.g. CN-MPS")
    .requiredOption("--name <name>", "display name")
    .option("--name-zh <name>", "display name in Chinese")
    .requiredOption("--agency <agency>", "the agency running the node")
    .option("--agency-zh <agency>", "agency name in Chinese")
    .requiredOption("--time-zone <tz>", "IANA time zone, e.g. Asia/Shanghai")
    .option("--admin <username>", "first admin's username", "admin")
    .option("--port <port>", "port to serve on", "4100")
    .option("--public-url <url>", "URL peers and browsers reach this node at");
  jsonCommand(init, async (o, _args, cmd) => {
    const dataDir =
      (cmd.optsWithGlobals().dataDir as string | undefined) ??
      process.env.CROSSLINE_DATA_DIR ??
      "./.crossline";
    try {
      new Intl.DateTimeFormat("en", { timeZone: o.timeZone });
    } catch {
      throw new CliError(`--time-zone: ${o.timeZone} is not an IANA time zone`, EXIT.USAGE);
    }
    const { initNodeDir } = await import("../runtime/init.js");
    const r = await initNodeDir(
      dataDir,
      {
        id: o.id,
        name: o.name,
        nameZh: o.nameZh,
        agencyName: o.agency,
        agencyNameZh: o.agencyZh,
        timeZone: o.timeZone,
        adminUsername: o.admin,
        adminDisplayName: "Node administrator",
      },
      { port: Number(o.port), ...(o.publicUrl ? { publicUrl: o.publicUrl } : {}) },
    ).catch((e: Error) => {
      throw new CliError(e.message, EXIT.STATE);
    });
    await r.runtime.close();
    return {
      data: {
        nodeId: o.id,
        dataDir: r.config.dataDir,
        admin: r.adminUsername,
        oneTimePassword: r.adminPassword,
      },
      text: () =>
        [
          `Node ${o.id} created in ${r.config.dataDir}`,
          `First admin: ${r.adminUsername}`,
          `One-time password (shown once, change it at first sign-in): ${r.adminPassword}`,
          "Start it with: crossline serve",
        ].join("\n"),
    };
  });

  program
    .command("serve")
    .description("run the node: API, console and background workers")
    .action(async (_o, cmd: Command) => (await import("../runtime/serve.js")).serve(config(cmd)));

  addMigrateCommand(program);

  const user = program.command("user").description("manage users");
  nodeCommand(
    user
      .command("add")
      .description("create a user; prints a one-time password")
      .requiredOption("--username <username>")
      .requiredOption("--display-name <name>")
      .option("--email <email>")
      .option("--unit <unit>", "unit name (default: Administration)")
      .addOption(roleOption().makeOptionMandatory())
      .option("--language <lang>", "en or zh-CN", "en"),
    async (c, o) => {
      const units = (await c.call<{ items: { id: string; name: string }[] }>("GET", "/api/v1/units")).items;
      const unit = units.find((u) => u.name === (o.unit ?? "Administration"));
      if (!unit)
        throw new CliError(
          `no unit named ${o.unit}; units: ${units.map((u) => u.name).join(", ")}`,
          EXIT.STATE,
        );
      const r = await c.call<CreateUserResponse>("POST", "/api/v1/users", {
        username: o.username,
        displayName: o.displayName,
        email: o.email,
        unitId: unit.id,
        roles: o.role,
        language: o.language,
      });
      return {
        data: r,
        text: () => `User ${r.user.username} created. One-time password (shown once): ${r.oneTimePassword}`,
      };
    },
  );
  nodeCommand(user.command("list").description("list users"), async (c) => {
    const items: User[] = [];
    for await (const page of userPages(c)) items.push(...page);
    return {
      data: { items },
      text: () =>
        items
          .map(
            (u) =>
              `${u.username.padEnd(20)} ${u.roles.join(",").padEnd(40)} ${u.disabled ? "disabled" : "active"}${u.mfaEnrolled ? " mfa" : ""}`,
          )
          .join("\n"),
    };
  });
  nodeCommand(
    user.command("disable <username>").description("disable a user and end their sessions"),
    async (c, _o, [username]) => {
      const u = await userByName(c, username);
      const r = await c.call<{ user: User }>("PATCH", `/api/v1/users/${u.id}`, { disabled: true });
      return { data: r, text: () => `User ${username} disabled.` };
    },
  );
  nodeCommand(
    user
      .command("reset-mfa <username>")
      .description("remove a user's MFA enrolment (they enrol again at next sign-in)"),
    async (c, _o, [username]) => {
      const u = await userByName(c, username);
      await c.call("POST", `/api/v1/users/${u.id}/reset-mfa`);
      return { data: { username, mfaReset: true }, text: () => `MFA of ${username} reset.` };
    },
  );

  const token = program.command("token").description("manage API tokens");
  nodeCommand(
    token
      .command("create")
      .description("create an API token for a user (the secret is shown once)")
      .requiredOption("--user <username>")
      .requiredOption("--name <name>")
      .addOption(roleOption())
      .option("--days <days>", "days until it expires", "90"),
    async (c, o) => {
      const u = await userByName(c, o.user);
      const r = await c.call<CreateTokenResponse>("POST", "/api/v1/tokens", {
        name: o.name,
        userId: u.id,
        roles: o.role as Role[] | undefined,
        expiresInDays: Number(o.days),
      });
      return {
        data: r,
        text: () =>
          `Token ${r.token.id} (${r.token.roles.join(",")}, expires ${r.token.expiresAt}):\n${r.secret}`,
      };
    },
  );
  nodeCommand(token.command("revoke <id>").description("revoke an API token"), async (c, _o, [id]) => {
    await c.call("DELETE", `/api/v1/tokens/${id}`);
    return { data: { id, revoked: true }, text: () => `Token ${id} revoked.` };
  });
  nodeCommand(token.command("list").description("list API tokens"), async (c) => {
    const r = await c.call<{ items: ApiToken[] }>("GET", "/api/v1/tokens");
    return {
      data: r,
      text: () =>
        r.items
          .map((t) => `${t.id} ${t.prefix}… ${t.name} ${t.revokedAt ? "revoked" : `expires ${t.expiresAt}`}`)
          .join("\n"),
    };
  });

  addAuditCommands(program);
  addPeerCommands(program);
  addNoticeCommands(program);
  addIndicatorCommands(program);
  addRoundsCommands(program);
  addBackupCommands(program);

  addDemoCommand(program);

  // Used by `demo` itself: each node it creates is created by a process of its own.
  program
    .command("demo-create-node", { hidden: true })
    .requiredOption("--id <id>", "the demo node's id")
    .requiredOption("--into <dir>", "its data directory")
    .requiredOption("--nodes <count>", "how many nodes the demo has")
    .action(async (o) =>
      (await import("./demo-node.js")).createDemoNodeCommand({
        id: o.id,
        dataDir: o.into,
        nodes: parseDemoNodeCount(o.nodes),
      }),
    );

  return program;
}

export async function main(argv: string[]): Promise<void> {
  await runProgram(buildCli(), argv, (e) => {
    if (e instanceof ConfigError) return { message: e.message, exitCode: EXIT.USAGE };
    if (e instanceof DataDirBusyError)
      return { message: `${e.message} Stop it first, or use the API.`, exitCode: EXIT.STATE };
    return null;
  });
}

export const cliHost = hostname;
