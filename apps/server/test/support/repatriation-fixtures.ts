import type { RepatriationCaseView, RequestDraftInputRaw } from "@crossline/schemas";
import { expect } from "vitest";
import type { Agent } from "./node.js";

/** Fictitious people to be returned (no real person). */
export const CHEN = {
  names: [{ original: "陈小明", romanised: "Chen Xiaoming" }],
  sex: "male",
  dateOfBirth: "1990-04-12",
  nationality: "CN",
  whereabouts: "Example County Detention Center, Texas (fictitious)",
} as const;

export const personNamed = (original: string, romanised: string) => ({
  names: [{ original, romanised }],
  nationality: "CN",
});

export const UNCAC = { instrument: "uncac", article: "Art. 44" } as const;

export type One = { case: RepatriationCaseView };
export type Err = { error: { code: string; details: { field?: string; issue: string }[] } };

export async function openCase(a: Agent, body: Record<string, unknown>): Promise<RepatriationCaseView> {
  const r = await a.req<One>("POST", "/api/v1/repatriation/cases", { legalBasis: UNCAC, ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.case;
}

export async function step(
  a: Agent,
  id: string,
  what: "verification" | "document" | "transfer" | "arrival",
  body: Record<string, unknown>,
): Promise<RepatriationCaseView> {
  const r = await a.req<One>("POST", `/api/v1/repatriation/cases/${id}/${what}`, body);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.case;
}

/** A repatriation identity-check request for assistance naming one person (fictitious). */
export function identityCheckForm(): RequestDraftInputRaw {
  return {
    type: "repatriation_identity_check",
    urgency: "routine",
    legalBasis: { instrument: "bilateral_mlaa", reference: "PRC-US MLAA 2000" },
    requestingAuthority: {
      name: "Department of Homeland Security, Enforcement and Removal Operations",
      officer: { name: { original: "Jane Example" } },
      contact: { email: "jane.example@dhs.example.gov" },
    },
    offence: { category: "other", description: { lang: "en", text: "Unlawful presence; removal ordered" } },
    facts: { lang: "en", text: "A final order of removal was issued; the person says they are a national." },
    subjects: [
      {
        kind: "person",
        role: "other",
        names: [{ original: "陈小明", romanised: "Chen Xiaoming" }],
        dateOfBirth: "1990-04-12",
        nationality: "CN",
      },
    ],
    measuresSought: { lang: "en", text: "Verify the identity and nationality; issue a travel document." },
    details: { subjectIndex: 0, fingerprintsAvailable: true, photoAvailable: true },
  } as unknown as RequestDraftInputRaw;
}
