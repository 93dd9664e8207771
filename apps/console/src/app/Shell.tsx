import { Alert, Anchor, AppShell, Burger, Group, NavLink, ScrollArea, Stack, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import "./shell.css";
import { useSession } from "../auth/session";
import { BrandMark } from "../components/BrandMark";
import { LanguageSwitch } from "../components/LanguageSwitch";
import { NavIcon } from "../components/NavIcon";
import { NotFound } from "../components/NotFound";
import { moduleForPath, visibleModules } from "../modules/registry";
import type { ConsoleModule } from "../modules/types";
import { Link, linkClick, usePath } from "../router/router";
import { orgName } from "../util/labels";
import { Clocks } from "./Clocks";
import { LiveNotifications, NotificationBell } from "./Notifications";
import { UserMenu } from "./UserMenu";

function NavSection({
  title,
  modules,
  active,
  onNavigate,
}: {
  title: string;
  modules: ConsoleModule[];
  active: ConsoleModule | null;
  onNavigate: () => void;
}) {
  const { t } = useTranslation();
  if (modules.length === 0) return null;
  return (
    <Stack gap={2}>
      <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" pt="sm" pb={4}>
        {title}
      </Text>
      {modules.map((m) => (
        <NavLink
          key={m.id}
          href={m.path}
          label={m.label(t)}
          leftSection={<NavIcon name={m.id} />}
          active={active?.id === m.id}
          onClick={linkClick(m.path, onNavigate)}
          data-testid={`nav-${m.id}`}
          aria-current={active?.id === m.id ? "page" : undefined}
        />
      ))}
    </Stack>
  );
}

/** A gentle reminder for nodes that do not require MFA (the demo). */
function MfaReminder() {
  const { t } = useTranslation();
  const { user } = useSession();
  const [dismissed, setDismissed] = useState(false);
  if (user.mfaEnrolled || user.mfaRequired || dismissed) return null;
  return (
    <Alert
      color="yellow"
      variant="light"
      mb="md"
      withCloseButton
      closeButtonLabel={t("common.close")}
      onClose={() => setDismissed(true)}
      data-testid="mfa-reminder"
    >
      {t("mfa.reminder")}{" "}
      <Anchor component={Link} to="/security" size="sm">
        {t("mfa.reminderLink")}
      </Anchor>
    </Alert>
  );
}

export function Shell() {
  const { t, i18n } = useTranslation();
  const { user, node } = useSession();
  const [opened, { toggle, close }] = useDisclosure(false);
  const path = usePath();
  const modules = visibleModules(user);
  const active = moduleForPath(user, path);
  const nodeName = orgName(i18n.language, node);

  useEffect(() => {
    const section = active ? active.label(t) : t("notFound.title");
    document.title = `${section} · ${t("app.name")}`;
  }, [active, t]);

  const Page = active?.Page;
  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 250, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        {/* The first thing a keyboard reaches: past the header and the navigation to the page itself. */}
        <a href="#main" className="skip-link" data-testid="skip-link">
          {t("nav.skip")}
        </a>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap" gap="md">
          <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t("nav.toggle")} />
            <BrandMark />
            <Stack gap={0} style={{ minWidth: 0 }}>
              <Text fw={700} size="sm" lh={1.2}>
                {t("app.name")}
              </Text>
              <Text size="xs" c="dimmed" truncate="end" lh={1.2} data-testid="node-name" title={node.id}>
                {nodeName}
              </Text>
            </Stack>
          </Group>
          <Group gap="md" wrap="nowrap">
            <Group visibleFrom="md" wrap="nowrap">
              <Clocks />
            </Group>
            <NotificationBell />
            <LanguageSwitch />
            <UserMenu />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={t("nav.label")}>
        <AppShell.Section grow component={ScrollArea}>
          <nav data-testid="nav">
            <NavSection
              title={t("nav.operations")}
              modules={modules.filter((m) => m.group === "operations")}
              active={active}
              onNavigate={close}
            />
            <NavSection
              title={t("nav.administration")}
              modules={modules.filter((m) => m.group === "administration")}
              active={active}
              onNavigate={close}
            />
          </nav>
        </AppShell.Section>
        <AppShell.Section hiddenFrom="md" p="sm">
          <Clocks />
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <LiveNotifications />
        <MfaReminder />
        <div data-testid="page" data-module={active?.id ?? "not-found"}>
          {Page ? <Page /> : <NotFound />}
        </div>
      </AppShell.Main>
    </AppShell>
  );
}
