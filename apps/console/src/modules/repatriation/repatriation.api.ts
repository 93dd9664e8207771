import type {
  CreateRepatriationBody,
  RepatriationBoard,
  RepatriationCaseView,
  RepatriationFigures,
} from "@crossline/schemas";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";

/** Pending verifications and travel documents of the unit, with countdowns (each read is in the access log). */
export function useRepatriationBoard() {
  return useQuery({
    queryKey: ["repatriation", "board"],
    queryFn: () => api<RepatriationBoard>("GET", "/repatriation/board"),
  });
}

export function useRepatriationCase(id: string) {
  return useQuery({
    queryKey: ["repatriation", "case", id],
    queryFn: () =>
      api<{ case: RepatriationCaseView }>("GET", `/repatriation/cases/${encodeURIComponent(id)}`),
    select: (r) => r.case,
  });
}

export type StepRoute = "verification" | "document" | "transfer" | "arrival";

/** Records the next step of a case; the board and the case are read again. */
export function useRecordStep(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { route: StepRoute; body: Record<string, unknown> }) =>
      api<{ case: RepatriationCaseView; proposalId?: string }>(
        "POST",
        `/repatriation/cases/${encodeURIComponent(id)}/${v.route}`,
        v.body,
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["repatriation"] }),
  });
}

/** Opens a case (the person found or created in the node's person records); the board is read again. */
export function useOpenCase() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateRepatriationBody) =>
      api<{ case: RepatriationCaseView }>("POST", "/repatriation/cases", body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["repatriation"] }),
  });
}

/** The monthly figures between two months (YYYY-MM) on the node's calendar. */
export function useRepatriationFigures(from: string, to: string, enabled: boolean) {
  return useQuery({
    queryKey: ["repatriation", "figures", from, to],
    queryFn: () =>
      api<RepatriationFigures>(
        "GET",
        `/repatriation/figures?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
      ),
    enabled,
  });
}
