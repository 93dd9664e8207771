import { linkProblemText, type PeerAccepted, type PeerInvitation, type PeerView } from "@crossline/schemas";
import type { Command } from "commander";
import { nodeCommand } from "./command-kit.js";
import { CliError, EXIT } from "./exit.js";

const peerLine = (p: PeerView) =>
  [
    `${p.id.padEnd(10)} ${p.state.padEnd(9)} ${p.baseUrl}${p.release ? `  (Crossline ${p.release})` : ""}`,
    `           fingerprint ${p.fingerprint}${p.tlsPin ? `, TLS pin ${p.tlsPin}` : ""}`,
    `           outbox ${p.health.outboxDepth}${p.health.oldestUndeliveredAgeSeconds !== null ? ` (oldest ${p.health.oldestUndeliveredAgeSeconds}s)` : ""}, sent ${p.health.sent}, delivered ${p.health.delivered}, received ${p.health.received}, rejected ${p.health.rejected}`,
    `           last success ${p.health.lastSuccessAt ?? "never"}, rtt ${p.health.rttMs ?? "-"} ms, ping ${p.health.pingRttMs ?? "-"} ms${p.health.linkDown ? "  LINK DOWN" : ""}${p.health.lastError ? `\n           last error: ${linkProblemText(p.health.lastError, "en")}\n             ${p.health.lastError}` : ""}`,
  ].join("\n");

/** `crossline peer …` and `crossline key …`: pairing, peer states, hotline tests and key rotation. */
export function addPeerCommands(program: Command): void {
  const peer = program.command("peer").description("paired nodes: pairing, states, hotline tests");
  nodeCommand(
    peer
      .command("invite")
      .description("print a single-use, short-lived invitation for another node to accept"),
    async (c) => {
      const r = await c.call<PeerInvitation>("POST", "/api/v1/peers/invitations");
      return {
        data: r,
        text: () =>
          [
            "Give this invitation to the other node's administrator (single use):",
            "",
            r.invitation,
            "",
            `Expires ${r.expiresAt}. This node's key fingerprint: ${r.nodeFingerprint}`,
            ...(r.tlsPin
              ? [`This node's TLS certificate pin: ${r.tlsPin} (for \`peer accept --tls-pin\`)`]
              : []),
            "After they accept, compare the pairing fingerprint shown by `crossline peer list` by phone.",
          ].join("\n"),
      };
    },
  );
  nodeCommand(
    peer
      .command("accept <invitation>")
      .description("accept another node's invitation: pairs both ways")
      .option(
        "--tls-pin <pin>",
        "the inviting node's TLS certificate pin (sha256/…), read out with its fingerprint",
      ),
    async (c, o, [invitation]) => {
      const r = await c.call<PeerAccepted>("POST", "/api/v1/peers/accept", {
        invitation,
        ...(o.tlsPin ? { tlsPin: o.tlsPin } : {}),
      });
      return {
        data: r,
        text: () =>
          `Paired with ${r.peer.id} (${r.peer.name}) at ${r.peer.baseUrl}.\nFingerprint to compare by phone: ${r.fingerprint}`,
      };
    },
  );
  nodeCommand(peer.command("list").description("peers with link health"), async (c) => {
    const r = await c.call<{ items: PeerView[] }>("GET", "/api/v1/peers");
    return { data: r, text: () => (r.items.length ? r.items.map(peerLine).join("\n") : "No peers yet.") };
  });
  nodeCommand(
    peer
      .command("pin <peer> <pin>")
      .description(
        "pin the peer's TLS certificate (sha256/… of its public key, or 64 hex digits); `none` removes the pin",
      ),
    async (c, _o, [id, pin]) => {
      const r = await c.call<{ peer: PeerView }>("PUT", `/api/v1/peers/${encodeURIComponent(id)}/tls-pin`, {
        tlsPin: pin === "none" ? null : pin,
      });
      return {
        data: r,
        text: () =>
          r.peer.tlsPin ? `Peer ${r.peer.id}: TLS pin ${r.peer.tlsPin}.` : `Peer ${r.peer.id}: no TLS pin.`,
      };
    },
  );
  for (const action of ["suspend", "resume", "revoke"] as const) {
    nodeCommand(
      peer
        .command(`${action} <peer>`)
        .description(
          action === "suspend"
            ? "pause traffic with a peer (queued messages wait)"
            : action === "resume"
              ? "resume traffic with a suspended peer"
              : "end the pairing: traffic stops both ways at once",
        ),
      async (c, _o, [id]) => {
        const r = await c.call<{ peer: PeerView }>(
          "POST",
          `/api/v1/peers/${encodeURIComponent(id)}/${action}`,
        );
        return { data: r, text: () => `Peer ${r.peer.id} is now ${r.peer.state}.` };
      },
    );
  }
  nodeCommand(
    peer
      .command("resequence <peer>")
      .description(
        "after a sequence conflict (e.g. this node restored from a backup): renumber the messages waiting for the peer after the highest number it holds, and resume delivery",
      )
      .option("--after <seq>", "renumber after this sequence number, if higher than the peer's"),
    async (c, o, [id]) => {
      const after = o.after === undefined ? undefined : Number(o.after);
      if (after !== undefined && !(Number.isSafeInteger(after) && after >= 0)) {
        throw new CliError("--after must be a whole number, 0 or more", EXIT.USAGE);
      }
      const r = await c.call<{ peerId: string; firstSeq: number; count: number }>(
        "POST",
        `/api/v1/peers/${encodeURIComponent(id)}/resequence`,
        after === undefined ? {} : { afterSeq: after },
      );
      return {
        data: r,
        text: () => `${r.count} message(s) to ${r.peerId} renumbered from ${r.firstSeq}; delivery resumes.`,
      };
    },
  );
  nodeCommand(
    peer
      .command("ping <peer>")
      .description("hotline test: the peer answers automatically; prints round-trip times")
      .option("--count <n>", "how many pings", "1")
      .option("--timeout <seconds>", "how long to wait for the answers", "30"),
    async (c, o, [id]) => {
      const count = Number(o.count);
      if (!Number.isInteger(count) || count < 1 || count > 100) {
        throw new CliError("--count: an integer from 1 to 100", EXIT.USAGE);
      }
      const sent = await c.call<{ pings: { pingId: string }[] }>(
        "POST",
        `/api/v1/peers/${encodeURIComponent(id)}/ping`,
        { count },
      );
      const ids = sent.pings.map((p) => p.pingId).join(",");
      const until = Date.now() + Number(o.timeout) * 1000;
      let items: { pingId: string; rttMs: number | null }[] = [];
      for (;;) {
        items = (
          await c.call<{ items: { pingId: string; rttMs: number | null }[] }>(
            "GET",
            `/api/v1/peers/${encodeURIComponent(id)}/pings?ids=${ids}&limit=100`,
          )
        ).items;
        if (items.every((p) => p.rttMs !== null) || Date.now() > until) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const answered = items.filter((p) => p.rttMs !== null);
      const rtts = answered.map((p) => p.rttMs as number).sort((a, b) => a - b);
      const result = {
        peer: id,
        sent: count,
        answered: answered.length,
        rttMs: {
          min: rtts[0] ?? null,
          median: rtts[Math.floor(rtts.length / 2)] ?? null,
          max: rtts.at(-1) ?? null,
        },
        pings: items,
      };
      return {
        data: result,
        text: () =>
          [
            ...items.map((p) => `ping ${p.pingId}: ${p.rttMs !== null ? `${p.rttMs} ms` : "no answer yet"}`),
            `${answered.length}/${count} answered${rtts.length ? `, rtt min/median/max ${result.rttMs.min}/${result.rttMs.median}/${result.rttMs.max} ms` : ""}`,
          ].join("\n"),
        exitCode: answered.length < count ? EXIT.CHECK_FAILED : undefined,
      };
    },
  );

  const key = program.command("key").description("the node's signing and encryption keys");
  nodeCommand(
    key.command("rotate").description("add new keys; peers accept old and new during the overlap"),
    async (c) => {
      const r = await c.call<{ added: string[] }>("POST", "/api/v1/node/keys/rotate");
      return {
        data: r,
        text: () =>
          `New keys ${r.added.join(", ")} announced to peers. Retire the old ones with \`crossline key retire\` once delivered.`,
      };
    },
  );
  nodeCommand(
    key
      .command("retire")
      .description("retire the keys replaced by the last rotation")
      .option("--force", "even if some peer has not yet received the new keys"),
    async (c, o) => {
      const r = await c.call<{ retired: string[] }>("POST", "/api/v1/node/keys/retire", {
        force: Boolean(o.force),
      });
      return { data: r, text: () => `Retired ${r.retired.join(", ")}.` };
    },
  );
}
