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
