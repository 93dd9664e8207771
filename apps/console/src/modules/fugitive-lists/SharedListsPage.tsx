import type { Language, ReceivedEntryView } from "@crossline/schemas";
import { Button, Card, Group, Loader, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useCan } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DateTimeField } from "../../components/DateTimeField";
import { Link, navigate, usePath } from "../../router/router";
import { type OwnListItem, useCreateList, useOwnLists, useOwnProgress, useReceived } from "./lists.api";
import { OwnListPage } from "./OwnListPage";
import { ProgressText, receivedProgress } from "./progress";
import { ReceivedEntryPage, ReceivedListPage } from "./ReceivedPages";

const PREFIX = "/fugitive-lists/";

/**
 * /fugitive-lists: our lists and the peers' lists held here, each with its progress;
 * /fugitive-lists/<id>: one of ours; /fugitive-lists/received/<owner>/<list>: a peer's list;
 * /fugitive-lists/entries/<entry>: one entry of a peer's list (read-only) with the report form.
 */
export function SharedListsPage() {
  const path = usePath();
  const rest = path.startsWith(PREFIX) ? path.slice(PREFIX.length).split("/").map(decodeURIComponent) : [];
  if (rest[0] === "received" && rest[1] && rest[2])
    return <ReceivedListPage ownerNode={rest[1]} listId={rest[2]} />;
  if (rest[0] === "entries" && rest[1]) return <ReceivedEntryPage entryId={rest[1]} />;
  if (rest[0]) return <OwnListPage id={rest[0]} />;
  return <Overview />;
}

/** The received entries grouped by list, in the order the node gives them (owner, list, number). */
export function receivedLists(items: ReceivedEntryView[]) {
  const lists = new Map<
    string,
    { ownerNode: string; listId: string; name: string; entries: ReceivedEntryView[] }
  >();
  for (const e of items) {
    const key = `${e.ownerNode}/${e.listId}`;
    const l = lists.get(key) ?? {
      ownerNode: e.ownerNode,
      listId: e.listId,
      name: e.listName.text,
      entries: [],
    };
    l.entries.push(e);
    lists.set(key, l);
  }
  return [...lists.values()];
}

function Overview() {
  const { t } = useTranslation();
  const own = useOwnLists();
  const received = useReceived();
  const canWrite = useCan("fugitives:write");
  const groups = receivedLists(received.data ?? []);
  return (
    <Stack data-testid="shared-lists">
      <Title order={2}>{t("sharedLists.title")}</Title>
      <Text size="sm">{t("sharedLists.intro")}</Text>
      <Title order={3}>{t("sharedLists.own")}</Title>
      <ApiErrorAlert error={own.error} />
      {own.isLoading ? (
        <Loader />
      ) : !own.data?.length ? (
        <Text c="dimmed" data-testid="own-lists-empty">
          {t("sharedLists.noneOwn")}
        </Text>
      ) : (
        <Card withBorder p={0} style={{ overflowX: "auto" }} tabIndex={0} data-testid="own-lists-scroll">
          <Table data-testid="own-lists">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("sharedLists.list")}</Table.Th>
                <Table.Th>{t("sharedLists.recipients")}</Table.Th>
                <Table.Th>{t("sharedLists.progress")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {own.data.map((l) => (
                <OwnListRow key={l.id} l={l} />
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      {canWrite && <NewListForm />}
      <Title order={3}>{t("sharedLists.received")}</Title>
      <ApiErrorAlert error={received.error} />
      {received.isLoading ? (
        <Loader />
      ) : !groups.length ? (
        <Text c="dimmed" data-testid="received-lists-empty">
          {t("sharedLists.noneReceived")}
        </Text>
      ) : (
        <Card withBorder p={0} style={{ overflowX: "auto" }} tabIndex={0} data-testid="received-lists-scroll">
          <Table data-testid="received-lists">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("sharedLists.list")}</Table.Th>
                <Table.Th>{t("sharedLists.owner")}</Table.Th>
                <Table.Th>{t("sharedLists.progress")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {groups.map((g) => (
                <Table.Tr key={`${g.ownerNode}/${g.listId}`} data-testid="received-list-row">
                  <Table.Td>
                    <Link
                      to={`${PREFIX}received/${encodeURIComponent(g.ownerNode)}/${encodeURIComponent(g.listId)}`}
                      data-testid="received-list-link"
                    >
                      {g.name}
                    </Link>
                  </Table.Td>
                  <Table.Td>{g.ownerNode}</Table.Td>
                  <Table.Td>
                    <ProgressText p={receivedProgress(g.entries)} testId="received-list-progress" />
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

function OwnListRow({ l }: { l: OwnListItem }) {
  const { t } = useTranslation();
  const stats = useOwnProgress(l.id);
  return (
    <Table.Tr data-testid="own-list-row">
      <Table.Td>
        <Link to={`${PREFIX}${l.id}`} data-testid="own-list-link">
          {l.name.text}
        </Link>
        {l.publishedOn && (
          <Text size="xs" c="dimmed">
            {t("sharedLists.publishedOn")}
            {t("common.colon")}
            {l.publishedOn}
          </Text>
        )}
      </Table.Td>
      <Table.Td>{l.recipients.length ? l.recipients.join(", ") : t("sharedLists.notPublished")}</Table.Td>
      <Table.Td>
        {stats.data ? <ProgressText p={stats.data} testId="own-list-progress" /> : <Loader size="xs" />}
      </Table.Td>
    </Table.Tr>
  );
}

/** A new, empty list of the unit: its name (in one language) and the day it was published. */
function NewListForm() {
  const { t } = useTranslation();
  const [name, setName] = useState("");
  const [lang, setLang] = useState<Language>("en");
  const [publishedOn, setPublishedOn] = useState("");
  const create = useCreateList();
  return (
    <Card withBorder data-testid="list-new">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(
            { name: { lang, text: name.trim() }, ...(publishedOn ? { publishedOn } : {}) },
            { onSuccess: (r) => navigate(`${PREFIX}${r.list.id}`) },
          );
        }}
      >
        <Stack gap="xs">
          <Title order={4}>{t("sharedLists.new.title")}</Title>
          <Group align="end" wrap="wrap">
            <TextInput
              label={t("sharedLists.new.name")}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              required
              data-testid="list-new-name"
            />
            <Select
              label={t("sharedLists.new.lang")}
              data={(["en", "zh-CN"] as const).map((x) => ({ value: x, label: t(`sharedLists.lang.${x}`) }))}
              value={lang}
              onChange={(v) => v && setLang(v as Language)}
              allowDeselect={false}
            />
            <DateTimeField
              kind="date"
              label={t("sharedLists.new.publishedOn")}
              value={publishedOn}
              onChange={setPublishedOn}
            />
          </Group>
          <ApiErrorAlert error={create.error} />
          <Group>
            <Button type="submit" loading={create.isPending} data-testid="list-new-submit">
              {t("sharedLists.new.submit")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
