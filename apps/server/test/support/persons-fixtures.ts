import type { RequestDraftInputRaw } from "@crossline/schemas";
import { routineSubscriberForm } from "./requests-fixtures.js";

/** Fictitious people: a subject with a date of birth (one record per node), one without, an organisation. */
export function formNaming(
  subjects: NonNullable<RequestDraftInputRaw["subjects"]>,
  base: RequestDraftInputRaw = routineSubscriberForm(),
): RequestDraftInputRaw {
  return { ...base, subjects };
}

export const ZHANG = {
  kind: "person" as const,
  role: "suspect" as const,
  names: [{ original: "张小明", romanised: "Zhang Xiaoming" }],
  dateOfBirth: "1988-04-12",
  nationality: "CN",
  notes: { lang: "en" as const, text: "Registered the invoice domain." },
};

export const DOE = {
  kind: "person" as const,
  role: "witness" as const,
  names: [{ original: "Jane Example" }],
};

export const ACME = {
  kind: "organisation" as const,
  role: "other" as const,
  names: [{ original: "Example Shell Company Ltd" }],
};

export type PersonBody = {
  person: {
    id: string;
    names: { original: string; romanised?: string }[];
    aliases: { original: string; romanised?: string }[];
    dateOfBirth: string | null;
    sex: string | null;
    nationalities: string[];
    documents: { kind: string; number?: string; issuingCountry?: string }[];
    version: number;
    restriction: { reason: string; setBy: string } | null;
    links: { recordType: string; recordId: string; ordinal: number; role: string | null }[];
  };
};
