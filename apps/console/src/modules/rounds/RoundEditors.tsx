import { localToInstant, type RoundView, toZonedIso } from "@crossline/schemas";
import {
  ActionIcon,
  Anchor,
  Button,
  Card,
  FileInput,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { API_BASE } from "../../api/client";
import { useCan, useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DateTimeField } from "../../components/DateTimeField";
import { navigate } from "../../router/router";
import { timeZoneOptions } from "../../util/datetime";
import { fileBase64 } from "../../util/files";
import { usePeers } from "../peers/peers.api";
import { Section, useRoundChange } from "./RoundParts";
import { partId, roundsApi } from "./rounds.api";

type Bi = { en: string; zh: string };

/** Two inputs side by side, English and Chinese, for one short text of the round. */
function BiInput({
  label,
  value,
  onChange,
  testId,
  required,
}: {
  label: string;
  value: Bi;
  onChange: (v: Bi) => void;
  testId: string;
  required?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
      <TextInput
        label={`${label} (${t("rounds.english")})`}
        value={value.en}
        onChange={(e) => onChange({ ...value, en: e.currentTarget.value })}
        required={required}
        data-testid={`${testId}-en`}
      />
      <TextInput
        label={`${label} (${t("rounds.chinese")})`}
        lang="zh-CN"
        value={value.zh}
        onChange={(e) => onChange({ ...value, zh: e.currentTarget.value })}
        data-testid={`${testId}-zh`}
      />
    </SimpleGrid>
  );
}

const EMPTY: Bi = { en: "", zh: "" };

/** A new round hosted by this node, with an active peer as the other side (liaison / secretariat). */
export function NewRoundForm() {
  const { t } = useTranslation();
  const { user } = useSession();
  const canWrite = useCan("rounds:write");
  const peers = usePeers();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [guest, setGuest] = useState<string | null>(null);
  const [number, setNumber] = useState<number | string>("");
  const [name, setName] = useState<Bi>(EMPTY);
  const [city, setCity] = useState<Bi>(EMPTY);
  const [venue, setVenue] = useState<Bi>(EMPTY);
  const [zone, setZone] = useState<string>(user.timeZone);
  const [starts, setStarts] = useState("");
  const [ends, setEnds] = useState("");
  const create = useMutation({
    mutationFn: () => {
      // The venue's wall clock becomes an instant with the venue's offset; an impossible one is left for the
      // server to refuse with its field.
      const iso = (local: string) => {
        const d = localToInstant(local, zone);
        return d ? toZonedIso(d, zone) : local;
      };
      return roundsApi.create({
        guestNode: guest ?? "",
        fields: {
          number: Number(number),
          name,
          startsAt: iso(starts),
          endsAt: iso(ends),
          timeZone: zone,
          city,
          venue,
        },
      });
    },
    onSuccess: (r) => {
      qc.invalidateQueries({ queryKey: ["rounds"] });
      navigate(`/rounds/${r.doc.id}`);
    },
  });
  if (!canWrite) return null;
  if (!open)
    return (
      <Button onClick={() => setOpen(true)} data-testid="round-new">
        {t("rounds.newRound")}
      </Button>
    );
  const active = (peers.data?.items ?? []).filter((p) => p.state === "active");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Card withBorder>
      <form onSubmit={submit} data-testid="round-form">
        <Stack gap="xs">
          <Title order={3} size="h4">
            {t("rounds.newRound")}
          </Title>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
            <Select
              label={t("rounds.guest")}
              data={active.map((p) => ({ value: p.id, label: `${p.name} (${p.id})` }))}
              value={guest}
              onChange={setGuest}
              required
              data-testid="round-form-guest"
            />
            <NumberInput
              label={t("rounds.number")}
              min={1}
              value={number}
              onChange={setNumber}
              required
              data-testid="round-form-number"
            />
          </SimpleGrid>
          <BiInput
            label={t("rounds.name")}
            value={name}
            onChange={setName}
            testId="round-form-name"
            required
          />
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs">
            <DateTimeField
              label={t("rounds.startsAt")}
              value={starts}
              onChange={setStarts}
              required
              data-testid="round-form-starts"
            />
            <DateTimeField
              label={t("rounds.endsAt")}
              value={ends}
              onChange={setEnds}
              required
              data-testid="round-form-ends"
            />
            <Select
              label={t("rounds.venueZone")}
              data={timeZoneOptions()}
              searchable
              value={zone}
              onChange={(v) => v && setZone(v)}
              data-testid="round-form-zone"
            />
          </SimpleGrid>
          <BiInput label={t("rounds.city")} value={city} onChange={setCity} testId="round-form-city" />
          <BiInput label={t("rounds.venue")} value={venue} onChange={setVenue} testId="round-form-venue" />
          <ApiErrorAlert error={create.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>
              {t("rounds.cancel")}
            </Button>
            <Button type="submit" loading={create.isPending} data-testid="round-form-save">
              {t("rounds.save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

/** Edits the venue and the agenda: a `round.set` of those fields on the version shown (either side). */
export function FactsEditor({ view }: { view: RoundView }) {
  const { t } = useTranslation();
  const canWrite = useCan("rounds:write");
  const change = useRoundChange(view);
  const f = view.doc.fields;
  const [open, setOpen] = useState(false);
  const [city, setCity] = useState<Bi>(f.city);
  const [venue, setVenue] = useState<Bi>(f.venue);
  const [agenda, setAgenda] = useState(f.agenda);
  if (!canWrite) return null;
  if (!open)
    return (
      <Group>
        <Button
          size="xs"
          variant="light"
          onClick={() => {
            // start from the version shown now
            setCity(f.city);
            setVenue(f.venue);
            setAgenda(f.agenda);
            setOpen(true);
          }}
          data-testid="round-edit"
        >
          {t("rounds.editFacts")}
        </Button>
      </Group>
    );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    change.mutate({ op: "round.set", fields: { city, venue, agenda } }, { onSuccess: () => setOpen(false) });
  };
  return (
    <Card withBorder>
      <form onSubmit={submit} data-testid="round-facts-form">
        <Stack gap="xs">
          <BiInput label={t("rounds.city")} value={city} onChange={setCity} testId="round-edit-city" />
          <BiInput label={t("rounds.venue")} value={venue} onChange={setVenue} testId="round-edit-venue" />
          <Text size="sm" fw={600}>
            {t("rounds.agenda")}
          </Text>
          {agenda.map((a, i) => (
            <Group key={a.id} align="end" wrap="nowrap" data-testid="round-edit-agenda-item">
              <div style={{ flex: 1 }}>
                <BiInput
                  label={t("rounds.agendaItem", { n: i + 1 })}
                  value={a.title}
                  onChange={(title) =>
                    setAgenda((xs) => xs.map((x) => (x.id === a.id ? { ...x, title } : x)))
                  }
                  testId={`round-edit-agenda-${i}`}
                />
              </div>
              <ActionIcon
                variant="subtle"
                color="red"
                aria-label={t("rounds.removeAgendaItem", { n: i + 1 })}
                onClick={() => setAgenda((xs) => xs.filter((x) => x.id !== a.id))}
              >
                ×
              </ActionIcon>
            </Group>
          ))}
          <Group>
            <Button
              size="xs"
              variant="light"
              onClick={() => setAgenda((xs) => [...xs, { id: partId("ag"), title: { en: "", zh: "" } }])}
              data-testid="round-edit-agenda-add"
            >
              {t("rounds.addAgendaItem")}
            </Button>
          </Group>
          <ApiErrorAlert error={change.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>
              {t("rounds.cancel")}
            </Button>
            <Button type="submit" loading={change.isPending} data-testid="round-edit-save">
              {view.role === "host" ? t("rounds.save") : t("rounds.propose")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

/** The round's documents (either side's), downloadable, and an upload for those who may write. */
export function Documents({ view }: { view: RoundView }) {
  const { t, i18n } = useTranslation();
  const canWrite = useCan("rounds:write");
  const qc = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const id = view.doc.id;
  const upload = useMutation({
    mutationFn: async (f: File) => roundsApi.addDocument(id, f.name, await fileBase64(f)),
    onSuccess: (r) => {
      qc.setQueryData(["round", id], r.round);
      setFile(null);
    },
  });
  const docs = view.doc.fields.documents;
  const size = new Intl.NumberFormat(i18n.language, {
    style: "unit",
    unit: "kilobyte",
    maximumFractionDigits: 1,
  });
  return (
    <Section title={t("rounds.documents")} testId="round-documents">
      {docs.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t("rounds.noDocuments")}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={360}>
          <Table>
            <Table.Tbody>
              {docs.map((d) => (
                <Table.Tr key={d.id} data-testid="round-document">
                  <Table.Td>
                    <Anchor href={`${API_BASE}/rounds/${id}/documents/${d.id}`} download={d.name}>
                      {d.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{size.format(d.size / 1024)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" c="dimmed" ff="monospace" title={d.sha256}>
                      {`SHA-256 ${d.sha256.slice(0, 12)}…`}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {canWrite && (
        <Group align="end">
          <FileInput
            miw={220}
            label={t("rounds.documentFile")}
            value={file}
            onChange={setFile}
            clearable
            w={260}
            data-testid="round-document-file"
          />
          <Button
            disabled={!file}
            loading={upload.isPending}
            onClick={() => file && upload.mutate(file)}
            data-testid="round-document-upload"
          >
            {view.role === "host" ? t("rounds.upload") : t("rounds.propose")}
          </Button>
        </Group>
      )}
      <ApiErrorAlert error={upload.error} />
    </Section>
  );
}
