import { z } from "zod";
import { Id, IsoDateTime, LabelledText, NodeId, PageQuery, pageOf } from "./common.js";
import { CountryCode } from "./identifiers.js";
import { issue, type KeyedIssue, zodIssue } from "./issue-keys.js";
import { Marking } from "./markings.js";
import { ASSET_KINDS, LegalBasis } from "./requests.js";
import { SharedObjectId } from "./shared-objects.js";

/**
 * Asset recovery: assets of one unit linked to fugitives and cases, their value in one currency, and the
 * stages they go through (identified → traced → frozen → seized → confiscated → returned, or released), each
 * stage entry with its date, authority, order and amount. See docs/fugitives.md ("Assets").
 */

const str = (max: number) => z.string().trim().min(1).max(max);

export const AssetKind = z.enum(ASSET_KINDS);
export type AssetKind = z.infer<typeof AssetKind>;

/** The stages in their order; `released` ends the road instead of a return (the order is lifted). */
export const ASSET_STAGES = [
  "identified",
  "traced",
  "frozen",
  "seized",
  "confiscated",
  "returned",
  "released",
] as const;
export const AssetStage = z.enum(ASSET_STAGES);
export type AssetStage = z.infer<typeof AssetStage>;

/** Where a stage stands on the road; a new entry may repeat the current stage (a partial amount) or go on. */
export const STAGE_RANK: Record<AssetStage, number> = {
  identified: 0,
  traced: 1,
  frozen: 2,
  seized: 3,
  confiscated: 4,
  returned: 5,
  released: 5,
};
/** Stages that need the order they rest on (a freezing, seizure or confiscation order, a release). */
export const STAGES_WITH_ORDER: readonly AssetStage[] = ["frozen", "seized", "confiscated", "released"];

/**
 * ISO 4217 minor units (List One): the codes whose minor unit is not 2. Every other code of ISO_CURRENCIES
 * has 2 decimal places. (CLDR's display digits differ for some, e.g. IDR or HUF, which is why this is not
 * read from Intl.)
 */
const MINOR_UNITS_NOT_2: Record<string, number> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

/** ISO 4217 codes of currencies in use (and a few recently withdrawn, for assets recorded in them). */
export const ISO_CURRENCIES = (
  "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD " +
  "CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF " +
  "GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK " +
  "LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR " +
  "PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC " +
  "SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYI UYU UYW UZS VES VND VUV WST XAF XCD XCG XOF " +
  "XPF YER ZAR ZMW ZWG"
).split(" ");

/**
 * Crypto-assets have no ISO code: their symbol, with the precision of the chain's smallest unit (a satoshi is
 * 10⁻⁸ BTC, a wei 10⁻¹⁸ ETH; tokens as their contracts declare).
 */
export const CRYPTO_PRECISION: Record<string, number> = {
  BTC: 8,
  ETH: 18,
  USDT: 6,
  USDC: 6,
  LTC: 8,
  BCH: 8,
  XMR: 12,
  XRP: 6,
  TRX: 6,
  SOL: 9,
  BNB: 18,
  DOGE: 8,
};

const ISO = new Set(ISO_CURRENCIES);

/** Decimal places of a currency or crypto-asset symbol; undefined when it is neither. */
export function precisionOf(currency: string): number | undefined {
  if (ISO.has(currency)) return MINOR_UNITS_NOT_2[currency] ?? 2;
  return CRYPTO_PRECISION[currency];
}

export const isCrypto = (currency: string) => currency in CRYPTO_PRECISION;

export const Currency = z
  .string()
  .trim()
  .toUpperCase()
  .max(8)
  .refine((c) => precisionOf(c) !== undefined, {
    message: "must be an ISO 4217 currency code such as CNY or USD, or a crypto-asset symbol such as BTC",
  });

/** An amount in major units as a decimal string ("1250000.50", "0.00012345"): never a float. */
export const DecimalAmount = z
  .string()
  .trim()
  .regex(/^(0|[1-9][0-9]{0,39})(\.[0-9]{1,18})?$/, {
    message: "a decimal number such as 1250000.50, without sign, spaces or exponent",
  });

/** Decimal places an amount is written with ("12.50" has 2). */
export const decimalsOf = (amount: string) => amount.split(".")[1]?.length ?? 0;

/** A decimal amount in minor units (an integer as a digit string): "12.5" in CNY is "1250". */
export function toMinor(amount: string, precision: number): string {
  const [whole = "0", frac = ""] = amount.split(".");
  const digits = `${whole}${frac.padEnd(precision, "0")}`.replace(/^0+(?=\d)/, "");
  return digits;
}

/** Minor units (a digit string) back to a decimal amount with the currency's places: "1250" → "12.50". */
export function fromMinor(minor: string, precision: number): string {
  if (precision === 0) return minor;
  const padded = minor.padStart(precision + 1, "0");
  return `${padded.slice(0, -precision)}.${padded.slice(-precision)}`;
}

/**
 * What is wrong when an amount has more decimal places than its currency (the currency, its places, the amount
 * and the places it has), else null. No currency or crypto-asset here has exactly one decimal place.
 */
export function precisionFault(
  amount: string,
  currency: string,
): { currency: string; places: number; amount: string; has: number } | null {
  const p = precisionOf(currency);
  if (p === undefined) return null;
  const has = decimalsOf(amount);
  return has > p ? { currency, places: p, amount, has } : null;
}

/** The issue (message key `assets.precision`) when an amount has more decimal places than its currency, else null. */
export function precisionIssue(amount: string, currency: string): KeyedIssue | null {
  const f = precisionFault(amount, currency);
  return f ? issue("assets.precision", f) : null;
}

export const ASSET_HOLDER_KINDS = ["person", "company", "other"] as const;

export const AssetHolder = z.strictObject({
  /** A person or a company, as the records name it. */
  name: str(300),
  romanised: str(300).optional(),
  kind: z.enum(ASSET_HOLDER_KINDS).default("person"),
});
export type AssetHolder = z.infer<typeof AssetHolder>;

/** What the unit records of an asset (the body of a creation; of a change, with `version`). */
const AssetFieldsBase = z.strictObject({
  kind: AssetKind,
  description: LabelledText.refine((t) => t.text.trim().length > 0 && t.text.length <= 4000, {
    message: "1 to 4000 characters",
    path: ["text"],
  }),
  /** Where it is: a bank and branch, an address, a wallet's exchange… */
  location: str(500).optional(),
  /** The country whose law governs it (freezing and confiscation there). */
  jurisdiction: CountryCode,
  holder: AssetHolder.optional(),
  /** The currency of the value and of every stage amount: ISO 4217 or a crypto-asset symbol. */
  currency: Currency,
  /** The estimated value, in major units with at most the currency's decimal places. */
  value: DecimalAmount.optional(),
  /** Fugitives and cases of this node the caller may see; at least one of the two. */
  fugitiveIds: z.array(Id).max(20).default([]),
  caseIds: z.array(Id).max(20).default([]),
});

const withAssetRules = <T extends z.ZodType<z.infer<typeof AssetFieldsBase>>>(s: T) =>
  s.superRefine((a, ctx) => {
    const fault = a.value !== undefined ? precisionFault(a.value, a.currency) : null;
    if (fault) ctx.addIssue({ code: "custom", ...zodIssue("assets.precision", fault), path: ["value"] });
    if (a.fugitiveIds.length === 0 && a.caseIds.length === 0)
      ctx.addIssue({
        code: "custom",
        message: "link the asset to a fugitive or a case",
        path: ["fugitiveIds"],
      });
  });

export const AssetFields = withAssetRules(AssetFieldsBase);
export type AssetFields = z.infer<typeof AssetFields>;

export const CreateAssetBody = withAssetRules(
  AssetFieldsBase.extend({
    /** When and by whom it was identified: the first stage entry. */
    identifiedOn: z.iso.date(),
    identifiedBy: str(300),
    /** Why the node holds this personal data (docs/personal-data.md): an asset of a fugitive names a person. */
    legalBasis: LegalBasis,
    purpose: str(500).optional(),
  }),
);
export type CreateAssetBody = z.infer<typeof CreateAssetBody>;

const af = AssetFieldsBase.shape;
/**
 * The record in a change: a field left out keeps the record's value; `null` clears a field the asset may be
 * without (location, holder, value); an empty link list `[]` clears it (the record must still link to a
 * fugitive or a case). A field given replaces the record's whole. A value is checked against the currency it
 * will have (the one given, else the record's: on the node).
 */
export const AssetFieldsChange = z
  .strictObject({
    kind: af.kind.optional(),
    description: af.description.optional(),
    location: af.location.unwrap().nullable().optional(),
    jurisdiction: af.jurisdiction.optional(),
    holder: af.holder.unwrap().nullable().optional(),
    currency: af.currency.optional(),
    value: af.value.unwrap().nullable().optional(),
    fugitiveIds: af.fugitiveIds.unwrap().optional(),
    caseIds: af.caseIds.unwrap().optional(),
  })
  .superRefine((a, ctx) => {
    const fault = a.value != null && a.currency ? precisionFault(a.value, a.currency) : null;
    if (fault) ctx.addIssue({ code: "custom", ...zodIssue("assets.precision", fault), path: ["value"] });
  });
export type AssetFieldsChange = z.infer<typeof AssetFieldsChange>;

export const UpdateAssetBody = z.strictObject({
  /** The version read; a stale one is 409. */
  version: z.number().int().min(1),
  /** The currency stays what it was once a stage carries an amount. */
  fields: AssetFieldsChange,
  reason: str(500).optional(),
});
export type UpdateAssetBody = z.infer<typeof UpdateAssetBody>;

export const AddStageBody = z.strictObject({
  /** The version read; a stale one is 409. */
  version: z.number().int().min(1),
  stage: AssetStage,
  /** YYYY-MM-DD, not before the previous stage entry. */
  date: z.iso.date(),
  /** The authority that acted (a court, a prosecutor, a bank, an agency). */
  authority: str(300),
  /** The order relied on; required for frozen, seized, confiscated and released. */
  orderReference: str(200).optional(),
  /** The amount the entry concerns, in the asset's currency and precision; a part of the value is fine. */
  amount: DecimalAmount.optional(),
  note: LabelledText.optional(),
});
export type AddStageBody = z.infer<typeof AddStageBody>;

export const AssetQuery = PageQuery.extend({
  kind: AssetKind.optional(),
  stage: AssetStage.optional(),
  currency: Currency.optional(),
  fugitiveId: Id.optional(),
  caseId: Id.optional(),
});
export type AssetQuery = z.infer<typeof AssetQuery>;

/** An amount as the API shows it: minor units (digits) and the decimal form in the currency's places. */
export const AmountView = z.object({ minor: z.string(), amount: z.string(), currency: z.string() });
export type AmountView = z.infer<typeof AmountView>;

export const AssetStageView = z.object({
  seq: z.number().int(),
  stage: AssetStage,
  date: z.string(),
  authority: z.string(),
  orderReference: z.string().nullable(),
  amount: AmountView.nullable(),
  note: LabelledText.nullable(),
  recordedAt: IsoDateTime,
  recordedBy: z.string(),
});
export type AssetStageView = z.infer<typeof AssetStageView>;

export const AssetSummary = z.object({
  id: Id,
  /** e.g. CN-MPS-A-2026-0001. */
  reference: z.string(),
  kind: AssetKind,
  description: LabelledText,
  jurisdiction: z.string(),
  currency: z.string(),
  value: AmountView.nullable(),
  stage: AssetStage,
  holder: z.object({ name: z.string(), romanised: z.string().optional(), kind: z.string() }).nullable(),
  fugitiveIds: z.array(Id),
  caseIds: z.array(Id),
  unitId: Id,
  version: z.number().int(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type AssetSummary = z.infer<typeof AssetSummary>;
export const AssetPage = pageOf(AssetSummary);

export const AssetSharing = z.object({
  /** The shared object carrying the asset to peers (`asset`), once shared. */
  sharedObjectId: SharedObjectId.nullable(),
  recipients: z.array(NodeId),
  marking: Marking.nullable(),
  withdrawn: z.boolean(),
});

export const AssetDetail = AssetSummary.extend({
  location: z.string().nullable(),
  stages: z.array(AssetStageView),
  sharing: AssetSharing,
  /** Requests drafted from this asset (tracing, freezing, confiscation, return). */
  requestIds: z.array(Id),
});
export type AssetDetail = z.infer<typeof AssetDetail>;

export const AssetVersionView = z.object({
  version: z.number().int(),
  fields: z.record(z.string(), z.unknown()),
  stage: AssetStage,
  changedAt: IsoDateTime,
  changedBy: z.string(),
  reason: z.string().nullable(),
});

export const ShareAssetBody = z.strictObject({
  recipients: z.array(NodeId).min(1).max(20),
  marking: Marking,
});

export const AssetTotalsQuery = z.strictObject({
  fugitiveId: Id.optional(),
  caseId: Id.optional(),
});

/**
 * Totals of the caller's unit per currency and stage: never summed across currencies. `assets` counts the
 * assets with an entry at that stage; `amount` sums those entries' amounts (partial amounts add up).
 */
export const AssetTotals = z.object({
  rows: z.array(
    z.object({
      currency: z.string(),
      stage: AssetStage,
      assets: z.number().int(),
      amount: AmountView,
    }),
  ),
  /** Per currency: the assets and their estimated value. */
  values: z.array(z.object({ currency: z.string(), assets: z.number().int(), value: AmountView })),
});
export type AssetTotals = z.infer<typeof AssetTotals>;

/** The content of an `asset` shared object: what the peer learns of an asset (no links to cases here). */
export const AssetContent = z.strictObject({
  reference: z.string().max(64),
  kind: AssetKind,
  description: LabelledText,
  location: z.string().max(500).optional(),
  jurisdiction: z.string().max(2),
  holder: AssetHolder.optional(),
  currency: z.string().max(8),
  /** Minor units, digits. */
  valueMinor: z
    .string()
    .regex(/^\d{1,80}$/)
    .optional(),
  stage: AssetStage,
  stages: z
    .array(
      z.strictObject({
        stage: AssetStage,
        date: z.iso.date(),
        authority: z.string().max(300),
        orderReference: z.string().max(200).optional(),
        amountMinor: z
          .string()
          .regex(/^\d{1,80}$/)
          .optional(),
      }),
    )
    .max(200),
  /** The references of the fugitives it is linked to, as the owner's shared list knows them. */
  fugitiveReferences: z.array(z.string().max(64)).max(20),
});
export type AssetContent = z.infer<typeof AssetContent>;

export const ReceivedAssetView = z.object({
  sharedObjectId: SharedObjectId,
  ownerNode: NodeId,
  version: z.number().int(),
  state: z.enum(["active", "withdrawn"]),
  content: AssetContent.nullable(),
  updatedAt: IsoDateTime,
});
export type ReceivedAssetView = z.infer<typeof ReceivedAssetView>;
