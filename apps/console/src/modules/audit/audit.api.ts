import type { AuditCheckpoint } from "@crossline/schemas";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, withQuery } from "../../api/client";
import type { AuditPage, AuditVerifyResponse } from "../../api/types";

const PAGE_SIZE = 50;

/** Newest first; each "older" page asks for entries before the last page's cursor. */
export function useAudit(action: string) {
  return useInfiniteQuery({
    queryKey: ["audit", action],
    queryFn: ({ pageParam }) =>
      api<AuditPage>(
        "GET",
        withQuery("/audit", { limit: PAGE_SIZE, before: pageParam, action: action || undefined }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** Asks the peers for the checkpoints they hold for this node, then verifies the log against them. */
export function useVerifyAudit() {
  return useMutation({
    mutationFn: () => api<AuditVerifyResponse>("POST", "/audit/verify", { waitSeconds: 10 }),
  });
}

const CHECKPOINTS_KEY = ["audit", "checkpoints"];

export function useLatestCheckpoint() {
  return useQuery({
    queryKey: CHECKPOINTS_KEY,
    queryFn: () => api<{ items: AuditCheckpoint[] }>("GET", "/audit/checkpoints?limit=1"),
    select: (r) => r.items[0] ?? null,
    // Peers acknowledge within seconds of a new checkpoint; a slow poll shows them arriving.
    refetchInterval: 15_000,
  });
}

export function useSignCheckpoint() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<{ checkpoint: AuditCheckpoint }>("POST", "/audit/checkpoints"),
    onSuccess: () => qc.invalidateQueries({ queryKey: CHECKPOINTS_KEY }),
  });
}
