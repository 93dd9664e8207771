import { useMutation } from "@tanstack/react-query";
import { api } from "../api/client";
import { navigate } from "../router/router";
import { useStoreSession } from "./session";

/** Ends this session. The local state is cleared whatever the server answers; the next user starts at "/". */
export function useSignOut() {
  const storeSession = useStoreSession();
  return useMutation({
    mutationFn: () => api<void>("POST", "/auth/sign-out"),
    onSettled: () => {
      storeSession(null);
      navigate("/");
    },
  });
}

/** Ends every session of the user, on every device; cleared locally only once the server agrees. */
export function useSignOutEverywhere() {
  const storeSession = useStoreSession();
  return useMutation({
    mutationFn: () => api<void>("POST", "/auth/sign-out-everywhere"),
    onSuccess: () => {
      storeSession(null);
      navigate("/");
    },
  });
}
