import {
  FUGITIVE_REPORT_KINDS,
  type FugitiveEntryContent,
  type FugitiveReportKind,
  type Language,
  type ReceivedEntryView,
} from "@crossline/schemas";
import {
  Alert,
  Badge,
  Button,
  Card,
  FileInput,
  Group,
  Image,
  Loader,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { API_BASE } from "../../api/client";
import { useCan } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DateTimeField } from "../../components/DateTimeField";
import { Link } from "../../router/router";
import { fileBase64 } from "../../util/files";
import { useReceived, useReceivedEntry, useReport, useUploadEvidence } from "./lists.api";
import { ProgressText, receivedProgress } from "./progress";

type Name = { original: string; romanised?: string };
const nameText = (n: Name) => (n.romanised ? `${n.original} (${n.romanised})` : n.original);
const mainName = (e: ReceivedEntryView): string => {
  const names = (e.fields?.names as Name[] | undefined) ?? [];
  return names[0] ? nameText(names[0]) : "—";
};
const entryPath = (entryId: string) => `/fugitive-lists/entries/${encodeURIComponent(entryId)}`;

/** The photos that came with the owner's version of the entry; each view is in this node's access log. */
function ReceivedPhotos({ e }: { e: ReceivedEntryView }) {
  const { t } = useTranslation();
  return (
    <Card withBorder data-testid="received-entry-photos">
      <Title order={3} mb="xs">
        {t("sharedLists.entry.photos")}
      </Title>
      {e.photos.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t("sharedLists.entry.noPhotos")}
        </Text>
      ) : (
        <>
          <SimpleGrid cols={{ base: 2, sm: 4 }}>
            {e.photos.map((p) => (
              <Image
                key={p.id}
                src={`${API_BASE}/fugitive-lists/received/${encodeURIComponent(e.entryId)}/photos/${encodeURIComponent(p.id)}`}
                alt={p.alt ?? t("fugitives.photos.alt", { name: mainName(e) })}
                fit="contain"
                h={160}
                data-testid="received-entry-photo"
              />
            ))}
          </SimpleGrid>
          <Text size="xs" c="dimmed" mt="xs">
            {t("sharedLists.entry.photosLogged")}
          </Text>
        </>
      )}
    </Card>
  );
}

function StatusBadge({ e }: { e: ReceivedEntryView }) {
  const { t } = useTranslation();
  if (e.state === "withdrawn")
    return (
      <Badge variant="outline" color="gray">
        {t("sharedLists.entry.withdrawnShort")}
      </Badge>
    );
  return (
    <Badge variant="light" color={e.status === "returned" ? "green" : "gray"}>
      {e.status ? t(`fugitives.status.${e.status}`) : "—"}
    </Badge>
  );
}

/** A peer's list as held here: its entries (the owner's versions) and its progress. */
export function ReceivedListPage({ ownerNode, listId }: { ownerNode: string; listId: string }) {
  const { t } = useTranslation();
  const q = useReceived();
  if (q.isLoading) return <Loader />;
  const entries = (q.data ?? []).filter((e) => e.ownerNode === ownerNode && e.listId === listId);
  const first = entries[0];
  if (!first) return <ApiErrorAlert error={q.error ?? new Error(t("sharedLists.noneReceived"))} />;
  return (
    <Stack data-testid="received-list-page">
      <Link to="/fugitive-lists">{t("sharedLists.back")}</Link>
      <Title order={2}>{first.listName.text}</Title>
      <Text size="sm">
        {t("sharedLists.owner")}
        {t("common.colon")}
        {ownerNode}
      </Text>
      <Card withBorder>
        <ProgressText p={receivedProgress(entries)} testId="received-list-progress" />
      </Card>
      <Card withBorder p={0} style={{ overflowX: "auto" }} tabIndex={0} data-testid="received-entries-scroll">
        <Table data-testid="received-entries">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("sharedLists.number")}</Table.Th>
              <Table.Th>{t("fugitives.name")}</Table.Th>
              <Table.Th>{t("fugitives.statusLabel")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {entries.map((e) => (
              <Table.Tr
                key={e.entryId}
                data-testid="received-entry"
                data-status={e.state === "withdrawn" ? "withdrawn" : (e.status ?? "")}
              >
                <Table.Td>{e.number}</Table.Td>
                <Table.Td>
                  <Link to={entryPath(e.entryId)} data-testid="received-entry-link">
                    {mainName(e)}
                  </Link>
                </Table.Td>
                <Table.Td>
                  <StatusBadge e={e} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
    </Stack>
  );
}

/** One entry of a peer's list, read-only (the owner's version), our reports on it and the form to send one. */
export function ReceivedEntryPage({ entryId }: { entryId: string }) {
  const { t } = useTranslation();
  const q = useReceivedEntry(entryId);
  const canWrite = useCan("fugitives:write");
  if (q.isLoading) return <Loader />;
  const e = q.data;
  if (!e) return <ApiErrorAlert error={q.error ?? new Error(t("sharedLists.noneReceived"))} />;
  const d = (e.fields ?? null) as FugitiveEntryContent["fields"] | null;
  const row = (label: string, value: string | null | undefined) => (
    <Table.Tr>
      <Table.Th scope="row">{label}</Table.Th>
      <Table.Td>{value || "—"}</Table.Td>
    </Table.Tr>
  );
  return (
    <Stack
      data-testid="received-entry-page"
      data-status={e.state === "withdrawn" ? "withdrawn" : (e.status ?? "")}
    >
      <Link
        to={`/fugitive-lists/received/${encodeURIComponent(e.ownerNode)}/${encodeURIComponent(e.listId)}`}
      >
        {e.listName.text}
      </Link>
      <Title order={2}>{mainName(e)}</Title>
      <Text size="sm" c="dimmed">
        {t("sharedLists.entry.title", { number: e.number, list: e.listName.text })}
      </Text>
      <Group>
        <StatusBadge e={e} />
        <Text size="sm" data-testid="received-entry-version">
          {t("sharedLists.version")}
          {t("common.colon")}
          {e.version}
        </Text>
      </Group>
      <Alert color="blue" variant="light">
        {t("sharedLists.entry.readOnly", { owner: e.ownerNode, version: e.version })}
      </Alert>
      {e.state === "withdrawn" && (
        <Alert color="gray" data-testid="received-entry-withdrawn">
          {t("sharedLists.entry.withdrawn")}
        </Alert>
      )}
      {d && (
        <Card
          withBorder
          p={0}
          style={{ overflowX: "auto" }}
          tabIndex={0}
          data-testid="received-fields-scroll"
        >
          <Table data-testid="received-entry-fields">
            <Table.Tbody>
              {row(t("fugitives.names"), d.names.map(nameText).join("; "))}
              {row(t("fugitives.aliases"), (d.aliases ?? []).map(nameText).join("; "))}
              {row(t("fugitives.dateOfBirth"), d.dateOfBirth)}
              {row(t("fugitives.nationalities"), (d.nationalities ?? []).join(", "))}
              {row(
                t("fugitives.formerPosition"),
                [d.formerPosition, d.formerEmployer].filter(Boolean).join(", "),
              )}
              {row(t("fugitives.flight"), [d.flightDate, d.flightRoute].filter(Boolean).join(" · "))}
              {row(
                t("fugitives.whereabouts"),
                (d.whereabouts ?? []).map((w) => [w.country, w.place].filter(Boolean).join(" ")).join("; "),
              )}
              {row(t("fugitives.charges"), (d.charges ?? []).map((c) => `${c.law} ${c.article}`).join("; "))}
              {row(
                t("fugitives.warrants"),
                (d.warrants ?? []).map((w) => `${w.number} (${w.authority}, ${w.date})`).join("; "),
              )}
              {row(
                t("fugitives.notices"),
                (d.notices ?? []).map((n) => `${t(`fugitives.notice.${n.kind}`)} ${n.reference}`).join("; "),
              )}
              {e.returned &&
                row(
                  t("fugitives.returned"),
                  `${t(`fugitives.returnMethod.${e.returned.method}`)} · ${e.returned.date} · ${e.returned.place}`,
                )}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      <ReceivedPhotos e={e} />
      <Title order={3}>{t("sharedLists.entry.reports")}</Title>
      <Stack gap={4} data-testid="received-entry-reports">
        {e.reports.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t("sharedLists.entry.noReports")}
          </Text>
        ) : (
          e.reports.map((r) => (
            <Text key={r.id} size="sm" data-testid="received-entry-report">
              {r.date} · {t(`fugitives.reportKind.${r.kind}`)}
              {r.place ? ` · ${r.place}` : ""}: {r.text.text}
              {r.evidence.length > 0 && (
                <>
                  {` · ${t("sharedLists.entry.evidence")}${t("common.colon")}`}
                  {r.evidence.map((x, i) => (
                    <span key={x.id}>
                      {i > 0 ? ", " : ""}
                      <a
                        href={`${API_BASE}/fugitive-lists/received/${encodeURIComponent(e.entryId)}/evidence/${encodeURIComponent(x.id)}`}
                        download={x.name}
                        title={t("fugitives.evidenceLogged")}
                        data-testid="sent-evidence-link"
                      >
                        {x.name}
                      </a>
                    </span>
                  ))}
                </>
              )}
            </Text>
          ))
        )}
      </Stack>
      {canWrite && e.state === "active" && e.status !== "returned" && (
        <ReportForm entryId={e.entryId} owner={e.ownerNode} />
      )}
    </Stack>
  );
}

/** A report to the list's owner on one entry: what happened, when and where, and what shows it. */
function ReportForm({ entryId, owner }: { entryId: string; owner: string }) {
  const { t, i18n } = useTranslation();
  const [kind, setKind] = useState<FugitiveReportKind>("sighting");
  const [date, setDate] = useState("");
  const [place, setPlace] = useState("");
  const [text, setText] = useState("");
  const [lang, setLang] = useState<Language>(i18n.language === "zh-CN" ? "zh-CN" : "en");
  const [files, setFiles] = useState<File[]>([]);
  const report = useReport(entryId);
  const upload = useUploadEvidence(entryId);
  const [uploading, setUploading] = useState<string | null>(null);
  // Each file is uploaded first (nothing is sent yet); the report then names them and takes them along.
  const send = async () => {
    const evidenceIds: string[] = [];
    for (const f of files) {
      setUploading(f.name);
      try {
        const r = await upload.mutateAsync({ name: f.name, contentBase64: await fileBase64(f) });
        evidenceIds.push(r.evidence.id);
      } catch {
        setUploading(null);
        return;
      }
    }
    setUploading(null);
    report.mutate(
      {
        kind,
        date,
        ...(place.trim() ? { place: place.trim() } : {}),
        text: { lang, text: text.trim() },
        evidenceIds,
      },
      {
        onSuccess: () => {
          setPlace("");
          setText("");
          setFiles([]);
        },
      },
    );
  };
  return (
    <Card withBorder data-testid="report-form">
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          void send();
        }}
      >
        <Stack gap="xs">
          <Title order={3}>{t("sharedLists.report.title")}</Title>
          <Group align="end" wrap="wrap">
            <Select
              label={t("sharedLists.report.kind")}
              data={FUGITIVE_REPORT_KINDS.map((k) => ({ value: k, label: t(`fugitives.reportKind.${k}`) }))}
              value={kind}
              onChange={(v) => v && setKind(v as FugitiveReportKind)}
              allowDeselect={false}
              data-testid="report-kind"
            />
            <DateTimeField
              kind="date"
              label={t("sharedLists.report.date")}
              value={date}
              onChange={setDate}
              required
              data-testid="report-date"
            />
            <TextInput
              label={t("sharedLists.report.place")}
              value={place}
              onChange={(ev) => setPlace(ev.currentTarget.value)}
              data-testid="report-place"
            />
          </Group>
          <Textarea
            label={t("sharedLists.report.text")}
            value={text}
            onChange={(ev) => setText(ev.currentTarget.value)}
            required
            autosize
            minRows={3}
            data-testid="report-text"
          />
          <Select
            label={t("sharedLists.report.lang")}
            data={(["en", "zh-CN"] as const).map((x) => ({ value: x, label: t(`sharedLists.lang.${x}`) }))}
            value={lang}
            onChange={(v) => v && setLang(v as Language)}
            allowDeselect={false}
            maw={240}
          />
          <FileInput
            label={t("sharedLists.report.evidence")}
            multiple
            clearable
            value={files}
            onChange={(v) => setFiles(v.slice(0, 10))}
            data-testid="report-evidence"
            maw={480}
          />
          {uploading && (
            <Text size="sm" c="dimmed" data-testid="report-uploading">
              {t("sharedLists.report.uploading", { name: uploading })}
            </Text>
          )}
          <ApiErrorAlert
            error={upload.error}
            fieldLabel={(field) =>
              field === "body.contentBase64" ? t("sharedLists.report.evidence") : field
            }
          />
          <ApiErrorAlert
            error={report.error}
            fieldLabel={(field) =>
              field.startsWith("body.evidenceIds") ? t("sharedLists.report.evidence") : field
            }
          />
          {report.isSuccess && (
            <Alert color="green" data-testid="report-sent">
              {t("sharedLists.report.sent", { owner })}
            </Alert>
          )}
          <Group>
            <Button
              type="submit"
              loading={report.isPending || uploading !== null}
              data-testid="report-submit"
            >
              {t("sharedLists.report.submit")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
