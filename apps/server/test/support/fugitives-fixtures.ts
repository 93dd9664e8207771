/** Fictitious fugitives for the tests (no real person). */
export const UNCAC = { instrument: "uncac", article: "Art. 44" } as const;

export const ZHANG = {
  names: [{ original: "张伟明" }],
  aliases: [{ original: "Wei-Ming Chang", romanised: "Wei-Ming Chang" }],
  sex: "male",
  dateOfBirth: "1968-03",
  nationalities: ["CN"],
  documents: [{ kind: "passport", number: "E00000001", issuingCountry: "CN" }],
  formerPosition: "Deputy director",
  formerEmployer: "Example Provincial Construction Bureau (fictitious)",
  flightDate: "2014-11-02",
  flightRoute: "Shanghai → Hong Kong → Los Angeles",
  whereabouts: [{ country: "US", place: "California", since: "2015" }],
  charges: [{ law: "Criminal Law of the PRC", article: "Art. 382", offence: "Embezzlement" }],
  warrants: [{ authority: "Example City Public Security Bureau", date: "2015-01-15", number: "W-2015-001" }],
  notices: [{ kind: "red", reference: "A-0001/1-2015" }],
  legalBasis: UNCAC,
};

/** A fugitive body with a given main name (and nothing else that could match another record). */
export const fugitiveNamed = (original: string, extra: object = {}) => ({
  names: [{ original }],
  legalBasis: UNCAC,
  ...extra,
});

/** A 1×1 PNG (the smallest real image a browser draws). */
export const PNG_1X1 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/** The start of a JPEG file (SOI and a JFIF APP0 marker): what the type check reads. */
export const JPEG_HEAD = Buffer.from([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01,
]).toString("base64");

/** What the officer adds to a request prefilled from a fugitive's record (fictitious authority and officer). */
export function completeFromPrefill(form: Record<string, unknown>) {
  const offence = (form.offence as Record<string, unknown> | undefined) ?? {};
  return {
    ...form,
    urgency: "routine",
    legalBasis: { instrument: "bilateral_mlaa", reference: "PRC-US MLAA 2000" },
    requestingAuthority: {
      name: "Ministry of Public Security, Fugitive Repatriation and Asset Recovery Office",
      officer: { name: { original: "Li Qiang" } },
      contact: { email: "li.qiang@mps.example.cn" },
    },
    offence: {
      category: "corruption",
      description: { lang: "en", text: "Embezzlement of public funds" },
      ...offence,
    },
    facts: { lang: "en", text: "The suspect fled after embezzling public funds (fictitious)." },
    measuresSought: { lang: "en", text: "As the request type says." },
  };
}

/** A locate request naming one person: the least a request drafted from a record can be. */
export function locateForm(name: string) {
  return completeFromPrefill({
    type: "fugitive_locate",
    subjects: [{ kind: "person", role: "suspect", names: [{ original: name }] }],
    details: { subjectIndex: 0 },
  });
}
