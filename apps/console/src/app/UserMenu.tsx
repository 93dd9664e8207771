import { Avatar, Button, Group, Menu, Text, VisuallyHidden } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useSession, useSwitchLanguage } from "../auth/session";
import { useSignOut, useSignOutEverywhere } from "../auth/useSignOut";
import { ConfirmModal } from "../components/ConfirmModal";
import { currentLanguage } from "../i18n";
import { navigate } from "../router/router";
import { initials } from "../util/initials";
import { orgName } from "../util/labels";

export function UserMenu() {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const switchLanguage = useSwitchLanguage();
  const signOut = useSignOut();
  const everywhere = useSignOutEverywhere();
  const [confirmEverywhere, setConfirmEverywhere] = useState(false);
  const target = currentLanguage() === "en" ? "zh-CN" : "en";

  return (
    <>
      <Menu position="bottom-end" width={260} shadow="md" withinPortal>
        <Menu.Target>
          {/* Named by what it shows plus a hidden "account menu": an aria-label replacing the visible name would
              not contain it (axe: label-content-name-mismatch), and speech users say what they see. */}
          <Button variant="subtle" color="gray" px="xs" data-testid="user-menu">
            <VisuallyHidden>{t("user.menu")}</VisuallyHidden>
            <Group gap="xs" wrap="nowrap">
              <Avatar size="sm" radius="xl" color="indigo" aria-hidden="true">
                {initials(user.displayName)}
              </Avatar>
              <Text size="sm" fw={500} visibleFrom="sm" style={{ whiteSpace: "nowrap" }}>
                {user.displayName}
              </Text>
            </Group>
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>
            <Text size="sm" fw={600} c="var(--mantine-color-text)">
              {user.displayName}
            </Text>
            <Text size="xs">{`${user.username} · ${orgName(i18n.language, { name: user.unitName, nameZh: user.unitNameZh })}`}</Text>
          </Menu.Label>
          <Menu.Divider />
          <Menu.Item onClick={() => void switchLanguage(target)} data-testid="menu-language" lang={target}>
            {target === "en" ? t("language.en") : t("language.zh")}
          </Menu.Item>
          <Menu.Item onClick={() => navigate("/security")} data-testid="menu-security">
            {t("nav.security")}
          </Menu.Item>
          <Menu.Divider />
          <Menu.Item onClick={() => signOut.mutate()} data-testid="menu-sign-out">
            {t("user.signOut")}
          </Menu.Item>
          <Menu.Item
            color="red"
            onClick={() => setConfirmEverywhere(true)}
            data-testid="menu-sign-out-everywhere"
          >
            {t("user.signOutEverywhere")}
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <ConfirmModal
        opened={confirmEverywhere}
        title={t("user.signOutEverywhere")}
        message={t("user.signOutEverywhereConfirm")}
        confirmLabel={t("user.signOutEverywhere")}
        danger
        loading={everywhere.isPending}
        error={everywhere.error}
        onConfirm={() => everywhere.mutate()}
        onClose={() => {
          setConfirmEverywhere(false);
          everywhere.reset();
        }}
        testId="confirm-sign-out-everywhere"
      />
    </>
  );
}
