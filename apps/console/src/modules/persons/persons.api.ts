import type {
  AccessLogEntry,
  FugitiveRequestType,
  PersonLinkedRequest,
  PersonSummary,
  PersonView,
} from "@crossline/schemas";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, withQuery } from "../../api/client";

/** The persons the unit sees, newest first, searched by any name form. */
export function usePersons(q: string) {
  return useInfiniteQuery({
    queryKey: ["persons", q],
    queryFn: ({ pageParam }) =>
      api<{ items: PersonSummary[]; nextCursor: string | null }>(
        "GET",
        withQuery("/persons", { limit: 50, cursor: pageParam, q: q || undefined }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function usePerson(id: string) {
  return useQuery({
    queryKey: ["person", id],
    queryFn: () => api<{ person: PersonView }>("GET", `/persons/${encodeURIComponent(id)}`),
    select: (r) => r.person,
  });
}

/** Who read the person (auditors only). */
export function usePersonAccess(id: string, enabled: boolean) {
  return useQuery({
    queryKey: ["person", id, "access"],
    queryFn: () =>
      api<{ items: AccessLogEntry[]; nextCursor: string | null }>(
        "GET",
        `/persons/${encodeURIComponent(id)}/access?limit=100`,
      ),
    enabled,
  });
}

export function useRestrictPerson(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { restricted: boolean; reason?: string }) =>
      api<{ person: PersonView }>("POST", `/persons/${encodeURIComponent(id)}/restriction`, body),
    onSuccess: (r) => qc.setQueryData(["person", id], r),
  });
}

/** The requests of the caller's unit naming the person, each with its life (needs requests:read). */
export function usePersonRequests(id: string, enabled: boolean) {
  return useQuery({
    queryKey: ["person", id, "requests"],
    queryFn: () =>
      api<{ items: PersonLinkedRequest[] }>("GET", `/persons/${encodeURIComponent(id)}/requests`),
    select: (r) => r.items,
    enabled,
  });
}

/** The start of a request drafted from the person (its names, birth, nationalities, documents). */
export function usePersonRequestPrefill(id: string, type: FugitiveRequestType) {
  return useQuery({
    queryKey: ["person-request-prefill", id, type],
    queryFn: () =>
      api<{ prefill: { personId: string; form: Record<string, unknown> } }>(
        "GET",
        withQuery(`/persons/${encodeURIComponent(id)}/request-prefill`, { type }),
      ),
    select: (r) => r.prefill,
    // The form keeps what the officer typed: the start must not change under it.
    staleTime: Number.POSITIVE_INFINITY,
  });
}
