import {
  FUGITIVE_REQUEST_TYPES,
  type FugitiveRequestType,
  issue,
  type PersonDocument,
} from "@crossline/schemas";
import { AppError } from "./errors.js";

/**
 * The form of a request started from a record that describes a person (a fugitive's record, a person record):
 * locate, provisional arrest, extradition, deportation, identity check for repatriation. Shared by the
 * fugitives and persons modules; the requests module validates the completed form as any other draft.
 */

/** What a record tells of the person and the case against them; a person record has only the first part. */
export interface PrefillSource {
  /** The record's reference, quoted in the subject's notes when they hold several nationalities. */
  reference?: string;
  names: { original: string; romanised?: string }[];
  aliases: { original: string; romanised?: string }[];
  dateOfBirth?: string | null;
  nationalities: string[];
  documents: PersonDocument[];
  warrants?: { authority: string; date: string; number: string }[];
  charges?: { law: string; article: string; offence?: string }[];
  whereabouts?: { country?: string; place?: string; since?: string }[];
  notices?: { kind: string; reference: string }[];
  /** How many photos the record holds (the identity check says whether one is available). */
  photos: number;
}

type Text = { lang: "en" | "zh-CN"; text: string };
/** Chinese characters in a free text make it Chinese; anything else is taken as English. */
const text = (t: string): Text => ({ lang: /[\u3400-\u9fff]/.test(t) ? "zh-CN" : "en", text: t });

/** What a request drafted from the record starts with: the subject, the warrant, the charges, where they are. */
export function prefillRequestForm(x: PrefillSource, type: FugitiveRequestType) {
  const subject = {
    kind: "person" as const,
    role: "suspect" as const,
    names: [...x.names, ...x.aliases]
      .slice(0, 20)
      .map((n) => ({ original: n.original, ...(n.romanised ? { romanised: n.romanised } : {}) })),
    ...(x.dateOfBirth ? { dateOfBirth: x.dateOfBirth } : {}),
    ...(x.nationalities[0] ? { nationality: x.nationalities[0] } : {}),
    // A request's subject has one nationality: the others are said in its notes.
    ...(x.nationalities.length > 1
      ? {
          notes: text(
            `Nationalities: ${x.nationalities.join(", ")}${x.reference ? ` (${x.reference})` : ""}`,
          ),
        }
      : {}),
  };
  const w = x.warrants?.[0];
  const warrant = w ? { warrant: { issuedBy: w.authority, date: w.date, reference: w.number } } : {};
  const charges = (x.charges ?? []).map((ch) => ({
    description: text(ch.offence ?? `${ch.law}, ${ch.article}`),
    provisions: `${ch.law}, ${ch.article}`,
  }));
  const where = (x.whereabouts ?? [])
    .map((p) => `${[p.place, p.country].filter(Boolean).join(", ")}${p.since ? ` (since ${p.since})` : ""}`)
    .join("; ");
  const notice = x.notices?.[0];
  const details = (() => {
    switch (type) {
      case "fugitive_locate":
        return {
          subjectIndex: 0,
          ...warrant,
          ...(notice ? { noticeReference: `INTERPOL ${notice.kind}: ${notice.reference}` } : {}),
          ...(where ? { suspectedWhereabouts: text(where) } : {}),
          onLocation: "inform_only",
        };
      case "provisional_arrest":
        return {
          subjectIndex: 0,
          ...warrant,
          charges,
          ...(where ? { whereabouts: text(where) } : {}),
          extraditionToFollow: true,
        };
      case "extradition":
        return { subjectIndex: 0, ...warrant, charges };
      case "deportation":
        return {
          subjectIndex: 0,
          ...(where ? { whereabouts: text(where) } : {}),
          ...warrant,
          travelDocumentOffered: false,
        };
      case "repatriation_identity_check":
        return {
          subjectIndex: 0,
          documents: x.documents.slice(0, 10).map((d) => ({
            kind: d.kind,
            ...(d.number ? { number: d.number } : {}),
            ...(d.issuingCountry ? { issuingCountry: d.issuingCountry } : {}),
          })),
          fingerprintsAvailable: false,
          photoAvailable: x.photos > 0,
          travelDocumentRequested: true,
        };
    }
  })();
  const provisions = charges.map((c) => c.provisions).join("; ");
  return {
    type,
    subjects: [subject],
    ...(provisions ? { offence: { provisions: provisions.slice(0, 1000) } } : {}),
    details,
  };
}

/** Refuses a draft from a record whose type is not one that starts from a person (naming body.form.type). */
export function assertRecordRequestType(form: unknown, from: string): void {
  const type = (form as { type?: unknown } | null)?.type;
  if (!(FUGITIVE_REQUEST_TYPES as readonly unknown[]).includes(type))
    throw new AppError("VALIDATION_FAILED", [
      {
        field: "body.form.type",
        ...issue("requests.typeFromRecord", { from, types: FUGITIVE_REQUEST_TYPES.join(", ") }),
      },
    ]);
}

/** A request linked to a record with the events of its life (the requests module's port gives them). */
export interface LinkedRequestLife {
  id: string;
  reference: string;
  type: string;
  status: string;
  peerId: string | null;
  /** The record the request was drafted from, if any. */
  origin: { type: string; id: string } | null;
  events: { event: string; toStatus: string; at: string }[];
}
