import type {
  ActionBoardItem,
  ActionSummary,
  CreateRoundBody,
  OutcomeExport,
  OutcomeVerification,
  RoundOp,
  RoundSummary,
  RoundView,
} from "@crossline/schemas";
import type { z } from "zod";
import { api, withQuery } from "../../api/client";

export type RoundRow = z.output<typeof RoundSummary>;
export type BoardItem = z.output<typeof ActionBoardItem>;
export type Summary = z.output<typeof ActionSummary>;
export type ChangeResult = { round: RoundView; outcome: "applied" | "pending"; proposalId: string | null };
export type BoardFilters = { roundId?: string; ownerNode?: string; status?: string; overdue?: string };

export const roundsApi = {
  list: () => api<{ items: RoundRow[] }>("GET", "/rounds").then((r) => r.items),
  create: (body: z.input<typeof CreateRoundBody>) =>
    api<{ round: RoundView }>("POST", "/rounds", body).then((r) => r.round),
  addDocument: (id: string, name: string, contentBase64: string) =>
    api<ChangeResult>("POST", `/rounds/${id}/documents`, { name, contentBase64 }),
  get: (id: string) => api<{ round: RoundView }>("GET", `/rounds/${id}`).then((r) => r.round),
  /** One change with the round version it was made on (the server merges or refuses a stale field). */
  change: (id: string, base: number, op: RoundOp) =>
    api<ChangeResult>("POST", `/rounds/${id}/changes`, { base, op }),
  sign: (id: string, listId: string, base: number, listVersion: number) =>
    api<ChangeResult>("POST", `/rounds/${id}/lists/${listId}/sign`, { base, listVersion }),
  exportList: (id: string, listId: string) =>
    api<OutcomeExport>("GET", `/rounds/${id}/lists/${listId}/export`),
  verify: (e: OutcomeExport) => api<OutcomeVerification>("POST", "/rounds/verify", e),
  summary: (id: string) => api<Summary>("GET", `/rounds/${id}/actions/summary`),
  board: (f: BoardFilters) =>
    api<{ items: BoardItem[] }>("GET", withQuery("/round-actions", f)).then((r) => r.items),
  feedToken: () => api<{ path: string }>("POST", "/rounds/calendar/feed-token"),
};

/** A new id for a part of a round (list, item, action): short, unique enough within one round. */
export function partId(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}
