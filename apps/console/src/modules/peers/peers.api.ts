import type { PeerAccepted, PeerInvitation, PeerView } from "@crossline/schemas";
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
    mutationFn: (invitation: string) => api<PeerAccepted>("POST", "/peers/accept", { invitation }),
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
