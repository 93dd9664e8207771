import type { AssetDetail, AssetSummary, AssetTotals } from "@crossline/schemas";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, withQuery } from "../../api/client";

export interface AssetFilters {
  stage: string;
  currency: string;
  kind: string;
}

/** The unit's assets, newest first, filtered (each page is in the access log). */
export function useAssets(f: AssetFilters) {
  return useInfiniteQuery({
    queryKey: ["assets", f],
    queryFn: ({ pageParam }) =>
      api<{ items: AssetSummary[]; nextCursor: string | null }>(
        "GET",
        withQuery("/assets", {
          limit: 50,
          cursor: pageParam,
          stage: f.stage || undefined,
          currency: f.currency || undefined,
          kind: f.kind || undefined,
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useAssetTotals() {
  return useQuery({ queryKey: ["asset-totals"], queryFn: () => api<AssetTotals>("GET", "/assets/totals") });
}

export function useAsset(id: string) {
  return useQuery({
    queryKey: ["asset", id],
    queryFn: () => api<{ asset: AssetDetail }>("GET", `/assets/${encodeURIComponent(id)}`),
    select: (r) => r.asset,
  });
}

export function useAddStage(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      api<{ asset: AssetDetail }>("POST", `/assets/${encodeURIComponent(id)}/stages`, body),
    onSuccess: (r) => {
      qc.setQueryData(["asset", id], r);
      void qc.invalidateQueries({ queryKey: ["asset-totals"] });
    },
  });
}
