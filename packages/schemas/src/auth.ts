import { z } from "zod";
import { Id, Language, Password, TimeZone, Username } from "./common.js";
import { Role } from "./roles.js";

export const SignInBody = z.strictObject({
  username: Username,
  password: z.string().min(1).max(256),
  totp: z
    .string()
    .trim()
    .regex(/^\d{6}$/, { message: "six digits" })
    .optional(),
});

export const Me = z.object({
  id: Id,
  username: Username,
  displayName: z.string(),
  agencyId: Id,
  unitId: Id,
  unitName: z.string(),
  /** The unit's Chinese name, when it has one. */
  unitNameZh: z.string().nullable(),
  roles: z.array(Role),
  permissions: z.array(z.string()),
  language: Language,
  timeZone: z.string(),
  mfaEnrolled: z.boolean(),
  mfaRequired: z.boolean(),
  mustChangePassword: z.boolean(),
});
export type Me = z.infer<typeof Me>;

export const NodeSummary = z.object({
  id: z.string(),
  name: z.string(),
  nameZh: z.string().nullable(),
  agency: z.string(),
  /** The agency's name in Chinese, when it has one (the console shows it to a reader of Chinese). */
  agencyZh: z.string().nullable(),
  timeZone: z.string(),
  /** The language the console opens in before anyone signs in (a signed-in user's own choice wins). */
  language: Language,
});
export type NodeSummary = z.infer<typeof NodeSummary>;

export const SessionResponse = z.object({
  user: Me,
  csrfToken: z.string(),
  node: NodeSummary,
});
export type SessionResponse = z.infer<typeof SessionResponse>;

export const MfaEnrolResponse = z.object({
  secret: z.string(),
  otpauthUrl: z.string(),
  qrDataUrl: z.string(),
});

export const MfaConfirmBody = z.strictObject({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, { message: "six digits" }),
});

export const ChangePasswordBody = z.strictObject({
  currentPassword: z.string().min(1).max(256),
  newPassword: Password,
});

export const PreferencesBody = z.strictObject({
  language: Language.optional(),
  timeZone: TimeZone.optional(),
});
