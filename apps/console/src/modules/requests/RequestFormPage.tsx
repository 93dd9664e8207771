import { REQUEST_TYPES, type RequestDetail, type RequestType, URGENCIES } from "@crossline/schemas";
import {
  Alert,
  Button,
  Card,
  Group,
  Loader,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api } from "../../api/client";
import { useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { Link, navigate } from "../../router/router";
import { AttachmentPicker } from "./form/Attachments";
import { Field, FieldList, type FieldsContext } from "./form/Fields";
import { COMMON_SPEC, DETAILS_SPEC, type FieldSpec } from "./form/spec";
import { fromBody, groupOf, initial, type Lang, langOf, pathLabels, type State, toBody } from "./form/values";
import { typeLabel, urgencyLabel } from "./labels";
import { type AttachmentRef, REQUESTS_KEY, useRequest } from "./requests.api";

const COMMON = groupOf("form", COMMON_SPEC);
const detailsGroup = (type: RequestType) => groupOf("details", DETAILS_SPEC[type]);
const byKey = (key: string): FieldSpec => COMMON_SPEC.find((f) => f.key === key) as FieldSpec;

const KNOWN_ISSUES: [RegExp, string][] = [
  [/^must not be empty/, "requests.issue.empty"],
  [
    /^Too small|^Required|expected string, received undefined|Invalid input: expected/i,
    "requests.issue.required",
  ],
  // Zod's zh-CN messages, which the server sends when the interface is in Chinese
  [/^不能为空/, "requests.issue.empty"],
  [/^无效输入：期望|^数值过小：期望 string/, "requests.issue.required"],
  [/^give the romanised form/, "requests.issue.romanised"],
  [/^give at least one way to reach/, "requests.issue.contact"],
  [/^name the custodian/, "requests.issue.custodian"],
  [/^name the agreement or law/, "requests.issue.basisReference"],
  [/^say why the request is/, "requests.issue.urgencyReason"],
  [/^name at least one identifier/, "requests.issue.identifier"],
  [/^preservation lasts at least/, "requests.issue.preservationDays"],
  [/^an emergency disclosure has urgency emergency/, "requests.issue.emergencyUrgency"],
  [/^must be YYYY/, "requests.issue.partialDate"],
];

/** The server's issue in the interface language when it is a known one, as sent otherwise. */
function localIssue(t: (key: string) => string, issue: string): string {
  const hit = KNOWN_ISSUES.find(([re]) => re.test(issue));
  return hit ? t(hit[1]) : issue;
}

/** Server field paths (`body.form.details.riskToLife.description.text`) → form paths. */
function fieldErrors(error: unknown, t: (key: string) => string): Map<string, string> {
  const map = new Map<string, string>();
  if (!(error instanceof ApiError)) return map;
  for (const d of error.details) {
    if (!d.field) continue;
    const key = d.field
      .replace(/^body\./, "")
      .replace(/^form\./, "")
      .replace(/\.text$/, "");
    const issue = localIssue(t, d.issue);
    map.set(key, map.has(key) ? `${map.get(key)}; ${issue}` : issue);
  }
  return map;
}

/**
 * What the form starts from: nothing, a saved draft, the request a follow-up is linked to, or a record another
 * module prefilled it from (a fugitive's: `createPath` drafts it there, so the record and the request link).
 */
export interface Start {
  draft?: RequestDetail;
  followUpOf?: RequestDetail;
  prefill?: { form: Record<string, unknown>; createPath: string; from: string };
}

function startState(start: Start, zone: string) {
  const source = start.draft ?? start.followUpOf;
  const form = (source?.form ?? start.prefill?.form ?? {}) as Record<string, unknown>;
  let type = (source?.type ?? start.prefill?.form.type ?? "preservation") as RequestType;
  const common = (source || start.prefill ? fromBody(COMMON, form, zone) : initial(COMMON)) as State;
  const details: Partial<Record<RequestType, State>> = {};
  if (start.draft || start.prefill) details[type] = fromBody(detailsGroup(type), form.details, zone) as State;
  if (start.followUpOf) {
    common.followUpOf = start.followUpOf.id;
    // The usual follow-up of a preservation is the mutual-assistance request for the preserved data.
    if (type === "preservation") {
      type = "traffic_content_mla";
      const d = initial(detailsGroup(type)) as State;
      d.relatedPreservation = start.followUpOf.id;
      d.dataSought =
        (fromBody(byKey("facts"), (form.details as State | undefined)?.dataToPreserve, zone) as string) ?? "";
      details[type] = d;
    } else details[type] = fromBody(detailsGroup(type), form.details, zone) as State;
  }
  return {
    type,
    urgency: start.draft ? start.draft.urgency : "routine",
    urgencyReason: start.draft ? (fromBody(byKey("facts"), form.urgencyReason, zone) as string) : "",
    peerId: source?.peerId ?? "",
    lang: langOf(form),
    common,
    details,
    attachments: start.draft ? ((form.attachments as AttachmentRef[] | undefined) ?? []) : [],
  };
}

/**
 * The request form for every type: common part, per-type details (from `form/spec.ts`), attachments.
 * It creates a draft, reopens a saved one, or starts a follow-up linked to an earlier request.
 */
export function RequestForm({ start = {} }: { start?: Start }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  // The active peers a request can go to; free text only if that list cannot be had.
  const peers = useQuery({
    queryKey: ["requests", "recipients"],
    queryFn: () =>
      api<{ items: { id: string; name: string; nameZh: string | null }[] }>("GET", "/requests/recipients"),
    retry: false,
  });
  const { user } = useSession();
  const init = useMemo(() => startState(start, user.timeZone), [start, user.timeZone]);
  const uiLang: Lang = i18n.language.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
  const [lang, setLang] = useState<Lang>(init.lang ?? uiLang);
  const [peerId, setPeerId] = useState<string>(init.peerId);
  // A new request with one possible recipient is addressed to it from the start.
  const onlyPeer = peers.data?.items.length === 1 ? peers.data.items[0].id : null;
  useEffect(() => {
    if (onlyPeer && !start.draft) setPeerId((current) => current || onlyPeer);
  }, [onlyPeer, start.draft]);
  const [type, setType] = useState<RequestType>(init.type);
  const [urgency, setUrgency] = useState<string>(init.urgency);
  const [urgencyReason, setUrgencyReason] = useState(init.urgencyReason);
  const [common, setCommon] = useState<State>(init.common);
  const [detailsByType, setDetailsByType] = useState(init.details);
  const [attachments, setAttachments] = useState<AttachmentRef[]>(init.attachments);
  const [saved, setSaved] = useState<RequestDetail | null>(start.draft ?? null);
  const [dirty, setDirty] = useState(false);

  const details = detailsByType[type] ?? (initial(detailsGroup(type)) as State);
  const setDetails = (v: State) => {
    setDetailsByType({ ...detailsByType, [type]: v });
    setDirty(true);
  };
  const edit =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      set(v);
      setDirty(true);
    };

  const body = () => ({
    ...(peerId ? { peerId } : {}),
    form: {
      type,
      urgency,
      ...(type !== "emergency_disclosure" && urgencyReason.trim()
        ? { urgencyReason: { lang, text: urgencyReason.trim() } }
        : {}),
      ...(toBody(COMMON, common, lang, user.timeZone) as State),
      details: toBody(detailsGroup(type), details, lang, user.timeZone),
      attachments,
    },
  });

  const save = useMutation({
    mutationFn: () =>
      saved
        ? api<{ request: RequestDetail }>("PUT", `/requests/${saved.id}`, {
            ...body(),
            version: saved.version,
          })
        : api<{ request: RequestDetail }>("POST", start.prefill?.createPath ?? "/requests", body()),
    onSuccess: (res) => {
      // A new draft's address becomes the draft's own, so a reload or a shared link reopens it (issue 9 #18);
      // the form stays as it is (the router is not told, nothing is remounted).
      if (!saved && window.location.pathname.endsWith("/requests/new"))
        window.history.replaceState(null, "", `/requests/${encodeURIComponent(res.request.id)}/edit`);
      setSaved(res.request);
      setDirty(false);
      qc.invalidateQueries({ queryKey: REQUESTS_KEY });
    },
  });
  const submit = useMutation({
    // Unsaved changes are saved first: what is submitted is what the officer sees.
    mutationFn: async (draft: RequestDetail | null) => {
      const r = dirty || !draft ? (await save.mutateAsync()).request : draft;
      return api<{ request: RequestDetail }>("POST", `/requests/${r.id}/actions`, {
        event:
          r.allowedActions.includes("send") && !r.allowedActions.includes("submit_for_approval")
            ? "send"
            : "submit_for_approval",
      });
    },
    onSuccess: (res) => {
      qc.invalidateQueries({ queryKey: REQUESTS_KEY });
      navigate(`/requests/${res.request.id}`);
    },
  });

  const tKey = t as unknown as (key: string) => string;
  const errs = fieldErrors(save.error, tKey);
  const subjects = (Array.isArray(common.subjects) ? (common.subjects as State[]) : []).map((s, i) => {
    const names = Array.isArray(s.names) ? (s.names as { original?: string }[]) : [];
    return {
      value: String(i),
      label: `${i + 1}. ${names[0]?.original || "?"} · ${t(`requests.subjectRole.${String(s.role)}` as "requests.subjectRole.other")}`,
    };
  });
  const ctx = (root: "form" | "details"): FieldsContext => ({
    error: (path) => errs.get(path),
    subjects,
    lang,
    testPrefix: root,
    root: root === "details" ? "details." : "",
  });
  const commonField = (key: string) => (
    <Field
      spec={byKey(key)}
      path={key}
      value={common[key]}
      onChange={(v) => {
        setCommon({ ...common, [key]: v });
        setDirty(true);
      }}
      ctx={ctx("form")}
    />
  );
  const commonGroup = (key: string) => {
    const spec = byKey(key) as Extract<FieldSpec, { kind: "group" }>;
    return (
      <FieldList
        fields={spec.fields}
        path={key}
        value={(common[key] ?? {}) as State}
        onChange={(v) => {
          setCommon({ ...common, [key]: v });
          setDirty(true);
        }}
        ctx={ctx("form")}
      />
    );
  };

  /** `body.form.details.assets.0.description.text` → "Details › Assets › #1 › Description of the asset". */
  const fieldLabel = (field: string): string => {
    const segs = field.replace(/^body\./, "").split(".");
    if (segs[0] === "peerId") return t("requests.form.peer");
    if (segs[0] !== "form") return field;
    const label = (key: string) =>
      i18n.exists(`requests.f.${key}`) ? t(`requests.f.${key}` as "requests.f.facts") : undefined;
    const fields = [...COMMON_SPEC, groupOf("details", DETAILS_SPEC[type])];
    const extra: Record<string, string> = {
      type: t("requests.form.type"),
      urgency: t("requests.form.urgency"),
      urgencyReason: t("requests.form.urgencyReason"),
    };
    const rest = segs.slice(1);
    if (rest[0] && extra[rest[0]]) return extra[rest[0]] as string;
    return pathLabels(fields, rest, label).join(" › ");
  };

  const zh = i18n.language.toLowerCase().startsWith("zh");
  const typeOptions = REQUEST_TYPES.map((m) => ({
    value: m.type,
    label: `${typeLabel(m.type, i18n.language)} · ${zh ? m.label.en : m.label["zh-CN"]}`,
  }));
  const submitLabel =
    saved?.allowedActions.includes("send") && !saved.allowedActions.includes("submit_for_approval")
      ? t("requests.event.send")
      : t("requests.event.submit_for_approval");

  return (
    <Stack data-testid="new-request-form">
      <Text size="sm">
        <Link to="/requests">{t("nav.requests")}</Link>
      </Text>
      <Title order={1} size="h2">
        {start.draft ? t("requests.form.editTitle", { reference: start.draft.reference }) : t("requests.new")}
      </Title>
      {start.prefill && (
        <Alert variant="light" data-testid="request-prefilled-from">
          {t("requests.form.prefilledFrom", { record: start.prefill.from })}
        </Alert>
      )}
      {start.followUpOf && (
        <Alert variant="light" data-testid="follow-up-of">
          {t("requests.form.followUpOf", { reference: start.followUpOf.reference })}
        </Alert>
      )}
      <Card withBorder>
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Select
            label={t("requests.form.type")}
            data={typeOptions}
            value={type}
            onChange={(v) => {
              if (!v) return;
              setType(v as RequestType);
              if (v === "emergency_disclosure") setUrgency("emergency");
              setDirty(true);
            }}
            searchable
            allowDeselect={false}
            error={errs.get("type")}
            data-testid="form-type"
          />
          <Select
            label={t("requests.form.urgency")}
            data={URGENCIES.map((u) => ({ value: u, label: urgencyLabel(t, u) }))}
            value={urgency}
            onChange={(v) => v && edit(setUrgency)(v)}
            allowDeselect={false}
            error={errs.get("urgency")}
            data-testid="form-urgency"
          />
          {peers.data ? (
            <Select
              label={t("requests.form.peer")}
              data={peers.data.items.map((p) => ({
                value: p.id,
                label: `${p.id} · ${zh && p.nameZh ? p.nameZh : p.name}`,
              }))}
              value={peerId || null}
              onChange={(v) => edit(setPeerId)(v ?? "")}
              clearable
              error={errs.get("peerId")}
              data-testid="form-peer"
            />
          ) : (
            <TextInput
              label={t("requests.form.peer")}
              placeholder="US-DOJ"
              value={peerId}
              onChange={(e) => edit(setPeerId)(e.currentTarget.value)}
              error={errs.get("peerId")}
              data-testid="form-peer"
            />
          )}
          <Select
            label={t("requests.form.textLanguage")}
            description={t("requests.form.textLanguageHint")}
            data={[
              { value: "en", label: "English" },
              { value: "zh-CN", label: "中文" },
            ]}
            value={lang}
            onChange={(v) => v && edit(setLang)(v as Lang)}
            allowDeselect={false}
            data-testid="form-lang"
          />
        </SimpleGrid>
        {urgency !== "routine" && type !== "emergency_disclosure" && (
          <Textarea
            mt="sm"
            label={`${t("requests.form.urgencyReason")} (${lang})`}
            required
            value={urgencyReason}
            onChange={(e) => edit(setUrgencyReason)(e.currentTarget.value)}
            error={errs.get("urgencyReason")}
            data-testid="form-urgency-reason"
          />
        )}
        {!start.followUpOf && <Stack mt="sm">{commonField("followUpOf")}</Stack>}
      </Card>

      <Card withBorder>
        <Title order={4} mb="sm">
          {t("requests.form.legalBasis")}
        </Title>
        {commonGroup("legalBasis")}
      </Card>
      <Card withBorder>
        <Title order={4} mb="sm">
          {t("requests.form.authority")}
        </Title>
        {commonGroup("requestingAuthority")}
      </Card>
      <Card withBorder>
        <Title order={4} mb="sm">
          {t("requests.form.offenceFacts")}
        </Title>
        <Stack gap="sm">
          {commonGroup("offence")}
          {commonField("facts")}
          {commonField("measuresSought")}
        </Stack>
      </Card>
      <Card withBorder>{commonField("subjects")}</Card>
      <Card withBorder>{commonField("identifiers")}</Card>

      <Card withBorder data-testid="form-details">
        <Title order={4} mb="sm">
          {t("requests.form.details", { type: typeLabel(type, i18n.language) })}
        </Title>
        {errs.get("details") && (
          <Text c="red" size="sm" mb="xs" data-testid="details-error">
            {errs.get("details")}
          </Text>
        )}
        <FieldList
          key={type}
          fields={DETAILS_SPEC[type]}
          path="details"
          value={details}
          onChange={setDetails}
          ctx={ctx("details")}
        />
      </Card>

      <Card withBorder>
        <Title order={4} mb="sm">
          {t("requests.form.attachments")}
        </Title>
        <AttachmentPicker value={attachments} onChange={edit(setAttachments)} testId="form-attachments" />
      </Card>

      <ApiErrorAlert
        error={save.error}
        testId="form-error"
        fieldLabel={fieldLabel}
        issueText={(issue) => localIssue(tKey, issue)}
      />
      {/* a refused save shows once, by the fields (form-error), also when "submit" asked for it */}
      <ApiErrorAlert error={submit.error === save.error ? null : submit.error} />
      {saved && !dirty && !save.isPending && !save.error && save.isSuccess && (
        <Alert color="green" variant="light" data-testid="draft-saved">
          {t("requests.form.saved", { reference: saved.reference })}
        </Alert>
      )}
      <Group justify="flex-end">
        {saved && (
          <Button variant="subtle" onClick={() => navigate(`/requests/${saved.id}`)} data-testid="form-open">
            {t("requests.form.openRequest")}
          </Button>
        )}
        <Button
          variant="default"
          onClick={() => save.mutate()}
          loading={save.isPending}
          data-testid="form-save"
        >
          {t("requests.form.saveDraft")}
        </Button>
        <Button
          // Never disabled without a reason: an unsaved form is saved first, then submitted.
          disabled={save.isPending}
          loading={submit.isPending}
          onClick={() => submit.mutate(saved ?? null)}
          data-testid="form-submit"
        >
          {submitLabel}
        </Button>
      </Group>
    </Stack>
  );
}

export function NewRequestPage() {
  return <RequestForm />;
}

/** Reopens a saved draft, or starts a follow-up of a request. */
export function RequestFormFor({ id, mode }: { id: string; mode: "edit" | "follow-up" }) {
  const request = useRequest(id);
  // Only the first load seeds the form; later refetches must not reset what the officer typed.
  const [start, setStart] = useState<Start>();
  if (!start && request.data)
    setStart(mode === "edit" ? { draft: request.data } : { followUpOf: request.data });
  if (request.isPending) return <Loader />;
  if (request.error || !start) return <ApiErrorAlert error={request.error} />;
  return <RequestForm key={`${mode}-${id}`} start={start} />;
}
