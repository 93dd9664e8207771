import {
  type CaseDetail,
  HANDLING_CODES,
  IDENTIFIER_TYPES,
  TLP_LEVELS,
  type TlpLevel,
} from "@crossline/schemas";
import {
  Badge,
  Button,
  Card,
  Checkbox,
  FileInput,
  Group,
  List,
  Loader,
  MultiSelect,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";
import { API_BASE } from "../../api/client";
import { useCan, useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DateTimeText } from "../../components/DateTime";
import { useLang } from "../../i18n";
import { Link } from "../../router/router";
import { fileBase64 } from "../../util/files";
import { casesApi } from "./cases.api";
import { MalwareSampleDownload } from "./MalwareSampleDownload";

/** A section of the case page with a small form that posts one change and shows the case it returns. */
function Section({ title, testId, children }: { title: string; testId: string; children: ReactNode }) {
  return (
    <Card withBorder data-testid={testId}>
      <Title order={3} size="h4" mb="xs">
        {title}
      </Title>
      <Stack gap="xs">{children}</Stack>
    </Card>
  );
}

export function CaseDetailPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const q = useQuery({ queryKey: ["case", id], queryFn: () => casesApi.get(id) });
  if (q.error) return <ApiErrorAlert error={q.error} />;
  if (!q.data) return <Loader />;
  return <CaseView c={q.data} key={q.data.version} t={t} />;
}

function useChange(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (a: { what: string; body: unknown }) => casesApi.post(id, a.what, a.body),
    onSuccess: (c) => qc.setQueryData(["case", id], c),
  });
}

function CaseView({ c, t }: { c: CaseDetail; t: ReturnType<typeof useTranslation>["t"] }) {
  const lang = useLang();
  const canWrite = useCan("cases:write");
  const change = useChange(c.id);
  const qc = useQueryClient();
  const patch = useMutation({
    mutationFn: (body: Record<string, unknown>) => casesApi.patch(c.id, { version: c.version, ...body }),
    onSuccess: (x) => qc.setQueryData(["case", c.id], x),
  });
  const [subject, setSubject] = useState({ original: "", romanised: "", kind: "person" });
  const [ident, setIdent] = useState<{ type: string; value: string }>({ type: "ipv4", value: "" });
  const [task, setTask] = useState("");
  const [note, setNote] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [collectedBy, setCollectedBy] = useState("");
  const [malwareSample, setMalwareSample] = useState(false);
  const [handTo, setHandTo] = useState("");

  async function addEvidence() {
    if (!file) return;
    const contentBase64 = await fileBase64(file);
    change.mutate({
      what: "evidence",
      body: {
        name: file.name,
        contentBase64,
        collectedBy: collectedBy || "—",
        collectedAt: new Date().toISOString(),
        ...(malwareSample ? { malwareSample: true } : {}),
      },
    });
  }

  return (
    <Stack>
      <Group justify="space-between">
        <div>
          <Text c="dimmed" data-testid="case-reference">
            {c.reference}
          </Text>
          <Title order={2} lang={c.title.lang}>
            {c.title.text}
          </Title>
        </div>
        <Group>
          {c.priority && <Badge color="red">{t("cases.priority")}</Badge>}
          <Badge>{t(`cases.status.${c.status}`)}</Badge>
          <Badge variant="light">{t(`requests.offence.${c.category}`)}</Badge>
        </Group>
      </Group>
      {c.summary && <Text lang={c.summary.lang}>{c.summary.text}</Text>}
      {canWrite && (
        <Group>
          {c.status !== "open" && (
            <Button size="xs" variant="light" onClick={() => patch.mutate({ status: "open" })}>
              {t("cases.reopen")}
            </Button>
          )}
          {c.status === "open" && (
            <Button size="xs" variant="light" onClick={() => patch.mutate({ status: "suspended" })}>
              {t("cases.suspend")}
            </Button>
          )}
          <Button
            size="xs"
            variant="light"
            onClick={() => patch.mutate({ priority: !c.priority })}
            data-testid="case-toggle-priority"
          >
            {c.priority ? t("cases.notPriority") : t("cases.priorityOnly")}
          </Button>
        </Group>
      )}
      {(change.error || patch.error) && <ApiErrorAlert error={change.error ?? patch.error} />}

      <Section title={t("cases.subjects")} testId="case-subjects">
        <List>
          {c.subjects.map((s) => (
            <List.Item key={s.id}>
              {s.subject.names
                .map((n) => (n.romanised ? `${n.original} (${n.romanised})` : n.original))
                .join(" / ")}{" "}
              — {t(`requests.subjectKind.${s.subject.kind}`)}, {t(`requests.subjectRole.${s.subject.role}`)}
            </List.Item>
          ))}
        </List>
        {canWrite && (
          <Group align="end">
            <Select
              label={t("cases.fields.kind")}
              data={["person", "organisation"].map((k) => ({
                value: k,
                label: t(`requests.subjectKind.${k as "person"}`),
              }))}
              value={subject.kind}
              onChange={(v) => setSubject((s) => ({ ...s, kind: v ?? "person" }))}
              allowDeselect={false}
            />
            <TextInput
              label={t("cases.fields.nameOriginal")}
              value={subject.original}
              onChange={(e) => {
                // read now: the event's target is gone when React runs the updater later
                const value = e.currentTarget.value;
                setSubject((s) => ({ ...s, original: value }));
              }}
            />
            <TextInput
              label={t("cases.fields.nameRomanised")}
              value={subject.romanised}
              onChange={(e) => {
                // read now: the event's target is gone when React runs the updater later
                const value = e.currentTarget.value;
                setSubject((s) => ({ ...s, romanised: value }));
              }}
            />
            <Button
              onClick={() =>
                change.mutate({
                  what: "subjects",
                  body: {
                    subject: {
                      kind: subject.kind,
                      role: "suspect",
                      names: [
                        {
                          original: subject.original,
                          ...(subject.romanised ? { romanised: subject.romanised } : {}),
                        },
                      ],
                    },
                  },
                })
              }
            >
              {t("cases.add")}
            </Button>
          </Group>
        )}
      </Section>

      <Section title={t("cases.identifiers")} testId="case-identifiers">
        <List>
          {c.identifiers.map((i) => (
            <List.Item key={i.id}>
              {t(`requests.opt.identifierType.${i.identifier.type}`)}
              {t("common.colon")}
              <code>{i.identifier.value}</code>
            </List.Item>
          ))}
        </List>
        {canWrite && (
          <Group align="end">
            <Select
              label={t("cases.fields.identifierType")}
              data={IDENTIFIER_TYPES.filter((x) =>
                ["ipv4", "ipv6", "domain", "url", "email", "phone"].includes(x),
              ).map((x) => ({
                value: x,
                label: t(`requests.opt.identifierType.${x}`),
              }))}
              value={ident.type}
              onChange={(v) => setIdent((s) => ({ ...s, type: v ?? "ipv4" }))}
              allowDeselect={false}
            />
            <TextInput
              label={t("cases.fields.value")}
              value={ident.value}
              onChange={(e) => {
                // read now: the event's target is gone when React runs the updater later
                const value = e.currentTarget.value;
                setIdent((s) => ({ ...s, value: value }));
              }}
            />
            <Button onClick={() => change.mutate({ what: "identifiers", body: { identifier: ident } })}>
              {t("cases.add")}
            </Button>
          </Group>
        )}
      </Section>

      <Section title={t("cases.evidence")} testId="case-evidence">
        {c.evidence.map((e) => (
          <Card key={e.id} withBorder padding="xs" data-testid="evidence-item">
            <Group justify="space-between">
              <Group gap="xs">
                <Text fw={500}>{e.name}</Text>
                {e.malwareSample && (
                  <Badge color="red" variant="light" data-testid="evidence-malware-badge">
                    {t("cases.malwareSample")}
                  </Badge>
                )}
              </Group>
              {e.malwareSample ? (
                <MalwareSampleDownload caseId={c.id} evidence={e} />
              ) : (
                <a href={`${API_BASE}/cases/${c.id}/evidence/${e.id}/file`} download={e.name}>
                  {t("cases.download")}
                </a>
              )}
            </Group>
            <Text size="xs" ff="monospace">
              SHA-256 {e.sha256}
            </Text>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("cases.custodyAction")}</Table.Th>
                  <Table.Th>{t("cases.by")}</Table.Th>
                  <Table.Th>{t("cases.to")}</Table.Th>
                  <Table.Th>{t("cases.at")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {e.custody.map((r) => (
                  <Table.Tr key={r.id}>
                    <Table.Td>{t(`cases.custody.${r.action}`)}</Table.Td>
                    <Table.Td>{r.actorLabel}</Table.Td>
                    <Table.Td>{r.to ?? ""}</Table.Td>
                    <Table.Td>
                      <DateTimeText iso={r.at} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {canWrite && (
              <Group align="end">
                <TextInput
                  label={t("cases.handOverTo")}
                  value={handTo}
                  onChange={(ev) => setHandTo(ev.currentTarget.value)}
                />
                <Button
                  size="xs"
                  onClick={() =>
                    change.mutate({
                      what: `evidence/${e.id}/custody`,
                      body: { action: "handed_over", to: handTo },
                    })
                  }
                >
                  {t("cases.custody.handed_over")}
                </Button>
              </Group>
            )}
          </Card>
        ))}
        {canWrite && (
          <Group align="end">
            <FileInput
              miw={220}
              label={t("cases.file")}
              value={file}
              onChange={setFile}
              data-testid="evidence-file"
            />
            <TextInput
              label={t("cases.collectedBy")}
              value={collectedBy}
              onChange={(e) => setCollectedBy(e.currentTarget.value)}
              data-testid="evidence-collected-by"
            />
            <Checkbox
              label={t("cases.malwareSample")}
              description={t("cases.malwareSampleHint")}
              checked={malwareSample}
              onChange={(e) => setMalwareSample(e.currentTarget.checked)}
              data-testid="evidence-malware"
            />
            <Button onClick={addEvidence} disabled={!file} data-testid="evidence-add">
              {t("cases.add")}
            </Button>
          </Group>
        )}
      </Section>

      <Section title={t("cases.tasks")} testId="case-tasks">
        {c.tasks.map((x) => (
          <Checkbox
            key={x.id}
            label={x.title.text}
            checked={x.done}
            disabled={!canWrite}
            onChange={(e) => {
              const done = e.currentTarget.checked;
              casesApi
                .patchTask(c.id, x.id, { version: x.version, done })
                .then((n) => qc.setQueryData(["case", c.id], n));
            }}
          />
        ))}
        {canWrite && (
          <Group align="end">
            <TextInput
              label={t("cases.newTask")}
              value={task}
              onChange={(e) => setTask(e.currentTarget.value)}
            />
            <Button onClick={() => change.mutate({ what: "tasks", body: { title: { lang, text: task } } })}>
              {t("cases.add")}
            </Button>
          </Group>
        )}
      </Section>

      <Section title={t("cases.notes")} testId="case-notes">
        {c.notes.map((n) => (
          <Text key={n.id} lang={n.text.lang}>
            {n.text.text}{" "}
            <Text span c="dimmed" size="xs">
              — {n.authorLabel}
            </Text>
          </Text>
        ))}
        {canWrite && (
          <Group align="end">
            <TextInput
              label={t("cases.newNote")}
              value={note}
              onChange={(e) => setNote(e.currentTarget.value)}
            />
            <Button onClick={() => change.mutate({ what: "notes", body: { text: { lang, text: note } } })}>
              {t("cases.add")}
            </Button>
          </Group>
        )}
      </Section>

      <Section title={t("cases.requests")} testId="case-requests">
        {c.requests.length === 0 && <Text c="dimmed">{t("cases.noRequests")}</Text>}
        <List>
          {c.requests.map((r) => (
            <List.Item key={r.id}>
              <Link to={`/requests/${r.id}`}>{r.reference}</Link> — {r.title}
            </List.Item>
          ))}
        </List>
      </Section>

      <SharingPanel c={c} onChange={(x) => qc.setQueryData(["case", c.id], x)} />
    </Stack>
  );
}

/** Share the summary of a priority case: peers, TLP and handling codes; pending shares for a supervisor. */
function SharingPanel({ c, onChange }: { c: CaseDetail; onChange: (c: CaseDetail) => void }) {
  const { t } = useTranslation();
  const canWrite = useCan("cases:write");
  const canApprove = useCan("cases:approve");
  const me = useSession().user.username;
  const peers = useQuery({ queryKey: ["case-peers"], queryFn: casesApi.peers, enabled: canWrite });
  // Where each peer stands with the summary: holding a copy, refused (and why), or withdrawn from it.
  const canSeeHolders = useCan("sharing:read");
  const summaryId = c.sharedObjectId;
  const summary = useQuery({
    queryKey: ["case-summary-object", summaryId],
    queryFn: () => casesApi.summaryObject(summaryId as string),
    enabled: canSeeHolders && summaryId !== null,
  });
  const qc = useQueryClient();
  const changed = (x: CaseDetail) => {
    onChange(x);
    void qc.invalidateQueries({ queryKey: ["case-summary-object"] });
  };
  const [recipients, setRecipients] = useState<string[]>([]);
  const [tlp, setTlp] = useState<TlpLevel>("AMBER");
  const [handling, setHandling] = useState<string[]>([]);
  const share = useMutation({
    mutationFn: () =>
      casesApi.post(c.id, "shares", {
        recipients,
        marking: { tlp, handling, ...(tlp === "RED" ? { releasableTo: recipients } : {}) },
      }),
    onSuccess: changed,
  });
  const decide = useMutation({
    mutationFn: (a: { shareId: string; approve: boolean }) =>
      casesApi.post(c.id, `shares/${a.shareId}/decision`, { approve: a.approve }),
    onSuccess: changed,
  });
  const withdraw = useMutation({
    mutationFn: () => casesApi.post(c.id, "summary/withdraw", {}),
    onSuccess: changed,
  });
  return (
    <Section title={t("cases.sharing")} testId="case-sharing">
      {!c.priority && <Text c="dimmed">{t("cases.sharingPriorityOnly")}</Text>}
      {c.approvalRequired && <Text size="sm">{t("cases.approvalRequired")}</Text>}
      {c.shares.map((s) => (
        <Group key={s.id} data-testid="case-share" data-state={s.state}>
          <Badge color={s.state === "approved" ? "green" : s.state === "rejected" ? "gray" : "yellow"}>
            {t(`cases.shareState.${s.state}`)}
          </Badge>
          <Text size="sm">
            {s.recipients.join(", ")} · {t(`markings.tlp.${s.marking.tlp}`)} · {s.requestedBy}
          </Text>
          {s.state === "pending" && canApprove && s.requestedBy !== me && (
            <>
              <Button
                size="compact-sm"
                color="green"
                onClick={() => decide.mutate({ shareId: s.id, approve: true })}
                data-testid="share-approve"
              >
                {t("cases.approve")}
              </Button>
              <Button
                size="compact-sm"
                variant="light"
                color="red"
                onClick={() => decide.mutate({ shareId: s.id, approve: false })}
              >
                {t("cases.reject")}
              </Button>
            </>
          )}
        </Group>
      ))}
      {canWrite && c.priority && (
        <Group align="end">
          <MultiSelect
            miw={220}
            label={t("cases.recipients")}
            data={(peers.data ?? []).map((p) => ({ value: p.id, label: `${p.id} — ${p.name}` }))}
            value={recipients}
            onChange={setRecipients}
            data-testid="share-recipients"
          />
          <Select
            label={t("cases.tlp")}
            data={TLP_LEVELS.map((x) => ({ value: x, label: t(`markings.tlp.${x}`) }))}
            description={t(`markings.tlpHint.${tlp}`)}
            value={tlp}
            onChange={(v) => setTlp((v as TlpLevel | null) ?? "AMBER")}
            allowDeselect={false}
            data-testid="share-tlp"
          />
          <MultiSelect
            miw={220}
            label={t("cases.handling")}
            data={HANDLING_CODES.map((x) => ({ value: x, label: t(`markings.handling.${x}`) }))}
            value={handling}
            onChange={setHandling}
          />
          <Button onClick={() => share.mutate()} disabled={!recipients.length} data-testid="share-submit">
            {t("cases.share")}
          </Button>
        </Group>
      )}
      {summary.data && summary.data.holders.length > 0 && (
        <Stack gap={4} data-testid="case-holders">
          <Text size="sm" fw={500}>
            {t("cases.holders")}
          </Text>
          {summary.data.holders.map((h) => (
            <Group key={h.nodeId} gap="xs" data-testid="case-holder" data-state={h.state}>
              <Badge
                variant="light"
                color={h.state === "active" ? "green" : h.state === "refused" ? "red" : "gray"}
              >
                {t(`markings.holderState.${h.state}`)}
              </Badge>
              <Text size="sm">
                {[
                  h.nodeId,
                  t("cases.heldVersion", { version: h.version }),
                  ...(h.refusal ? [t(`markings.refusal.${h.refusal}`)] : []),
                ].join(" · ")}
              </Text>
            </Group>
          ))}
        </Stack>
      )}
      {canWrite && c.sharedObjectId && (
        <Button variant="subtle" color="red" onClick={() => withdraw.mutate()}>
          {t("cases.withdrawSummary")}
        </Button>
      )}
      {(share.error || decide.error || withdraw.error) && (
        <ApiErrorAlert error={share.error ?? decide.error ?? withdraw.error} />
      )}
    </Section>
  );
}
