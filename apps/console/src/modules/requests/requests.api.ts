import type { NotificationView, RequestDetail, RequestSummary, TimelinessReport } from "@crossline/schemas";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { API_BASE, api, withQuery } from "../../api/client";
import type { Page } from "../../api/types";
import { fileBase64 } from "../../util/files";

export const REQUESTS_KEY = ["requests"] as const;

export interface BoardFilters {
  direction?: "incoming" | "outgoing";
  type: string[];
  urgency: string[];
  status: string[];
  deadline: string | null;
  /** Search: a reference's start or words of the title (sent from two characters on). */
  q?: string;
}

export function boardQueryString(f: BoardFilters, cursor?: string): string {
  return withQuery("/requests", {
    direction: f.direction,
    type: f.type.join(","),
    urgency: f.urgency.join(","),
    status: f.status.join(","),
    deadline: f.deadline,
    q: f.q && f.q.trim().length >= 2 ? f.q.trim() : undefined,
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

export const NOTIFICATIONS_KEY = ["notifications"] as const;

/**
 * My latest notifications and the unread count. The shell's `useNotificationStream` refreshes this the moment
 * something arrives; polling every 15 s stays as the fallback when the stream is unavailable.
 */
export function useNotifications() {
  return useQuery({
    queryKey: NOTIFICATIONS_KEY,
    queryFn: () =>
      api<{ items: NotificationView[]; unreadCount: number }>(
        "GET",
        withQuery("/notifications", { limit: 20 }),
      ),
    refetchInterval: 15_000,
  });
}

/**
 * The live stream (Server-Sent Events): opened once per tab, by the shell. Each notification refreshes the list
 * and every request query (board, detail, messages), so an open request page updates by itself; `onNotification`
 * sees each one as it arrives (the shell raises a toast for emergencies). `unread` says the count changed
 * without a new one (some were settled).
 */
export function useNotificationStream(onNotification?: (n: NotificationView) => void) {
  const qc = useQueryClient();
  const callback = useRef(onNotification);
  callback.current = onNotification;
  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    const source = new EventSource(`${API_BASE}/notifications/stream`, { withCredentials: true });
    const received = (e: MessageEvent<string>) => {
      void qc.invalidateQueries({ queryKey: NOTIFICATIONS_KEY });
      void qc.invalidateQueries({ queryKey: REQUESTS_KEY });
      void qc.invalidateQueries({ queryKey: ["hotline", "log"] });
      let n: NotificationView | null = null;
      try {
        n = JSON.parse(e.data) as NotificationView;
      } catch {
        return;
      }
      callback.current?.(n);
    };
    source.addEventListener("notification", received);
    // Notifications marked done because what they asked for was done (here, by a colleague or by the peer):
    // the badge and the lists follow.
    const settled = () => void qc.invalidateQueries({ queryKey: NOTIFICATIONS_KEY });
    source.addEventListener("unread", settled);
    return () => source.close();
  }, [qc]);
}

export function useMarkNotificationsRead() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { ids: string[] } | { all: true }) =>
      api<{ marked: number }>("POST", "/notifications/read", body),
    onSuccess: () => qc.invalidateQueries({ queryKey: NOTIFICATIONS_KEY }),
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

/** Uploads a file; the returned reference goes into a form, a message or an answer. */
export async function uploadAttachment(file: File): Promise<AttachmentRef> {
  const res = await api<{ attachment: AttachmentRef }>("POST", "/requests/attachments", {
    name: file.name,
    contentBase64: await fileBase64(file),
  });
  return res.attachment;
}
