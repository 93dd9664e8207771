import { FUGITIVE_REQUEST_TYPES, type FugitiveRequestType, type FugitiveSummary } from "@crossline/schemas";
import { Badge, Button, Card, Group, Loader, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { API_BASE } from "../../api/client";
import { useCan, useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DateTimeField } from "../../components/DateTimeField";
import { useLang } from "../../i18n";
import { Link, usePath } from "../../router/router";
import { formatDateTime } from "../../util/datetime";
import { eventLabel, statusLabel } from "../requests/labels";
import { BarChart, NewFugitiveForm, ReturnForm } from "./FugitiveForms";
import { FugitiveRequestPage, LinkedRequests, Photos } from "./FugitiveRecordParts";
import { useFugitive, useFugitiveLists, useFugitives, useListStatistics } from "./fugitives.api";

const nameText = (n: FugitiveSummary["name"]) =>
  n.romanised ? `${n.original} (${n.romanised})` : n.original;

/**
 * /fugitives: the list with search and each list's statistics; /fugitives/<id>: one record;
 * /fugitives/<id>/request/<kind>: a request started from the record.
 */
export function FugitivesPage() {
  const path = usePath();
  const [id, sub, kind] = path.startsWith("/fugitives/")
    ? path.slice("/fugitives/".length).split("/").map(decodeURIComponent)
    : [];
  if (id && sub === "request" && (FUGITIVE_REQUEST_TYPES as readonly string[]).includes(kind ?? ""))
    return <FugitiveRequestPage id={id} type={kind as FugitiveRequestType} />;
  return id ? <FugitiveRecord id={id} /> : <FugitivesList />;
}

function FugitivesList() {
  const { t } = useTranslation();
  const [q, setQ] = useState("");
  const [applied, setApplied] = useState("");
  const list = useFugitives(applied);
  const lists = useFugitiveLists();
  const canWrite = useCan("fugitives:write");
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack>
      <Title order={2}>{t("fugitives.title")}</Title>
      <Text size="sm" c="dimmed">
        {t("fugitives.logged")}
      </Text>
      {(lists.data?.items ?? []).map((l) => (
        <ListStatisticsCard key={l.id} id={l.id} />
      ))}
      {canWrite && <NewFugitiveForm />}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(q.trim());
        }}
      >
        <Group align="end">
          <TextInput
            label={t("fugitives.search")}
            value={q}
            onChange={(e) => setQ(e.currentTarget.value)}
            data-testid="fugitives-search"
            maw={360}
          />
          <Button type="submit" variant="light">
            {t("fugitives.searchButton")}
          </Button>
        </Group>
      </form>
      <ApiErrorAlert error={list.error} />
      {list.isLoading ? (
        <Loader />
      ) : items.length === 0 ? (
        <Text c="dimmed" data-testid="fugitives-empty">
          {t("fugitives.none")}
        </Text>
      ) : (
        <Card withBorder p={0} style={{ overflowX: "auto" }}>
          <Table data-testid="fugitives-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("fugitives.reference")}</Table.Th>
                <Table.Th>{t("fugitives.name")}</Table.Th>
                <Table.Th>{t("fugitives.statusLabel")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((f) => (
                <Table.Tr key={f.id} data-testid="fugitives-row">
                  <Table.Td>{f.reference}</Table.Td>
                  <Table.Td>
                    <Link to={`/fugitives/${f.id}`} data-testid="fugitive-link">
                      {nameText(f.name)}
                    </Link>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={f.status === "returned" ? "green" : "gray"}>
                      {t(`fugitives.status.${f.status}`)}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      {list.hasNextPage && (
        <Button variant="subtle" onClick={() => list.fetchNextPage()} loading={list.isFetchingNextPage}>
          {t("fugitives.more")}
        </Button>
      )}
    </Stack>
  );
}

/** One list's progress: returned of total by a day, by method and by year, and the summary for a round. */
function ListStatisticsCard({ id }: { id: string }) {
  const { t } = useTranslation();
  const [asOf, setAsOf] = useState("");
  // A date still being typed asks nothing yet: the figures stay those of the last whole date (or today).
  const [asked, setAsked] = useState("");
  const stats = useListStatistics(id, asked);
  const s = stats.data;
  const lang = useLang();
  return (
    <Card withBorder data-testid="fugitive-list-stats">
      <Stack gap="xs">
        <ApiErrorAlert error={stats.error} />
        {s && (
          <>
            <Title order={3}>{s.name.text}</Title>
            <Group align="end">
              <DateTimeField
                kind="date"
                label={t("fugitives.asOf")}
                value={asOf}
                onChange={(v) => {
                  setAsOf(v);
                  if (v === "" || /^\d{4}-\d{2}-\d{2}$/.test(v)) setAsked(v);
                }}
                maw={200}
              />
            </Group>
            <Text data-testid="fugitive-list-summary">{s.summary[lang]}</Text>
            <Text fw={600} data-testid="fugitive-list-progress">
              {t("fugitives.returnedOf", { returned: s.returned, total: s.total })}
            </Text>
            <BarChart
              title={t("fugitives.chartByMethod")}
              bars={s.byMethod.map((m) => ({
                label: t(`fugitives.returnMethod.${m.method}`),
                value: m.count,
              }))}
            />
            <BarChart
              title={t("fugitives.chartByYear")}
              bars={s.byYear.map((y) => ({ label: String(y.year), value: y.count }))}
            />
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("fugitives.method")}</Table.Th>
                  <Table.Th>{t("fugitives.count")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {s.byMethod.map((m) => (
                  <Table.Tr key={m.method}>
                    <Table.Td>{t(`fugitives.returnMethod.${m.method}`)}</Table.Td>
                    <Table.Td>{m.count}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("fugitives.year")}</Table.Th>
                  <Table.Th>{t("fugitives.count")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {s.byYear.map((y) => (
                  <Table.Tr key={y.year}>
                    <Table.Td>{y.year}</Table.Td>
                    <Table.Td>{y.count}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </>
        )}
      </Stack>
    </Card>
  );
}

function FugitiveRecord({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const q = useFugitive(id);
  const canWrite = useCan("fugitives:write");
  const f = q.data;
  if (q.isLoading) return <Loader />;
  if (!f) return <ApiErrorAlert error={q.error} />;
  const row = (label: string, value: string | null | undefined) => (
    <Table.Tr>
      <Table.Th scope="row">{label}</Table.Th>
      <Table.Td>{value || "—"}</Table.Td>
    </Table.Tr>
  );
  const d = f.fields;
  return (
    <Stack data-testid="fugitive-page">
      <Link to="/fugitives">{t("fugitives.back")}</Link>
      <Title order={2}>
        {nameText(f.name)} · {f.reference}
      </Title>
      <Group>
        <Badge variant="light">{t(`fugitives.status.${f.status}`)}</Badge>
        <Text size="sm">{t("fugitives.version", { version: f.version })}</Text>
      </Group>
      <Card withBorder p={0} style={{ overflowX: "auto" }}>
        <Table data-testid="fugitive-fields">
          <Table.Tbody>
            {row(t("fugitives.names"), d.names.map(nameText).join("; "))}
            {row(t("fugitives.aliases"), d.aliases.map(nameText).join("; "))}
            {row(t("fugitives.dateOfBirth"), d.dateOfBirth)}
            {row(t("fugitives.nationalities"), d.nationalities.join(", "))}
            {row(
              t("fugitives.formerPosition"),
              [d.formerPosition, d.formerEmployer].filter(Boolean).join(", "),
            )}
            {row(t("fugitives.flight"), [d.flightDate, d.flightRoute].filter(Boolean).join(" · "))}
            {row(
              t("fugitives.whereabouts"),
              d.whereabouts.map((w) => [w.country, w.place].filter(Boolean).join(" ")).join("; "),
            )}
            {row(t("fugitives.charges"), d.charges.map((c) => `${c.law} ${c.article}`).join("; "))}
            {row(
              t("fugitives.warrants"),
              d.warrants.map((w) => `${w.number} (${w.authority}, ${w.date})`).join("; "),
            )}
            {row(
              t("fugitives.notices"),
              d.notices.map((n) => `${t(`fugitives.notice.${n.kind}`)} ${n.reference}`).join("; "),
            )}
            {f.returned &&
              row(
                t("fugitives.returned"),
                `${t(`fugitives.returnMethod.${f.returned.method}`)} · ${f.returned.date} · ${f.returned.place}`,
              )}
          </Table.Tbody>
        </Table>
      </Card>
      <Photos f={f} />
      <LinkedRequests f={f} />
      {canWrite && f.status !== "returned" && f.status !== "closed" && <ReturnForm id={f.id} />}
      <Title order={3}>{t("fugitives.timeline")}</Title>
      <Stack gap={4} data-testid="fugitive-timeline">
        {f.timeline.map((e) => (
          <Text
            key={`${e.at}-${e.kind}-${e.version ?? e.report?.id ?? e.listId ?? ""}-${e.request?.id ?? ""}-${e.request?.event ?? ""}`}
            size="sm"
          >
            {formatDateTime(e.at, user.timeZone, i18n.language)} · {t(`fugitives.event.${e.kind}`)}
            {e.report
              ? ` · ${t(`fugitives.reportKind.${e.report.kind}`)} (${e.report.fromNode}): ${e.report.text.text}`
              : ""}
            {e.report && e.report.evidence.length > 0 && (
              <>
                {` · ${t("fugitives.evidence")}${t("common.colon")}`}
                {e.report.evidence.map((x, i) => (
                  <span key={x.id}>
                    {i > 0 ? ", " : ""}
                    <a
                      href={`${API_BASE}/fugitives/${encodeURIComponent(f.id)}/evidence/${encodeURIComponent(x.id)}`}
                      download={x.name}
                      title={t("fugitives.evidenceLogged")}
                      data-testid="fugitive-evidence-link"
                    >
                      {x.name}
                    </a>
                  </span>
                ))}
              </>
            )}
            {e.request
              ? ` · ${e.request.reference} · ${eventLabel(t, e.request.event)} → ${statusLabel(t, e.request.status)}`
              : ""}
          </Text>
        ))}
      </Stack>
    </Stack>
  );
}
