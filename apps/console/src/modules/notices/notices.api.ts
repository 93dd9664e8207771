import type {
  NoticeDetail,
  NoticeDraftInputRaw,
  NoticeFigures,
  NoticeSummary,
  ProviderView,
  SignedNoticeFile,
} from "@crossline/schemas";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";

const NOTICES = ["notices"] as const;
const PROVIDERS = ["providers"] as const;

export function useNotices() {
  return useQuery({
    queryKey: NOTICES,
    queryFn: () => api<{ items: NoticeSummary[]; nextCursor: string | null }>("GET", "/notices?limit=200"),
  });
}

export function useNotice(id: string) {
  return useQuery({
    queryKey: [...NOTICES, id],
    queryFn: async () =>
      (await api<{ notice: NoticeDetail }>("GET", `/notices/${encodeURIComponent(id)}`)).notice,
  });
}

function useNoticeMutation<B>(path: (id: string) => string, id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: B) => (await api<{ notice: NoticeDetail }>("POST", path(id), body)).notice,
    onSuccess: (n) => {
      qc.setQueryData([...NOTICES, id], n);
      void qc.invalidateQueries({ queryKey: NOTICES, exact: true });
    },
  });
}

export const useNoticeAction = (id: string) =>
  useNoticeMutation<{ event: string; reason?: string }>((x) => `/notices/${x}/actions`, id);
export const useNoticeMessage = (id: string) =>
  useNoticeMutation<{ text: { lang: string; text: string } }>((x) => `/notices/${x}/messages`, id);
export const usePortalAction = (id: string) =>
  useNoticeMutation<{ event: string }>((x) => `/portal/notices/${x}/actions`, id);
export const usePortalAnswer = (id: string) =>
  useNoticeMutation<{
    outcome: string;
    text: { lang: string; text: string };
    grounds?: string;
    attachmentIds: string[];
  }>((x) => `/portal/notices/${x}/answer`, id);

export function useUploadEvidence(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: { name: string; contentBase64: string }) =>
      (
        await api<{ attachment: { id: string; name: string; sha256: string } }>(
          "POST",
          `/portal/notices/${id}/evidence`,
          body,
        )
      ).attachment,
    onSuccess: () => qc.invalidateQueries({ queryKey: [...NOTICES, id] }),
  });
}

export function useSignedNotice(id: string, enabled: boolean) {
  return useQuery({
    queryKey: [...NOTICES, id, "signed"],
    queryFn: () => api<SignedNoticeFile>("GET", `/notices/${id}/signed`),
    enabled,
  });
}

export function useCreateNotice() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: NoticeDraftInputRaw) =>
      (await api<{ notice: NoticeDetail }>("POST", "/notices", body)).notice,
    onSuccess: () => qc.invalidateQueries({ queryKey: NOTICES }),
  });
}

export function useProviders(enabled = true) {
  return useQuery({
    queryKey: PROVIDERS,
    queryFn: async () => (await api<{ items: ProviderView[] }>("GET", "/providers")).items,
    enabled,
  });
}

export function useCreateProvider() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: unknown) => api<{ provider: ProviderView }>("POST", "/providers", body),
    onSuccess: () => qc.invalidateQueries({ queryKey: PROVIDERS }),
  });
}

export function useCreateProviderUser(providerId: string) {
  return useMutation({
    mutationFn: (body: unknown) =>
      api<{ oneTimePassword: string }>("POST", `/providers/${providerId}/users`, body),
  });
}

export function useNoticeFigures() {
  return useQuery({
    queryKey: [...NOTICES, "figures"],
    queryFn: async () => (await api<{ figures: NoticeFigures }>("GET", "/notices/figures")).figures,
  });
}

export function usePortalMe() {
  return useQuery({
    queryKey: ["portal", "me"],
    queryFn: () => api<{ provider: { id: string; name: string; nameZh: string } }>("GET", "/portal/me"),
  });
}

/** The peer's compliance officer turns an incoming request into a draft notice to a provider of the register. */
export function useNoticeFromRequest() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: {
      requestId: string;
      providerId: string;
      legalBasis: { law: string; article: string };
      kind?: string;
    }) => (await api<{ notice: NoticeDetail }>("POST", "/notices/from-request", body)).notice,
    onSuccess: () => qc.invalidateQueries({ queryKey: NOTICES }),
  });
}
