import type { ProgressReport } from "@crossline/schemas";
import { Anchor, Button, Group, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { API_BASE, api, withQuery } from "../../api/client";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { Link } from "../../router/router";
import { roundsApi } from "./rounds.api";

/** `/rounds/progress`: the progress report before a round, for a peer and a period, with its exports. */
export function ProgressPage() {
  const { t } = useTranslation();
  const rounds = useQuery({ queryKey: ["rounds"], queryFn: roundsApi.list });
  const peers = [...new Set((rounds.data ?? []).flatMap((r) => [r.hostNode, r.guestNode]))];
  const [q, setQ] = useState({ peer: "", from: "", to: "" });
  const run = useMutation({
    mutationFn: () => api<ProgressReport>("GET", withQuery("/rounds/progress", q)),
  });
  const r = run.data;
  return (
    <Stack>
      <Link to="/rounds">{t("rounds.back")}</Link>
      <Title order={2}>{t("rounds.progressReport")}</Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run.mutate();
        }}
      >
        <Group align="end">
          <Select
            label={t("rounds.peer")}
            data={peers}
            value={q.peer || null}
            onChange={(v) => setQ((x) => ({ ...x, peer: v ?? "" }))}
            searchable
            data-testid="progress-peer"
          />
          <TextInput
            label={t("rounds.from")}
            placeholder={t("time.dateFormat")}
            value={q.from}
            onChange={(e) => {
              // read now: the event's target is gone when React runs the updater later
              const value = e.currentTarget.value.trim();
              setQ((x) => ({ ...x, from: value }));
            }}
            data-testid="progress-from"
          />
          <TextInput
            label={t("rounds.to")}
            placeholder={t("time.dateFormat")}
            value={q.to}
            onChange={(e) => {
              // read now: the event's target is gone when React runs the updater later
              const value = e.currentTarget.value.trim();
              setQ((x) => ({ ...x, to: value }));
            }}
            data-testid="progress-to"
          />
          <Button type="submit" loading={run.isPending} data-testid="progress-run">
            {t("rounds.generate")}
          </Button>
        </Group>
      </form>
      {run.error && <ApiErrorAlert error={run.error} />}
      {r && (
        <Stack data-testid="progress-report">
          <Group>
            <Anchor href={`${API_BASE}${withQuery("/rounds/progress.csv", q)}`}>CSV</Anchor>
            <Anchor href={`${API_BASE}${withQuery("/rounds/progress.pdf", q)}`}>PDF</Anchor>
          </Group>
          <Table.ScrollContainer minWidth={560}>
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("rounds.figureName")}</Table.Th>
                  <Table.Th>{t("rounds.by")}</Table.Th>
                  <Table.Th>{t("rounds.value")}</Table.Th>
                  <Table.Th>{t("rounds.records")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {r.figures.map((f) => (
                  <Table.Tr key={`${f.figure}-${f.by ?? ""}`} data-testid="progress-figure">
                    <Table.Td>{t(`rounds.figure.${f.figure}`)}</Table.Td>
                    <Table.Td>
                      {f.section === "requests" && f.by
                        ? t(`requests.type.${f.by}` as "requests.type.preservation")
                        : f.section === "fugitives" && f.by
                          ? t(`fugitives.returnMethod.${f.by}` as "fugitives.returnMethod.extradition")
                          : (f.by ?? "")}
                    </Table.Td>
                    <Table.Td>{f.value === null ? t("rounds.notRecorded") : f.value}</Table.Td>
                    <Table.Td>
                      <Text size="xs" style={{ wordBreak: "break-all" }}>
                        {f.records.slice(0, 5).join(", ")}
                        {f.records.length > 5 ? ` … (+${f.records.length - 5})` : ""}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Stack>
      )}
    </Stack>
  );
}
