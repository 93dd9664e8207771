import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { auditActionLabel, auditTargetLabel, hasAuditPhrase } from "@crossline/schemas";
import { describe, expect, it } from "vitest";

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(path.join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [path.join(dir, e.name)]
        : [],
  );
}

/** Every audit action and target type the server writes as a literal (`action: "…"`, `targetType: "…"`). */
function written(field: "action" | "targetType"): string[] {
  const found = new Set<string>();
  const re = new RegExp(`${field}: "([a-z_.]+)"`, "g");
  for (const f of sources(SRC)) for (const m of readFileSync(f, "utf8").matchAll(re)) found.add(m[1]);
  return [...found].filter((a) => field !== "action" || a.includes("."));
}

describe("audit labels", () => {
  it("give every action the server writes a phrase in English and in Chinese", () => {
    const actions = written("action");
    expect(actions.length).toBeGreaterThan(50);
    const missing = actions.filter((a) => !hasAuditPhrase(a));
    expect(missing).toEqual([]);
    for (const a of actions) {
      expect(auditActionLabel(a, "en")).not.toBe(a);
      expect(auditActionLabel(a, "zh-CN")).toMatch(/[\u4e00-\u9fff]/);
    }
    // The peer state changes are written from a template (`federation.peer.${action}`).
    for (const a of ["suspend", "resume", "revoke"])
      expect(hasAuditPhrase(`federation.peer.${a}`)).toBe(true);
  });

  it("read a request event as the request event's label, the peer's as the peer's", () => {
    expect(auditActionLabel("request.approve", "en")).toBe("Request · Approve");
    expect(auditActionLabel("request.remote.answer", "zh-CN")).toBe("请求 · 对方：答复");
  });

  it("give every target type a label, and show an unknown action as its area and code", () => {
    for (const t of written("targetType")) expect(auditTargetLabel(t, "zh-CN")).toMatch(/[\u4e00-\u9fff]/);
    expect(auditActionLabel("user.something_new", "en")).toBe("User · something_new");
    expect(auditActionLabel("unknown", "zh-CN")).toBe("unknown");
  });
});
