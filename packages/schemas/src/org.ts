import { z } from "zod";
import { Id, IsoDateTime, Language, Password, TimeZone, Username } from "./common.js";
import { ROLES, Role } from "./roles.js";

export const Agency = z.object({ id: Id, name: z.string(), nameZh: z.string().nullable() });
export type Agency = z.infer<typeof Agency>;

export const Unit = z.object({ id: Id, agencyId: Id, name: z.string(), nameZh: z.string().nullable() });
export type Unit = z.infer<typeof Unit>;

export const CreateUnitBody = z.strictObject({
  agencyId: Id,
  name: z.string().trim().min(1).max(200),
  nameZh: z.string().trim().min(1).max(200).optional(),
});

export const User = z.object({
  id: Id,
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  unitId: Id,
  roles: z.array(Role),
  language: Language,
  timeZone: z.string(),
  disabled: z.boolean(),
  mfaEnrolled: z.boolean(),
  lockedUntil: IsoDateTime.nullable(),
  lastSignInAt: IsoDateTime.nullable(),
  createdAt: IsoDateTime,
});
export type User = z.infer<typeof User>;

export const CreateUserBody = z.strictObject({
  username: Username,
  displayName: z.string().trim().min(1).max(200),
  email: z.email().max(320).optional(),
  unitId: Id,
  roles: z.array(Role).min(1).max(ROLES.length),
  language: Language.default("en"),
  timeZone: TimeZone.optional(),
  /** When absent the server generates a one-time password and returns it once. */
  password: Password.optional(),
});

export const CreateUserResponse = z.object({ user: User, oneTimePassword: z.string().nullable() });

export const UpdateUserBody = z.strictObject({
  displayName: z.string().trim().min(1).max(200).optional(),
  email: z.email().max(320).nullable().optional(),
  unitId: Id.optional(),
  roles: z.array(Role).min(1).max(ROLES.length).optional(),
  disabled: z.boolean().optional(),
});

export const ResetPasswordResponse = z.object({ oneTimePassword: z.string() });

export const ApiToken = z.object({
  id: Id,
  name: z.string(),
  userId: Id,
  roles: z.array(Role),
  prefix: z.string(),
  createdAt: IsoDateTime,
  expiresAt: IsoDateTime,
  revokedAt: IsoDateTime.nullable(),
  lastUsedAt: IsoDateTime.nullable(),
});
export type ApiToken = z.infer<typeof ApiToken>;

export const CreateTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  /** A subset of the creator's roles; defaults to all of them. */
  roles: z.array(Role).min(1).max(ROLES.length).optional(),
  expiresInDays: z.number().int().min(1).max(366).default(90),
});

export const CreateTokenResponse = z.object({ token: ApiToken, secret: z.string() });

export type CreateUserResponse = z.infer<typeof CreateUserResponse>;
export type CreateTokenResponse = z.infer<typeof CreateTokenResponse>;
