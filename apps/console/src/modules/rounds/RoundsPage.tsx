import { Anchor, Badge, Button, Code, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { API_BASE } from "../../api/client";
import { useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { Link, navigate, usePath } from "../../router/router";
import { formatDateTime } from "../../util/datetime";
import { ActionBoardPage } from "./ActionBoardPage";
import { Bi } from "./Bi";
import { ProgressPage } from "./ProgressPage";
import { RoundDetailPage } from "./RoundDetailPage";
import { NewRoundForm } from "./RoundEditors";
import { roundsApi } from "./rounds.api";

/** `/rounds`, `/rounds/actions`, `/rounds/progress`, `/rounds/<id>`. */
export function RoundsPage() {
  const path = usePath();
  const rest = path.replace(/^\/rounds\/?/, "");
  if (rest === "actions") return <ActionBoardPage />;
  if (rest === "progress") return <ProgressPage />;
  if (rest) return <RoundDetailPage id={decodeURIComponent(rest)} />;
  return <RoundList />;
}

function RoundList() {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const q = useQuery({ queryKey: ["rounds"], queryFn: roundsApi.list });
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t("nav.dialogue")}</Title>
        <Group>
          <Button variant="light" onClick={() => navigate("/rounds/actions")} data-testid="rounds-board-link">
            {t("rounds.board")}
          </Button>
          <Button
            variant="light"
            onClick={() => navigate("/rounds/progress")}
            data-testid="rounds-progress-link"
          >
            {t("rounds.progressReport")}
          </Button>
        </Group>
      </Group>
      {q.error && <ApiErrorAlert error={q.error} />}
      <NewRoundForm />
      <Table.ScrollContainer minWidth={640}>
        <Table striped data-testid="rounds-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("rounds.number")}</Table.Th>
              <Table.Th>{t("rounds.name")}</Table.Th>
              <Table.Th>{t("rounds.startsAt")}</Table.Th>
              <Table.Th>{t("rounds.city")}</Table.Th>
              <Table.Th>{t("rounds.host")}</Table.Th>
              <Table.Th>{t("rounds.state")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {q.data?.map((r) => (
              <Table.Tr key={r.id} data-testid="round-row">
                <Table.Td>{r.number}</Table.Td>
                <Table.Td>
                  <Link to={`/rounds/${r.id}`} data-testid="round-link">
                    <Bi v={r.name} />
                  </Link>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatDateTime(r.startsAt, r.timeZone, i18n.language)}</Text>
                  <Text size="xs" c="dimmed">
                    {formatDateTime(r.startsAt, user.timeZone, i18n.language)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Bi v={r.city} size="sm" />
                </Table.Td>
                <Table.Td>{r.hostNode}</Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {r.finalLists > 0 && (
                      <Badge color="green" size="sm">
                        {t("rounds.finalLists", { count: r.finalLists })}
                      </Badge>
                    )}
                    {r.openConflicts > 0 && (
                      <Badge color="orange" size="sm">
                        {t("rounds.openConflicts", { count: r.openConflicts })}
                      </Badge>
                    )}
                    <Badge variant="light" size="sm">
                      {t("rounds.actionCount", { count: r.actionItems })}
                    </Badge>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {q.data && q.data.length === 0 && <Text c="dimmed">{t("rounds.none")}</Text>}
      <CalendarLinks />
    </Stack>
  );
}

/** The calendar as a download, and a personal feed URL for a calendar application to subscribe to. */
function CalendarLinks() {
  const { t } = useTranslation();
  const feed = useMutation({ mutationFn: roundsApi.feedToken });
  return (
    <Stack gap="xs" data-testid="rounds-calendar">
      <Title order={3} size="h4">
        {t("rounds.calendar")}
      </Title>
      <Group>
        <Anchor href={`${API_BASE}/rounds/calendar.ics`} download data-testid="calendar-download">
          {t("rounds.calendarDownload")}
        </Anchor>
        <Button size="xs" variant="light" onClick={() => feed.mutate()} loading={feed.isPending}>
          {t("rounds.calendarFeed")}
        </Button>
      </Group>
      {feed.data && (
        <Stack gap={2}>
          <Text size="sm">{t("rounds.calendarFeedHint")}</Text>
          <Code style={{ wordBreak: "break-all" }} data-testid="calendar-feed-url">
            {`${window.location.origin}${feed.data.path}`}
          </Code>
        </Stack>
      )}
      {feed.error && <ApiErrorAlert error={feed.error} />}
    </Stack>
  );
}
