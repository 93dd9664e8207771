import type { InboxItem, PeerAccepted, PeerInvitation, PeerView } from "@crossline/schemas";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";

const PEERS_KEY = ["peers"] as const;

/** Peers with link health, refreshed every few seconds while the page is open. */
export function usePeers() {
  return useQuery({
    queryKey: PEERS_KEY,
    queryFn: () => api<{ items: PeerView[] }>("GET", "/peers"),
    refetchInterval: 5000,
  });
}

export function useInvite() {
  return useMutation({
    mutationFn: () => api<PeerInvitation>("POST", "/peers/invitations"),
  });
}

export function useAccept() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ invitation, tlsPin }: { invitation: string; tlsPin?: string }) =>
      api<PeerAccepted>("POST", "/peers/accept", { invitation, ...(tlsPin ? { tlsPin } : {}) }),
    onSuccess: () => qc.invalidateQueries({ queryKey: PEERS_KEY }),
  });
}

export function usePeerAction() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action }: { id: string; action: "suspend" | "resume" | "revoke" }) =>
      api<{ peer: PeerView }>("POST", `/peers/${encodeURIComponent(id)}/${action}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: PEERS_KEY }),
  });
}

export function usePing() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      api<{ pings: { pingId: string }[] }>("POST", `/peers/${encodeURIComponent(id)}/ping`, { count: 1 }),
    onSuccess: () => {
      setTimeout(() => qc.invalidateQueries({ queryKey: PEERS_KEY }), 1500);
    },
  });
}

/** One peer with its link health, refreshed every few seconds while its page is open. */
export function usePeer(id: string) {
  return useQuery({
    queryKey: [...PEERS_KEY, id],
    queryFn: () => api<{ peer: PeerView }>("GET", `/peers/${encodeURIComponent(id)}`),
    refetchInterval: 5000,
  });
}

/** The peer's messages held here (received, not applied: a handler failed, or one before them is missing). */
export function useHeld(id: string) {
  return useQuery({
    queryKey: [...PEERS_KEY, id, "held"],
    // held messages (waiting for an earlier one, or failed) and deferred ones (kept for a later release), in order
    queryFn: async () => {
      const list = (status: "held" | "deferred") =>
        api<{ items: InboxItem[] }>(
          "GET",
          `/peers/${encodeURIComponent(id)}/inbox?status=${status}&limit=200`,
        );
      const [held, deferred] = await Promise.all([list("held"), list("deferred")]);
      return { items: [...held.items, ...deferred.items].sort((a, b) => a.seq - b.seq) };
    },
    refetchInterval: 5000,
  });
}

/** Retry applying a held message now, or skip it for good (the sender is told), with an optional note. */
export function useHeldAction(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ msgId, action, note }: { msgId: string; action: "retry" | "skip"; note?: string }) =>
      api<{ msgId: string; inSeq: number; applied?: boolean; skipped?: boolean }>(
        "POST",
        `/peers/${encodeURIComponent(id)}/inbox/${encodeURIComponent(msgId)}/${action}`,
        action === "skip" ? { note: note ?? "" } : undefined,
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: PEERS_KEY }),
  });
}

/** Pin the peer's TLS certificate, or remove the pin (null). */
export function useTlsPin(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (tlsPin: string | null) =>
      api<{ peer: PeerView }>("PUT", `/peers/${encodeURIComponent(id)}/tls-pin`, { tlsPin }),
    onSuccess: () => qc.invalidateQueries({ queryKey: PEERS_KEY }),
  });
}

/** After a sequence conflict: renumber what waits for the peer and resume delivery. */
export function useResequence(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () =>
      api<{ firstSeq: number; count: number }>("POST", `/peers/${encodeURIComponent(id)}/resequence`, {}),
    onSuccess: () => qc.invalidateQueries({ queryKey: PEERS_KEY }),
  });
}
