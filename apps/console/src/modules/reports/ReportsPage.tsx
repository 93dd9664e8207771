import type { TimelinessReport, TimelinessRow } from "@crossline/schemas";
import {
  Anchor,
  Button,
  Card,
  Group,
  Loader,
  Progress,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { API_BASE, api, withQuery } from "../../api/client";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { useLang } from "../../i18n";
import { typeLabel } from "../requests/labels";

interface Agg {
  key: string;
  sent: number;
  answered: number;
  answeredInTime: number;
  acknowledged: number;
  acknowledgedInTime: number;
  openOverdue: number;
  fulfilled: number;
  partly: number;
  declined: number;
}

function aggregate(rows: TimelinessRow[], keyOf: (r: TimelinessRow) => string): Agg[] {
  const map = new Map<string, Agg>();
  for (const r of rows) {
    const key = keyOf(r);
    const a = map.get(key) ?? {
      key,
      sent: 0,
      answered: 0,
      answeredInTime: 0,
      acknowledged: 0,
      acknowledgedInTime: 0,
      openOverdue: 0,
      fulfilled: 0,
      partly: 0,
      declined: 0,
    };
    a.sent += r.sent;
    a.answered += r.answered;
    a.answeredInTime += r.answeredInTime;
    a.acknowledged += r.acknowledged;
    a.acknowledgedInTime += r.acknowledgedInTime;
    a.openOverdue += r.openOverdue;
    a.fulfilled += r.outcomes.fulfilled;
    a.partly += r.outcomes.partly_fulfilled;
    a.declined += r.outcomes.declined;
    map.set(key, a);
  }
  return [...map.values()].sort((x, y) => x.key.localeCompare(y.key));
}

function pct(n: number, d: number): number {
  return d > 0 ? Math.round((n / d) * 100) : 0;
}

/** Per period: requests sent, answered in time and late, as a small bar chart. */
function PeriodChart({ data }: { data: Agg[] }) {
  const { t } = useTranslation();
  const max = Math.max(1, ...data.map((d) => d.sent));
  const barW = 36;
  const gap = 18;
  const h = 160;
  const width = Math.max(300, data.length * (barW + gap) + gap);
  return (
    <svg
      width={width}
      height={h + 56}
      role="img"
      aria-label={t("reports.byPeriod")}
      data-testid="report-period-chart"
    >
      <g transform="translate(0,16)">
        {data.map((d, i) => {
          const x = gap + i * (barW + gap);
          const sentH = (d.sent / max) * h;
          const inTimeH = (d.answeredInTime / max) * h;
          const lateH = ((d.answered - d.answeredInTime) / max) * h;
          return (
            <g key={d.key}>
              <title>{`${d.key}: ${t("reports.sent")} ${d.sent}, ${t("reports.answeredInTime")} ${d.answeredInTime}, ${t("reports.late")} ${d.answered - d.answeredInTime}`}</title>
              <rect
                x={x}
                y={h - sentH}
                width={barW / 2 - 2}
                height={sentH}
                fill="var(--mantine-color-blue-4)"
              />
              <rect
                x={x + barW / 2}
                y={h - inTimeH}
                width={barW / 2}
                height={inTimeH}
                fill="var(--mantine-color-green-6)"
              />
              <rect
                x={x + barW / 2}
                y={h - inTimeH - lateH}
                width={barW / 2}
                height={lateH}
                fill="var(--mantine-color-red-6)"
              />
              <text x={x + barW / 2} y={h + 14} fontSize="10" textAnchor="middle" fill="currentColor">
                {d.key.slice(0, 7)}
              </text>
              <text x={x + barW / 4} y={h - sentH - 3} fontSize="10" textAnchor="middle" fill="currentColor">
                {d.sent}
              </text>
            </g>
          );
        })}
        <line x1={0} x2={width} y1={h} y2={h} stroke="var(--mantine-color-gray-5)" />
      </g>
    </svg>
  );
}

function Legend() {
  const { t } = useTranslation();
  const item = (color: string, label: string) => (
    <Group gap={4}>
      <div style={{ width: 12, height: 12, background: `var(--mantine-color-${color})` }} />
      <Text size="xs">{label}</Text>
    </Group>
  );
  return (
    <Group gap="md">
      {item("blue-4", t("reports.sent"))}
      {item("green-6", t("reports.answeredInTime"))}
      {item("red-6", t("reports.late"))}
    </Group>
  );
}

export function ReportsPage() {
  const { t, i18n } = useTranslation();
  const lang = useLang();
  const [period, setPeriod] = useState<string>("month");
  const [direction, setDirection] = useState<string>("all");
  const query = { period, direction: direction === "all" ? undefined : direction, lang };
  const report = useQuery({
    queryKey: ["reports", "timeliness", period, direction, lang],
    queryFn: () => api<{ report: TimelinessReport }>("GET", withQuery("/reports/timeliness", query)),
    select: (r) => r.report,
  });
  const rows = report.data?.rows ?? [];
  const byPeriod = aggregate(rows, (r) => r.period);
  const byType = aggregate(rows, (r) => r.type).sort((a, b) => b.sent - a.sent);
  const totals = report.data?.totals;

  return (
    <Stack data-testid="reports">
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t("nav.reports")}
        </Title>
        <Group gap="xs">
          <Button
            component="a"
            variant="default"
            href={`${API_BASE}${withQuery("/reports/timeliness.csv", query)}`}
            download
            data-testid="report-csv"
          >
            {t("reports.downloadCsv")}
          </Button>
          <Button
            component="a"
            variant="default"
            href={`${API_BASE}${withQuery("/reports/timeliness.pdf", query)}`}
            target="_blank"
            rel="noopener"
            data-testid="report-pdf"
          >
            {t("reports.downloadPdf")}
          </Button>
        </Group>
      </Group>
      <Group>
        <Select
          label={t("reports.period")}
          data={["week", "month", "quarter", "year"].map((p) => ({
            value: p,
            label: t(`reports.periods.${p}` as "reports.periods.month"),
          }))}
          value={period}
          onChange={(v) => v && setPeriod(v)}
          allowDeselect={false}
          data-testid="report-period"
        />
        <div>
          <Text size="sm" fw={500} mb={4}>
            {t("reports.direction")}
          </Text>
          <SegmentedControl
            value={direction}
            onChange={setDirection}
            data={[
              { value: "all", label: t("reports.both") },
              { value: "outgoing", label: t("hotline.outgoing") },
              { value: "incoming", label: t("hotline.incoming") },
            ]}
            data-testid="report-direction"
          />
        </div>
      </Group>
      <ApiErrorAlert error={report.error} />
      {report.isPending ? (
        <Loader />
      ) : (
        <>
          {totals && (
            <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} data-testid="report-totals">
              <Card withBorder>
                <Text size="xs" c="dimmed">
                  {t("reports.sent")}
                </Text>
                <Text fz={28} fw={700}>
                  {totals.sent}
                </Text>
              </Card>
              <Card withBorder>
                <Text size="xs" c="dimmed">
                  {t("reports.answered")}
                </Text>
                <Text fz={28} fw={700}>
                  {totals.answered}
                </Text>
              </Card>
              <Card withBorder>
                <Text size="xs" c="dimmed">
                  {t("reports.answeredInTime")}
                </Text>
                <Text fz={28} fw={700}>
                  {totals.answeredInTime}
                </Text>
              </Card>
              <Card withBorder>
                <Text size="xs" c="dimmed">
                  {t("reports.shareInTime")}
                </Text>
                <Text fz={28} fw={700}>
                  {totals.shareAnsweredInTime === null
                    ? "—"
                    : `${Math.round(totals.shareAnsweredInTime * 100)}%`}
                </Text>
                <Progress
                  value={(totals.shareAnsweredInTime ?? 0) * 100}
                  color="green"
                  mt={4}
                  aria-label={t("reports.shareInTime")}
                />
              </Card>
            </SimpleGrid>
          )}
          <Card withBorder>
            <Group justify="space-between" mb="sm">
              <Title order={4}>{t("reports.byPeriod")}</Title>
              <Legend />
            </Group>
            {byPeriod.length === 0 ? (
              <Text c="dimmed">{t("common.empty")}</Text>
            ) : (
              <div style={{ overflowX: "auto" }}>
                <PeriodChart data={byPeriod} />
              </div>
            )}
          </Card>
          <Card withBorder>
            <Title order={4} mb="sm">
              {t("reports.byType")}
            </Title>
            <Table.ScrollContainer minWidth={720}>
              <Table verticalSpacing="xs" data-testid="report-by-type">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t("requests.fields.type")}</Table.Th>
                    <Table.Th>{t("reports.sent")}</Table.Th>
                    <Table.Th>{t("reports.answered")}</Table.Th>
                    <Table.Th w="30%">{t("reports.shareInTime")}</Table.Th>
                    <Table.Th w="25%">{t("reports.outcomes")}</Table.Th>
                    <Table.Th>{t("reports.openOverdue")}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {byType.map((a) => (
                    <Table.Tr key={a.key} data-testid="report-type-row">
                      <Table.Td>{typeLabel(a.key, i18n.language)}</Table.Td>
                      <Table.Td>{a.sent}</Table.Td>
                      <Table.Td>{a.answered}</Table.Td>
                      <Table.Td>
                        <Group gap="xs" wrap="nowrap">
                          <Progress.Root style={{ flex: 1 }} size="lg">
                            <Progress.Section
                              value={pct(a.answeredInTime, a.answered)}
                              color="green"
                              aria-label={t("reports.answeredInTime")}
                            />
                            <Progress.Section
                              value={a.answered ? 100 - pct(a.answeredInTime, a.answered) : 0}
                              color="red"
                              aria-label={t("reports.late")}
                            />
                          </Progress.Root>
                          <Text size="xs" w={40}>
                            {a.answered ? `${pct(a.answeredInTime, a.answered)}%` : "—"}
                          </Text>
                        </Group>
                      </Table.Td>
                      <Table.Td>
                        <Progress.Root size="lg">
                          <Progress.Section
                            aria-label={t("requests.outcome.fulfilled")}
                            value={pct(a.fulfilled, a.answered)}
                            color="green"
                          >
                            <Progress.Label>{a.fulfilled || ""}</Progress.Label>
                          </Progress.Section>
                          <Progress.Section
                            aria-label={t("requests.outcome.partly_fulfilled")}
                            value={pct(a.partly, a.answered)}
                            color="yellow"
                          >
                            <Progress.Label>{a.partly || ""}</Progress.Label>
                          </Progress.Section>
                          <Progress.Section
                            aria-label={t("requests.outcome.declined")}
                            value={pct(a.declined, a.answered)}
                            color="gray"
                          >
                            <Progress.Label>{a.declined || ""}</Progress.Label>
                          </Progress.Section>
                        </Progress.Root>
                      </Table.Td>
                      <Table.Td>
                        <Text c={a.openOverdue ? "red" : undefined} fw={a.openOverdue ? 700 : undefined}>
                          {a.openOverdue}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Group gap="md" mt="xs">
              <Anchor component="span" size="xs" c="green">
                {t("requests.outcome.fulfilled")}
              </Anchor>
              <Anchor component="span" size="xs" c="yellow">
                {t("requests.outcome.partly_fulfilled")}
              </Anchor>
              <Anchor component="span" size="xs" c="gray">
                {t("requests.outcome.declined")}
              </Anchor>
            </Group>
          </Card>
        </>
      )}
    </Stack>
  );
}
