import { readdirSync } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { type IndicatorView, issueRefOf, issueText } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import { indicators } from "../../src/db/schema/index.js";
import { makeActor } from "../../src/lib/actor.js";
import { stixValidator } from "../../src/modules/indicators/indicators.stix.js";
import { example, STIX_EXAMPLES, upload } from "../support/indicators-fixtures.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";

const CSV = [
  "kind,value,qualifier,first_seen,confidence,description,source,tlp",
  "ip,203.0.113.7,,2026-11-01T00:00:00Z,80,C2 server,CERT feed,GREEN",
  "ip,198.51.100.0/24,,,,Bulletproof hosting range,,",
  "ipv6,2001:DB8::1,,,,,,",
  "domain,Phish.Example.COM,,,,,,",
  'url,"hxxps://phish.example[.]com/login?a=1,2",,,,"Login page, fake",,',
  "email,Boss@Phish.Example.com,,,,,,",
  "file_hash,44d88612fea8a8f36de82e1278abb02f,,,,EICAR,,",
  "sha256,275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f,,,,,,",
  "crypto_wallet,1BoatSLRHtKNngkdXEeobR76b53LETtpyT,btc,,,,,",
  "phone,+86 10 1234 5678,,,,,,",
  // bad rows: each reported with its line and reason
  "ip,999.1.1.1,,,,,,",
  "colour,red,,,,,,",
  "domain,example.org,,not-a-date,,,,",
  "domain,example.net,,,150,,,",
  "crypto_wallet,1BoatSLRHtKNngkdXEeobR76b53LETtpyT,,,,,,",
  "domain,too,many,fields,here,x,y,z,w",
  "domain,secret.example,,,,,,RED",
].join("\n");

describeDb("indicators: streamed bulk import (CSV, STIX 2.1), export", () => {
  let node: TestNode;
  let officer: Agent;
  beforeAll(async () => {
    node = await createTestNode({ id: "CN-MPS" });
    await node.user("officer", ["case_officer"]);
    officer = await node.as("officer");
  }, 120_000);
  afterAll(() => node?.close());

  it("imports a CSV: good rows normalised and kept, bad rows reported with line and reason", async () => {
    const r = await upload(officer, CSV, "text/csv", "?fileName=feed.csv");
    expect(r.status).toBe(201);
    const rep = r.body.import;
    expect(rep).toMatchObject({
      format: "csv",
      state: "done",
      read: 17,
      added: 10,
      duplicates: 0,
      rejected: 7,
    });
    expect(rep.problems.map((p) => [p.line, p.code])).toEqual([
      [12, "VALUE_INVALID"],
      [13, "UNKNOWN_KIND"],
      [14, "DATE_INVALID"],
      [15, "CONFIDENCE_INVALID"],
      [16, "VALUE_INVALID"],
      [17, "CSV_FIELD_COUNT"],
      [18, "MARKING_FORBIDS"],
    ]);
    expect(rep.problems[4].issue).toContain("qualifier");
    // A reason travels with its message key, so the console words it in Chinese too; the English stays.
    expect(rep.problems[5]).toMatchObject({
      issue: "9 fields where the header has 8",
      key: "import.fieldCount",
      params: { count: 9, columns: 8 },
    });
    const list = await officer.req<{ items: IndicatorView[] }>("GET", "/api/v1/indicators?limit=50");
    const values = list.body.items.map((i) => `${i.kind} ${i.value}`).sort();
    expect(values).toEqual(
      [
        "crypto_wallet 1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
        "domain phish.example.com",
        "email boss@phish.example.com",
        "file_hash 275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
        "file_hash 44d88612fea8a8f36de82e1278abb02f",
        "ip 198.51.100.0/24",
        "ip 2001:db8::1",
        "ip 203.0.113.7",
        "phone +861012345678",
        "url https://phish.example.com/login?a=1,2",
      ].sort(),
    );
    const c2 = list.body.items.find((i) => i.value === "203.0.113.7");
    expect(c2).toMatchObject({
      confidence: 80,
      description: "C2 server",
      source: "CERT feed",
      marking: { tlp: "GREEN" },
      firstSeen: "2026-11-01T00:00:00.000Z",
      origin: "own",
      ownerNode: "CN-MPS",
    });
  });

  it("importing the same file twice adds nothing", async () => {
    const before = (await node.rt.services.db.select().from(indicators)).length;
    const r = await upload(officer, CSV);
    expect(r.body.import).toMatchObject({ added: 0, duplicates: 10, rejected: 7 });
    expect((await node.rt.services.db.select().from(indicators)).length).toBe(before);
  });

  it("reports text PostgreSQL cannot hold by line (TEXT_INVALID) and keeps the escapes COPY needs", async () => {
    const csv = Buffer.concat([
      Buffer.from("kind,value,description,source\n"),
      Buffer.from('domain,copy-escapes.example,"tab\there, back\\slash\nnew line \\N",src\\1\n'),
      Buffer.from("domain,nul.example,a\u0000b,\n"),
      // Bytes that are not UTF-8 (a Latin-1 é): the decoder puts U+FFFD, and the row is refused, not mangled.
      Buffer.from("domain,latin1.example,caf"),
      Buffer.from([0xe9]),
      Buffer.from(",\n"),
      Buffer.from("domain,fine.example,ok,\n"),
    ]);
    const r = await upload(officer, csv);
    expect(r.status).toBe(201);
    expect(r.body.import).toMatchObject({ read: 4, added: 2, rejected: 2 });
    expect(r.body.import.problems.map((p) => [p.line, p.code, p.issue.split(":")[0]])).toEqual([
      // The quoted description of line 2 goes on over line 3.
      [4, "TEXT_INVALID", "description"],
      [5, "TEXT_INVALID", "description"],
    ]);
    const list = await officer.req<{ items: IndicatorView[] }>(
      "GET",
      "/api/v1/indicators?q=copy-escapes.example",
    );
    expect(list.body.items[0]).toMatchObject({
      description: "tab\there, back\\slash\nnew line \\N",
      source: "src\\1",
    });
    // A STIX string escaping half a character (an unpaired surrogate) is refused by object id.
    const bundle = `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56e","objects":[{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd40","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"half \\ud800 a character","pattern":"[domain-name:value = 'half.example']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z"}]}`;
    const s = await upload(officer, bundle, "application/stix+json");
    expect(s.body.import).toMatchObject({ added: 0, rejected: 1 });
    expect(s.body.import.problems[0]).toMatchObject({
      objectId: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd40",
      code: "TEXT_INVALID",
    });
  });

  it("stops at an element of objects that is not an object: those before it kept, the fault keyed for any language", async () => {
    const good = `{"type":"indicator","spec_version":"2.1","id":"indicator--0b7d2e0c-2f5e-4a55-9d7b-1c2d3e4f5a6b","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","pattern":"[domain-name:value = 'stop-before.example']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z"}`;
    const bundle = `{"type":"bundle","id":"bundle--6e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b","objects":[${good},42]}`;
    const r = await upload(officer, bundle, "application/stix+json");
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.import).toMatchObject({ read: 1, added: 1 });
    const fault = r.body.import.problems.find((p) => p.code === "BUNDLE_SYNTAX");
    expect(fault).toMatchObject({
      objectId: "objects[1]",
      issue: "objects[1] is not an object; objects after this point were not read",
      key: "import.stoppedReading",
      params: { issueKey: "import.objectNotObject", index: 1 },
    });
    // The console words it from the key: the inner fault by its own template (before: English inside Chinese).
    const ref = issueRefOf({ key: fault?.key, params: fault?.params ?? {} });
    expect(ref && issueText(ref, "zh-CN")).toBe("objects[1] 不是对象；此后的对象未被读取");
    // A string, an array or null there is reported the same way (before, a scalar was skipped silently).
    for (const [element, index] of [
      ['"indicator"', 0],
      ["[]", 0],
      ["null", 0],
    ] as const) {
      const x = await upload(
        officer,
        `{"type":"bundle","id":"bundle--6e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5c","objects":[${element}]}`,
        "application/stix+json",
      );
      expect(x.body.import.problems, element).toEqual([
        expect.objectContaining({ code: "BUNDLE_SYNTAX", params: expect.objectContaining({ index }) }),
      ]);
    }
  });

  it("refuses a file whose header is wrong as a whole: 400 naming the column, nothing kept", async () => {
    const before = (await node.rt.services.db.select().from(indicators)).length;
    const r = await upload(officer, "kind,value,colour\ndomain,a.example,red\n");
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe("VALIDATION_FAILED");
    expect(r.body.error?.details[0]).toMatchObject({ field: "file" });
    expect(r.body.error?.details[0].issue).toContain('"colour"');
    expect((await upload(officer, "")).status).toBe(400);
    expect((await upload(officer, "not json", "application/stix+json")).status).toBe(400);
    expect((await node.rt.services.db.select().from(indicators)).length).toBe(before);
  });

  it("refuses an upload of another media type (415) and a caller without sharing:write (403)", async () => {
    const r = await officer.req("POST", "/api/v1/indicators/imports", "x", { "content-type": "text/plain" });
    expect(r.status).toBe(415);
    await node.user("duty", ["duty_officer"]);
    const duty = await node.as("duty");
    expect((await upload(duty, CSV)).status).toBe(403);
  });

  it("imports every OASIS example bundle: each supported object kept, each unsupported one reported", async () => {
    const files = [
      ...readdirSync(STIX_EXAMPLES).filter((f) => f.endsWith(".json")),
      ...readdirSync(path.join(STIX_EXAMPLES, "threat-reports")).map((f) => `threat-reports/${f}`),
    ];
    expect(files.length).toBeGreaterThanOrEqual(8);
    const types = stixValidator().types;
    const badValues: string[] = [];
    for (const f of files) {
      const bundle = JSON.parse(example(f)) as {
        type: string;
        objects?: { id: string; type: string; pattern?: string }[];
      };
      const r = await upload(officer, example(f), "application/stix+json");
      expect(r.status, f).toBe(201);
      const rep = r.body.import;
      if (!bundle.objects) {
        // A file holding one object, not a bundle: reported as such, not dropped silently.
        expect(bundle.type, f).not.toBe("bundle");
        expect(
          rep.problems.map((p) => p.code),
          f,
        ).toEqual(["BUNDLE_INVALID"]);
        continue;
      }
      expect(rep.read, f).toBe(bundle.objects.length);
      const reported = new Set(rep.problems.map((p) => p.objectId));
      // Nothing dropped silently: an object is reported, or it is a supported type (kept as an indicator or a STIX object).
      for (const o of bundle.objects) {
        if (!types.has(o.type)) expect(reported.has(o.id), `${f} ${o.id}`).toBe(true);
        else if (reported.has(o.id))
          badValues.push(`${o.id} ${rep.problems.find((p) => p.objectId === o.id)?.code}`);
      }
      expect(rep.added + rep.duplicates + rep.objectsKept, f).toBeGreaterThan(0);
    }
    // The one supported object reported: poisonivy's "domain autuo.xicp.net" (a space in a domain name); the
    // address OR-ed with it in the same pattern is kept.
    expect(badValues).toEqual(["indicator--4e4c4ad7-4909-456a-b6fa-e24a6f682a40 VALUE_INVALID"]);
    const ip = await officer.req<{ items: IndicatorView[] }>("GET", "/api/v1/indicators?q=60.10.1.115");
    expect(ip.body.items.map((i) => i.value)).toEqual(["60.10.1.115"]);
    // apt1: its IP and domain indicators are searchable indicators now (one per OR-ed comparison).
    const list = await officer.req<{ items: IndicatorView[] }>("GET", "/api/v1/indicators?q=hugesoft.org");
    expect(list.body.items.map((i) => i.value)).toContain("hugesoft.org");
  });

  it("reports objects that fail the schema by id, keeps the good ones, and imports the same bundle twice as no-op", async () => {
    const bundle = {
      type: "bundle",
      id: "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
      objects: [
        {
          type: "indicator",
          spec_version: "2.1",
          id: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
          created: "2026-11-01T00:00:00.000Z",
          modified: "2026-11-01T00:00:00.000Z",
          pattern: "[url:value = 'http://bad.example/x']",
          pattern_type: "stix",
          valid_from: "2026-11-01T00:00:00Z",
        },
        {
          type: "indicator",
          spec_version: "2.1",
          id: "indicator--2f1d1a70-9d4b-4d2f-9a4b-7c3f1b1e2a10",
          pattern: "[x]",
        },
        { type: "x-acme-widget", id: "x-acme-widget--1b4f8f3a-8b3c-4c1a-9e1d-2a3b4c5d6e7f" },
        {
          type: "malware",
          spec_version: "2.1",
          id: "malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
          created: "2026-11-01T00:00:00.000Z",
          modified: "2026-11-01T00:00:00.000Z",
          name: "Cryptolocker-NX",
          is_family: true,
        },
      ],
    };
    const r = await upload(officer, JSON.stringify(bundle), "application/stix+json");
    expect(r.body.import).toMatchObject({ read: 4, added: 1, objectsKept: 1, rejected: 2 });
    expect(r.body.import.problems.map((p) => [p.objectId, p.code])).toEqual([
      ["indicator--2f1d1a70-9d4b-4d2f-9a4b-7c3f1b1e2a10", "SCHEMA_INVALID"],
      ["x-acme-widget--1b4f8f3a-8b3c-4c1a-9e1d-2a3b4c5d6e7f", "UNSUPPORTED_TYPE"],
    ]);
    const again = await upload(officer, JSON.stringify(bundle), "application/stix+json");
    expect(again.body.import).toMatchObject({ added: 0, duplicates: 1, objectsKept: 0 });
  });

  it("exports the unit's indicators as a STIX 2.1 bundle that validates against the OASIS schemas", async () => {
    const r = await officer.req<{ type: string; objects: { type: string; id: string }[] }>(
      "GET",
      "/api/v1/indicators/export",
    );
    expect(r.status).toBe(200);
    expect(String(r.headers["content-type"])).toContain("application/stix+json");
    const v = stixValidator();
    expect(v.bundle(r.body)).toBeNull();
    for (const o of r.body.objects) expect(v.object(o), `${o.id}`).toBeNull();
    const types = new Set(r.body.objects.map((o) => o.type));
    for (const t of [
      "indicator",
      "marking-definition",
      "identity",
      "relationship",
      "ipv4-addr",
      "file",
      "malware",
      "threat-actor",
    ])
      expect(types, t).toContain(t);
    // The official TLP 2.0 marking definitions.
    expect(r.body.objects.map((o) => o.id)).toContain(
      "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    );
  });

  // Last: its 45,000 rows would slow the export above.
  it("imports more rows than one batch (staged with COPY per batch): every row once, progress per batch", async () => {
    const n = 45_000;
    const lines = ["kind,value"];
    for (let i = 0; i < n; i++) lines.push(`ip,100.64.${(i >> 8) & 255}.${i & 255}`);
    // The first 10 again at the end: duplicates within one file.
    for (let i = 0; i < 10; i++) lines.push(`ip,100.64.0.${i}`);
    const seen: number[] = [];
    const svc = node.rt.services.indicators;
    const unit = (await node.rt.services.db.select().from(indicators).limit(1))[0].unitId;
    const ctx = {
      actor: makeActor({
        type: "user",
        id: "t",
        label: "t",
        userId: null,
        unitId: unit,
        agencyId: null,
        roles: ["case_officer"],
      }),
      ip: null,
      requestId: null,
    };
    const rep = await svc.importFile(
      ctx as never,
      { format: "csv", tlp: "GREEN" },
      Readable.from([lines.join("\n")]),
      (p) => seen.push(p.added),
    );
    expect(rep).toMatchObject({ read: n + 10, added: n, duplicates: 10, rejected: 0 });
    expect(seen).toEqual([20_000, 40_000, 45_000]);
    const found = await node.rt.services.correlation.search(ctx as never, "100.64.175.199");
    expect(found.mine).toHaveLength(1);
  }, 120_000);
});
