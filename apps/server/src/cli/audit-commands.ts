import { hostname } from "node:os";
import type { AuditCheckpoint, AuditVerifyAnchoredResult } from "@crossline/schemas";
import type { Command } from "commander";
import { cliActor } from "../lib/actor.js";
import { nodeCommand } from "./command-kit.js";
import { CliError, EXIT } from "./exit.js";

function verifyText(r: AuditVerifyAnchoredResult): string {
  const lines = [
    r.firstBad
      ? `Hash chain BROKEN at entry ${r.firstBad.seq}: ${r.firstBad.reason} (${r.checked} entries verified before it).`
      : `Hash chain intact: ${r.checked} entries verified.`,
  ];
  const a = r.anchors;
  lines.push(
    a.latestOwn
      ? `Latest own checkpoint: entry ${a.latestOwn.seq}, signed ${a.latestOwn.signedAt}.`
      : "No own checkpoint held (none signed yet, or removed).",
  );
  for (const p of a.peers) {
    const held = p.latest
      ? `holds ${p.held}, latest entry ${p.latest.seq} signed ${p.latest.signedAt}`
      : "holds none";
    const state = {
      ok: `agrees (${held})`,
      disagrees: `DISAGREES (${held})`,
      no_answer: `did not answer (asked ${p.askedAt})`,
      not_asked: "not asked",
    }[p.state];
    lines.push(`Peer ${p.peerId}: ${state}.`);
  }
  for (const p of a.problems)
    lines.push(`  ${p.source === "own" ? "own checkpoint" : `${p.source}'s copy`}: ${p.reason}`);
  const l = r.accessLog;
  lines.push(
    l.firstBad
      ? `Access log BROKEN at seal ${l.firstBad.seal}: ${l.firstBad.reason} (${l.seals} seal(s) verified before it).`
      : `Access log intact: ${l.seals} seal(s) in the audit trail, ${l.rowsChecked} rows recomputed, ${l.unsealed} written since the last seal.`,
  );
  lines.push(
    r.ok
      ? `Audit trail intact and consistent with ${a.checked} checkpoint(s).`
      : "Audit trail NOT consistent: see above.",
  );
  return lines.join("\n");
}

/** `crossline audit verify` and `crossline audit checkpoint`. */
export function addAuditCommands(program: Command): void {
  const audit = program.command("audit").description("the audit trail and its checkpoints");
  nodeCommand(
    audit
      .command("verify")
      .description(
        "verify the hash chain, compare it with the signed checkpoints this node and its peers hold, and check the access log against its seals in the chain; exits 1 when anything disagrees",
      )
      .option(
        "--wait <seconds>",
        "how long to wait for the peers' answers (0: use the answers already held)",
        "10",
      ),
    async (c, o) => {
      const waitSeconds = Number(o.wait);
      if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > 60) {
        throw new CliError("--wait: a whole number of seconds from 0 to 60", EXIT.USAGE);
      }
      let result: AuditVerifyAnchoredResult;
      if (c.runtime) {
        // A stopped node delivers nothing, so it compares with the answers it already holds.
        const { services } = c.runtime;
        const { verifyAuditChain } = await import("../modules/audit/audit.service.js");
        const chain = await verifyAuditChain(services.db, services.clock, (checked, head) => {
          if (!o.json && process.stderr.isTTY) process.stderr.write(`\rchecked ${checked}/${head}`);
        });
        if (!o.json && process.stderr.isTTY) process.stderr.write("\n");
        const anchors = await services.auditAnchors.compareAnchors();
        const ctx = { actor: cliActor(`cli@${hostname()}`), ip: null, requestId: null };
        const accessLog = await services.accessLog.verify(ctx);
        result = { ...chain, ok: chain.ok && anchors.ok && accessLog.ok, anchors, accessLog };
      } else {
        result = (
          await c.call<{ result: AuditVerifyAnchoredResult }>("POST", "/api/v1/audit/verify", { waitSeconds })
        ).result;
      }
      return {
        data: result,
        text: () => verifyText(result),
        exitCode: result.ok ? undefined : EXIT.CHECK_FAILED,
      };
    },
  );
  nodeCommand(
    audit
      .command("checkpoint")
      .description("sign a checkpoint of the audit trail now and send it to every active peer"),
    async (c) => {
      const { checkpoint } = await c.call<{ checkpoint: AuditCheckpoint }>(
        "POST",
        "/api/v1/audit/checkpoints",
      );
      return {
        data: checkpoint,
        text: () =>
          `Checkpoint of entry ${checkpoint.seq} signed ${checkpoint.signedAt} (hash ${checkpoint.hash.slice(0, 16)}…); sent to the active peers.`,
      };
    },
  );
}
