import { Button, Center, Loader, Paper, Stack, Text } from "@mantine/core";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { ForcedMfaEnrolment, ForcedPasswordChange } from "../auth/ForcedSteps";
import { SignInPage } from "../auth/SignInPage";
import { applyUserLanguage, SessionProvider, useSessionQuery } from "../auth/session";
import { ApiErrorAlert } from "../components/ApiErrorAlert";
import { PortalApp } from "../portal/PortalApp";
import { usePath } from "../router/router";
import { VerifyPage } from "../verify/VerifyPage";
import { Shell } from "./Shell";

/**
 * The gate: no session → sign-in; a one-time password → change it; MFA required
 * but missing → enrol; only then the shell.
 */
export function App() {
  const { t } = useTranslation();
  const session = useSessionQuery();
  const path = usePath();
  const data = session.data;
  const userId = data?.user.id;
  const userLanguage = data?.user.language;

  // The language a user saved applies once per sign-in (and on reload), not on every refresh,
  // so a switch made in the header is never undone by a refetch racing the save.
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on the user, deliberately
  useEffect(() => {
    if (userId && userLanguage) applyUserLanguage(userLanguage);
  }, [userId]);

  // The public verification page needs no account: providers check notices there.
  if (path === "/verify") return <VerifyPage />;
  if (data === undefined) {
    if (session.isError) {
      return (
        <Center mih="100vh" p="md">
          <Paper withBorder p="xl" maw={480}>
            <Stack>
              <Text fw={600}>{t("app.unavailable")}</Text>
              <ApiErrorAlert error={session.error} />
              <Button onClick={() => void session.refetch()} data-testid="retry-session">
                {t("common.retry")}
              </Button>
            </Stack>
          </Paper>
        </Center>
      );
    }
    return (
      <Center mih="100vh" aria-busy="true">
        <Loader aria-label={t("common.loading")} />
      </Center>
    );
  }
  if (data === null) return <SignInPage />;
  if (data.user.mustChangePassword) return <ForcedPasswordChange displayName={data.user.displayName} />;
  if (data.user.mfaRequired && !data.user.mfaEnrolled)
    return <ForcedMfaEnrolment displayName={data.user.displayName} />;
  // Provider staff (outside users) get the portal's own layout, never the officers' shell.
  const outside = data.user.roles.includes("provider_user");
  return <SessionProvider session={data}>{outside ? <PortalApp /> : <Shell />}</SessionProvider>;
}
