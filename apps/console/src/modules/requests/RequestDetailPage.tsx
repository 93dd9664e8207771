import {
  DECLINE_GROUNDS,
  localToInstant,
  type RequestDetail,
  type RequestType,
  SECOND_CHECK_METHODS,
  SECOND_CHECK_RESULTS,
} from "@crossline/schemas";
import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  Modal,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import type { TFunction } from "i18next";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useCan, useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DateTimeText, DualDateTime } from "../../components/DateTime";
import { Link } from "../../router/router";
import { AttachmentPicker, formatSize } from "./form/Attachments";
import { COMMON_SPEC, DETAILS_SPEC, type FieldSpec } from "./form/spec";
import {
  Countdown,
  DeadlineBadge,
  eventLabel,
  StatusBadge,
  statusLabel,
  typeLabel,
  UrgencyBadge,
} from "./labels";
import {
  type AttachmentRef,
  useExtensionDecision,
  useMessages,
  useRequest,
  useRequestAction,
  useRequestPost,
} from "./requests.api";

function useLang(): "en" | "zh-CN" {
  const { i18n } = useTranslation();
  return i18n.language.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <div>{children}</div>
    </div>
  );
}

function Deadline({
  label,
  at,
  metAt,
  testId,
}: {
  label: string;
  at: { at: string } | null;
  metAt: string | null;
  testId: string;
}) {
  const { t } = useTranslation();
  if (!at) return null;
  const late = metAt !== null && new Date(metAt).getTime() > new Date(at.at).getTime();
  return (
    <Field label={label}>
      <DualDateTime iso={at.at} testId={testId} />
      {metAt ? (
        <Text size="sm" c={late ? "red" : "green"} data-testid={`${testId}-met`}>
          {late ? t("requests.detail.metLate") : t("requests.detail.metInTime")}
        </Text>
      ) : (
        <Countdown at={at.at} />
      )}
    </Field>
  );
}

function str(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "object" && "text" in (v as object)) return String((v as { text: unknown }).text);
  return JSON.stringify(v);
}

/**
 * What a timeline entry says besides its name: the notes and texts that travelled with it, the answer's
 * outcome and grounds, the second check, the days of an extension, the level of an escalation.
 */
function eventDetails(t: TFunction, e: RequestDetail["timeline"][number]): string[] {
  const d = e.data as Record<string, unknown>;
  const lines: string[] = [];
  const answer = d.answer as
    | { outcome?: string; summary?: unknown; grounds?: { code: string; explanation: unknown } }
    | undefined;
  if (answer?.outcome) {
    lines.push(t(`requests.outcome.${answer.outcome}` as "requests.outcome.fulfilled"));
    if (answer.grounds)
      lines.push(
        `${t(`requests.grounds.${answer.grounds.code}` as "requests.grounds.no_data_held")}: ${str(answer.grounds.explanation)}`,
      );
    if (answer.summary) lines.push(str(answer.summary));
  }
  const check = d.secondCheck as
    | { method: string; result: string; namedContact: { name: string }; checkedBy?: { name: string } }
    | undefined;
  if (check?.namedContact)
    lines.push(
      t("requests.timeline.secondCheck", {
        method: t(`requests.secondCheck.methods.${check.method}` as "requests.secondCheck.methods.other"),
        contact: check.namedContact.name,
        result: t(`requests.secondCheck.results.${check.result}` as "requests.secondCheck.results.confirmed"),
      }),
    );
  if (typeof d.days === "number") lines.push(t("requests.timeline.days", { count: d.days }));
  if (typeof d.level === "number") lines.push(t("requests.timeline.level", { level: d.level }));
  for (const v of Object.values(d))
    if (v && typeof v === "object" && "text" in (v as object)) lines.push(str(v));
  return lines;
}

/** The events needing a text (and which body field carries it). */
const TEXT_FIELD: Partial<Record<string, { field: string; required: boolean }>> = {
  submit_for_approval: { field: "note", required: false },
  approve: { field: "note", required: false },
  reject_approval: { field: "reason", required: true },
  acknowledge: { field: "note", required: false },
  start_work: { field: "note", required: false },
  request_more_info: { field: "question", required: true },
  provide_more_info: { field: "information", required: true },
  close: { field: "note", required: false },
  withdraw: { field: "reason", required: true },
};

export function ActionModal({
  request,
  event,
  onClose,
}: {
  request: { id: string };
  event: string;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const act = useRequestAction(request.id);
  const [text, setText] = useState("");
  const [outcome, setOutcome] = useState<string | null>("fulfilled");
  const [grounds, setGrounds] = useState<string | null>(null);
  const [explanation, setExplanation] = useState("");
  const [attachments, setAttachments] = useState<AttachmentRef[]>([]);
  const spec = TEXT_FIELD[event];
  const withFiles = event === "answer" || event === "provide_more_info";

  const submit = () => {
    let body: Record<string, unknown> = { event };
    if (event === "answer") {
      const answer: Record<string, unknown> = { outcome, summary: { lang, text }, attachments };
      if (outcome !== "fulfilled" && grounds)
        answer.grounds = { code: grounds, explanation: { lang, text: explanation } };
      body = { event, answer };
    } else if (spec && (spec.required || text.trim())) {
      body[spec.field] = { lang, text };
    }
    if (event === "provide_more_info") body.attachments = attachments;
    act.mutate(body, { onSuccess: onClose });
  };

  return (
    <Modal opened onClose={onClose} title={eventLabel(t, event)} data-testid="action-modal">
      <Stack>
        {event === "answer" && (
          <Select
            label={t("requests.answer.outcome")}
            data={["fulfilled", "partly_fulfilled", "declined"].map((o) => ({
              value: o,
              label: t(`requests.outcome.${o}` as "requests.outcome.fulfilled"),
            }))}
            value={outcome}
            onChange={setOutcome}
            allowDeselect={false}
            data-testid="answer-outcome"
          />
        )}
        {(event === "answer" || spec) && (
          <Textarea
            label={
              event === "answer"
                ? t("requests.answer.summary")
                : t(`requests.actionField.${spec?.field ?? "note"}` as "requests.actionField.note")
            }
            required={event === "answer" || spec?.required}
            autosize
            minRows={3}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            data-testid="action-text"
          />
        )}
        {event === "answer" && outcome !== "fulfilled" && (
          <>
            <Select
              label={t("requests.answer.grounds")}
              required={outcome === "declined"}
              data={DECLINE_GROUNDS.map((g) => ({
                value: g,
                label: t(`requests.grounds.${g}` as "requests.grounds.other"),
              }))}
              value={grounds}
              onChange={setGrounds}
              clearable
              data-testid="answer-grounds"
            />
            <Textarea
              label={t("requests.answer.explanation")}
              required={outcome === "declined"}
              autosize
              minRows={2}
              value={explanation}
              onChange={(e) => setExplanation(e.currentTarget.value)}
              data-testid="answer-explanation"
            />
          </>
        )}
        {withFiles && (
          <AttachmentPicker value={attachments} onChange={setAttachments} testId="action-attachments" />
        )}
        <ApiErrorAlert error={act.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button onClick={submit} loading={act.isPending} data-testid="action-confirm">
            {eventLabel(t, event)}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function SecondCheckForm({ request }: { request: RequestDetail }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { user } = useSession();
  const save = useRequestPost(request.id, "second-check", "PUT");
  const [method, setMethod] = useState<string | null>("phone_callback");
  const [name, setName] = useState("");
  const [organisation, setOrganisation] = useState("");
  const [phone, setPhone] = useState("");
  const [at, setAt] = useState("");
  const [result, setResult] = useState<string | null>("confirmed");
  const [notes, setNotes] = useState("");
  const submit = () => {
    const body: Record<string, unknown> = {
      method,
      result,
      namedContact: {
        name,
        ...(organisation.trim() ? { organisation } : {}),
        ...(phone.trim() ? { phone } : {}),
      },
    };
    // "When" is read on the officer's own clock (the profile's zone), whatever zone the browser is in.
    if (at) body.at = (localToInstant(at, user.timeZone) ?? new Date(at)).toISOString();
    if (notes.trim()) body.notes = { lang, text: notes };
    save.mutate(body);
  };
  return (
    <Card withBorder data-testid="second-check-form">
      <Title order={4} mb="xs">
        {t("requests.secondCheck.title")}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t("requests.secondCheck.hint", { name: user.displayName })}
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Select
          label={t("requests.secondCheck.method")}
          data={SECOND_CHECK_METHODS.map((m) => ({
            value: m,
            label: t(`requests.secondCheck.methods.${m}` as "requests.secondCheck.methods.other"),
          }))}
          value={method}
          onChange={setMethod}
          allowDeselect={false}
          data-testid="second-check-method"
        />
        <Select
          label={t("requests.secondCheck.result")}
          data={SECOND_CHECK_RESULTS.map((r) => ({
            value: r,
            label: t(`requests.secondCheck.results.${r}` as "requests.secondCheck.results.confirmed"),
          }))}
          value={result}
          onChange={setResult}
          allowDeselect={false}
          data-testid="second-check-result"
        />
        <TextInput
          label={t("requests.secondCheck.contactName")}
          required
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          data-testid="second-check-contact"
        />
        <TextInput
          label={t("requests.secondCheck.organisation")}
          value={organisation}
          onChange={(e) => setOrganisation(e.currentTarget.value)}
        />
        <TextInput
          label={t("requests.secondCheck.phone")}
          placeholder="+1 202 555 0100"
          value={phone}
          onChange={(e) => setPhone(e.currentTarget.value)}
          data-testid="second-check-phone"
        />
        <TextInput
          type="datetime-local"
          label={t("requests.secondCheck.at")}
          description={t("requests.secondCheck.atHint")}
          value={at}
          onChange={(e) => setAt(e.currentTarget.value)}
        />
      </SimpleGrid>
      <Textarea
        mt="sm"
        label={t("requests.secondCheck.notes")}
        value={notes}
        onChange={(e) => setNotes(e.currentTarget.value)}
      />
      <ApiErrorAlert error={save.error} />
      <Group justify="flex-end" mt="sm">
        <Button onClick={submit} loading={save.isPending} data-testid="second-check-save">
          {t("requests.secondCheck.save")}
        </Button>
      </Group>
    </Card>
  );
}

/** The statuses in which the thread takes messages (as the server has them). */
const THREAD_OPEN = ["sent", "delivered", "acknowledged", "in_progress", "more_info_requested", "answered"];

function Thread({ request }: { request: RequestDetail }) {
  const { t } = useTranslation();
  const lang = useLang();
  const messages = useMessages(request.id);
  const post = useRequestPost(request.id, "messages");
  const [text, setText] = useState("");
  const [files, setFiles] = useState<AttachmentRef[]>([]);
  const canPost = THREAD_OPEN.includes(request.status);
  // Shown is read: the other side's unread messages are marked read (a signed read receipt goes back).
  const markRead = useRequestPost(request.id, "messages/read");
  const unread = (messages.data?.items ?? [])
    .filter((m) => !m.mine && !m.readAt)
    .map((m) => m.id)
    .join(",");
  const { mutate: sendReceipt } = markRead;
  useEffect(() => {
    if (unread) sendReceipt({});
  }, [unread, sendReceipt]);
  return (
    <Card withBorder data-testid="thread">
      <Title order={4} mb="sm">
        {t("requests.thread.title")}
      </Title>
      <ApiErrorAlert error={messages.error} />
      <Stack gap="xs">
        {messages.data?.items.length === 0 && (
          <Text size="sm" c="dimmed">
            {t("requests.thread.empty")}
          </Text>
        )}
        {messages.data?.items.map((m) => (
          <Card
            key={m.id}
            padding="xs"
            withBorder
            data-testid="message"
            style={{ alignSelf: m.mine ? "flex-end" : "flex-start", maxWidth: "80%" }}
            bg={m.mine ? "var(--mantine-color-blue-light)" : undefined}
          >
            <Group gap="xs">
              <Text size="xs" fw={600}>{`${m.author} · ${m.nodeId}`}</Text>
              <DateTimeText iso={m.at.at} />
            </Group>
            <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
              {m.body.text}
            </Text>
            <AttachmentLinks requestId={request.id} items={m.attachments} />
            {m.mine && m.readAt && (
              <Text size="xs" c="dimmed" data-testid="message-read">
                {t("requests.thread.readBy", { who: m.readBy ?? m.nodeId })} <DateTimeText iso={m.readAt} />
              </Text>
            )}
          </Card>
        ))}
      </Stack>
      {canPost && (
        <Stack mt="sm" gap="xs">
          <Textarea
            placeholder={t("requests.thread.placeholder")}
            autosize
            minRows={2}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            data-testid="message-text"
          />
          <AttachmentPicker value={files} onChange={setFiles} testId="message-attachments" />
          <ApiErrorAlert error={post.error} />
          <Group justify="flex-end">
            <Button
              disabled={!text.trim()}
              loading={post.isPending}
              onClick={() =>
                post.mutate(
                  { body: { lang, text }, attachments: files },
                  {
                    onSuccess: () => {
                      setText("");
                      setFiles([]);
                    },
                  },
                )
              }
              data-testid="message-send"
            >
              {t("requests.thread.send")}
            </Button>
          </Group>
        </Stack>
      )}
    </Card>
  );
}

function Preservation({ request }: { request: RequestDetail }) {
  const { t } = useTranslation();
  const lang = useLang();
  const ask = useRequestPost(request.id, "preservation/extensions");
  const [days, setDays] = useState<number | string>(90);
  const [reason, setReason] = useState("");
  const decide = useExtensionDecision(request.id);
  return (
    <Card withBorder data-testid="preservation">
      <Title order={4} mb="sm">
        {t("requests.preservation.title")}
      </Title>
      {request.preservationExpiresAt ? (
        <Field label={t("requests.preservation.expires")}>
          <DualDateTime iso={request.preservationExpiresAt.at} testId="preservation-expiry" />
          <Countdown at={request.preservationExpiresAt.at} />
        </Field>
      ) : (
        <Text size="sm" c="dimmed">
          {t("requests.preservation.noExpiry")}
        </Text>
      )}
      {request.extensions.length > 0 && (
        <Table mt="sm" data-testid="extensions">
          <Table.Tbody>
            {request.extensions.map((x) => (
              <Table.Tr key={x.id}>
                <Table.Td>{t("requests.preservation.days", { count: x.days })}</Table.Td>
                <Table.Td>{x.reason.text}</Table.Td>
                <Table.Td>
                  <Badge variant="light">{t(`requests.preservation.status.${x.status}`)}</Badge>
                </Table.Td>
                <Table.Td>
                  {x.status === "requested" && request.direction === "incoming" && (
                    <Group gap={4}>
                      <Button
                        size="compact-xs"
                        color="green"
                        onClick={() => decide.mutate({ extensionId: x.id, grant: true })}
                        data-testid="extension-grant"
                      >
                        {t("requests.preservation.grant")}
                      </Button>
                      <Button
                        size="compact-xs"
                        color="red"
                        variant="light"
                        onClick={() => decide.mutate({ extensionId: x.id, grant: false })}
                        data-testid="extension-refuse"
                      >
                        {t("requests.preservation.refuse")}
                      </Button>
                    </Group>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <ApiErrorAlert error={decide.error} />
      {request.direction === "outgoing" &&
        !["draft", "pending_approval", "closed", "withdrawn"].includes(request.status) && (
          <Group align="flex-end" mt="sm">
            <NumberInput
              label={t("requests.preservation.extendDays")}
              min={1}
              max={365}
              value={days}
              onChange={setDays}
              w={140}
              data-testid="extension-days"
            />
            <TextInput
              label={t("requests.preservation.reason")}
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              style={{ flex: 1 }}
              data-testid="extension-reason"
            />
            <Button
              loading={ask.isPending}
              disabled={!reason.trim()}
              onClick={() =>
                ask.mutate(
                  { days: Number(days), reason: { lang, text: reason } },
                  { onSuccess: () => setReason("") },
                )
              }
              data-testid="extension-request"
            >
              {t("requests.preservation.requestExtension")}
            </Button>
          </Group>
        )}
      <ApiErrorAlert error={ask.error} />
    </Card>
  );
}

const FORM_LABELS: Record<string, string> = {
  facts: "requests.form.facts",
  offence: "requests.form.offence",
  subjects: "requests.form.subjects",
  legalBasis: "requests.form.legalBasis",
  identifiers: "requests.form.identifiers",
  measuresSought: "requests.form.measures",
  requestingAuthority: "requests.form.authority",
  urgencyReason: "requests.form.urgencyReason",
  attachments: "requests.detail.attachments",
  details: "requests.detail.details",
};

/** Links to download a request's attachments (checked against their SHA-256 by the node). */
function AttachmentLinks({ requestId, items }: { requestId: string; items: AttachmentRef[] }) {
  return (
    <>
      {items.map((a) => (
        <Text key={a.id} size="xs" data-testid="attachment-link">
          <a href={`/api/v1/requests/${requestId}/attachments/${a.id}`}>{a.name}</a>{" "}
          <Text span size="xs" c="dimmed">
            {formatSize(a.size)}
          </Text>
        </Text>
      ))}
    </>
  );
}

function humanise(key: string): string {
  const spaced = key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/_/g, " ");
  return spaced.charAt(0).toUpperCase() + spaced.slice(1).toLowerCase();
}

function isLabelled(v: unknown): v is { lang: string; text: string } {
  return typeof v === "object" && v !== null && "text" in v && "lang" in v && Object.keys(v).length === 2;
}

/** A form value without JSON: texts with their language, lists and nested fields indented. */
/**
 * One value of the form as the officer entered it: labels from the form's spec (the field's own label,
 * an option's name rather than its code, an identifier's kind), falling back to the key for anything the
 * spec does not know (a field added by a newer peer).
 */
function FormValue({ value, spec }: { value: unknown; spec?: FieldSpec }) {
  const { t, i18n } = useTranslation();
  const known = (key: string) => (i18n.exists(key) ? t(key as "requests.f.facts") : undefined);
  const labelOf = (k: string, sub?: FieldSpec) =>
    known(`requests.f.${sub?.label ?? k}`) ?? known(`requests.f.${k}`) ?? humanise(k);
  const optionOf = (labels: string, v: unknown) => known(`${labels}.${String(v)}`) ?? String(v);
  if (value === null || value === undefined || value === "") return <Text size="sm">—</Text>;
  if (isLabelled(value))
    return (
      <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
        {value.text}{" "}
        <Badge size="xs" variant="outline" color="gray">
          {value.lang}
        </Badge>
      </Text>
    );
  if (spec?.kind === "enum") return <Text size="sm">{optionOf(spec.labels, value)}</Text>;
  if (spec?.kind === "multi" && Array.isArray(value))
    return <Text size="sm">{value.map((v) => optionOf(spec.labels, v)).join(" · ")}</Text>;
  if (typeof value === "boolean") return <Text size="sm">{value ? t("common.yes") : t("common.no")}</Text>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <Text size="sm">—</Text>;
    const item = spec?.kind === "list" ? spec.item : undefined;
    return (
      <Stack gap={4}>
        {value.map((v, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: form list items have no ids
          <div key={i} style={{ borderLeft: "2px solid var(--mantine-color-gray-3)", paddingLeft: 8 }}>
            <FormValue value={v} spec={item} />
          </div>
        ))}
      </Stack>
    );
  }
  if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (spec?.kind === "identifier" && typeof obj.type === "string") {
      const extra = Object.entries(obj).filter(([k]) => !["type", "value", "raw"].includes(k));
      return (
        <Text size="sm">
          <Text span size="xs" c="dimmed">{`${optionOf("requests.opt.identifierType", obj.type)}: `}</Text>
          {String(obj.value ?? "")}
          {extra.map(([k, v]) => ` · ${labelOf(k)} ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)}
        </Text>
      );
    }
    const fields = spec?.kind === "group" ? spec.fields : [];
    const entries = Object.entries(obj).filter(([k]) => k !== "raw");
    return (
      <Stack gap={2}>
        {entries.map(([k, v]) => {
          const sub = fields.find((f) => f.key === k);
          return (
            <Group key={k} gap="xs" align="flex-start" wrap="nowrap">
              <Text size="xs" c="dimmed" w={150} style={{ flexShrink: 0 }}>
                {labelOf(k, sub)}
              </Text>
              <div style={{ flex: 1 }}>
                <FormValue value={v} spec={sub} />
              </div>
            </Group>
          );
        })}
      </Stack>
    );
  }
  return <Text size="sm">{String(value)}</Text>;
}

function FormSummary({ form, requestId }: { form: Record<string, unknown>; requestId: string }) {
  const { t } = useTranslation();
  const entries = Object.entries(form).filter(
    ([k, v]) => !["type", "urgency"].includes(k) && !(Array.isArray(v) && v.length === 0),
  );
  const type = form.type as RequestType;
  const specOf = (key: string): FieldSpec | undefined =>
    key === "details"
      ? { kind: "group", key: "details", fields: DETAILS_SPEC[type] ?? [] }
      : COMMON_SPEC.find((f) => f.key === key);
  return (
    <Card withBorder data-testid="request-form">
      <Title order={4} mb="sm">
        {t("requests.detail.form")}
      </Title>
      <Table>
        <Table.Tbody>
          {entries.map(([k, v]) => (
            <Table.Tr key={k} data-testid="form-field" data-field={k}>
              <Table.Td w={200} style={{ verticalAlign: "top" }}>
                <Text size="sm" c="dimmed">
                  {FORM_LABELS[k] ? t(FORM_LABELS[k] as "requests.form.facts") : humanise(k)}
                </Text>
              </Table.Td>
              <Table.Td>
                {k === "attachments" ? (
                  <AttachmentLinks requestId={requestId} items={v as AttachmentRef[]} />
                ) : (
                  <FormValue value={v} spec={specOf(k)} />
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

export function RequestDetailPage({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const request = useRequest(id);
  const [action, setAction] = useState<string | null>(null);
  const canDraft = useCan("requests:draft");
  if (request.isPending) return <Loader />;
  if (request.error || !request.data) return <ApiErrorAlert error={request.error} />;
  const r = request.data;
  const form = r.form as Record<string, unknown>;
  return (
    <Stack data-testid="request-detail">
      <Group justify="space-between" align="flex-start">
        <div>
          <Text size="sm">
            <Link to="/hotline">{t("nav.hotline")}</Link>
          </Text>
          <Title order={2} data-testid="request-reference">
            {r.reference}
          </Title>
          <Text>{r.title}</Text>
        </div>
        <Group gap="xs">
          {canDraft && r.direction === "outgoing" && r.status === "draft" && (
            <Link to={`/requests/${r.id}/edit`}>
              <Button component="span" size="xs" variant="light" data-testid="edit-draft">
                {t("requests.detail.editDraft")}
              </Button>
            </Link>
          )}
          {canDraft && r.direction === "outgoing" && r.status !== "draft" && (
            <Link to={`/requests/${r.id}/follow-up`}>
              <Button component="span" size="xs" variant="light" data-testid="follow-up">
                {t("requests.detail.followUp")}
              </Button>
            </Link>
          )}
          <Badge variant="light" color="indigo" data-testid="request-type">
            {typeLabel(r.type, i18n.language)}
          </Badge>
          <UrgencyBadge urgency={r.urgency} />
          <StatusBadge status={r.status} />
          <DeadlineBadge state={r.deadlineState} />
        </Group>
      </Group>
      <Card withBorder>
        <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
          <Field label={t("requests.detail.direction")}>
            <Text size="sm">{t(`hotline.${r.direction}`)}</Text>
          </Field>
          <Field label={t("requests.detail.ourReference")}>
            <Text size="sm" ff="monospace">
              {r.reference}
            </Text>
          </Field>
          <Field label={t("requests.detail.theirReference")}>
            <Text size="sm" ff="monospace" data-testid="their-reference">
              {r.reference}
            </Text>
            <Text size="xs" c="dimmed">
              {t("requests.detail.sameReference", { node: r.peerId ?? "—" })}
            </Text>
          </Field>
          <Field label={t("requests.fields.peer")}>
            <Text size="sm">{r.peerId ?? "—"}</Text>
          </Field>
          <Deadline
            label={t("hotline.dueKind.acknowledge")}
            at={r.deadlines.acknowledgeBy}
            metAt={r.acknowledgedAt}
            testId="deadline-ack"
          />
          <Deadline
            label={t("hotline.dueKind.answer")}
            at={r.deadlines.answerBy}
            metAt={r.answeredAt}
            testId="deadline-answer"
          />
          <Field label={t("requests.detail.createdBy")}>
            <Text size="sm">{r.createdBy}</Text>
          </Field>
          {r.outcome && (
            <Field label={t("requests.answer.outcome")}>
              <Badge>{t(`requests.outcome.${r.outcome}`)}</Badge>
            </Field>
          )}
        </SimpleGrid>
      </Card>

      <FormSummary form={form} requestId={r.id} />
      <Card withBorder data-testid="actions">
        <Title order={4} mb="sm">
          {t("common.actions")}
        </Title>
        {r.allowedActions.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="no-actions">
            {t("requests.detail.noActions")}
          </Text>
        ) : (
          <Group>
            {r.allowedActions.map((a) => (
              <Button
                key={a}
                variant={a === "withdraw" || a === "reject_approval" ? "light" : "filled"}
                color={a === "withdraw" || a === "reject_approval" ? "red" : undefined}
                onClick={() => setAction(a)}
                data-testid={`action-${a}`}
              >
                {eventLabel(t, a)}
              </Button>
            ))}
          </Group>
        )}
        {r.secondCheckRequired && r.secondCheck && (
          <Alert
            mt="sm"
            color={r.secondCheck.result === "confirmed" ? "green" : "red"}
            data-testid="second-check"
          >
            {t("requests.secondCheck.recorded", {
              who: r.secondCheck.checkedBy.name,
              method: t(`requests.secondCheck.methods.${r.secondCheck.method}`),
              contact: r.secondCheck.namedContact.name,
              result: t(`requests.secondCheck.results.${r.secondCheck.result}`),
            })}
          </Alert>
        )}
      </Card>
      {action && <ActionModal request={r} event={action} onClose={() => setAction(null)} />}
      {r.secondCheckRequired &&
        r.direction === "incoming" &&
        !["answered", "closed", "withdrawn"].includes(r.status) && <SecondCheckForm request={r} />}

      {r.answer && (
        <Card withBorder data-testid="answer">
          <Title order={4} mb="xs">
            {t("requests.answer.title")}
          </Title>
          <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
            {str(r.answer.summary)}
          </Text>
          {r.answer.grounds ? (
            <Text size="sm" c="dimmed">
              {`${t(`requests.grounds.${str((r.answer.grounds as { code?: unknown }).code)}` as "requests.grounds.other")}: ${str((r.answer.grounds as { explanation?: unknown }).explanation)}`}
            </Text>
          ) : null}
          {Array.isArray(r.answer.attachments) && (
            <AttachmentLinks requestId={r.id} items={r.answer.attachments as AttachmentRef[]} />
          )}
        </Card>
      )}
      {r.type === "preservation" && <Preservation request={r} />}
      <Thread request={r} />

      <Card withBorder data-testid="timeline">
        <Title order={4} mb="sm">
          {t("requests.timeline.title")}
        </Title>
        <Table.ScrollContainer minWidth={800}>
          <Table striped verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("requests.timeline.when")}</Table.Th>
                <Table.Th>{t("requests.timeline.event")}</Table.Th>
                <Table.Th>{t("requests.timeline.status")}</Table.Th>
                <Table.Th>{t("requests.timeline.who")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {r.timeline.map((e) => (
                <Table.Tr key={e.id} data-testid="timeline-event" data-event={e.event}>
                  <Table.Td>
                    <DualDateTime iso={e.at.at} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{eventLabel(t, e.event)}</Text>
                    {eventDetails(t, e).map((line) => (
                      <Text
                        key={line}
                        size="xs"
                        c="dimmed"
                        style={{ whiteSpace: "pre-wrap" }}
                        data-testid="timeline-detail"
                      >
                        {line}
                      </Text>
                    ))}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {e.fromStatus ? `${statusLabel(t, e.fromStatus)} → ` : ""}
                      {statusLabel(t, e.toStatus)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{e.actor}</Text>
                    <Text size="xs" c="dimmed">{`${e.nodeId} · ${t(`requests.side.${e.side}`)}`}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
    </Stack>
  );
}
