import type { RequestSummary } from "@crossline/schemas";
import { Anchor, Badge, Card, Group, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useNotificationText } from "../../app/notification-text";
import { useCan, useSession } from "../../auth/session";
import { RoleBadges } from "../../components/RoleBadges";
import { Link } from "../../router/router";
import { otherSideZone } from "../../util/datetime";
import { orgName } from "../../util/labels";
import { zoneLabel } from "../../util/zones";
import { boardTitle } from "../hotline/HotlinePage";
import { usePeers } from "../peers/peers.api";
import { Countdown, SeverityBadge, StatusBadge } from "../requests/labels";
import { type BoardFilters, useBoard, useNotifications } from "../requests/requests.api";

/** How many items each list shows; the link under it leads to all of them. */
const SHOWN = 5;

function Fact({ label, value, testId }: { label: string; value: ReactNode; testId?: string }) {
  return (
    <Group gap="xs" wrap="nowrap" align="flex-start">
      <Text size="sm" c="dimmed" miw={110}>
        {label}
      </Text>
      <Text size="sm" component="div" data-testid={testId}>
        {value}
      </Text>
    </Group>
  );
}

/** A card of things that need the reader: a title with their number, a few of them, "all" and "none". */
function NeedsCard({
  title,
  count,
  testId,
  more,
  empty,
  children,
}: {
  title: string;
  count: number | null;
  testId: string;
  more?: { to: string; label: string };
  empty: string;
  children: ReactNode;
}) {
  return (
    <Card withBorder radius="md" data-testid={testId} data-count={count ?? ""}>
      <Group justify="space-between" mb="xs" wrap="nowrap">
        <Title order={2} size="h5">
          {title}
        </Title>
        {count !== null && (
          <Badge color={count > 0 ? "red" : "gray"} variant={count > 0 ? "filled" : "light"}>
            {count}
          </Badge>
        )}
      </Group>
      {count === 0 ? (
        <Text size="sm" c="dimmed">
          {empty}
        </Text>
      ) : (
        <Stack gap={6}>{children}</Stack>
      )}
      {more && count !== null && count > SHOWN && (
        <Anchor component={Link} to={more.to} size="sm" mt="xs">
          {more.label}
        </Anchor>
      )}
    </Card>
  );
}

function RequestLine({ r }: { r: RequestSummary }) {
  return (
    <Group gap="xs" wrap="nowrap" align="flex-start" data-testid="dashboard-request">
      <Stack gap={0} style={{ minWidth: 0, flex: 1 }}>
        <Anchor component={Link} to={`/requests/${r.id}`} size="sm" ff="monospace">
          {r.reference}
        </Anchor>
        <Text size="xs" c="dimmed" lineClamp={1}>
          {boardTitle(r)}
        </Text>
      </Stack>
      <Stack gap={2} align="flex-end">
        <StatusBadge status={r.status} />
        {r.nextDue && <Countdown at={r.nextDue.at} />}
      </Stack>
    </Group>
  );
}

const NO_FILTERS: BoardFilters = { type: [], urgency: [], status: [], deadline: null };

/** Requests matching `filters`: the first page is enough to count up to 50 and show a few. */
function useRequestsNeeding(filters: Partial<BoardFilters>) {
  const board = useBoard({ ...NO_FILTERS, ...filters });
  const items = board.data?.pages[0]?.items ?? [];
  const more = Boolean(board.data?.pages[0]?.nextCursor);
  return { items, count: board.data ? items.length : null, more };
}

function Alerts() {
  const { t } = useTranslation();
  const notifications = useNotifications();
  const textOf = useNotificationText();
  const unread = (notifications.data?.items ?? []).filter((n) => !n.readAt);
  return (
    <NeedsCard
      title={t("dashboard.alerts")}
      count={notifications.data ? notifications.data.unreadCount : null}
      testId="dashboard-alerts"
      empty={t("dashboard.noAlerts")}
    >
      {unread.slice(0, SHOWN).map((n) => (
        <Group key={n.id} gap="xs" wrap="nowrap" align="flex-start" data-testid="dashboard-alert">
          <SeverityBadge severity={n.severity} />
          {n.requestId ? (
            <Anchor component={Link} to={`/requests/${n.requestId}`} size="sm">
              {textOf(n).title}
            </Anchor>
          ) : (
            <Text size="sm">{textOf(n).title}</Text>
          )}
        </Group>
      ))}
    </NeedsCard>
  );
}

function RequestsCard(props: {
  title: string;
  empty: string;
  testId: string;
  filters: Partial<BoardFilters>;
}) {
  const { t } = useTranslation();
  const { items, count, more } = useRequestsNeeding(props.filters);
  return (
    <NeedsCard
      title={props.title}
      count={count === null ? null : more ? Math.max(count, SHOWN + 1) : count}
      testId={props.testId}
      empty={props.empty}
      more={{ to: "/requests", label: t("dashboard.all") }}
    >
      {items.slice(0, SHOWN).map((r) => (
        <RequestLine key={r.id} r={r} />
      ))}
    </NeedsCard>
  );
}

function Links() {
  const { t, i18n } = useTranslation();
  const peers = usePeers();
  const items = (peers.data?.items ?? []).filter((p) => p.state !== "revoked");
  const down = items.filter((p) => p.health.linkDown || p.state !== "active");
  return (
    <NeedsCard
      title={t("dashboard.links")}
      count={peers.data ? down.length : null}
      testId="dashboard-links"
      empty={
        items.length === 0 ? t("dashboard.noPeers") : t("dashboard.linksHealthy", { count: items.length })
      }
    >
      {down.map((p) => (
        <Group key={p.id} gap="xs" justify="space-between" wrap="nowrap" data-testid="dashboard-link">
          <Anchor component={Link} to="/peers" size="sm">
            {`${p.id} · ${i18n.language === "zh-CN" && p.nameZh ? p.nameZh : p.name}`}
          </Anchor>
          <Badge color="red" variant="light">
            {p.state === "active" ? t("peers.linkDown") : t(`peers.state.${p.state}`)}
          </Badge>
        </Group>
      ))}
    </NeedsCard>
  );
}

/**
 * What needs this person now, by what they may do: alerts for everyone; approvals for supervisors; overdue and
 * soon-due requests for those who work requests; link health for those who see the peers. Then who and where
 * they are.
 */
export function DashboardPage() {
  const { t, i18n } = useTranslation();
  const { user, node } = useSession();
  const canApprove = useCan("requests:approve");
  const canRead = useCan("requests:read");
  const canPeers = useCan("peers:read");
  return (
    <Stack>
      <Title order={1} size="h2" data-testid="dashboard-welcome">
        {t("dashboard.welcome", { name: user.displayName })}
      </Title>
      <SimpleGrid cols={{ base: 1, md: 2 }} data-testid="dashboard">
        <Alerts />
        {canApprove && (
          <RequestsCard
            title={t("dashboard.approvals")}
            empty={t("dashboard.noApprovals")}
            testId="dashboard-approvals"
            filters={{ status: ["pending_approval"] }}
          />
        )}
        {canRead && (
          <RequestsCard
            title={t("dashboard.overdue")}
            empty={t("dashboard.noOverdue")}
            testId="dashboard-overdue"
            filters={{ deadline: "overdue" }}
          />
        )}
        {canRead && (
          <RequestsCard
            title={t("dashboard.dueSoon")}
            empty={t("dashboard.noDueSoon")}
            testId="dashboard-due-soon"
            filters={{ deadline: "due_soon" }}
          />
        )}
        {canPeers && <Links />}
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder radius="md">
          <Title order={2} size="h5" mb="xs">
            {t("dashboard.thisNode")}
          </Title>
          <Stack gap={6}>
            <Fact label={t("dashboard.nodeName")} value={orgName(i18n.language, node)} />
            <Fact label={t("dashboard.nodeId")} value={node.id} />
            <Fact
              label={t("dashboard.agency")}
              value={orgName(i18n.language, { name: node.agency, nameZh: node.agencyZh })}
            />
            <Fact
              label={t("dashboard.nodeZone")}
              value={`${zoneLabel(t, node.timeZone)} (${node.timeZone})`}
            />
          </Stack>
        </Card>
        <Card withBorder radius="md">
          <Title order={2} size="h5" mb="xs">
            {t("dashboard.you")}
          </Title>
          <Stack gap={6}>
            <Fact
              label={t("dashboard.unit")}
              value={orgName(i18n.language, { name: user.unitName, nameZh: user.unitNameZh })}
            />
            <Fact label={t("dashboard.roles")} value={<RoleBadges roles={user.roles} />} />
            <Fact
              label={t("dashboard.yourZone")}
              value={`${zoneLabel(t, user.timeZone)} (${user.timeZone})`}
            />
            <Fact
              label={t("dashboard.otherZone")}
              value={zoneLabel(t, otherSideZone(user.timeZone, node.timeZone))}
            />
          </Stack>
        </Card>
      </SimpleGrid>
    </Stack>
  );
}
