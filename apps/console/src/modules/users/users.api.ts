import type { Agency, Unit, User } from "@crossline/schemas";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, withQuery } from "../../api/client";
import type {
  CreateUserInput,
  CreateUserResult,
  ResetPasswordResult,
  UpdateUserInput,
  UsersPage,
} from "../../api/types";

export const USERS_KEY = ["users"] as const;
const PAGE_SIZE = 100;

export function useUsers() {
  return useInfiniteQuery({
    queryKey: USERS_KEY,
    queryFn: ({ pageParam }) =>
      api<UsersPage>("GET", withQuery("/users", { limit: PAGE_SIZE, cursor: pageParam })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useUnits() {
  return useQuery({
    queryKey: ["units"],
    queryFn: () => api<{ items: Unit[] }>("GET", "/units"),
    staleTime: 5 * 60_000,
  });
}

export function useAgencies() {
  return useQuery({
    queryKey: ["agencies"],
    queryFn: () => api<{ items: Agency[] }>("GET", "/agencies"),
    staleTime: 5 * 60_000,
  });
}

export function useCreateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateUserInput) => api<CreateUserResult>("POST", "/users", body),
    onSuccess: () => qc.invalidateQueries({ queryKey: USERS_KEY }),
  });
}

export function useUpdateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateUserInput }) =>
      api<{ user: User }>("PATCH", `/users/${encodeURIComponent(id)}`, body),
    onSuccess: () => qc.invalidateQueries({ queryKey: USERS_KEY }),
  });
}

export function useResetMfa() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>("POST", `/users/${encodeURIComponent(id)}/reset-mfa`),
    onSuccess: () => qc.invalidateQueries({ queryKey: USERS_KEY }),
  });
}

export function useResetPassword() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      api<ResetPasswordResult>("POST", `/users/${encodeURIComponent(id)}/reset-password`),
    onSuccess: () => qc.invalidateQueries({ queryKey: USERS_KEY }),
  });
}
