import { TLP_LEVELS, type TlpLevel } from "@crossline/schemas";
import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  MultiSelect,
  NumberInput,
  Select,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useCan } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { Link } from "../../router/router";
import { BarChart } from "../fugitives/FugitiveForms";
import {
  useAddEntry,
  useOwnList,
  useOwnProgress,
  usePeers,
  usePublishList,
  useUnitFugitives,
} from "./lists.api";
import { ProgressText } from "./progress";

const nameText = (n: { original: string; romanised?: string }) =>
  n.romanised ? `${n.original} (${n.romanised})` : n.original;

/** One of our lists: its entries and their status, its progress, and (for a writer) adding and publishing. */
export function OwnListPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const q = useOwnList(id);
  const stats = useOwnProgress(id);
  const canWrite = useCan("fugitives:write");
  const l = q.data;
  if (q.isLoading) return <Loader />;
  if (!l) return <ApiErrorAlert error={q.error} />;
  return (
    <Stack data-testid="own-list-page">
      <Link to="/fugitive-lists">{t("sharedLists.back")}</Link>
      <Title order={2}>{l.name.text}</Title>
      <Group gap="xs">
        {l.publishedOn && (
          <Text size="sm">
            {t("sharedLists.publishedOn")}
            {t("common.colon")}
            {l.publishedOn}
          </Text>
        )}
        <Text size="sm" data-testid="own-list-recipients">
          {t("sharedLists.recipients")}
          {t("common.colon")}
          {l.recipients.length ? l.recipients.join(", ") : t("sharedLists.notPublished")}
        </Text>
        {l.marking && <Badge variant="outline">{t(`markings.tlp.${l.marking.tlp}`)}</Badge>}
      </Group>
      {stats.data && (
        <Card withBorder>
          <Stack gap="xs">
            <ProgressText p={stats.data} testId="own-list-progress" />
            <BarChart
              title={t("sharedLists.byMethod")}
              bars={stats.data.byMethod.map((m) => ({
                label: t(`fugitives.returnMethod.${m.method}`),
                value: m.count,
              }))}
            />
          </Stack>
        </Card>
      )}
      <Card withBorder p={0} style={{ overflowX: "auto" }} tabIndex={0} data-testid="own-list-entries-scroll">
        <Table data-testid="own-list-entries">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("sharedLists.number")}</Table.Th>
              <Table.Th>{t("fugitives.name")}</Table.Th>
              <Table.Th>{t("fugitives.statusLabel")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {l.entries.map((e) => (
              <Table.Tr key={e.number} data-testid="own-list-entry" data-status={e.status}>
                <Table.Td>{e.number}</Table.Td>
                <Table.Td>
                  {e.fugitiveId ? (
                    <Link to={`/fugitives/${e.fugitiveId}`} data-testid="own-list-entry-link">
                      {nameText(e.name)}
                    </Link>
                  ) : (
                    nameText(e.name)
                  )}
                </Table.Td>
                <Table.Td>
                  <Badge variant="light" color={e.status === "returned" ? "green" : "gray"}>
                    {t(`fugitives.status.${e.status}`)}
                  </Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
      {canWrite && <AddEntryForm id={id} next={Math.max(0, ...l.entries.map((e) => e.number)) + 1} />}
      {canWrite && <PublishForm id={id} published={l.recipients} tlp={l.marking?.tlp ?? null} />}
    </Stack>
  );
}

/** Puts one of the unit's fugitives on the list at a number (a published list sends it to its peers at once). */
function AddEntryForm({ id, next }: { id: string; next: number }) {
  const { t } = useTranslation();
  const fugitives = useUnitFugitives();
  const [fugitiveId, setFugitiveId] = useState<string | null>(null);
  const [number, setNumber] = useState<number | string>(next);
  const add = useAddEntry(id);
  return (
    <Card withBorder data-testid="list-add">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!fugitiveId) return;
          add.mutate(
            { fugitiveId, number: Number(number) },
            { onSuccess: () => setNumber(Number(number) + 1) },
          );
        }}
      >
        <Stack gap="xs">
          <Title order={3}>{t("sharedLists.add.title")}</Title>
          <Group align="end" wrap="wrap">
            <Select
              label={t("sharedLists.add.fugitive")}
              data={(fugitives.data ?? []).map((f) => ({
                value: f.id,
                label: `${f.reference} · ${nameText(f.name)}`,
              }))}
              value={fugitiveId}
              onChange={setFugitiveId}
              searchable
              required
              data-testid="list-add-fugitive"
            />
            <NumberInput
              label={t("sharedLists.add.number")}
              min={1}
              max={10_000}
              value={number}
              onChange={setNumber}
              required
              data-testid="list-add-number"
            />
          </Group>
          <ApiErrorAlert error={add.error} />
          <Group>
            <Button
              type="submit"
              loading={add.isPending}
              disabled={!fugitiveId}
              data-testid="list-add-submit"
            >
              {t("sharedLists.add.submit")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

/**
 * Publishes the list to peers under a marking: each entry becomes a shared object the peer keeps read-only.
 * A list published already keeps its marking; more peers can be added under it.
 */
function PublishForm({ id, published, tlp }: { id: string; published: string[]; tlp: TlpLevel | null }) {
  const { t } = useTranslation();
  const peers = usePeers();
  const [recipients, setRecipients] = useState<string[]>([]);
  const [level, setLevel] = useState<TlpLevel>(tlp ?? "AMBER");
  const publish = usePublishList(id);
  const choices = (peers.data ?? []).filter((p) => !published.includes(p.id));
  return (
    <Card withBorder data-testid="list-publish">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          publish.mutate(
            {
              recipients,
              marking: {
                tlp: level,
                handling: [],
                ...(level === "RED" ? { releasableTo: [...published, ...recipients] } : {}),
              },
            },
            { onSuccess: () => setRecipients([]) },
          );
        }}
      >
        <Stack gap="xs">
          <Title order={3}>{t("sharedLists.publish.title")}</Title>
          <Text size="sm">{t("sharedLists.publish.hint")}</Text>
          <Group align="end" wrap="wrap">
            <MultiSelect
              miw={220}
              label={t("sharedLists.publish.peers")}
              data={choices.map((p) => ({ value: p.id, label: `${p.id} — ${p.name}` }))}
              value={recipients}
              onChange={setRecipients}
              data-testid="list-publish-peers"
            />
            <Select
              label={t("sharedLists.publish.tlp")}
              data={TLP_LEVELS.map((x) => ({ value: x, label: t(`markings.tlp.${x}`) }))}
              description={t(`markings.tlpHint.${level}`)}
              value={level}
              onChange={(v) => v && setLevel(v as TlpLevel)}
              allowDeselect={false}
              disabled={tlp !== null}
              data-testid="list-publish-tlp"
            />
          </Group>
          <ApiErrorAlert error={publish.error} />
          {publish.isSuccess && (
            <Alert color="green" data-testid="list-publish-done">
              {t("sharedLists.publish.done", { peers: publish.data.list.recipients.join(", ") })}
            </Alert>
          )}
          <Group>
            <Button
              type="submit"
              loading={publish.isPending}
              disabled={!recipients.length}
              data-testid="list-publish-submit"
            >
              {t("sharedLists.publish.submit")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
