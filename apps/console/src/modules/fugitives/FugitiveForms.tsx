import {
  type FugitiveMatch,
  LEGAL_INSTRUMENTS,
  type LegalBasis,
  RETURN_METHODS,
  type ReturnMethod,
} from "@crossline/schemas";
import { Alert, Button, Card, Group, List, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DateTimeField } from "../../components/DateTimeField";
import { Link, navigate } from "../../router/router";
import { useCreateFugitive, useDuplicateCheck, useRecordReturn } from "./fugitives.api";

const nameText = (n: { original: string; romanised?: string }) =>
  n.romanised ? `${n.original} (${n.romanised})` : n.original;

/** The likely duplicates of a record about to be made: links to each, best first. */
function DuplicateWarning({ items }: { items: FugitiveMatch[] }) {
  const { t } = useTranslation();
  if (!items.length) return null;
  return (
    <Alert color="yellow" title={t("fugitives.new.duplicatesTitle")} data-testid="fugitive-duplicates">
      <Text size="sm">{t("fugitives.new.duplicatesText")}</Text>
      <List size="sm">
        {items.map((d) => (
          <List.Item key={d.id}>
            <Link to={`/fugitives/${d.id}`}>
              {d.reference} · {nameText(d.name)}
              {d.dateOfBirth ? ` · ${d.dateOfBirth}` : ""}
            </Link>
          </List.Item>
        ))}
      </List>
    </Alert>
  );
}

/**
 * A new record: the name (its pinyin computed by the node when left empty), the date of birth and the legal
 * basis. Leaving the name or the date asks the node which of the unit's records it may repeat, and shows them
 * before anything is saved; the officer may still create it.
 */
export function NewFugitiveForm() {
  const { t } = useTranslation();
  const [original, setOriginal] = useState("");
  const [romanised, setRomanised] = useState("");
  const [dateOfBirth, setDateOfBirth] = useState("");
  const [instrument, setInstrument] = useState<LegalBasis["instrument"]>("uncac");
  const [article, setArticle] = useState("");
  const check = useDuplicateCheck();
  const create = useCreateFugitive();
  const names = () => [
    { original: original.trim(), ...(romanised.trim() ? { romanised: romanised.trim() } : {}) },
  ];
  const ask = () => {
    if (!original.trim()) return;
    check.mutate({ names: names(), ...(dateOfBirth.trim() ? { dateOfBirth: dateOfBirth.trim() } : {}) });
  };
  return (
    <Card withBorder data-testid="fugitive-new">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(
            {
              names: names(),
              aliases: [],
              nationalities: [],
              documents: [],
              whereabouts: [],
              charges: [],
              warrants: [],
              notices: [],
              caseIds: [],
              requestIds: [],
              ...(dateOfBirth.trim() ? { dateOfBirth: dateOfBirth.trim() } : {}),
              legalBasis: { instrument, ...(article.trim() ? { article: article.trim() } : {}) },
            },
            { onSuccess: (r) => navigate(`/fugitives/${r.fugitive.id}`) },
          );
        }}
      >
        <Stack gap="xs">
          <Title order={3}>{t("fugitives.new.title")}</Title>
          <Group align="end" wrap="wrap">
            <TextInput
              label={t("fugitives.new.original")}
              value={original}
              onChange={(e) => setOriginal(e.currentTarget.value)}
              onBlur={ask}
              required
              data-testid="fugitive-new-name"
            />
            <TextInput
              label={t("fugitives.new.romanised")}
              description={t("fugitives.new.romanisedHint")}
              value={romanised}
              onChange={(e) => setRomanised(e.currentTarget.value)}
              onBlur={ask}
            />
            <TextInput
              label={t("fugitives.dateOfBirth")}
              description={t("fugitives.new.dateHint")}
              value={dateOfBirth}
              onChange={(e) => setDateOfBirth(e.currentTarget.value)}
              onBlur={ask}
              data-testid="fugitive-new-dob"
            />
          </Group>
          <Group align="end" wrap="wrap">
            <Select
              label={t("fugitives.new.legalBasis")}
              data={LEGAL_INSTRUMENTS.map((i) => ({ value: i, label: t(`requests.instrument.${i}`) }))}
              value={instrument}
              onChange={(v) => v && setInstrument(v as LegalBasis["instrument"])}
              allowDeselect={false}
            />
            <TextInput
              label={t("fugitives.new.article")}
              value={article}
              onChange={(e) => setArticle(e.currentTarget.value)}
            />
          </Group>
          <ApiErrorAlert error={check.error ?? create.error} />
          <DuplicateWarning items={check.data?.items ?? []} />
          <Group>
            <Button
              variant="light"
              onClick={ask}
              disabled={!original.trim()}
              data-testid="fugitive-new-check"
            >
              {t("fugitives.new.check")}
            </Button>
            <Button type="submit" loading={create.isPending} data-testid="fugitive-new-submit">
              {t("fugitives.new.submit")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

/** Recording the return of a fugitive: method, date, place, escorts; closes the entry on both sides. */
export function ReturnForm({ id }: { id: string }) {
  const { t } = useTranslation();
  const [method, setMethod] = useState<ReturnMethod>("extradition");
  const [date, setDate] = useState("");
  const [place, setPlace] = useState("");
  const [escorts, setEscorts] = useState("");
  const save = useRecordReturn(id);
  return (
    <Card withBorder data-testid="fugitive-return-form">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({
            method,
            date,
            place: place.trim(),
            escorts: escorts
              .split(/[,，;]/)
              .map((x) => x.trim())
              .filter(Boolean),
            documents: [],
          });
        }}
      >
        <Stack gap="xs">
          <Title order={3}>{t("fugitives.returnForm.title")}</Title>
          <Group align="end" wrap="wrap">
            <Select
              label={t("fugitives.method")}
              data={RETURN_METHODS.map((m) => ({ value: m, label: t(`fugitives.returnMethod.${m}`) }))}
              value={method}
              onChange={(v) => v && setMethod(v as ReturnMethod)}
              allowDeselect={false}
            />
            <DateTimeField
              kind="date"
              label={t("fugitives.returnForm.date")}
              value={date}
              onChange={setDate}
              required
              data-testid="fugitive-return-date"
            />
            <TextInput
              label={t("fugitives.returnForm.place")}
              value={place}
              onChange={(e) => setPlace(e.currentTarget.value)}
              required
              data-testid="fugitive-return-place"
            />
            <TextInput
              label={t("fugitives.returnForm.escorts")}
              value={escorts}
              onChange={(e) => setEscorts(e.currentTarget.value)}
            />
          </Group>
          <ApiErrorAlert error={save.error} />
          <Group>
            <Button type="submit" loading={save.isPending} data-testid="fugitive-return-submit">
              {t("fugitives.returnForm.submit")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

/**
 * A horizontal bar chart of counts (returns by method, by year). The figures are also in the table beside it;
 * the chart is one image with a label that says what it shows, so a screen reader reads the table.
 */
export function BarChart({ title, bars }: { title: string; bars: { label: string; value: number }[] }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const row = 24;
  const labelWidth = 120;
  const width = 340;
  return (
    <svg
      role="img"
      aria-label={title}
      viewBox={`0 0 ${width} ${bars.length * row + 4}`}
      width="100%"
      style={{ maxWidth: width }}
      data-testid="fugitive-chart"
    >
      {bars.map((b, i) => {
        const w = ((width - labelWidth - 40) * b.value) / max;
        return (
          <g key={b.label} transform={`translate(0 ${i * row})`}>
            <text x={0} y={16} fontSize={12} fill="currentColor">
              {b.label}
            </text>
            <rect x={labelWidth} y={4} width={w} height={16} fill="var(--mantine-color-blue-7)" />
            <text x={labelWidth + w + 4} y={16} fontSize={12} fill="currentColor">
              {b.value}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
