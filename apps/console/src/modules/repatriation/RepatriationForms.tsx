import {
  type CreateRepatriationBody,
  LEGAL_INSTRUMENTS,
  type LegalBasis,
  type PersonView,
  REPATRIATION_FIGURE_COLUMNS,
  type RepatriationMonth,
  TLP_LEVELS,
  type TlpLevel,
  toZonedIso,
} from "@crossline/schemas";
import {
  Anchor,
  Button,
  Card,
  Group,
  Loader,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DateTimeField } from "../../components/DateTimeField";
import { currentLanguage } from "../../i18n";
import { Link, navigate } from "../../router/router";
import { isoToLocal, localToIso } from "../../util/datetime";
import { usePerson } from "../persons/persons.api";
import { useOpenCase, useRepatriationFigures } from "./repatriation.api";

/**
 * /repatriation/new[?person=<id>]: opens a case. From a person record the names, sex, date of birth and first
 * nationality are filled in (the node links the case to that person again by the same names and date).
 */
export function NewCasePage() {
  const personId = new URLSearchParams(window.location.search).get("person");
  return personId ? <FromPerson id={personId} /> : <NewCaseForm />;
}

function FromPerson({ id }: { id: string }) {
  const person = usePerson(id);
  if (person.isLoading) return <Loader />;
  if (!person.data) return <ApiErrorAlert error={person.error} />;
  return <NewCaseForm person={person.data} />;
}

type Sex = NonNullable<PersonView["sex"]>;

function NewCaseForm({ person }: { person?: PersonView }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const open = useOpenCase();
  const main = person?.names[0];
  const [f, setF] = useState<Record<string, string>>({
    original: main?.original ?? "",
    romanised: main?.romanised ?? "",
    dateOfBirth: person?.dateOfBirth ?? "",
    nationality: person?.nationalities[0] ?? "",
    whereabouts: "",
    article: "",
    reference: "",
    requestedAt: isoToLocal(new Date(), user.timeZone),
    peer: "",
    note: "",
  });
  const [sex, setSex] = useState<Sex | null>(person?.sex ?? null);
  const [instrument, setInstrument] = useState<LegalBasis["instrument"]>("reciprocity");
  const [tlp, setTlp] = useState<TlpLevel>("AMBER");
  // Reading the value before the state updater runs: React calls it later, when the event's target is gone.
  const set = (k: string) => (e: { currentTarget: { value: string } }) => {
    const v = e.currentTarget.value;
    setF((x) => ({ ...x, [k]: v }));
  };
  const text = (k: string, required = false) => (
    <TextInput
      label={t(`repatriation.new.${k}` as "repatriation.new.original")}
      value={f[k] ?? ""}
      onChange={set(k)}
      required={required}
      data-testid={`new-${k}`}
    />
  );
  const opt = (k: string) => (f[k]?.trim() ? f[k].trim() : undefined);
  function body(): CreateRepatriationBody {
    const peer = opt("peer");
    const romanised = opt("romanised");
    return {
      person: {
        names: [{ original: f.original?.trim() ?? "", ...(romanised ? { romanised } : {}) }],
        ...(sex ? { sex } : {}),
        ...(opt("dateOfBirth") ? { dateOfBirth: opt("dateOfBirth") } : {}),
        nationality: (f.nationality ?? "").trim().toUpperCase(),
        ...(opt("whereabouts") ? { whereabouts: opt("whereabouts") } : {}),
      },
      legalBasis: {
        instrument,
        ...(opt("article") ? { article: opt("article") } : {}),
        ...(opt("reference") ? { reference: opt("reference") } : {}),
      },
      requestedAt: f.requestedAt ? localToIso(f.requestedAt, user.timeZone) : new Date().toISOString(),
      ...(peer
        ? {
            peer,
            marking: tlp === "RED" ? { tlp, handling: [], releasableTo: [peer] } : { tlp, handling: [] },
          }
        : {}),
      ...(opt("note") ? { note: { lang: currentLanguage(), text: opt("note") as string } } : {}),
    } as CreateRepatriationBody;
  }
  return (
    <Stack data-testid="repatriation-new">
      <Link to="/repatriation">{t("repatriation.back")}</Link>
      <Title order={2}>{t("repatriation.new.title")}</Title>
      <Text size="sm" c="dimmed">
        {t("repatriation.new.intro")}
      </Text>
      {person && main && (
        <Text size="sm" data-testid="new-from-person">
          {t("repatriation.new.fromPerson", {
            name: main.romanised ? `${main.original} (${main.romanised})` : main.original,
          })}
        </Text>
      )}
      <Card withBorder>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            open.mutate(body(), { onSuccess: (r) => navigate(`/repatriation/${r.case.id}`) });
          }}
        >
          <Stack gap="xs">
            <Group align="end" wrap="wrap">
              {text("original", true)}
              {text("romanised")}
              <Select
                label={t("repatriation.new.sex")}
                data={(["female", "male", "unspecified"] as const).map((v) => ({
                  value: v,
                  label: t(`persons.sex.${v}`),
                }))}
                value={sex}
                onChange={(v) => setSex(v as Sex | null)}
                clearable
              />
              {text("dateOfBirth")}
              {text("nationality", true)}
            </Group>
            {text("whereabouts")}
            <Group align="end" wrap="wrap">
              <Select
                label={t("repatriation.new.legalBasis")}
                data={LEGAL_INSTRUMENTS.map((i) => ({ value: i, label: t(`requests.instrument.${i}`) }))}
                value={instrument}
                onChange={(v) => v && setInstrument(v as LegalBasis["instrument"])}
                allowDeselect={false}
                data-testid="new-instrument"
              />
              {text("article")}
              {text("reference")}
            </Group>
            <Group align="end" wrap="wrap">
              <DateTimeField
                label={t("repatriation.new.requestedAt")}
                description={t("time.onYourClock", { zone: user.timeZone })}
                value={f.requestedAt ?? ""}
                onChange={(v) => setF((x) => ({ ...x, requestedAt: v }))}
                required
                data-testid="new-requestedAt"
              />
              {text("peer")}
              <Select
                label={t("repatriation.new.tlp")}
                data={TLP_LEVELS.map((l) => ({ value: l, label: t(`markings.tlp.${l}`) }))}
                description={t(`markings.tlpHint.${tlp}`)}
                value={tlp}
                onChange={(v) => v && setTlp(v as TlpLevel)}
                allowDeselect={false}
                data-testid="new-tlp"
              />
            </Group>
            {text("note")}
            <ApiErrorAlert error={open.error} />
            <Group>
              <Button type="submit" loading={open.isPending} data-testid="new-submit">
                {t("repatriation.new.submit")}
              </Button>
            </Group>
          </Stack>
        </form>
      </Card>
    </Stack>
  );
}

/** The current month and the eleven before it (YYYY-MM), on the node's calendar (the figures' months). */
function lastYear(zone: string): { from: string; to: string } {
  const to = toZonedIso(new Date(), zone).slice(0, 7);
  const [y, m] = to.split("-").map(Number);
  const back = y * 12 + (m - 1) - 11;
  return { from: `${Math.floor(back / 12)}-${String((back % 12) + 1).padStart(2, "0")}`, to };
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** /repatriation/figures: per month, answers by outcome, documents issued and in time, average days; CSV. */
export function FiguresPage() {
  const { t } = useTranslation();
  const { node } = useSession();
  const [range, setRange] = useState(() => lastYear(node.timeZone));
  const valid = MONTH.test(range.from) && MONTH.test(range.to);
  const figures = useRepatriationFigures(range.from, range.to, valid);
  const lang = currentLanguage();
  const cell = (m: RepatriationMonth, k: (typeof REPATRIATION_FIGURE_COLUMNS)[number]) => {
    if (k === "month") return m.month === "total" ? t("repatriation.figure.total") : m.month;
    const v = m[k];
    return v === null ? "—" : String(v);
  };
  const f = figures.data;
  return (
    <Stack data-testid="repatriation-figures">
      <Link to="/repatriation">{t("repatriation.back")}</Link>
      <Title order={2}>{t("repatriation.figures.title")}</Title>
      {f && (
        <Text size="sm" c="dimmed">
          {t("repatriation.figures.intro", { zone: f.timeZone })}
        </Text>
      )}
      <Group align="end" wrap="wrap">
        {(["from", "to"] as const).map((k) => (
          <TextInput
            key={k}
            label={t(`repatriation.figures.${k}`)}
            value={range[k]}
            onChange={(e) => {
              const v = e.currentTarget.value;
              setRange((r) => ({ ...r, [k]: v }));
            }}
            error={MONTH.test(range[k]) ? undefined : "YYYY-MM"}
            data-testid={`figures-${k}`}
          />
        ))}
        {valid && (
          <Anchor
            href={`/api/v1/repatriation/figures.csv?from=${range.from}&to=${range.to}&lang=${lang}`}
            size="sm"
            data-testid="figures-csv"
          >
            {t("repatriation.figures.csv")}
          </Anchor>
        )}
      </Group>
      <ApiErrorAlert error={figures.error} />
      {figures.isLoading && <Loader />}
      {f && (
        <Card withBorder p={0} style={{ overflowX: "auto" }} tabIndex={0} data-testid="figures-table">
          {/* Nine columns: a phone scrolls them sideways rather than breaking each heading into pairs. */}
          <Table striped miw={760}>
            <Table.Caption>{t("repatriation.figures.caption", { from: f.from, to: f.to })}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                {REPATRIATION_FIGURE_COLUMNS.map((k) => (
                  <Table.Th key={k}>{t(`repatriation.figure.${k}`)}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {[...f.months, f.total].map((m) => (
                <Table.Tr key={m.month} data-testid={m.month === "total" ? "figures-total" : "figures-month"}>
                  {REPATRIATION_FIGURE_COLUMNS.map((k) => (
                    <Table.Td key={k}>{cell(m, k)}</Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
    </Stack>
  );
}
