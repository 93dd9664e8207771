import { FUGITIVE_REQUEST_TYPES, type FugitiveRequestType, type PersonName } from "@crossline/schemas";
import { Badge, Button, Card, Group, Loader, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { Link, usePath } from "../../router/router";
import { PersonPage } from "./PersonPage";
import { PersonRequestPage } from "./PersonRequests";
import { usePersons } from "./persons.api";

export const nameText = (n: PersonName) => (n.romanised ? `${n.original} (${n.romanised})` : n.original);

/**
 * /persons: the list with search; /persons/<id>: one person's page; /persons/<id>/request/<kind>: a request
 * started from the person.
 */
export function PersonsPage() {
  const path = usePath();
  const [id, sub, kind] = path.startsWith("/persons/")
    ? path.slice("/persons/".length).split("/").map(decodeURIComponent)
    : [];
  if (id && sub === "request" && (FUGITIVE_REQUEST_TYPES as readonly string[]).includes(kind ?? ""))
    return <PersonRequestPage id={id} type={kind as FugitiveRequestType} />;
  return id ? <PersonPage id={id} /> : <PersonsList />;
}

function PersonsList() {
  const { t } = useTranslation();
  const [q, setQ] = useState("");
  const [applied, setApplied] = useState("");
  const list = usePersons(applied);
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack>
      <Title order={2}>{t("persons.title")}</Title>
      <Text size="sm" c="dimmed">
        {t("persons.logged")}
      </Text>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(q.trim());
        }}
      >
        <Group align="end">
          <TextInput
            label={t("persons.search")}
            value={q}
            onChange={(e) => setQ(e.currentTarget.value)}
            data-testid="persons-search"
            maw={360}
          />
          <Button type="submit" variant="light">
            {t("persons.searchButton")}
          </Button>
        </Group>
      </form>
      <ApiErrorAlert error={list.error} />
      {list.isLoading ? (
        <Loader />
      ) : items.length === 0 ? (
        <Text c="dimmed" data-testid="persons-empty">
          {t("persons.none")}
        </Text>
      ) : (
        <Card withBorder p={0} style={{ overflowX: "auto" }}>
          <Table data-testid="persons-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("persons.name")}</Table.Th>
                <Table.Th>{t("persons.dateOfBirth")}</Table.Th>
                <Table.Th>{t("persons.nationalities")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((p) => (
                <Table.Tr key={p.id} data-testid="persons-row">
                  <Table.Td>
                    <Link to={`/persons/${p.id}`} data-testid="person-link">
                      {nameText(p.name)}
                    </Link>{" "}
                    {p.restricted && (
                      <Badge color="red" size="sm">
                        {t("persons.restricted")}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{p.dateOfBirth ?? "—"}</Table.Td>
                  <Table.Td>{p.nationalities.join(", ") || "—"}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      {list.hasNextPage && (
        <Button variant="subtle" onClick={() => list.fetchNextPage()} loading={list.isFetchingNextPage}>
          {t("persons.more")}
        </Button>
      )}
    </Stack>
  );
}
