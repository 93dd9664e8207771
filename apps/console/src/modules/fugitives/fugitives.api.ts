import type {
  CreateFugitiveBody,
  FugitiveDetail,
  FugitiveMatch,
  FugitiveRequestType,
  FugitiveSummary,
  ListStatistics,
  PhotoUploadBody,
  ReturnBody,
} from "@crossline/schemas";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, withQuery } from "../../api/client";

/** The unit's fugitives, newest first, searched by any name form (each page is in the access log). */
export function useFugitives(q: string) {
  return useInfiniteQuery({
    queryKey: ["fugitives", q],
    queryFn: ({ pageParam }) =>
      api<{ items: FugitiveSummary[]; nextCursor: string | null }>(
        "GET",
        withQuery("/fugitives", { limit: 50, cursor: pageParam, q: q || undefined }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useFugitive(id: string) {
  return useQuery({
    queryKey: ["fugitive", id],
    queryFn: () => api<{ fugitive: FugitiveDetail }>("GET", `/fugitives/${encodeURIComponent(id)}`),
    select: (r) => r.fugitive,
    // Other pages change the record too (a request drafted from it): each visit reads it afresh.
    refetchOnMount: "always",
  });
}

export function useFugitiveLists() {
  return useQuery({
    queryKey: ["fugitive-lists"],
    queryFn: () =>
      api<{ items: { id: string; name: { lang: string; text: string }; recipients: string[] }[] }>(
        "GET",
        "/fugitive-lists",
      ),
  });
}

export function useListStatistics(id: string, asOf: string) {
  return useQuery({
    queryKey: ["fugitive-list-stats", id, asOf],
    queryFn: () =>
      api<ListStatistics>(
        "GET",
        withQuery(`/fugitive-lists/${encodeURIComponent(id)}/statistics`, { asOf: asOf || undefined }),
      ),
  });
}

/** The unit's records a new one is likely to repeat (asked before creating it). */
export function useDuplicateCheck() {
  return useMutation({
    mutationFn: (body: { names: { original: string; romanised?: string }[]; dateOfBirth?: string }) =>
      api<{ items: FugitiveMatch[] }>("POST", "/fugitives/duplicates", body),
  });
}

export function useCreateFugitive() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateFugitiveBody) =>
      api<{ fugitive: FugitiveDetail; duplicates: FugitiveMatch[] }>("POST", "/fugitives", body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["fugitives"] }),
  });
}

export function useRecordReturn(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: ReturnBody) =>
      api<{ fugitive: FugitiveDetail }>("POST", `/fugitives/${encodeURIComponent(id)}/return`, body),
    onSuccess: (r) => {
      qc.setQueryData(["fugitive", id], r);
      void qc.invalidateQueries({ queryKey: ["fugitive-list-stats"] });
    },
  });
}

/** Adds a photo to the record (the node checks it is an image); the record comes back at its next version. */
export function useAddPhoto(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: PhotoUploadBody) =>
      api<{ fugitive: FugitiveDetail }>("POST", `/fugitives/${encodeURIComponent(id)}/photos`, body),
    onSuccess: (r) => qc.setQueryData(["fugitive", id], r),
  });
}

/** What a request of this kind drafted from the record starts with (a partial form). */
export function useRequestPrefill(id: string, type: FugitiveRequestType) {
  return useQuery({
    queryKey: ["fugitive-request-prefill", id, type],
    queryFn: () =>
      api<{ prefill: { fugitiveId: string; form: Record<string, unknown> } }>(
        "GET",
        withQuery(`/fugitives/${encodeURIComponent(id)}/request-prefill`, { type }),
      ),
    select: (r) => r.prefill,
    // The form keeps what the officer typed: the start must not change under it.
    staleTime: Number.POSITIVE_INFINITY,
  });
}
