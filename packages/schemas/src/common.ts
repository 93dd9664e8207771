import { z } from "zod";

/** Languages of the interface and of labelled free text. */
export const LANGUAGES = ["en", "zh-CN"] as const;
export const Language = z.enum(LANGUAGES);
export type Language = z.infer<typeof Language>;

/** An IANA time zone name, checked against the runtime's zone database. */
export const TimeZone = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine(
    (tz) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    },
    { message: "must be an IANA time zone such as Asia/Shanghai" },
  );

/** Identifiers are uuid strings (UUIDv7 where we mint them: sortable by creation). */
export const Id = z.uuid();

/** Free text labelled with its language (design principle 6). */
export const LabelledText = z.strictObject({
  lang: Language,
  text: z.string().max(20_000),
});
export type LabelledText = z.infer<typeof LabelledText>;

export const IsoDateTime = z.iso.datetime({ offset: true });

/** Cursor paging used by every list endpoint. */
export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type PageQuery = z.infer<typeof PageQuery>;

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** A username: lower-case letters, digits, dot, dash, underscore. */
export const Username = z
  .string()
  .trim()
  .toLowerCase()
  .min(3)
  .max(64)
  .regex(/^[a-z0-9._-]+$/, { message: "only letters, digits, '.', '-' and '_'" });

export const Password = z.string().min(12, { message: "at least 12 characters" }).max(256);

export const NodeId = z
  .string()
  .trim()
  .min(2)
  .max(32)
  .regex(/^[A-Z0-9][A-Z0-9-]*$/, { message: "upper-case letters, digits and '-', e.g. CN-MPS" });
