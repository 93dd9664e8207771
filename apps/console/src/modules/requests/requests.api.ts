import type { NotificationView, RequestDetail, RequestSummary, TimelinessReport } from "@crossline/schemas";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { API_BASE, api, withQuery } from "../../api/client";
import type { Page } from "../../api/types";

export const REQUESTS_KEY = ["requests"] as const;

export interface BoardFilters {
  direction?: "incoming" | "outgoing";
  type: string[];
  urgency: string[];
  status: string[];
  deadline: string | null;
}

export function boardQueryString(f: BoardFilters, cursor?: string): string {
  return withQuery("/requests", {
    direction: f.direction,
    type: f.type.join(","),
    urgency: f.urgency.join(","),
    status: f.status.join(","),
    deadline: f.deadline,
    limit: 50,
    cursor,
  });
}

export function useBoard(f: BoardFilters) {
  return useInfiniteQuery({
    queryKey: [...REQUESTS_KEY, "board", f],
    queryFn: ({ pageParam }) => api<Page<RequestSummary>>("GET", boardQueryString(f, pageParam)),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: 30_000,
  });
}

export function useRequest(id: string) {
  return useQuery({
    queryKey: [...REQUESTS_KEY, "detail", id],
    queryFn: () => api<{ request: RequestDetail }>("GET", `/requests/${encodeURIComponent(id)}`),
    select: (r) => r.request,
    refetchInterval: 30_000,
  });
}

export function useRequestAction(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      api<unknown>("POST", `/requests/${encodeURIComponent(id)}/actions`, body),
    onSuccess: () => qc.invalidateQueries({ queryKey: REQUESTS_KEY }),
  });
}

export interface ShiftView {
  id: string;
  unitId: string;
  userId: string;
  userName: string;
  role: "primary" | "backup";
  startsAt: string;
  endsAt: string;
  timeZone: string;
  startLocal: string;
  endLocal: string;
  note: string | null;
}

export function useOnDuty() {
  return useQuery({
    queryKey: ["hotline", "on-duty"],
    queryFn: () => api<{ unitId: string; at: string; shifts: ShiftView[] }>("GET", "/hotline/on-duty"),
    refetchInterval: 60_000,
  });
}

/**
 * Live notifications: the server's event stream refreshes the list (and the board) the moment something
 * arrives; polling every 15 s stays as the fallback when the stream is unavailable.
 */
export function useNotifications() {
  const qc = useQueryClient();
  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    const source = new EventSource(`${API_BASE}/notifications/stream`, { withCredentials: true });
    const refresh = () => {
      qc.invalidateQueries({ queryKey: ["notifications"] });
      qc.invalidateQueries({ queryKey: REQUESTS_KEY });
    };
    source.addEventListener("notification", refresh);
    return () => source.close();
  }, [qc]);
  return useQuery({
    queryKey: ["notifications"],
    queryFn: () =>
      api<{ items: NotificationView[]; unreadCount: number }>(
        "GET",
        withQuery("/notifications", { limit: 20 }),
      ),
    refetchInterval: 15_000,
  });
}

export function useMarkNotificationsRead() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { ids: string[] } | { all: true }) =>
      api<{ marked: number }>("POST", "/notifications/read", body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["notifications"] }),
  });
}

export type { TimelinessReport };

export interface MessageView {
  id: string;
  nodeId: string;
  side: "requester" | "responder";
  author: string;
  body: { lang: string; text: string };
  attachments: { id: string; name: string; sha256: string; size: number }[];
  at: { at: string; requester: string | null; responder: string | null };
  mine: boolean;
  readAt: string | null;
  readBy: string | null;
}

export function useMessages(id: string) {
  return useQuery({
    queryKey: [...REQUESTS_KEY, "messages", id],
    queryFn: () => api<{ items: MessageView[] }>("GET", `/requests/${encodeURIComponent(id)}/messages`),
    refetchInterval: 15_000,
  });
}

export function useRequestPost(id: string, sub: string, method: "POST" | "PUT" = "POST") {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      api<unknown>(method, `/requests/${encodeURIComponent(id)}/${sub}`, body),
    onSuccess: () => qc.invalidateQueries({ queryKey: REQUESTS_KEY }),
  });
}

export function useExtensionDecision(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ extensionId, grant }: { extensionId: string; grant: boolean }) =>
      api<unknown>(
        "POST",
        `/requests/${encodeURIComponent(id)}/preservation/extensions/${encodeURIComponent(extensionId)}/decision`,
        { grant },
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: REQUESTS_KEY }),
  });
}

export interface AttachmentRef {
  id: string;
  name: string;
  sha256: string;
  size: number;
}

/** Base64 of a file's bytes, in slices (String.fromCharCode takes a bounded number of arguments). */
async function base64Of(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Uploads a file; the returned reference goes into a form, a message or an answer. */
export async function uploadAttachment(file: File): Promise<AttachmentRef> {
  const res = await api<{ attachment: AttachmentRef }>("POST", "/requests/attachments", {
    name: file.name,
    contentBase64: await base64Of(file),
  });
  return res.attachment;
}
