import {
  REQUEST_STATUSES,
  REQUEST_TYPES,
  type RequestSummary,
  requestTypeMeta,
  URGENCIES,
} from "@crossline/schemas";
import {
  Badge,
  Button,
  Card,
  Group,
  Loader,
  MultiSelect,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useDebouncedValue, useMediaQuery } from "@mantine/hooks";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNotificationText } from "../../app/notification-text";
import { useCan, useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DateTimeText } from "../../components/DateTime";
import { Link } from "../../router/router";
import { formatDateTime, otherSideZone } from "../../util/datetime";
import { zoneLabel } from "../../util/zones";
import {
  Countdown,
  DeadlineBadge,
  SeverityBadge,
  StatusBadge,
  statusLabel,
  typeLabel,
  UrgencyBadge,
  urgencyLabel,
} from "../requests/labels";
import {
  type BoardFilters,
  useBoard,
  useMarkNotificationsRead,
  useNotifications,
  useOnDuty,
} from "../requests/requests.api";
import { HotlineLog } from "./HotlineLog";
import { RosterEditor } from "./RosterEditor";

/**
 * What tells one request from another: its title without the English type prefix the server puts first (the
 * type has its own column, in the reader's language), so the offence shows instead of "Expedited preservation…".
 */
export function boardTitle(r: Pick<RequestSummary, "title" | "type">): string {
  const prefix = `${requestTypeMeta(r.type).label.en}: `;
  return r.title.startsWith(prefix) ? r.title.slice(prefix.length) : r.title;
}

function DueCell({ r }: { r: RequestSummary }) {
  const { t, i18n } = useTranslation();
  const { user, node } = useSession();
  if (!r.nextDue) return <Text c="dimmed">—</Text>;
  const other = otherSideZone(user.timeZone, node.timeZone);
  return (
    <Stack gap={0}>
      <Group gap={6} wrap="nowrap">
        <Countdown at={r.nextDue.at} />
        <DeadlineBadge state={r.deadlineState} />
      </Group>
      <Text size="xs" style={{ whiteSpace: "nowrap" }} data-testid="due-local">
        {`${t(`hotline.dueKind.${r.nextDue.kind}`)}${t("common.colon")}${formatDateTime(r.nextDue.at, user.timeZone, i18n.language)}`}
      </Text>
      <Text size="xs" c="dimmed" style={{ whiteSpace: "nowrap" }} data-testid="due-other">
        {`${zoneLabel(t, other)} · ${formatDateTime(r.nextDue.at, other, i18n.language)}`}
      </Text>
    </Stack>
  );
}

/** The board of requests, filtered; reused by the approval queue. */
export function RequestBoard({
  fixed,
  testId = "board",
  rowExtra,
}: {
  fixed?: Partial<BoardFilters>;
  testId?: string;
  rowExtra?: (r: RequestSummary) => React.ReactNode;
}) {
  const { t, i18n } = useTranslation();
  const [direction, setDirection] = useState<"incoming" | "outgoing">(fixed?.direction ?? "incoming");
  const [type, setType] = useState<string[]>([]);
  const [urgency, setUrgency] = useState<string[]>([]);
  const [status, setStatus] = useState<string[]>([]);
  const [deadline, setDeadline] = useState<string | null>(null);
  const [search, setSearch] = useState("");
  const [q] = useDebouncedValue(search, 300);
  // Mantine's `sm` breakpoint: below it the navigation is a drawer and the board a list of cards
  const phone = useMediaQuery("(max-width: 48em)") ?? false;
  const filters: BoardFilters = { direction, type, urgency, status, deadline, q, ...fixed };
  const board = useBoard(filters);
  const rows = board.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Stack data-testid={testId}>
      {!fixed?.direction && (
        <Tabs value={direction} onChange={(v) => v && setDirection(v as "incoming" | "outgoing")}>
          <Tabs.List>
            <Tabs.Tab value="incoming" data-testid="tab-incoming">
              {t("hotline.incoming")}
            </Tabs.Tab>
            <Tabs.Tab value="outgoing" data-testid="tab-outgoing">
              {t("hotline.outgoing")}
            </Tabs.Tab>
          </Tabs.List>
        </Tabs>
      )}
      <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }} spacing="sm">
        <TextInput
          label={t("hotline.filters.search")}
          placeholder={t("hotline.filters.searchHint")}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          data-testid="filter-q"
        />
        <MultiSelect
          label={t("hotline.filters.type")}
          data={REQUEST_TYPES.map((m) => ({ value: m.type, label: typeLabel(m.type, i18n.language) }))}
          value={type}
          onChange={setType}
          placeholder={type.length ? undefined : t("hotline.filters.any")}
          clearable
          searchable
          data-testid="filter-type"
        />
        <MultiSelect
          label={t("hotline.filters.urgency")}
          data={URGENCIES.map((u) => ({ value: u, label: urgencyLabel(t, u) }))}
          value={urgency}
          onChange={setUrgency}
          placeholder={urgency.length ? undefined : t("hotline.filters.any")}
          clearable
          data-testid="filter-urgency"
        />
        {!fixed?.status && (
          <MultiSelect
            label={t("hotline.filters.status")}
            data={REQUEST_STATUSES.map((s) => ({ value: s, label: statusLabel(t, s) }))}
            value={status}
            onChange={setStatus}
            placeholder={status.length ? undefined : t("hotline.filters.any")}
            clearable
            data-testid="filter-status"
          />
        )}
        <Select
          label={t("hotline.filters.deadline")}
          data={[
            { value: "ok", label: t("hotline.deadline.ok") },
            { value: "due_soon", label: t("hotline.deadline.due_soon") },
            { value: "overdue", label: t("hotline.deadline.overdue") },
          ]}
          value={deadline}
          onChange={setDeadline}
          placeholder={t("hotline.filters.any")}
          clearable
          data-testid="filter-deadline"
        />
      </SimpleGrid>
      <ApiErrorAlert error={board.error} />
      {board.isPending ? (
        <Loader />
      ) : phone ? (
        // On a phone a row is a card: everything readable without scrolling sideways.
        <Stack gap="xs" data-testid="board-cards">
          {rows.length === 0 && (
            <Text c="dimmed" ta="center" py="md" data-testid="board-empty">
              {t("common.empty")}
            </Text>
          )}
          {rows.map((r) => (
            <Card
              key={r.id}
              withBorder
              padding="sm"
              data-testid="board-row"
              data-reference={r.reference}
              data-status={r.status}
            >
              <Group justify="space-between" gap="xs" wrap="wrap">
                <Link to={`/requests/${r.id}`} data-testid="board-link">
                  <Text size="sm" ff="monospace" style={{ overflowWrap: "anywhere" }}>
                    {r.reference}
                  </Text>
                </Link>
                <Group gap={4}>
                  <UrgencyBadge urgency={r.urgency} />
                  <StatusBadge status={r.status} />
                </Group>
              </Group>
              <Text size="sm" fw={500} mt={4} data-testid="board-title">
                {boardTitle(r)}
              </Text>
              <Text size="xs" c="dimmed">
                {`${typeLabel(r.type, i18n.language)} · ${r.peerId ?? "—"}`}
              </Text>
              <DueCell r={r} />
              {rowExtra && <Group mt="xs">{rowExtra(r)}</Group>}
            </Card>
          ))}
        </Stack>
      ) : (
        <Table.ScrollContainer minWidth={1000}>
          <Table striped highlightOnHover verticalSpacing="xs" data-testid="board-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("requests.fields.reference")}</Table.Th>
                <Table.Th>{t("requests.fields.type")}</Table.Th>
                <Table.Th>{t("requests.fields.urgency")}</Table.Th>
                <Table.Th>{t("requests.fields.status")}</Table.Th>
                <Table.Th>{t("requests.fields.peer")}</Table.Th>
                <Table.Th>{t("requests.fields.nextDue")}</Table.Th>
                <Table.Th>{t("requests.fields.updated")}</Table.Th>
                {rowExtra && <Table.Th aria-label={t("common.actions")} />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={rowExtra ? 8 : 7}>
                    <Text c="dimmed" ta="center" py="md" data-testid="board-empty">
                      {t("common.empty")}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {rows.map((r) => (
                <Table.Tr
                  key={r.id}
                  data-testid="board-row"
                  data-reference={r.reference}
                  data-status={r.status}
                >
                  <Table.Td>
                    <Link to={`/requests/${r.id}`} data-testid="board-link">
                      <Text size="sm" ff="monospace" style={{ whiteSpace: "nowrap" }}>
                        {r.reference}
                      </Text>
                    </Link>
                    <Text size="xs" c="dimmed" lineClamp={2} data-testid="board-title">
                      {boardTitle(r)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{typeLabel(r.type, i18n.language)}</Text>
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>
                    <UrgencyBadge urgency={r.urgency} />
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>
                    <StatusBadge status={r.status} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{r.peerId ?? "—"}</Text>
                  </Table.Td>
                  <Table.Td>
                    <DueCell r={r} />
                  </Table.Td>
                  <Table.Td>
                    <DateTimeText iso={r.updatedAt} />
                  </Table.Td>
                  {rowExtra && <Table.Td>{rowExtra(r)}</Table.Td>}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {board.hasNextPage && (
        <Button
          variant="default"
          onClick={() => board.fetchNextPage()}
          loading={board.isFetchingNextPage}
          data-testid="board-more"
        >
          {t("common.more")}
        </Button>
      )}
    </Stack>
  );
}

function OnDutyCard() {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const onDuty = useOnDuty();
  return (
    <Card withBorder data-testid="on-duty">
      <Text fw={600} mb="xs">
        {t("hotline.onDuty")}
      </Text>
      <ApiErrorAlert error={onDuty.error} />
      {onDuty.data && onDuty.data.shifts.length === 0 && (
        <Text size="sm" c="dimmed">
          {t("hotline.nobodyOnDuty")}
        </Text>
      )}
      <Stack gap={4}>
        {onDuty.data?.shifts.map((s) => (
          <Group key={s.id} gap="xs" data-testid="on-duty-shift">
            <Badge variant="light" color={s.role === "primary" ? "blue" : "gray"}>
              {t(`hotline.role.${s.role}`)}
            </Badge>
            <Text size="sm" fw={500}>
              {s.userName}
            </Text>
            <Text size="xs" c="dimmed">
              {t("hotline.until", { time: formatDateTime(s.endsAt, user.timeZone, i18n.language) })}
            </Text>
          </Group>
        ))}
      </Stack>
    </Card>
  );
}

function NotificationsCard() {
  const { t } = useTranslation();
  const notifications = useNotifications();
  const markRead = useMarkNotificationsRead();
  const textOf = useNotificationText();
  const items = notifications.data?.items ?? [];
  return (
    <Card withBorder data-testid="notifications">
      <Group justify="space-between" mb="xs">
        <Group gap="xs">
          <Text fw={600}>{t("hotline.notifications")}</Text>
          {(notifications.data?.unreadCount ?? 0) > 0 && (
            <Badge color="red" data-testid="notifications-unread">
              {notifications.data?.unreadCount}
            </Badge>
          )}
        </Group>
        {(notifications.data?.unreadCount ?? 0) > 0 && (
          <Button
            size="compact-xs"
            variant="subtle"
            onClick={() => markRead.mutate({ all: true })}
            data-testid="notifications-read-all"
          >
            {t("hotline.markAllRead")}
          </Button>
        )}
      </Group>
      <ApiErrorAlert error={notifications.error} />
      {items.length === 0 && (
        <Text size="sm" c="dimmed">
          {t("common.empty")}
        </Text>
      )}
      <Stack gap={6} mah={220} style={{ overflowY: "auto" }}>
        {items
          .slice(0, 10)
          .map((n) => ({ n, text: textOf(n) }))
          .map(({ n, text }) => (
            <div
              key={n.id}
              data-testid="notification"
              data-read={n.readAt ? "true" : "false"}
              // Unread ones carry a bar and a bold title; read ones are not faded (faded text fails contrast).
              style={{
                borderLeft: `3px solid ${n.readAt ? "transparent" : "var(--mantine-color-blue-filled)"}`,
                paddingLeft: 6,
              }}
            >
              <Group gap={6} wrap="nowrap">
                <SeverityBadge severity={n.severity} />
                {n.requestId ? (
                  <Link to={`/requests/${n.requestId}`}>
                    <Text size="sm" fw={n.readAt ? 400 : 600}>
                      {text.title}
                    </Text>
                  </Link>
                ) : (
                  <Text size="sm" fw={n.readAt ? 400 : 600}>
                    {text.title}
                  </Text>
                )}
              </Group>
              <Text size="xs" c="dimmed" lineClamp={2}>
                {text.body}
              </Text>
              <DateTimeText iso={n.createdAt} />
            </div>
          ))}
      </Stack>
    </Card>
  );
}

export function HotlinePage() {
  const { t } = useTranslation();
  const canRoster = useCan("hotline:roster");
  const canRead = useCan("requests:read");
  const canDraft = useCan("requests:draft");
  const [tab, setTab] = useState<string>(canRead ? "board" : "roster");
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t("nav.hotline")}
        </Title>
        {canDraft && (
          <Link to="/requests/new">
            <Button component="span" data-testid="new-request">
              {t("requests.new")}
            </Button>
          </Link>
        )}
      </Group>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <OnDutyCard />
        <NotificationsCard />
      </SimpleGrid>
      <Tabs value={tab} onChange={(v) => v && setTab(v)} variant="pills">
        <Tabs.List>
          {canRead && (
            <Tabs.Tab value="board" data-testid="hotline-tab-board">
              {t("hotline.board")}
            </Tabs.Tab>
          )}
          {canRoster && (
            <Tabs.Tab value="roster" data-testid="hotline-tab-roster">
              {t("hotline.roster.title")}
            </Tabs.Tab>
          )}
          {canRead && (
            <Tabs.Tab value="log" data-testid="hotline-tab-log">
              {t("hotline.log.title")}
            </Tabs.Tab>
          )}
        </Tabs.List>
      </Tabs>
      {tab === "roster" && canRoster ? (
        <RosterEditor />
      ) : tab === "log" && canRead ? (
        <HotlineLog />
      ) : canRead ? (
        <RequestBoard />
      ) : null}
    </Stack>
  );
}
