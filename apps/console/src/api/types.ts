/**
 * Request and response shapes of the API, inferred from the shared Zod schemas
 * so the console cannot drift from what the server validates.
 */
import type {
  AuditEntry,
  AuditVerifyAnchoredResult,
  ChangePasswordBody,
  CreateTokenBody,
  CreateTokenResponse,
  CreateUserBody,
  CreateUserResponse,
  Me,
  MfaEnrolResponse,
  NodeSummary,
  PreferencesBody,
  ResetPasswordResponse,
  UpdateUserBody,
  User,
} from "@crossline/schemas";
import type { z } from "zod";

export type CreateUserInput = z.input<typeof CreateUserBody>;
export type CreateUserResult = z.output<typeof CreateUserResponse>;
export type UpdateUserInput = z.input<typeof UpdateUserBody>;
export type ResetPasswordResult = z.output<typeof ResetPasswordResponse>;
export type CreateTokenInput = z.input<typeof CreateTokenBody>;
export type CreateTokenResult = z.output<typeof CreateTokenResponse>;
export type MfaEnrolResult = z.output<typeof MfaEnrolResponse>;
export type ChangePasswordInput = z.input<typeof ChangePasswordBody>;
export type PreferencesInput = z.input<typeof PreferencesBody>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
export type UsersPage = Page<User>;
export type AuditPage = Page<AuditEntry>;
export interface AuditVerifyResponse {
  result: AuditVerifyAnchoredResult;
}
export interface MeResponse {
  user: Me;
}
/** `GET /node`: the summary plus public keys the console does not use yet. */
export interface NodeResponse {
  node: NodeSummary & Record<string, unknown>;
}
