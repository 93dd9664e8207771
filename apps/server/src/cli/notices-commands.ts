import { readFileSync } from "node:fs";
import { type ErrorBody, label, type VerifyView } from "@crossline/schemas";
import type { Command } from "commander";
import { detailsText } from "../lib/errors.js";
import { jsonCommand, withClient } from "./command-kit.js";
import { CliError, EXIT } from "./exit.js";

/** A file path is read as a signed notice (JSON); anything else is a verification code. */
function verifyBody(arg: string): Record<string, unknown> {
  let text: string | null = null;
  try {
    text = readFileSync(arg, "utf8");
  } catch {
    return { code: arg };
  }
  try {
    return { document: JSON.parse(text) as unknown };
  } catch {
    throw new CliError(`${arg}: not a signed notice (JSON) file`, EXIT.USAGE);
  }
}

function verifyText(r: VerifyView): string {
  const lines = [`${label("verifyResult", r.result, "en")} / ${label("verifyResult", r.result, "zh-CN")}`];
  const n = r.notice;
  if (n) {
    lines.push(
      `Notice ${n.reference} to ${n.provider} (${n.providerZh}): ${label("noticeKind", n.kind, "en")}`,
      `By ${n.agency} (node ${n.node}), officer ${n.officer}${n.approvedBy ? `, approved by ${n.approvedBy}` : ""}`,
      `Sent ${n.sentAt}${n.actBy ? `, act by ${n.actBy}` : ""}`,
      n.withdrawnAt ? `WITHDRAWN ${n.withdrawnAt}` : n.inForce ? "In force." : `No longer open: ${n.status}.`,
    );
  }
  return lines.join("\n");
}

/** `crossline notices verify CODE|FILE`: a provider checks a notice it received, with no account. */
export function addNoticeCommands(program: Command): void {
  const notices = program.command("notices").description("notices to online service providers");
  jsonCommand(
    notices
      .command("verify <codeOrFile>")
      .description(
        "check a notice by its verification code or its signed file: exits 0 when it is genuine and in force, 1 otherwise",
      )
      .option("--node <url>", "the issuing node's public URL (default: this data directory's node)")
      .option("--addressee <providerId>", "the provider asking (a notice addressed to another is a replay)"),
    async (o, args, cmd) => {
      const body = { ...verifyBody(args[0]), ...(o.addressee ? { addressee: o.addressee } : {}) };
      let r: VerifyView;
      if (o.node) {
        const res = await fetch(`${String(o.node).replace(/\/$/, "")}/api/v1/verify`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        }).catch(() => {
          throw new CliError(`cannot reach ${o.node}`, EXIT.FAILED);
        });
        const json = (await res.json()) as VerifyView & ErrorBody;
        if (!res.ok) {
          const d = json.error?.details ? detailsText(json.error.details) : "";
          throw new CliError(`${json.error?.code ?? res.status}${d ? ` (${d})` : ""}`, EXIT.USAGE);
        }
        r = json;
      } else {
        r = await withClient(cmd, (c) => c.call<VerifyView>("POST", "/api/v1/verify", body));
      }
      const good = r.result === "valid" && r.notice?.inForce === true;
      return { data: r, text: () => verifyText(r), exitCode: good ? EXIT.OK : EXIT.CHECK_FAILED };
    },
  );
}
