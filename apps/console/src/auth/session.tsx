import type { Language, Me, NodeSummary, Permission, SessionResponse } from "@crossline/schemas";
import { type QueryClient, useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useCallback, useContext } from "react";
import { api, isApiError, onApiError, setCsrfToken } from "../api/client";
import type { MeResponse } from "../api/types";
import i18n, { currentLanguage, rememberLanguage } from "../i18n";

export const SESSION_KEY = ["session"] as const;

async function fetchSession(): Promise<SessionResponse | null> {
  try {
    // probe: "nobody signed in" is an answer (204), not an error the browser would log
    const session = await api<SessionResponse | undefined>("GET", "/auth/session?probe=true");
    setCsrfToken(session?.csrfToken ?? null);
    return session ?? null;
  } catch (err) {
    if (isApiError(err) && err.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw err;
  }
}

/** The session, `null` when signed out, `undefined` while the first answer is awaited. */
export function useSessionQuery() {
  return useQuery({
    queryKey: SESSION_KEY,
    queryFn: fetchSession,
    staleTime: 60_000,
    refetchOnWindowFocus: true,
    retry: (count, err) => !(isApiError(err) && err.status > 0 && err.status < 500) && count < 2,
  });
}

/** Applies the language a signed-in user saved, and remembers it for the sign-in page. */
export function applyUserLanguage(lang: Language): void {
  rememberLanguage(lang);
  if (currentLanguage() !== lang) void i18n.changeLanguage(lang);
}

/**
 * Stores a fresh session (after sign-in, MFA confirmation) or clears it (sign-out,
 * expiry). Data cached for one user is dropped before another can see it.
 */
export function storeSession(
  qc: QueryClient,
  session: SessionResponse | null,
  options: { fresh?: boolean } = {},
) {
  setCsrfToken(session?.csrfToken ?? null);
  if (session === null || options.fresh)
    qc.removeQueries({ predicate: (q) => q.queryKey[0] !== SESSION_KEY[0] });
  qc.setQueryData(SESSION_KEY, session);
  if (session && options.fresh) applyUserLanguage(session.user.language);
}

export function useStoreSession() {
  const qc = useQueryClient();
  return useCallback(
    (session: SessionResponse | null, options?: { fresh?: boolean }) => storeSession(qc, session, options),
    [qc],
  );
}

/** Replaces the signed-in user in the cached session (after a preferences change). */
export function useUpdateMe() {
  const qc = useQueryClient();
  return useCallback(
    (user: Me) => qc.setQueryData<SessionResponse | null>(SESSION_KEY, (s) => (s ? { ...s, user } : s)),
    [qc],
  );
}

/**
 * Reacts to API errors anywhere: an expired session returns to the sign-in page;
 * a forced step (new password, MFA enrolment) reloads the session so the gate shows it.
 */
export function watchSession(qc: QueryClient): () => void {
  return onApiError((err) => {
    const current = qc.getQueryData<SessionResponse | null>(SESSION_KEY);
    if (err.code === "UNAUTHENTICATED" && current) storeSession(qc, null);
    if ((err.code === "PASSWORD_CHANGE_REQUIRED" || err.code === "MFA_ENROLMENT_REQUIRED") && current) {
      void qc.invalidateQueries({ queryKey: SESSION_KEY });
    }
  });
}

const SessionContext = createContext<SessionResponse | null>(null);

export function SessionProvider({ session, children }: { session: SessionResponse; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

/** The session when signed in, else null (for components shown on both sides of the gate). */
export function useOptionalSession(): SessionResponse | null {
  return useContext(SessionContext);
}

/** The signed-in session; only for components rendered behind the sign-in gate. */
export function useSession(): { user: Me; node: NodeSummary; csrfToken: string } {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

export function hasAnyPermission(user: Me, permissions: readonly Permission[] | undefined): boolean {
  if (!permissions || permissions.length === 0) return true;
  return permissions.some((p) => user.permissions.includes(p));
}

export function useCan(permission: Permission): boolean {
  return useSession().user.permissions.includes(permission);
}

/**
 * Switches the interface language at once; when signed in, also saves it as the
 * user's preference (a failure to save leaves the switch in place for this tab).
 * The save is sent before the page re-renders in the new language, and kept alive:
 * a tab closed right after the switch still saves the choice.
 */
export function useSwitchLanguage() {
  const session = useOptionalSession();
  const updateMe = useUpdateMe();
  return useCallback(
    async (lang: Language) => {
      rememberLanguage(lang);
      const saving =
        session && session.user.language !== lang
          ? api<MeResponse>("PUT", "/me/preferences", { language: lang }, undefined, { keepalive: true })
          : null;
      // a failed save is not this promise's rejection to report: the error listener handles expiry
      saving?.catch(() => undefined);
      await i18n.changeLanguage(lang);
      if (saving) {
        try {
          updateMe((await saving).user);
        } catch {
          // otherwise the preference is simply not saved
        }
      }
    },
    [session, updateMe],
  );
}
