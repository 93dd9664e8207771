import type {
  FlagView,
  LawfulGround,
  LawfulKind,
  LawfulStatus,
  RetentionDueList,
  ScreeningCharacter,
} from "@crossline/schemas";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";

const KEY = ["lawful"];
const enc = encodeURIComponent;

export function useLawfulStatus(kind: LawfulKind, id: string) {
  return useQuery({
    queryKey: [...KEY, "status", kind, id],
    queryFn: () => api<{ status: LawfulStatus }>("GET", `/lawful/records/${kind}/${enc(id)}`),
    select: (r) => r.status,
  });
}

export function useReviewQueue(enabled: boolean) {
  return useQuery({
    queryKey: [...KEY, "queue"],
    queryFn: () => api<{ items: FlagView[] }>("GET", "/lawful/flags"),
    select: (r) => r.items,
    enabled,
  });
}

export function useRetentionDue(enabled: boolean) {
  return useQuery({
    queryKey: [...KEY, "retention"],
    queryFn: () => api<RetentionDueList>("GET", "/lawful/retention"),
    select: (r) => r.items,
    enabled,
  });
}

/** Every lawful mutation refreshes the lawful views and the requests (their allowed actions may change). */
function useLawfulMutation<B>(call: (body: B) => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: call,
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: KEY });
      await qc.invalidateQueries({ queryKey: ["requests"] });
    },
  });
}

export const useFlag = () =>
  useLawfulMutation(
    (b: { kind: LawfulKind; recordId: string; characters: ScreeningCharacter[]; note: string }) =>
      api("POST", "/lawful/flags", b),
  );

export const useDecide = () =>
  useLawfulMutation(
    (b: { flagId: string; decision: "clear" | "block"; ground: LawfulGround; text: string }) =>
      api("POST", `/lawful/flags/${enc(b.flagId)}/decision`, {
        decision: b.decision,
        ground: b.ground,
        text: b.text,
      }),
  );

export const useRefuse = () =>
  useLawfulMutation((b: { kind: LawfulKind; recordId: string; ground: LawfulGround; text: string }) =>
    api("POST", "/lawful/refusals", b),
  );

export const useErase = () =>
  useLawfulMutation((b: { kind: LawfulKind; recordId: string }) =>
    api("POST", `/lawful/records/${b.kind}/${enc(b.recordId)}/erase`, {}),
  );

export const useConfirmBasis = () =>
  useLawfulMutation((b: { kind: LawfulKind; recordId: string }) =>
    api("POST", `/lawful/records/${b.kind}/${enc(b.recordId)}/review`, {}),
  );
