import type {
  FugitiveListView,
  FugitiveSummary,
  LabelledText,
  ListStatistics,
  Marking,
  ReceivedEntryView,
  ReportBody,
  ReportEvidence,
} from "@crossline/schemas";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";

/** A list of this node's unit as the overview shows it. */
export type OwnListItem = {
  id: string;
  name: LabelledText;
  publishedOn: string | null;
  recipients: string[];
};

export function useOwnLists() {
  return useQuery({
    queryKey: ["fugitive-lists"],
    queryFn: () => api<{ items: OwnListItem[] }>("GET", "/fugitive-lists"),
    select: (r) => r.items,
  });
}

export function useOwnList(id: string) {
  return useQuery({
    queryKey: ["fugitive-list", id],
    queryFn: () => api<{ list: FugitiveListView }>("GET", `/fugitive-lists/${encodeURIComponent(id)}`),
    select: (r) => r.list,
  });
}

/** Returned of total and by method, counted by the node (the same figures as the statistics page). */
export function useOwnProgress(id: string) {
  return useQuery({
    queryKey: ["fugitive-list-stats", id, ""],
    queryFn: () => api<ListStatistics>("GET", `/fugitive-lists/${encodeURIComponent(id)}/statistics`),
  });
}

/** Every entry of a peer's list held by the caller's unit, with the reports we sent on it. */
export function useReceived() {
  return useQuery({
    queryKey: ["fugitive-lists-received"],
    queryFn: () => api<{ items: ReceivedEntryView[] }>("GET", "/fugitive-lists/received"),
    select: (r) => r.items,
  });
}

/** One entry of a peer's list held by the caller's unit: its own route, so the read is logged as a read. */
export function useReceivedEntry(entryId: string) {
  return useQuery({
    // Under the received list's key: a report invalidates both.
    queryKey: ["fugitive-lists-received", entryId],
    queryFn: () =>
      api<{ entry: ReceivedEntryView }>("GET", `/fugitive-lists/received/${encodeURIComponent(entryId)}`),
    select: (r) => r.entry,
  });
}

/** Peers a list can be published to (the active ones). */
export function usePeers() {
  return useQuery({
    queryKey: ["fugitive-list-peers"],
    queryFn: () => api<{ items: { id: string; name: string }[] }>("GET", "/requests/recipients"),
    select: (r) => r.items,
  });
}

/** The unit's fugitives a list can take (the first page, newest first). */
export function useUnitFugitives() {
  return useQuery({
    queryKey: ["fugitives-for-list"],
    queryFn: () =>
      api<{ items: FugitiveSummary[]; nextCursor: string | null }>("GET", "/fugitives?limit=100"),
    select: (r) => r.items,
  });
}

export function useCreateList() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: LabelledText; publishedOn?: string }) =>
      api<{ list: FugitiveListView }>("POST", "/fugitive-lists", body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["fugitive-lists"] }),
  });
}

/** Changes of one list (an entry added, publication): the answer is the list as it now stands. */
function useListChange<B>(id: string, path: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: B) =>
      api<{ list: FugitiveListView }>("POST", `/fugitive-lists/${encodeURIComponent(id)}/${path}`, body),
    onSuccess: (r) => {
      qc.setQueryData(["fugitive-list", id], r);
      void qc.invalidateQueries({ queryKey: ["fugitive-lists"] });
      void qc.invalidateQueries({ queryKey: ["fugitive-list-stats", id] });
    },
  });
}

export const useAddEntry = (id: string) =>
  useListChange<{ fugitiveId: string; number: number }>(id, "entries");
export const usePublishList = (id: string) =>
  useListChange<{ recipients: string[]; marking: Marking }>(id, "publish");

export function useReport(entryId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Omit<ReportBody, "evidenceIds"> & { evidenceIds?: string[] }) =>
      api<{ reportId: string }>(
        "POST",
        `/fugitive-lists/received/${encodeURIComponent(entryId)}/reports`,
        body,
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["fugitive-lists-received"] }),
  });
}

/** Uploads an evidence file for a report on the entry (sent with the report that names it). */
export function useUploadEvidence(entryId: string) {
  return useMutation({
    mutationFn: (body: { name: string; contentBase64: string }) =>
      api<{ evidence: ReportEvidence }>(
        "POST",
        `/fugitive-lists/received/${encodeURIComponent(entryId)}/evidence`,
        body,
      ),
  });
}
