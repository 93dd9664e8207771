import { zonedToday } from "@crossline/schemas";
import { Anchor, Badge, Group, Select, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { API_BASE, withQuery } from "../../api/client";
import { useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DateTimeText } from "../../components/DateTime";
import { DateTimeField } from "../../components/DateTimeField";
import { useLang } from "../../i18n";
import { Link } from "../../router/router";
import { casesApi } from "./cases.api";

/** The priority cases shared with peers (ours and theirs) and the status report download per peer and period. */
export function PriorityPage() {
  const { t } = useTranslation();
  const [peer, setPeer] = useState<string | null>(null);
  const { node } = useSession();
  // The report's days are days on the node's calendar: the last 90 of them by default, today included.
  const [from, setFrom] = useState(() => zonedToday(node.timeZone, new Date(), 89));
  const [to, setTo] = useState(() => zonedToday(node.timeZone));
  const q = useQuery({
    queryKey: ["cases-priority", peer],
    queryFn: () => casesApi.priority(peer ?? undefined),
  });
  const peers = [...new Set((q.data ?? []).map((i) => i.peerId))].sort();
  const lang = useLang();
  const report = (ext: string) =>
    withQuery(`${API_BASE}/cases/status-report${ext}`, { peer: peer ?? peers[0], from, to, lang });
  return (
    <Stack>
      <Title order={2}>{t("cases.priorityList")}</Title>
      <Group align="end">
        <Select
          label={t("cases.peer")}
          clearable
          data={peers}
          value={peer}
          onChange={setPeer}
          data-testid="priority-peer"
        />
        <DateTimeField label={t("cases.from")} kind="date" value={from} onChange={setFrom} />
        <DateTimeField label={t("cases.until")} kind="date" value={to} onChange={setTo} />
      </Group>
      <Text size="sm" c="dimmed">
        {t("time.nodeCalendarDays", { zone: node.timeZone })}
      </Text>
      {(peer ?? peers[0]) && (
        <Group data-testid="status-report-links">
          <Text size="sm">{`${t("cases.statusReport")}${t("common.colon").trim()}`}</Text>
          <Anchor href={report(".pdf")}>PDF</Anchor>
          <Anchor href={report(".csv")}>CSV</Anchor>
          <Anchor href={report("")}>JSON</Anchor>
        </Group>
      )}
      {q.error && <ApiErrorAlert error={q.error} />}
      <Table.ScrollContainer minWidth={700}>
        <Table striped data-testid="priority-list">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("cases.side")}</Table.Th>
              <Table.Th>{t("cases.peer")}</Table.Th>
              <Table.Th>{t("cases.fields.reference")}</Table.Th>
              <Table.Th>{t("cases.fields.title")}</Table.Th>
              <Table.Th>{t("cases.fields.status")}</Table.Th>
              <Table.Th>{t("cases.asks")}</Table.Th>
              <Table.Th>{t("cases.lastUpdate")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {q.data?.map((i) => (
              <Table.Tr key={`${i.sharedObjectId}-${i.peerId}`} data-direction={i.direction}>
                <Table.Td>
                  <Badge variant="light" color={i.direction === "own" ? "blue" : "grape"}>
                    {i.direction === "own" ? t("cases.ours") : t("cases.theirs")}
                  </Badge>
                </Table.Td>
                <Table.Td>{i.peerId}</Table.Td>
                <Table.Td>
                  {i.caseId ? <Link to={`/cases/${i.caseId}`}>{i.reference}</Link> : i.reference}
                </Table.Td>
                <Table.Td lang={i.title.lang}>{i.title.text}</Table.Td>
                <Table.Td>{t(`cases.status.${i.status}`)}</Table.Td>
                <Table.Td lang={i.asks?.lang}>{i.asks?.text ?? ""}</Table.Td>
                <Table.Td>
                  <DateTimeText iso={i.lastUpdate} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {q.data && q.data.length === 0 && <Text c="dimmed">{t("cases.noPriority")}</Text>}
    </Stack>
  );
}
