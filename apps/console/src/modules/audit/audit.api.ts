import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
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

export function useVerifyAudit() {
  return useMutation({ mutationFn: () => api<AuditVerifyResponse>("GET", "/audit/verify") });
}
