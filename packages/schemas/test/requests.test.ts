import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  REQUEST_GROUPS,
  REQUEST_TYPE_NAMES,
  REQUEST_TYPES,
  RequestDraftInput,
  type RequestType,
  requestTypeMeta,
} from "../src/requests.js";

type Json = Record<string, unknown>;
const en = (text: string) => ({ lang: "en", text });
const zh = (text: string) => ({ lang: "zh-CN", text });
const UUID = "01890a5d-ac96-774b-bcce-b302099a8057";
const SHA = "a".repeat(64);

function common(): Json {
  return {
    urgency: "routine",
    legalBasis: {
      instrument: "bilateral_mlaa",
      reference:
        "Agreement between the PRC and the USA on Mutual Legal Assistance in Criminal Matters (2000)",
    },
    requestingAuthority: {
      name: "Ministry of Public Security, Cybersecurity Bureau",
      officer: { name: { original: "王伟", romanised: "Wang Wei" }, title: "Inspector" },
      contact: { phone: "+86 10 6626 2114", email: "Duty.Officer@Example.CN" },
    },
    offence: { category: "email_web_fraud", description: en("Phishing of bank customers") },
    facts: zh("犯罪嫌疑人通过仿冒银行网站骗取客户账户信息。"),
    subjects: [
      {
        kind: "person",
        role: "suspect",
        names: [{ original: "李明", romanised: "Li Ming" }],
        dateOfBirth: "1985-03",
        nationality: "cn",
      },
    ],
    identifiers: [{ type: "domain", value: "Bank-Login[.]Example.COM" }],
    measuresSought: en("Preserve the hosting account data"),
  };
}

const asset = { kind: "bank_account", description: en("Account at a US bank") };
const order = {
  issuedBy: "Beijing Municipal People's Procuratorate",
  date: "2015-04-01",
  reference: "京检 2015-17",
};
const charge = { description: en("Embezzlement of public funds"), provisions: "PRC Criminal Law Art. 382" };

/** Minimal valid details for every type. */
const DETAILS: Record<RequestType, Json> = {
  preservation: {
    dataToPreserve: en("All logs and content of the hosting account for bank-login.example.com"),
    linkToOffence: en("The phishing site was hosted on this account"),
    custodian: { name: "Example Hosting Inc.", country: "US" },
    whyPreservationNeeded: en("Logs are deleted after 30 days"),
    mutualAssistanceToFollow: true,
  },
  traffic_disclosure: {
    communication: en("Connections to the phishing panel"),
    period: { from: "2016-06-01T00:00:00+08:00", to: "2016-06-14T00:00:00+08:00" },
  },
  subscriber_info: { dataSought: ["name", "payment"] },
  traffic_content_mla: { dataKinds: ["content"], dataSought: en("Mailbox content") },
  emergency_disclosure: {
    riskToLife: {
      harm: "kidnapping",
      description: en("A child is held for ransom"),
      personsAtRisk: en("A 9-year-old boy"),
      whyUrgent: en("The kidnappers set a deadline of tonight"),
    },
    dataSought: en("Location of the account's last login"),
  },
  takedown: {
    targets: [
      { identifier: { type: "url", value: "hxxp://bank-login[.]example[.]com/" }, role: "phishing_site" },
    ],
    action: "takedown",
    evidenceOfAbuse: en("Screenshots and victim reports attached"),
  },
  fugitive_locate: { subjectIndex: 0 },
  provisional_arrest: {
    subjectIndex: 0,
    warrant: order,
    charges: [charge],
    whereabouts: en("Los Angeles"),
    extraditionToFollow: true,
  },
  extradition: { subjectIndex: 0, warrant: order, charges: [charge] },
  deportation: { subjectIndex: 0, grounds: en("Overstayed visa") },
  repatriation_identity_check: { subjectIndex: 0, documents: [{ kind: "passport", issuingCountry: "cn" }] },
  asset_tracing: { leads: en("Transfers through Hong Kong") },
  asset_freezing: { assets: [asset], riskOfDissipation: en("The account is being emptied") },
  asset_confiscation: { assets: [asset], confiscationOrder: order, orderIsFinal: true },
  asset_return: { assets: [asset], confiscationOrder: order, returnTo: en("The defrauded state enterprise") },
  interview: { subjectIndex: 0, questions: en("What did you see?"), mode: "video" },
  criminal_record: { subjectIndex: 0, purpose: en("Sentencing") },
  general_information: { question: en("Is this company registered?") },
};

function draft(type: RequestType, overrides: Json = {}): Json {
  return { type, ...common(), details: structuredClone(DETAILS[type]), ...overrides };
}

/** A deep copy of `obj` without the property at `path`. */
function without(obj: Json, path: string[]): Json {
  const copy = structuredClone(obj);
  let cur: Json = copy;
  for (const key of path.slice(0, -1)) cur = cur[key] as Json;
  delete cur[path[path.length - 1]];
  return copy;
}

function issuePaths(result: z.ZodSafeParseResult<unknown>): string[] {
  return result.success ? [] : result.error.issues.map((i) => i.path.join("."));
}

describe("REQUEST_TYPES", () => {
  it("lists every type once, in order, with a group and both labels", () => {
    expect(REQUEST_TYPES.map((t) => t.type)).toEqual([...REQUEST_TYPE_NAMES]);
    expect(REQUEST_TYPE_NAMES).toHaveLength(18);
    for (const t of REQUEST_TYPES) {
      expect(REQUEST_GROUPS).toContain(t.group);
      expect(t.label.en.length).toBeGreaterThan(0);
      expect(t.label["zh-CN"]).toMatch(/\p{Script=Han}/u);
    }
  });

  it("groups types as the brief does", () => {
    expect(requestTypeMeta("preservation").group).toBe("preservation");
    expect(requestTypeMeta("subscriber_info").group).toBe("disclosure");
    expect(requestTypeMeta("traffic_content_mla").group).toBe("mla");
    expect(requestTypeMeta("emergency_disclosure").group).toBe("emergency");
    expect(requestTypeMeta("takedown").group).toBe("takedown");
    expect(requestTypeMeta("repatriation_identity_check").group).toBe("fugitive");
    expect(requestTypeMeta("asset_return").group).toBe("asset");
    expect(requestTypeMeta("general_information").group).toBe("other");
  });
});

describe("RequestDraftInput", () => {
  for (const type of REQUEST_TYPE_NAMES) {
    it(`accepts a minimal valid ${type} draft`, () => {
      const overrides = type === "emergency_disclosure" ? { urgency: "emergency" } : {};
      const r = RequestDraftInput.safeParse(draft(type, overrides));
      expect(r.error?.issues ?? []).toEqual([]);
      expect(r.data?.type).toBe(type);
    });
  }

  it("normalises and defaults", () => {
    const r = RequestDraftInput.parse(draft("preservation"));
    expect(r.requestingAuthority.contact).toEqual({
      phone: "+861066262114",
      email: "duty.officer@example.cn",
    });
    expect(r.identifiers).toEqual([
      { type: "domain", value: "bank-login.example.com", raw: "Bank-Login[.]Example.COM" },
    ]);
    expect(r.subjects[0].nationality).toBe("CN");
    expect(r.attachments).toEqual([]);
    if (r.type !== "preservation") throw new Error("narrowing");
    expect(r.details.preservationDays).toBe(90);
  });

  describe("preservation: the six required elements", () => {
    const required: [element: string, path: string[]][] = [
      ["requesting authority", ["requestingAuthority"]],
      ["offence", ["offence"]],
      ["facts", ["facts"]],
      ["data to preserve", ["details", "dataToPreserve"]],
      ["link to the offence", ["details", "linkToOffence"]],
      ["custodian / location", ["details", "custodian"]],
      ["why preservation is needed", ["details", "whyPreservationNeeded"]],
      ["mutual assistance to follow", ["details", "mutualAssistanceToFollow"]],
    ];
    for (const [element, path] of required) {
      it(`refuses a draft without ${element}, naming ${path.join(".")}`, () => {
        const r = RequestDraftInput.safeParse(without(draft("preservation"), path));
        expect(r.success).toBe(false);
        expect(issuePaths(r)).toEqual([path.join(".")]);
      });
    }

    it("refuses empty text in a required element", () => {
      const d = draft("preservation");
      (d.details as Json).linkToOffence = en("   ");
      expect(issuePaths(RequestDraftInput.safeParse(d))).toEqual(["details.linkToOffence.text"]);
    });

    it("refuses mutualAssistanceToFollow: false with an explanation", () => {
      const d = draft("preservation");
      (d.details as Json).mutualAssistanceToFollow = false;
      const r = RequestDraftInput.safeParse(d);
      expect(r.error?.issues).toMatchObject([
        { path: ["details", "mutualAssistanceToFollow"], message: expect.stringMatching(/will follow/) },
      ]);
    });

    it("requires a custodian name or a location", () => {
      const d = draft("preservation");
      (d.details as Json).custodian = { country: "US" };
      expect(issuePaths(RequestDraftInput.safeParse(d))).toEqual(["details.custodian"]);
      (d.details as Json).custodian = { location: "Servers in Ashburn, Virginia" };
      expect(RequestDraftInput.safeParse(d).success).toBe(true);
    });

    it("preserves for at least 60 days", () => {
      const d = draft("preservation");
      (d.details as Json).preservationDays = 59;
      expect(issuePaths(RequestDraftInput.safeParse(d))).toEqual(["details.preservationDays"]);
      (d.details as Json).preservationDays = 60;
      expect(RequestDraftInput.safeParse(d).success).toBe(true);
      (d.details as Json).preservationDays = 90.5;
      expect(RequestDraftInput.safeParse(d).success).toBe(false);
    });
  });

  describe("emergency disclosure", () => {
    it("refuses a draft without riskToLife", () => {
      const d = without(draft("emergency_disclosure", { urgency: "emergency" }), ["details", "riskToLife"]);
      expect(issuePaths(RequestDraftInput.safeParse(d))).toEqual(["details.riskToLife"]);
    });

    for (const part of ["description", "personsAtRisk", "whyUrgent"]) {
      it(`refuses a riskToLife without ${part}`, () => {
        const d = without(draft("emergency_disclosure", { urgency: "emergency" }), [
          "details",
          "riskToLife",
          part,
        ]);
        expect(issuePaths(RequestDraftInput.safeParse(d))).toEqual([`details.riskToLife.${part}`]);
      });
    }

    it("must have urgency emergency", () => {
      const r = RequestDraftInput.safeParse(draft("emergency_disclosure", { urgency: "routine" }));
      expect(issuePaths(r)).toEqual(["urgency"]);
    });
  });

  it("refuses unknown fields at every level", () => {
    const top = RequestDraftInput.safeParse(draft("general_information", { priority: "high" }));
    expect(top.error?.issues).toMatchObject([{ code: "unrecognized_keys", keys: ["priority"], path: [] }]);

    const d = draft("general_information");
    (d.details as Json).extra = 1;
    expect(RequestDraftInput.safeParse(d).error?.issues).toMatchObject([
      { code: "unrecognized_keys", keys: ["extra"], path: ["details"] },
    ]);

    const f = draft("general_information");
    (f.facts as Json).translation = "x";
    expect(issuePaths(RequestDraftInput.safeParse(f))).toEqual(["facts"]);
  });

  it("refuses details of another type", () => {
    const r = RequestDraftInput.safeParse({
      ...draft("general_information"),
      details: DETAILS.criminal_record,
    });
    expect(r.success).toBe(false);
    expect(issuePaths(r)).toContain("details.question");
  });

  it("refuses an unknown type", () => {
    expect(
      issuePaths(RequestDraftInput.safeParse(draft("general_information", { type: "wiretap" }))),
    ).toEqual(["type"]);
  });

  it("needs a reason for urgent and emergency requests", () => {
    expect(issuePaths(RequestDraftInput.safeParse(draft("subscriber_info", { urgency: "urgent" })))).toEqual([
      "urgencyReason",
    ]);
    const ok = draft("subscriber_info", { urgency: "emergency", urgencyReason: en("Ongoing extortion") });
    expect(RequestDraftInput.safeParse(ok).success).toBe(true);
  });

  it("needs identifiers for subscriber information and traffic disclosure", () => {
    for (const type of ["subscriber_info", "traffic_disclosure"] as const) {
      expect(issuePaths(RequestDraftInput.safeParse(draft(type, { identifiers: [] })))).toEqual([
        "identifiers",
      ]);
    }
    expect(RequestDraftInput.safeParse(draft("general_information", { identifiers: [] })).success).toBe(true);
  });

  it("reports a bad identifier at its index", () => {
    const r = RequestDraftInput.safeParse(
      draft("subscriber_info", {
        identifiers: [
          { type: "domain", value: "ok.example" },
          { type: "ipv4", value: "1.2.3" },
        ],
      }),
    );
    expect(issuePaths(r)).toEqual(["identifiers.1.value"]);
  });

  it("checks that subjectIndex points at a person", () => {
    expect(issuePaths(RequestDraftInput.safeParse(draft("criminal_record", { subjects: [] })))).toEqual([
      "details.subjectIndex",
    ]);
    const org = { kind: "organisation", role: "suspect", names: [{ original: "Example Ltd" }] };
    expect(issuePaths(RequestDraftInput.safeParse(draft("criminal_record", { subjects: [org] })))).toEqual([
      "details.subjectIndex",
    ]);
  });

  it("needs a romanised form for names in non-Latin script", () => {
    const subjects = [{ kind: "person", role: "witness", names: [{ original: "张伟" }] }];
    expect(issuePaths(RequestDraftInput.safeParse(draft("general_information", { subjects })))).toEqual([
      "subjects.0.names.0.romanised",
    ]);
    const latin = [{ kind: "person", role: "witness", names: [{ original: "José Smith-O'Neil" }] }];
    expect(RequestDraftInput.safeParse(draft("general_information", { subjects: latin })).success).toBe(true);
  });

  it("validates subject details", () => {
    const bad = [
      { kind: "person", role: "suspect", names: [{ original: "A" }], nationality: "XX" },
      { kind: "person", role: "suspect", names: [{ original: "B" }], dateOfBirth: "1985-02-30" },
      { kind: "organisation", role: "other", names: [{ original: "C" }], dateOfBirth: "1990" },
      { kind: "person", role: "accomplice", names: [{ original: "D" }] },
      { kind: "person", role: "suspect", names: [] },
    ];
    const r = RequestDraftInput.safeParse(draft("general_information", { subjects: bad }));
    expect(issuePaths(r)).toEqual([
      "subjects.0.nationality",
      "subjects.1.dateOfBirth",
      "subjects.2.dateOfBirth",
      "subjects.3.role",
      "subjects.4.names",
    ]);
    const good = [{ kind: "person", role: "suspect", names: [{ original: "E" }], dateOfBirth: "2000-02-29" }];
    expect(RequestDraftInput.safeParse(draft("general_information", { subjects: good })).success).toBe(true);
  });

  it("requires a reference for instruments that need one", () => {
    const d = draft("general_information", { legalBasis: { instrument: "domestic_law" } });
    expect(issuePaths(RequestDraftInput.safeParse(d))).toEqual(["legalBasis.reference"]);
    const budapest = draft("general_information", {
      legalBasis: { instrument: "budapest_convention", article: "29" },
    });
    expect(RequestDraftInput.safeParse(budapest).success).toBe(true);
  });

  it("needs a way to reach the requesting officer", () => {
    const d = draft("general_information");
    ((d.requestingAuthority as Json).contact as Json) = {};
    expect(issuePaths(RequestDraftInput.safeParse(d))).toEqual(["requestingAuthority.contact"]);
    ((d.requestingAuthority as Json).contact as Json) = { phone: "010 6626 2114" };
    expect(issuePaths(RequestDraftInput.safeParse(d))).toEqual(["requestingAuthority.contact.phone"]);
  });

  it("validates attachments and follow-ups", () => {
    const attachments = [{ id: UUID, name: "screenshot.png", sha256: SHA.toUpperCase(), size: 1024 }];
    const r = RequestDraftInput.parse(draft("general_information", { attachments, followUpOf: UUID }));
    expect(r.attachments[0].sha256).toBe(SHA);
    const bad = [{ id: "not-a-uuid", name: "", sha256: "abc", size: -1 }];
    expect(
      issuePaths(RequestDraftInput.safeParse(draft("general_information", { attachments: bad }))),
    ).toEqual(["attachments.0.id", "attachments.0.name", "attachments.0.sha256", "attachments.0.size"]);
  });

  it("bounds free text", () => {
    const r = RequestDraftInput.safeParse(draft("general_information", { facts: en("x".repeat(20_001)) }));
    expect(issuePaths(r)).toEqual(["facts.text"]);
  });

  it("type-specific rules", () => {
    const pa = draft("provisional_arrest");
    (pa.details as Json).extraditionToFollow = false;
    expect(issuePaths(RequestDraftInput.safeParse(pa))).toEqual(["details.extraditionToFollow"]);

    const fr = draft("asset_freezing");
    (fr.details as Json).assets = [];
    expect(issuePaths(RequestDraftInput.safeParse(fr))).toEqual(["details.assets"]);

    const td = draft("takedown");
    (td.details as Json).targets = [];
    expect(issuePaths(RequestDraftInput.safeParse(td))).toEqual(["details.targets"]);

    const tr = draft("traffic_disclosure");
    (tr.details as Json).period = { from: "2016-06-14T00:00:00Z", to: "2016-06-01T00:00:00Z" };
    expect(issuePaths(RequestDraftInput.safeParse(tr))).toEqual(["details.period.to"]);

    const rp = RequestDraftInput.parse(draft("repatriation_identity_check"));
    if (rp.type !== "repatriation_identity_check") throw new Error("narrowing");
    expect(rp.details).toMatchObject({
      travelDocumentRequested: true,
      documents: [{ issuingCountry: "CN" }],
    });

    const tk = RequestDraftInput.parse(draft("takedown"));
    if (tk.type !== "takedown") throw new Error("narrowing");
    expect(tk.details.targets[0].identifier.value).toBe("http://bank-login.example.com/");
  });
});
