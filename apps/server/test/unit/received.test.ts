import { Marking } from "@crossline/schemas";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseReceived } from "../../src/lib/received.js";

const Item = z.strictObject({
  kind: z.literal("ip"),
  value: z.string(),
  seen: z.strictObject({ at: z.string() }),
});
const Note = z.strictObject({ kind: z.literal("note"), text: z.string() });
const Doc = z.strictObject({
  title: z.string(),
  items: z.array(Item),
  entry: z.discriminatedUnion("kind", [Item, Note]),
  either: z.union([Item, Note]),
  extra: z.strictObject({ n: z.number() }).optional(),
  marking: Marking,
});
const doc = {
  title: "t",
  items: [{ kind: "ip", value: "192.0.2.1", seen: { at: "2026-12-01" } }],
  entry: { kind: "note", text: "x" },
  either: { kind: "ip", value: "192.0.2.2", seen: { at: "2026-12-02" } },
  marking: { tlp: "AMBER", handling: [] },
};

describe("parseReceived: a newer release's fields", () => {
  it("parses what this release knows as safeParse does, ignoring nothing", () => {
    expect(parseReceived(Doc, doc)).toEqual({ success: true, data: Doc.parse(doc), ignored: [] });
  });

  it("ignores unknown keys at every depth (arrays, unions, optional objects) and names them", () => {
    const newer = {
      ...doc,
      items: [{ ...doc.items[0], asn: 64500, seen: { at: "2026-12-01", by: "sensor-3" } }],
      entry: { kind: "note", text: "x", lang: "en" },
      either: { ...doc.either, port: 443 },
      extra: { n: 1, unit: "s" },
      addedLater: true,
    };
    const r = parseReceived(Doc, newer);
    expect(r.success).toBe(true);
    if (!r.success) return;
    expect(r.data).toEqual(Doc.parse({ ...doc, extra: { n: 1 } }));
    expect([...r.ignored].sort()).toEqual(
      ["addedLater", "either.port", "entry.lang", "extra.unit", "items.0.asn", "items.0.seen.by"].sort(),
    );
    // the value it was given is left as it was
    expect(newer.items[0]).toHaveProperty("asn", 64500);
  });

  it("fails with every issue of the first parse when a known field is wrong, unknown keys or not", () => {
    const r = parseReceived(Doc, { ...doc, title: 7, addedLater: true });
    expect(r.success).toBe(false);
    if (r.success) return;
    expect(r.error.issues.map((i) => [i.code, i.path.join(".")])).toEqual([
      ["invalid_type", "title"],
      ["unrecognized_keys", ""],
    ]);
  });

  it("fails when a required field is missing, however many unknown ones there are", () => {
    const { title: _, ...withoutTitle } = doc;
    expect(parseReceived(Doc, { ...withoutTitle, heading: "t" }).success).toBe(false);
  });

  it("never ignores anything about a marking", () => {
    expect(
      parseReceived(Doc, { ...doc, marking: { ...doc.marking, embargoUntil: "2027-01-01" } }).success,
    ).toBe(false);
    const Plain = z.strictObject({ text: z.string() });
    expect(parseReceived(Plain, { text: "x", marking: { tlp: "RED" } }).success).toBe(false);
  });
});
