import {
  HARM_KINDS,
  IDENTIFIER_TYPES,
  LEGAL_INSTRUMENTS,
  OFFENCE_CATEGORIES,
  REQUEST_TYPES,
  type RequestDetail,
  SUBJECT_KINDS,
  SUBJECT_ROLES,
  URGENCIES,
} from "@crossline/schemas";
import {
  ActionIcon,
  Alert,
  Button,
  Card,
  Checkbox,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api } from "../../api/client";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { Link, navigate } from "../../router/router";
import { typeLabel, urgencyLabel } from "./labels";
import { REQUESTS_KEY } from "./requests.api";

type Lang = "en" | "zh-CN";
interface SubjectRow {
  kind: string;
  role: string;
  original: string;
  romanised: string;
  dateOfBirth: string;
  nationality: string;
}
interface IdentifierRow {
  type: string;
  value: string;
}
interface ExtraRow {
  key: string;
  value: string;
}

const emptySubject = (): SubjectRow => ({
  kind: "person",
  role: "suspect",
  original: "",
  romanised: "",
  dateOfBirth: "",
  nationality: "",
});

function opt(s: string): string | undefined {
  return s.trim() ? s.trim() : undefined;
}

const KNOWN_ISSUES: [RegExp, string][] = [
  [/^must not be empty/, "requests.issue.empty"],
  [
    /^Too small|^Required|expected string, received undefined|Invalid input: expected/i,
    "requests.issue.required",
  ],
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

/** Server field paths (`body.form.details.riskToLife.description`) → the form's field key. */
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

export function NewRequestPage() {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const peers = useQuery({
    queryKey: ["peers", "for-request"],
    queryFn: () => api<{ items: { id: string; name: string; nameZh: string | null }[] }>("GET", "/peers"),
    retry: false,
  });
  const [lang, setLang] = useState<Lang>(i18n.language.toLowerCase().startsWith("zh") ? "zh-CN" : "en");
  const [peerId, setPeerId] = useState<string>("");
  const [type, setType] = useState<string>("preservation");
  const [urgency, setUrgency] = useState<string>("routine");
  const [urgencyReason, setUrgencyReason] = useState("");
  const [instrument, setInstrument] = useState<string>("budapest_convention");
  const [article, setArticle] = useState("");
  const [basisRef, setBasisRef] = useState("");
  const [authName, setAuthName] = useState("");
  const [officer, setOfficer] = useState("");
  const [officerRomanised, setOfficerRomanised] = useState("");
  const [officerTitle, setOfficerTitle] = useState("");
  const [phone, setPhone] = useState("");
  const [email, setEmail] = useState("");
  const [category, setCategory] = useState<string>("intrusion");
  const [offence, setOffence] = useState("");
  const [provisions, setProvisions] = useState("");
  const [facts, setFacts] = useState("");
  const [measures, setMeasures] = useState("");
  const [subjects, setSubjects] = useState<SubjectRow[]>([]);
  const [identifiers, setIdentifiers] = useState<IdentifierRow[]>([]);
  // preservation
  const [dataToPreserve, setDataToPreserve] = useState("");
  const [linkToOffence, setLinkToOffence] = useState("");
  const [custodianName, setCustodianName] = useState("");
  const [custodianLocation, setCustodianLocation] = useState("");
  const [whyPreservation, setWhyPreservation] = useState("");
  const [mlaToFollow, setMlaToFollow] = useState(true);
  const [days, setDays] = useState<number | string>(90);
  // emergency disclosure
  const [harm, setHarm] = useState<string>("death");
  const [riskDescription, setRiskDescription] = useState("");
  const [personsAtRisk, setPersonsAtRisk] = useState("");
  const [whyUrgent, setWhyUrgent] = useState("");
  const [dataSought, setDataSought] = useState("");
  const [provider, setProvider] = useState("");
  // other types
  const [extra, setExtra] = useState<ExtraRow[]>([{ key: "", value: "" }]);

  const [saved, setSaved] = useState<RequestDetail | null>(null);

  const text = (s: string) => ({ lang, text: s });
  const optText = (s: string) => (s.trim() ? text(s) : undefined);

  const details = (): Record<string, unknown> => {
    if (type === "preservation")
      return {
        dataToPreserve: text(dataToPreserve),
        linkToOffence: text(linkToOffence),
        custodian: { name: opt(custodianName), location: opt(custodianLocation) },
        whyPreservationNeeded: text(whyPreservation),
        mutualAssistanceToFollow: mlaToFollow,
        preservationDays: Number(days),
      };
    if (type === "emergency_disclosure")
      return {
        riskToLife: {
          harm,
          description: text(riskDescription),
          personsAtRisk: text(personsAtRisk),
          whyUrgent: text(whyUrgent),
        },
        dataSought: text(dataSought),
        provider: opt(provider),
      };
    const out: Record<string, unknown> = {};
    for (const row of extra) {
      const k = row.key.trim();
      if (!k) continue;
      const v = row.value.trim();
      if (/^-?\d+$/.test(v)) out[k] = Number(v);
      else if (v === "true" || v === "false") out[k] = v === "true";
      else out[k] = text(v);
    }
    return out;
  };

  const body = () => ({
    ...(peerId ? { peerId } : {}),
    form: {
      type,
      urgency,
      urgencyReason: type === "emergency_disclosure" ? undefined : optText(urgencyReason),
      legalBasis: { instrument, article: opt(article), reference: opt(basisRef) },
      requestingAuthority: {
        name: authName,
        officer: { name: { original: officer, romanised: opt(officerRomanised) }, title: opt(officerTitle) },
        contact: { phone: opt(phone), email: opt(email) },
      },
      offence: { category, description: text(offence), provisions: opt(provisions) },
      facts: text(facts),
      subjects: subjects.map((s) => ({
        kind: s.kind,
        role: s.role,
        names: [{ original: s.original, romanised: opt(s.romanised) }],
        dateOfBirth: opt(s.dateOfBirth),
        nationality: opt(s.nationality)?.toUpperCase(),
      })),
      identifiers: identifiers.filter((i) => i.value.trim()).map((i) => ({ type: i.type, value: i.value })),
      measuresSought: text(measures),
      details: details(),
    },
  });

  const save = useMutation({
    mutationFn: () =>
      saved
        ? api<{ request: RequestDetail }>("PUT", `/requests/${saved.id}`, {
            ...body(),
            version: saved.version,
          })
        : api<{ request: RequestDetail }>("POST", "/requests", body()),
    onSuccess: (res) => {
      setSaved(res.request);
      qc.invalidateQueries({ queryKey: REQUESTS_KEY });
    },
  });
  const submit = useMutation({
    mutationFn: (r: RequestDetail) =>
      api<{ request: RequestDetail }>("POST", `/requests/${r.id}/actions`, {
        event:
          r.allowedActions.includes("send") && !r.allowedActions.includes("submit_for_approval")
            ? "send"
            : "submit_for_approval",
      }),
    onSuccess: (res) => {
      qc.invalidateQueries({ queryKey: REQUESTS_KEY });
      navigate(`/requests/${res.request.id}`);
    },
  });

  const errs = fieldErrors(save.error, t as unknown as (key: string) => string);
  const err = (key: string): ReactNode => {
    const direct = errs.get(key);
    if (direct) return direct;
    const nested = [...errs.entries()].filter(([k]) => k.startsWith(`${key}.`)).map(([, v]) => v);
    return nested.length ? nested.join("; ") : undefined;
  };

  const zh = i18n.language.toLowerCase().startsWith("zh");
  const typeOptions = REQUEST_TYPES.map((m) => ({
    value: m.type,
    label: `${typeLabel(m.type, i18n.language)} · ${zh ? m.label.en : m.label["zh-CN"]}`,
  }));

  return (
    <Stack data-testid="new-request-form">
      <Text size="sm">
        <Link to="/requests">{t("nav.requests")}</Link>
      </Text>
      <Title order={2}>{t("requests.new")}</Title>
      <Card withBorder>
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Select
            label={t("requests.form.type")}
            data={typeOptions}
            value={type}
            onChange={(v) => {
              if (!v) return;
              setType(v);
              if (v === "emergency_disclosure") setUrgency("emergency");
            }}
            searchable
            allowDeselect={false}
            error={err("type")}
            data-testid="form-type"
          />
          <Select
            label={t("requests.form.urgency")}
            data={URGENCIES.map((u) => ({ value: u, label: urgencyLabel(t, u) }))}
            value={urgency}
            onChange={(v) => v && setUrgency(v)}
            allowDeselect={false}
            error={err("urgency")}
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
              onChange={(v) => setPeerId(v ?? "")}
              clearable
              error={err("peerId")}
              data-testid="form-peer"
            />
          ) : (
            <TextInput
              label={t("requests.form.peer")}
              placeholder="US-DOJ"
              value={peerId}
              onChange={(e) => setPeerId(e.currentTarget.value)}
              error={err("peerId")}
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
            onChange={(v) => v && setLang(v as Lang)}
            allowDeselect={false}
            data-testid="form-lang"
          />
        </SimpleGrid>
        {urgency !== "routine" && type !== "emergency_disclosure" && (
          <Textarea
            mt="sm"
            label={t("requests.form.urgencyReason")}
            required
            value={urgencyReason}
            onChange={(e) => setUrgencyReason(e.currentTarget.value)}
            error={err("urgencyReason")}
            data-testid="form-urgency-reason"
          />
        )}
      </Card>

      <Card withBorder>
        <Title order={4} mb="sm">
          {t("requests.form.legalBasis")}
        </Title>
        <SimpleGrid cols={{ base: 1, md: 3 }}>
          <Select
            label={t("requests.form.instrument")}
            data={LEGAL_INSTRUMENTS.map((i) => ({
              value: i,
              label: t(`requests.instrument.${i}` as "requests.instrument.other"),
            }))}
            value={instrument}
            onChange={(v) => v && setInstrument(v)}
            allowDeselect={false}
            error={err("legalBasis.instrument")}
            data-testid="form-instrument"
          />
          <TextInput
            label={t("requests.form.article")}
            value={article}
            onChange={(e) => setArticle(e.currentTarget.value)}
            error={err("legalBasis.article")}
          />
          <TextInput
            label={t("requests.form.basisReference")}
            value={basisRef}
            onChange={(e) => setBasisRef(e.currentTarget.value)}
            error={err("legalBasis.reference") ?? err("legalBasis")}
            data-testid="form-basis-reference"
          />
        </SimpleGrid>
      </Card>

      <Card withBorder>
        <Title order={4} mb="sm">
          {t("requests.form.authority")}
        </Title>
        <SimpleGrid cols={{ base: 1, md: 3 }}>
          <TextInput
            label={t("requests.form.authorityName")}
            required
            value={authName}
            onChange={(e) => setAuthName(e.currentTarget.value)}
            error={err("requestingAuthority.name")}
            data-testid="form-authority"
          />
          <TextInput
            label={t("requests.form.officer")}
            required
            value={officer}
            onChange={(e) => setOfficer(e.currentTarget.value)}
            error={err("requestingAuthority.officer.name.original")}
            data-testid="form-officer"
          />
          <TextInput
            label={t("requests.form.romanised")}
            value={officerRomanised}
            onChange={(e) => setOfficerRomanised(e.currentTarget.value)}
            error={err("requestingAuthority.officer.name.romanised")}
          />
          <TextInput
            label={t("requests.form.officerTitle")}
            value={officerTitle}
            onChange={(e) => setOfficerTitle(e.currentTarget.value)}
          />
          <TextInput
            label={t("requests.form.phone")}
            value={phone}
            onChange={(e) => setPhone(e.currentTarget.value)}
            error={err("requestingAuthority.contact.phone") ?? err("requestingAuthority.contact")}
            data-testid="form-phone"
          />
          <TextInput
            label={t("requests.form.email")}
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={err("requestingAuthority.contact.email")}
          />
        </SimpleGrid>
      </Card>

      <Card withBorder>
        <Title order={4} mb="sm">
          {t("requests.form.offenceFacts")}
        </Title>
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Select
            label={t("requests.form.category")}
            data={OFFENCE_CATEGORIES.map((c) => ({
              value: c,
              label: t(`requests.offence.${c}` as "requests.offence.other"),
            }))}
            value={category}
            onChange={(v) => v && setCategory(v)}
            allowDeselect={false}
          />
          <TextInput
            label={t("requests.form.provisions")}
            value={provisions}
            onChange={(e) => setProvisions(e.currentTarget.value)}
          />
        </SimpleGrid>
        <Textarea
          mt="sm"
          label={`${t("requests.form.offence")} (${lang})`}
          required
          autosize
          minRows={2}
          value={offence}
          onChange={(e) => setOffence(e.currentTarget.value)}
          error={err("offence.description") ?? err("offence")}
          data-testid="form-offence"
        />
        <Textarea
          mt="sm"
          label={`${t("requests.form.facts")} (${lang})`}
          required
          autosize
          minRows={3}
          value={facts}
          onChange={(e) => setFacts(e.currentTarget.value)}
          error={err("facts")}
          data-testid="form-facts"
        />
        <Textarea
          mt="sm"
          label={`${t("requests.form.measures")} (${lang})`}
          required
          autosize
          minRows={2}
          value={measures}
          onChange={(e) => setMeasures(e.currentTarget.value)}
          error={err("measuresSought")}
          data-testid="form-measures"
        />
      </Card>

      <Card withBorder>
        <Group justify="space-between" mb="sm">
          <Title order={4}>{t("requests.form.subjects")}</Title>
          <Button
            size="compact-sm"
            variant="light"
            onClick={() => setSubjects([...subjects, emptySubject()])}
            data-testid="subject-add"
          >
            {t("requests.form.add")}
          </Button>
        </Group>
        {err("subjects") && (
          <Text c="red" size="sm">
            {err("subjects")}
          </Text>
        )}
        <Stack gap="xs">
          {subjects.map((s, i) => {
            const set = (patch: Partial<SubjectRow>) =>
              setSubjects(subjects.map((x, j) => (j === i ? { ...x, ...patch } : x)));
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own
              <Group key={i} align="flex-start" grow data-testid="subject-row">
                <Select
                  label={t("requests.form.subjectKind")}
                  data={SUBJECT_KINDS.map((k) => ({ value: k, label: t(`requests.subjectKind.${k}`) }))}
                  value={s.kind}
                  onChange={(v) => v && set({ kind: v })}
                  allowDeselect={false}
                />
                <Select
                  label={t("requests.form.subjectRole")}
                  data={SUBJECT_ROLES.map((r) => ({ value: r, label: t(`requests.subjectRole.${r}`) }))}
                  value={s.role}
                  onChange={(v) => v && set({ role: v })}
                  allowDeselect={false}
                />
                <TextInput
                  label={t("requests.form.name")}
                  value={s.original}
                  onChange={(e) => set({ original: e.currentTarget.value })}
                  error={err(`subjects.${i}.names`)}
                />
                <TextInput
                  label={t("requests.form.romanised")}
                  value={s.romanised}
                  onChange={(e) => set({ romanised: e.currentTarget.value })}
                />
                <TextInput
                  label={t("requests.form.dateOfBirth")}
                  placeholder="1990-04"
                  value={s.dateOfBirth}
                  onChange={(e) => set({ dateOfBirth: e.currentTarget.value })}
                  error={err(`subjects.${i}.dateOfBirth`)}
                />
                <TextInput
                  label={t("requests.form.nationality")}
                  placeholder="CN"
                  value={s.nationality}
                  onChange={(e) => set({ nationality: e.currentTarget.value })}
                  error={err(`subjects.${i}.nationality`)}
                />
                <ActionIcon
                  mt={24}
                  variant="subtle"
                  color="red"
                  style={{ flexGrow: 0 }}
                  aria-label={t("requests.form.remove")}
                  onClick={() => setSubjects(subjects.filter((_, j) => j !== i))}
                >
                  ×
                </ActionIcon>
              </Group>
            );
          })}
        </Stack>
      </Card>

      <Card withBorder>
        <Group justify="space-between" mb="sm">
          <Title order={4}>{t("requests.form.identifiers")}</Title>
          <Button
            size="compact-sm"
            variant="light"
            onClick={() => setIdentifiers([...identifiers, { type: "email", value: "" }])}
            data-testid="identifier-add"
          >
            {t("requests.form.add")}
          </Button>
        </Group>
        {err("identifiers") && (
          <Text c="red" size="sm">
            {err("identifiers")}
          </Text>
        )}
        <Stack gap="xs">
          {identifiers.map((idf, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own
            <Group key={i} align="flex-start" data-testid="identifier-row">
              <Select
                w={200}
                data={IDENTIFIER_TYPES.map((k) => ({ value: k, label: k }))}
                value={idf.type}
                onChange={(v) =>
                  v && setIdentifiers(identifiers.map((x, j) => (j === i ? { ...x, type: v } : x)))
                }
                allowDeselect={false}
              />
              <TextInput
                style={{ flex: 1 }}
                value={idf.value}
                onChange={(e) => {
                  const value = e.currentTarget.value;
                  setIdentifiers(identifiers.map((x, j) => (j === i ? { ...x, value } : x)));
                }}
                error={err(`identifiers.${i}`)}
                data-testid="identifier-value"
              />
              <ActionIcon
                mt={4}
                variant="subtle"
                color="red"
                aria-label={t("requests.form.remove")}
                onClick={() => setIdentifiers(identifiers.filter((_, j) => j !== i))}
              >
                ×
              </ActionIcon>
            </Group>
          ))}
        </Stack>
      </Card>

      <Card withBorder data-testid="form-details">
        <Title order={4} mb="sm">
          {t("requests.form.details", { type: typeLabel(type, i18n.language) })}
        </Title>
        {type === "preservation" && (
          <Stack gap="sm">
            <Textarea
              label={t("requests.form.preservation.dataToPreserve")}
              required
              value={dataToPreserve}
              onChange={(e) => setDataToPreserve(e.currentTarget.value)}
              error={err("details.dataToPreserve")}
              data-testid="details-dataToPreserve"
            />
            <Textarea
              label={t("requests.form.preservation.linkToOffence")}
              required
              value={linkToOffence}
              onChange={(e) => setLinkToOffence(e.currentTarget.value)}
              error={err("details.linkToOffence")}
              data-testid="details-linkToOffence"
            />
            <SimpleGrid cols={{ base: 1, md: 2 }}>
              <TextInput
                label={t("requests.form.preservation.custodianName")}
                value={custodianName}
                onChange={(e) => setCustodianName(e.currentTarget.value)}
                error={err("details.custodian")}
                data-testid="details-custodian.name"
              />
              <TextInput
                label={t("requests.form.preservation.custodianLocation")}
                value={custodianLocation}
                onChange={(e) => setCustodianLocation(e.currentTarget.value)}
              />
            </SimpleGrid>
            <Textarea
              label={t("requests.form.preservation.why")}
              required
              value={whyPreservation}
              onChange={(e) => setWhyPreservation(e.currentTarget.value)}
              error={err("details.whyPreservationNeeded")}
              data-testid="details-whyPreservationNeeded"
            />
            <Group>
              <Checkbox
                label={t("requests.form.preservation.mlaToFollow")}
                checked={mlaToFollow}
                onChange={(e) => setMlaToFollow(e.currentTarget.checked)}
                error={err("details.mutualAssistanceToFollow")}
              />
              <NumberInput
                label={t("requests.form.preservation.days")}
                min={60}
                max={365}
                value={days}
                onChange={setDays}
                error={err("details.preservationDays")}
                w={160}
              />
            </Group>
          </Stack>
        )}
        {type === "emergency_disclosure" && (
          <Stack gap="sm">
            <Select
              label={t("requests.form.emergency.harm")}
              data={HARM_KINDS.map((h) => ({
                value: h,
                label: t(`requests.harm.${h}` as "requests.harm.other"),
              }))}
              value={harm}
              onChange={(v) => v && setHarm(v)}
              allowDeselect={false}
            />
            <Textarea
              label={t("requests.form.emergency.description")}
              required
              value={riskDescription}
              onChange={(e) => setRiskDescription(e.currentTarget.value)}
              error={err("details.riskToLife.description") ?? err("details.riskToLife")}
              data-testid="details-riskToLife.description"
            />
            <Textarea
              label={t("requests.form.emergency.personsAtRisk")}
              required
              value={personsAtRisk}
              onChange={(e) => setPersonsAtRisk(e.currentTarget.value)}
              error={err("details.riskToLife.personsAtRisk")}
            />
            <Textarea
              label={t("requests.form.emergency.whyUrgent")}
              required
              value={whyUrgent}
              onChange={(e) => setWhyUrgent(e.currentTarget.value)}
              error={err("details.riskToLife.whyUrgent")}
            />
            <Textarea
              label={t("requests.form.emergency.dataSought")}
              required
              value={dataSought}
              onChange={(e) => setDataSought(e.currentTarget.value)}
              error={err("details.dataSought")}
            />
            <TextInput
              label={t("requests.form.emergency.provider")}
              value={provider}
              onChange={(e) => setProvider(e.currentTarget.value)}
            />
          </Stack>
        )}
        {type !== "preservation" && type !== "emergency_disclosure" && (
          <Stack gap="xs">
            <Text size="sm" c="dimmed">
              {t("requests.form.genericHint")}
            </Text>
            {err("details") && (
              <Text c="red" size="sm" data-testid="details-error">
                {err("details")}
              </Text>
            )}
            {extra.map((row, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own
              <Group key={i} align="flex-start">
                <TextInput
                  w={220}
                  placeholder={t("requests.form.fieldName")}
                  value={row.key}
                  onChange={(e) => {
                    const key = e.currentTarget.value;
                    setExtra(extra.map((x, j) => (j === i ? { ...x, key } : x)));
                  }}
                />
                <Textarea
                  style={{ flex: 1 }}
                  autosize
                  placeholder={t("requests.form.fieldValue")}
                  value={row.value}
                  onChange={(e) => {
                    const value = e.currentTarget.value;
                    setExtra(extra.map((x, j) => (j === i ? { ...x, value } : x)));
                  }}
                  error={row.key.trim() ? err(`details.${row.key.trim()}`) : undefined}
                />
              </Group>
            ))}
            <Button
              size="compact-sm"
              variant="light"
              w="fit-content"
              onClick={() => setExtra([...extra, { key: "", value: "" }])}
            >
              {t("requests.form.add")}
            </Button>
          </Stack>
        )}
      </Card>

      <ApiErrorAlert error={save.error} testId="form-error" />
      <ApiErrorAlert error={submit.error} />
      {saved && !save.isPending && !save.error && (
        <Alert color="green" variant="light" data-testid="draft-saved">
          {t("requests.form.saved", { reference: saved.reference })}
        </Alert>
      )}
      <Group justify="flex-end">
        <Button
          variant="default"
          onClick={() => save.mutate()}
          loading={save.isPending}
          data-testid="form-save"
        >
          {t("requests.form.saveDraft")}
        </Button>
        <Button
          disabled={!saved || save.isPending}
          loading={submit.isPending}
          onClick={() => saved && submit.mutate(saved)}
          data-testid="form-submit"
        >
          {saved?.allowedActions.includes("send") && !saved.allowedActions.includes("submit_for_approval")
            ? t("requests.event.send")
            : t("requests.event.submit_for_approval")}
        </Button>
      </Group>
    </Stack>
  );
}
