import type { RepatriationBoard, RepatriationCaseView } from "@crossline/schemas";
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
      api<{ case: RepatriationCaseView }>(
        "POST",
        `/repatriation/cases/${encodeURIComponent(id)}/${v.route}`,
        v.body,
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["repatriation"] }),
  });
}
