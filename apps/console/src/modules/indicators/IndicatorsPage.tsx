import { type ImportReport, INDICATOR_KINDS, label, TLP_LEVELS } from "@crossline/schemas";
import {
  Badge,
  Button,
  Card,
  FileInput,
  Group,
  Loader,
  MultiSelect,
  Select,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useCan } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { currentLanguage } from "../../i18n";
import { storedIssueText } from "../../util/issues";
import { type IndicatorFilters, indicatorsApi } from "./indicators.api";

/** RED names its recipients: a bulk store read by a whole unit and its TAXII clients does not hold it. */
const STORE_TLP = TLP_LEVELS.filter((x) => x !== "RED");
const tlpLabel = (x: (typeof TLP_LEVELS)[number], lang: string) =>
  label("tlpLevel", x, lang === "zh-CN" ? "zh-CN" : "en");

/** /indicators: the unit's indicators (search), an import with its report and sharing, the hits inbox. */
export function IndicatorsPage() {
  const { t } = useTranslation();
  const canWrite = useCan("sharing:write");
  return (
    <Stack>
      <Title order={2}>{t("nav.indicators")}</Title>
      <Tabs defaultValue="list" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="list" data-testid="indicators-tab-list">
            {t("indicators.tabs.list")}
          </Tabs.Tab>
          {canWrite && (
            <Tabs.Tab value="import" data-testid="indicators-tab-import">
              {t("indicators.tabs.import")}
            </Tabs.Tab>
          )}
          <Tabs.Tab value="hits" data-testid="indicators-tab-hits">
            {t("indicators.tabs.hits")}
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="list" pt="md">
          <IndicatorList />
        </Tabs.Panel>
        {canWrite && (
          <Tabs.Panel value="import" pt="md">
            <ImportPanel />
          </Tabs.Panel>
        )}
        <Tabs.Panel value="hits" pt="md">
          <HitsPanel />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function IndicatorList() {
  const { t, i18n } = useTranslation();
  const canWrite = useCan("sharing:write");
  const qc = useQueryClient();
  const [text, setText] = useState("");
  const [filters, setFilters] = useState<IndicatorFilters>({});
  const list = useQuery({ queryKey: ["indicators", filters], queryFn: () => indicatorsApi.list(filters) });
  const withdraw = useMutation({
    mutationFn: (id: string) => indicatorsApi.withdraw(id),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["indicators"] }),
  });
  const items = list.data?.items ?? [];
  return (
    <Stack>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setFilters((f) => ({ ...f, q: text.trim() || undefined }));
        }}
      >
        <Group align="end">
          <TextInput
            label={t("indicators.search")}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            data-testid="indicators-search"
            maw={320}
          />
          <Select
            label={t("indicators.fields.kind")}
            clearable
            data={INDICATOR_KINDS.map((k) => ({ value: k, label: t(`indicators.kind.${k}`) }))}
            value={filters.kind ?? null}
            onChange={(v) => setFilters((f) => ({ ...f, kind: v ?? undefined }))}
            maw={220}
          />
          <Select
            label={t("indicators.fields.origin")}
            clearable
            data={(["own", "received"] as const).map((o) => ({
              value: o,
              label: t(`indicators.origin.${o}`),
            }))}
            value={filters.origin ?? null}
            onChange={(v) => setFilters((f) => ({ ...f, origin: v ?? undefined }))}
            maw={220}
          />
          <Button type="submit" variant="light">
            {t("indicators.searchButton")}
          </Button>
        </Group>
      </form>
      <ApiErrorAlert error={list.error ?? withdraw.error} />
      {list.isLoading ? (
        <Loader />
      ) : items.length === 0 ? (
        <Text c="dimmed" data-testid="indicators-empty">
          {t("indicators.none")}
        </Text>
      ) : (
        <Card withBorder p={0} style={{ overflowX: "auto" }} tabIndex={0}>
          {/* A phone scrolls the table sideways: squeezed to its width, a value broke after every character. */}
          <Table data-testid="indicators-table" miw={760}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("indicators.fields.value")}</Table.Th>
                <Table.Th>{t("indicators.fields.kind")}</Table.Th>
                <Table.Th>{t("indicators.fields.origin")}</Table.Th>
                <Table.Th>{t("indicators.fields.tlp")}</Table.Th>
                <Table.Th>{t("indicators.fields.description")}</Table.Th>
                {canWrite && <Table.Th>{t("indicators.fields.actions")}</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((x) => (
                <Table.Tr key={x.id} data-testid="indicator-row" data-value={x.value}>
                  <Table.Td style={{ wordBreak: "break-all" }}>{x.value}</Table.Td>
                  <Table.Td>{t(`indicators.kind.${x.kind}`)}</Table.Td>
                  <Table.Td>
                    {x.origin === "own" ? t("indicators.origin.own") : x.ownerNode}
                    {x.setId && x.origin === "own" && (
                      <Badge size="sm" ml="xs" variant="light">
                        {t("indicators.shared")}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{tlpLabel(x.marking.tlp, i18n.language)}</Table.Td>
                  <Table.Td>{x.description ?? "—"}</Table.Td>
                  {canWrite && (
                    <Table.Td>
                      {x.origin === "own" && (
                        <Button
                          size="compact-sm"
                          variant="subtle"
                          color="red"
                          onClick={() => withdraw.mutate(x.id)}
                          data-testid="indicator-withdraw"
                        >
                          {t("indicators.withdraw")}
                        </Button>
                      )}
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
    </Stack>
  );
}

function ImportPanel() {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [tlp, setTlp] = useState<string>("AMBER");
  const [report, setReport] = useState<ImportReport | null>(null);
  const run = useMutation({
    mutationFn: () => indicatorsApi.importFile(file as File, tlp),
    onSuccess: (r) => {
      setReport(r);
      void qc.invalidateQueries({ queryKey: ["indicators"] });
    },
  });
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        {t("indicators.importHint")}
      </Text>
      <Group align="end">
        <FileInput
          miw={220}
          label={t("indicators.file")}
          value={file}
          onChange={setFile}
          accept=".csv,.json,text/csv,application/json"
          data-testid="import-file"
          maw={320}
        />
        <Select
          label={t("indicators.fields.tlp")}
          data={STORE_TLP.map((x) => ({ value: x, label: tlpLabel(x, i18n.language) }))}
          value={tlp}
          onChange={(v) => setTlp(v ?? "AMBER")}
          allowDeselect={false}
          maw={220}
        />
        <Button
          onClick={() => run.mutate()}
          disabled={!file}
          loading={run.isPending}
          data-testid="import-run"
        >
          {t("indicators.importButton")}
        </Button>
      </Group>
      <ApiErrorAlert error={run.error} />
      {report && <ImportResult report={report} />}
    </Stack>
  );
}

function ImportResult({ report }: { report: ImportReport }) {
  const { t } = useTranslation();
  return (
    <Card withBorder data-testid="import-report">
      <Text data-testid="import-counts">
        {t("indicators.report", {
          read: report.read,
          added: report.added,
          duplicates: report.duplicates,
          rejected: report.rejected,
        })}
      </Text>
      {report.problems.length > 0 && (
        <Table mt="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("indicators.where")}</Table.Th>
              <Table.Th>{t("indicators.problem")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {report.problems.slice(0, 100).map((p) => (
              <Table.Tr key={`${p.line}-${p.objectId}-${p.code}`} data-testid="import-problem">
                <Table.Td>
                  {p.line !== null ? t("indicators.line", { line: p.line }) : (p.objectId ?? "—")}
                </Table.Td>
                <Table.Td>
                  {p.code}: {storedIssueText(p, currentLanguage())}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {report.added > 0 && <SharePanel importId={report.id} />}
    </Card>
  );
}

/** Shares what the import added with peers, in batches (one shared object each). */
function SharePanel({ importId }: { importId: string }) {
  const { t, i18n } = useTranslation();
  const peers = useQuery({ queryKey: ["indicator-peers"], queryFn: indicatorsApi.peers });
  const [recipients, setRecipients] = useState<string[]>([]);
  const [tlp, setTlp] = useState<string>("AMBER");
  const share = useMutation({
    mutationFn: () =>
      indicatorsApi.share({ name: t("indicators.batchName"), importId, recipients, marking: { tlp } }),
  });
  return (
    <Stack mt="md" gap="xs">
      <Text fw={600}>{t("indicators.shareTitle")}</Text>
      <Group align="end">
        <MultiSelect
          miw={220}
          label={t("indicators.recipients")}
          data={(peers.data ?? []).map((p) => ({ value: p.id, label: `${p.id} — ${p.name}` }))}
          value={recipients}
          onChange={setRecipients}
          data-testid="indicators-share-recipients"
          maw={360}
        />
        <Select
          label={t("indicators.fields.tlp")}
          data={STORE_TLP.map((x) => ({ value: x, label: tlpLabel(x, i18n.language) }))}
          value={tlp}
          onChange={(v) => setTlp(v ?? "AMBER")}
          allowDeselect={false}
          maw={220}
        />
        <Button
          onClick={() => share.mutate()}
          disabled={!recipients.length || share.isSuccess}
          loading={share.isPending}
          data-testid="indicators-share"
        >
          {t("indicators.share")}
        </Button>
      </Group>
      {share.data && (
        <Text size="sm" data-testid="indicators-shared">
          {t("indicators.sharedCount", { count: share.data.indicators, batches: share.data.batches.length })}
        </Text>
      )}
      <ApiErrorAlert error={share.error} />
    </Stack>
  );
}

/** Matches between an identifier this unit holds and one held elsewhere: what and whom to ask. */
function HitsPanel() {
  const { t, i18n } = useTranslation();
  const hits = useQuery({ queryKey: ["correlation-hits"], queryFn: indicatorsApi.hits });
  const items = hits.data?.items ?? [];
  const unitName = (u: { name: string; nameZh: string | null }) =>
    i18n.language === "zh-CN" && u.nameZh ? u.nameZh : u.name;
  return (
    <Stack>
      <ApiErrorAlert error={hits.error} />
      {hits.isLoading ? (
        <Loader />
      ) : items.length === 0 ? (
        <Text c="dimmed" data-testid="hits-empty">
          {t("indicators.noHits")}
        </Text>
      ) : (
        <Card withBorder p={0} style={{ overflowX: "auto" }} tabIndex={0}>
          <Table data-testid="hits-table" miw={640}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("indicators.fields.value")}</Table.Th>
                <Table.Th>{t("indicators.fields.match")}</Table.Th>
                <Table.Th>{t("indicators.fields.mine")}</Table.Th>
                <Table.Th>{t("indicators.fields.askWhom")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((h) => (
                <Table.Tr key={h.id} data-testid="hit-row">
                  <Table.Td style={{ wordBreak: "break-all" }}>{h.value}</Table.Td>
                  <Table.Td>{t(`indicators.match.${h.match}`)}</Table.Td>
                  <Table.Td>
                    {t("indicators.record", { type: h.mine.recordType, id: h.mine.recordId })}
                  </Table.Td>
                  <Table.Td>
                    {unitName(h.other.unit)} ({h.other.recordType})
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
    </Stack>
  );
}
