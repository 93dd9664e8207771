import { ACTION_STATUSES } from "@crossline/schemas";
import { Badge, Group, Select, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DateTimeText } from "../../components/DateTime";
import { Link } from "../../router/router";
import { STATUS_COLOURS } from "./ActionPlan";
import { Bi } from "./Bi";
import { type BoardFilters, roundsApi } from "./rounds.api";

/** `/rounds/actions`: action items across rounds, by due date, with filters. */
export function ActionBoardPage() {
  const { t } = useTranslation();
  const [f, setF] = useState<BoardFilters>({});
  const rounds = useQuery({ queryKey: ["rounds"], queryFn: roundsApi.list });
  const q = useQuery({ queryKey: ["round-actions", f], queryFn: () => roundsApi.board(f) });
  const set = (k: keyof BoardFilters) => (v: string | null) => setF((x) => ({ ...x, [k]: v ?? undefined }));
  const sides = [...new Set((rounds.data ?? []).flatMap((r) => [r.hostNode, r.guestNode]))];
  return (
    <Stack>
      <Link to="/rounds">{t("rounds.back")}</Link>
      <Title order={2}>{t("rounds.board")}</Title>
      <Group align="end">
        <Select
          label={t("rounds.round")}
          clearable
          data={(rounds.data ?? []).map((r) => ({ value: r.id, label: t("rounds.roundN", { n: r.number }) }))}
          value={f.roundId ?? null}
          onChange={set("roundId")}
          data-testid="board-round"
        />
        <Select
          label={t("rounds.ownerSide")}
          clearable
          data={sides}
          value={f.ownerNode ?? null}
          onChange={set("ownerNode")}
        />
        <Select
          label={t("rounds.status")}
          clearable
          data={ACTION_STATUSES.map((s) => ({ value: s, label: t(`rounds.actionStatus.${s}`) }))}
          value={f.status ?? null}
          onChange={set("status")}
          data-testid="board-status"
        />
        <Select
          label={t("rounds.overdue")}
          clearable
          data={[
            { value: "true", label: t("rounds.overdueOnly") },
            { value: "false", label: t("rounds.notOverdue") },
          ]}
          value={f.overdue ?? null}
          onChange={set("overdue")}
          data-testid="board-overdue"
        />
      </Group>
      {q.error && <ApiErrorAlert error={q.error} />}
      <Table.ScrollContainer minWidth={720}>
        <Table striped data-testid="action-board">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("rounds.round")}</Table.Th>
              <Table.Th>{t("rounds.actionText")}</Table.Th>
              <Table.Th>{t("rounds.owner")}</Table.Th>
              <Table.Th>{t("rounds.dueAt")}</Table.Th>
              <Table.Th>{t("rounds.status")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {q.data?.map((a) => (
              <Table.Tr key={`${a.roundId}-${a.id}`} data-testid="board-action" data-status={a.status}>
                <Table.Td>
                  <Link to={`/rounds/${a.roundId}`}>{t("rounds.roundN", { n: a.roundNumber })}</Link>
                </Table.Td>
                <Table.Td>
                  <Bi v={a.text} size="sm" />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{`${a.ownerNode} · ${a.agency}`}</Text>
                  <Text size="xs" c="dimmed">
                    {a.officer}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <DateTimeText iso={a.dueAt} />
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    <Badge color={STATUS_COLOURS[a.status]} variant="light">
                      {t(`rounds.actionStatus.${a.status}`)}
                    </Badge>
                    {a.overdue && <Badge color="red">{t("rounds.overdue")}</Badge>}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {q.data && q.data.length === 0 && <Text c="dimmed">{t("rounds.noActions")}</Text>}
    </Stack>
  );
}
