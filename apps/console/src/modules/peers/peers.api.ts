import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";

export interface PeerHealth {
  outboxDepth: number;
  oldestUndeliveredAt: string | null;
  oldestUndeliveredAgeSeconds: number | null;
  sent: number;
  delivered: number;
  received: number;
  rejected: number;
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
  lastError: string | null;
  rttMs: number | null;
  pingRttMs: number | null;
  linkDown: boolean;
  linkAlertAt: string | null;
}

export type PeerState = "pending" | "active" | "suspended" | "revoked";

export interface Peer {
  id: string;
  name: string;
  nameZh: string | null;
  baseUrl: string;
  state: PeerState;
  fingerprint: string;
  keys: { kid: string; use: string; status: string }[];
  stateChangedAt: string;
  createdAt: string;
  health: PeerHealth;
}

const PEERS_KEY = ["peers"] as const;

/** Peers with link health, refreshed every few seconds while the page is open. */
export function usePeers() {
  return useQuery({
    queryKey: PEERS_KEY,
    queryFn: () => api<{ items: Peer[] }>("GET", "/peers"),
    refetchInterval: 5000,
  });
}

export function useInvite() {
  return useMutation({
    mutationFn: () =>
      api<{ invitation: string; expiresAt: string; nodeFingerprint: string }>("POST", "/peers/invitations"),
  });
}

export function useAccept() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (invitation: string) =>
      api<{ peer: Peer; fingerprint: string }>("POST", "/peers/accept", { invitation }),
    onSuccess: () => qc.invalidateQueries({ queryKey: PEERS_KEY }),
  });
}

export function usePeerAction() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action }: { id: string; action: "suspend" | "resume" | "revoke" }) =>
      api<{ peer: Peer }>("POST", `/peers/${encodeURIComponent(id)}/${action}`),
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
