import { Anchor, AppShell, Button, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { useSession } from "../auth/session";
import { useSignOut } from "../auth/useSignOut";
import { BrandMark } from "../components/BrandMark";
import { LanguageSwitch } from "../components/LanguageSwitch";
import { NotFound } from "../components/NotFound";
import { NoticePage, NoticesBoard } from "../modules/notices/NoticesPage";
import { usePortalMe } from "../modules/notices/notices.api";
import { Link, navigate, usePath } from "../router/router";

/**
 * The provider portal: its own simple layout for provider staff (outside users). They see only the notices
 * addressed to their company, answer them, and find the public verification page.
 */
export function PortalApp() {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const me = usePortalMe();
  const signOut = useSignOut();
  const path = usePath();
  if (!path.startsWith("/portal")) {
    navigate("/portal", { replace: true });
    return null;
  }
  const rest = path.slice("/portal".length).replace(/^\//, "");
  const company = me.data
    ? i18n.language.startsWith("zh")
      ? me.data.provider.nameZh
      : me.data.provider.name
    : "";
  const m = /^notices\/([0-9a-f-]{36})$/.exec(rest);
  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <BrandMark />
            <Text fw={600} truncate>
              {t("portal.title")}
            </Text>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <LanguageSwitch />
            <Button
              size="xs"
              variant="default"
              onClick={() => signOut.mutate()}
              data-testid="portal-sign-out"
            >
              {t("portal.signOut")}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main id="main" tabIndex={-1}>
        <Stack maw={1100} mx="auto">
          {rest === "" ? (
            <Stack data-testid="portal-home">
              <Title order={1} size="h2">
                {me.isPending ? (
                  <Loader size="sm" aria-label={t("common.loading")} />
                ) : (
                  t("portal.company", { name: company })
                )}
              </Title>
              <Text size="sm" c="dimmed">
                {t("portal.intro", { zone: user.timeZone })}
              </Text>
              <NoticesBoard base="/portal/notices" />
              <Text size="sm">
                <Anchor href="/verify">{t("portal.verifyHint")}</Anchor>
              </Text>
            </Stack>
          ) : m ? (
            <Stack>
              <Link to="/portal">{t("portal.back")}</Link>
              <NoticePage id={m[1]} side="provider" />
            </Stack>
          ) : (
            <NotFound />
          )}
        </Stack>
      </AppShell.Main>
    </AppShell>
  );
}
