import type { NotificationView } from "@crossline/schemas";
import {
  ActionIcon,
  Alert,
  Badge,
  Box,
  Button,
  Group,
  Popover,
  ScrollArea,
  Stack,
  Text,
  UnstyledButton,
} from "@mantine/core";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiErrorAlert } from "../components/ApiErrorAlert";
import { DateTimeText } from "../components/DateTime";
import { NavIcon } from "../components/NavIcon";
import { SeverityBadge } from "../modules/requests/labels";
import {
  useMarkNotificationsRead,
  useNotificationStream,
  useNotifications,
} from "../modules/requests/requests.api";
import { linkClick } from "../router/router";
import { useNotificationText } from "./notification-text";

const TOAST_MS = 10_000;

/**
 * The header's bell: the unread count, and a panel of the latest notifications in the interface language.
 * Opening one marks it read and goes to its request.
 */
export function NotificationBell() {
  const { t } = useTranslation();
  const textOf = useNotificationText();
  const [opened, setOpened] = useState(false);
  const notifications = useNotifications();
  const markRead = useMarkNotificationsRead();
  const unread = notifications.data?.unreadCount ?? 0;
  const items = notifications.data?.items ?? [];
  const close = () => setOpened(false);

  const open = (n: NotificationView) => {
    if (!n.readAt) markRead.mutate({ ids: [n.id] });
  };

  return (
    // The count sits beside the popover, not inside its target: the target gets the popover's aria attributes,
    // which only a button may carry (axe: aria-allowed-attr).
    <Box pos="relative" style={{ display: "inline-flex" }}>
      <Popover
        opened={opened}
        onChange={setOpened}
        position="bottom-end"
        width={380}
        shadow="md"
        withinPortal
      >
        <Popover.Target>
          <ActionIcon
            variant="subtle"
            color="gray"
            size="lg"
            onClick={() => setOpened((o) => !o)}
            onKeyDown={(e) => {
              if (e.key === "Escape") close();
            }}
            aria-label={t("notifications.bell", { count: unread })}
            data-testid="notifications-bell"
          >
            <NavIcon name="bell" size={20} />
          </ActionIcon>
        </Popover.Target>
        <Popover.Dropdown p="xs" data-testid="notifications-panel">
          <Group justify="space-between" mb="xs" px={4} wrap="nowrap">
            <Text fw={600} size="sm">
              {t("notifications.title")}
            </Text>
            {unread > 0 && (
              <Button
                size="compact-xs"
                variant="subtle"
                loading={markRead.isPending}
                onClick={() => markRead.mutate({ all: true })}
                data-testid="notifications-panel-read-all"
              >
                {t("notifications.markAllRead")}
              </Button>
            )}
          </Group>
          <ApiErrorAlert error={notifications.error} />
          {items.length === 0 ? (
            <Text size="sm" c="dimmed" px={4} pb={4} data-testid="notifications-panel-empty">
              {t("notifications.empty")}
            </Text>
          ) : (
            <ScrollArea.Autosize mah={420} type="auto">
              <Stack gap={2}>
                {items.map((n) => {
                  const text = textOf(n);
                  const to = n.requestId ? `/requests/${encodeURIComponent(n.requestId)}` : null;
                  const content = (
                    <>
                      <Group gap={6} wrap="nowrap" align="flex-start">
                        <SeverityBadge severity={n.severity} />
                        <Text size="sm" fw={n.readAt ? 400 : 600} data-testid="notifications-panel-title">
                          {text.title}
                        </Text>
                      </Group>
                      <Text size="xs" c="dimmed" lineClamp={2} style={{ whiteSpace: "pre-line" }}>
                        {text.body}
                      </Text>
                      <Text size="xs" c="dimmed" component="div">
                        <DateTimeText iso={n.createdAt} />
                      </Text>
                    </>
                  );
                  const common = {
                    p: 6,
                    // Unread ones carry a bar; read ones are not faded (faded text fails the contrast check).
                    style: {
                      borderRadius: 4,
                      borderLeft: `3px solid ${n.readAt ? "transparent" : "var(--mantine-color-blue-filled)"}`,
                      display: "block",
                      width: "100%",
                    },
                    "data-testid": "notifications-panel-item",
                    "data-read": n.readAt ? "true" : "false",
                  } as const;
                  return to ? (
                    <UnstyledButton
                      key={n.id}
                      component="a"
                      href={to}
                      {...common}
                      onClick={(e) => {
                        open(n);
                        linkClick(to, close)(e);
                      }}
                    >
                      {content}
                    </UnstyledButton>
                  ) : (
                    <UnstyledButton key={n.id} {...common} onClick={() => open(n)}>
                      {content}
                    </UnstyledButton>
                  );
                })}
              </Stack>
            </ScrollArea.Autosize>
          )}
        </Popover.Dropdown>
      </Popover>
      {unread > 0 && (
        <Badge
          size="xs"
          color="red"
          variant="filled"
          circle={unread < 10}
          pos="absolute"
          top={-4}
          right={-6}
          style={{ pointerEvents: "none" }}
          data-testid="notifications-bell-count"
          aria-hidden="true"
        >
          {unread > 99 ? "99+" : unread}
        </Badge>
      )}
    </Box>
  );
}

/**
 * The tab's one live stream (mounted once by the shell), and a toast when an emergency arrives over it:
 * it closes by itself after 10 s, or on a click.
 */
export function LiveNotifications() {
  const { t } = useTranslation();
  const textOf = useNotificationText();
  const [toast, setToast] = useState<NotificationView | null>(null);
  useNotificationStream((n) => {
    if (n.severity === "emergency") setToast(n);
  });
  useEffect(() => {
    if (!toast) return;
    const timer = setTimeout(() => setToast(null), TOAST_MS);
    return () => clearTimeout(timer);
  }, [toast]);
  if (!toast) return null;
  const text = textOf(toast);
  return (
    <Alert
      color="red"
      variant="filled"
      role="alert"
      withCloseButton
      closeButtonLabel={t("common.close")}
      onClose={() => setToast(null)}
      onClick={() => setToast(null)}
      title={`${t("hotline.severity.emergency")} · ${text.title}`}
      data-testid="notification-toast"
      style={{
        position: "fixed",
        bottom: 16,
        right: 16,
        zIndex: 400,
        width: 380,
        maxWidth: "calc(100vw - 32px)",
        cursor: "pointer",
      }}
    >
      <Text size="sm" lineClamp={3} style={{ whiteSpace: "pre-line" }}>
        {text.body}
      </Text>
    </Alert>
  );
}
