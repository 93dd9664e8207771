import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { hasAnyPermission, useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { Link } from "../../router/router";
import { formatDateTime } from "../../util/datetime";
import { PersonRequests } from "./PersonRequests";
import { nameText } from "./PersonsPage";
import { usePerson, usePersonAccess, useRestrictPerson } from "./persons.api";

/** One person: names, documents, the records naming them, restriction, exports, and (auditors) who read them. */
export function PersonPage({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const person = usePerson(id);
  const auditor = hasAnyPermission(user, ["audit:read"]);
  // Asked once the person has loaded, so the list includes the read that opened this page.
  const access = usePersonAccess(id, auditor && person.isSuccess);
  const restrict = useRestrictPerson(id);
  const [reason, setReason] = useState("");
  if (person.isLoading) return <Loader />;
  if (!person.data) return <ApiErrorAlert error={person.error} />;
  const p = person.data;
  const when = (iso: string) => formatDateTime(iso, user.timeZone, i18n.language);
  return (
    <Stack data-testid="person-page">
      <Group justify="space-between">
        <Title order={2} data-testid="person-name">
          {nameText(p.names[0])}
        </Title>
        {p.restriction && (
          <Badge color="red" size="lg" data-testid="person-restricted">
            {t("persons.restricted")}
          </Badge>
        )}
        {hasAnyPermission(user, ["fugitives:write"]) && !p.restriction && (
          <Link to={`/repatriation/new?person=${encodeURIComponent(p.id)}`} data-testid="person-repatriation">
            {t("repatriation.openCase")}
          </Link>
        )}
      </Group>
      <Card withBorder>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Field label={t("persons.names")}>{p.names.map(nameText).join("; ")}</Field>
          <Field label={t("persons.aliases")}>{p.aliases.map(nameText).join("; ") || "—"}</Field>
          <Field label={t("persons.dateOfBirth")}>{p.dateOfBirth ?? "—"}</Field>
          <Field label={t("persons.sexLabel")}>{p.sex ? t(`persons.sex.${p.sex}`) : "—"}</Field>
          <Field label={t("persons.nationalities")}>{p.nationalities.join(", ") || "—"}</Field>
          <Field label={t("persons.version")}>{String(p.version)}</Field>
        </SimpleGrid>
      </Card>
      <Card withBorder data-testid="person-documents">
        <Title order={4} mb="xs">
          {t("persons.documents")}
        </Title>
        {p.documents.length === 0 ? (
          <Text size="sm">—</Text>
        ) : (
          p.documents.map((d) => (
            <Text size="sm" key={`${d.kind}-${d.number ?? ""}-${d.issuingCountry ?? ""}`}>
              {t(`requests.opt.documentKind.${d.kind}`)} {d.number ?? ""} {d.issuingCountry ?? ""}{" "}
              {d.expiresOn ?? ""}
            </Text>
          ))
        )}
      </Card>
      <Card withBorder data-testid="person-links">
        <Title order={4} mb="xs">
          {t("persons.records")}
        </Title>
        {p.links.length === 0 ? (
          <Text size="sm">—</Text>
        ) : (
          p.links.map((l) => (
            <Text size="sm" key={`${l.recordType}-${l.recordId}-${l.ordinal}`}>
              {t(`persons.recordType.${l.recordType}`)}
              {t("common.colon")}
              {l.recordType === "request" ? (
                <Link to={`/requests/${l.recordId}`} data-testid="person-record-link">
                  {l.recordId}
                </Link>
              ) : (
                l.recordId
              )}
              {l.role ? ` · ${t(`requests.subjectRole.${l.role}`)}` : ""}
            </Text>
          ))
        )}
      </Card>
      {hasAnyPermission(user, ["requests:read"]) && <PersonRequests p={p} />}
      <Card withBorder>
        <Title order={4} mb="xs">
          {t("persons.restriction")}
        </Title>
        {p.restriction ? (
          <Alert color="red" data-testid="person-restriction">
            {t("persons.restrictedBecause", {
              reason: p.restriction.reason,
              by: p.restriction.setBy,
              at: when(p.restriction.setAt),
            })}
          </Alert>
        ) : (
          <Text size="sm">{t("persons.notRestricted")}</Text>
        )}
        {hasAnyPermission(user, ["persons:restrict"]) && (
          <Stack gap="xs" mt="sm">
            {!p.restriction && (
              <Textarea
                label={t("persons.restrictionReason")}
                value={reason}
                onChange={(e) => setReason(e.currentTarget.value)}
                data-testid="restriction-reason"
              />
            )}
            <Group>
              <Button
                variant="light"
                color={p.restriction ? "gray" : "red"}
                loading={restrict.isPending}
                data-testid="restriction-toggle"
                onClick={() =>
                  restrict.mutate(p.restriction ? { restricted: false } : { restricted: true, reason })
                }
              >
                {p.restriction ? t("persons.clearRestriction") : t("persons.setRestriction")}
              </Button>
            </Group>
            <ApiErrorAlert error={restrict.error} />
          </Stack>
        )}
      </Card>
      {hasAnyPermission(user, ["persons:export"]) && (
        <Card withBorder>
          <Title order={4} mb="xs">
            {t("persons.export")}
          </Title>
          <Group>
            <Button
              component="a"
              href={`/api/v1/persons/${p.id}/export.json`}
              variant="light"
              data-testid="export-json"
            >
              {t("persons.exportJson")}
            </Button>
            <Button
              component="a"
              href={`/api/v1/persons/${p.id}/export.pdf`}
              variant="light"
              data-testid="export-pdf"
            >
              {t("persons.exportPdf")}
            </Button>
          </Group>
        </Card>
      )}
      {auditor && (
        <Card withBorder data-testid="person-access">
          <Title order={4} mb="xs">
            {t("persons.access")}
          </Title>
          <ApiErrorAlert error={access.error} />
          <div style={{ overflowX: "auto" }}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("persons.accessAt")}</Table.Th>
                  <Table.Th>{t("persons.accessWho")}</Table.Th>
                  <Table.Th>{t("persons.accessWhat")}</Table.Th>
                  <Table.Th>{t("persons.accessReason")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(access.data?.items ?? []).map((a) => (
                  <Table.Tr key={a.id} data-testid="access-row">
                    <Table.Td>{when(a.at)}</Table.Td>
                    <Table.Td>{a.actorLabel}</Table.Td>
                    <Table.Td>
                      {t(`persons.accessAction.${a.action}`)} ·{" "}
                      {t(`persons.recordType.${a.recordType as "request"}`)}
                    </Table.Td>
                    <Table.Td>{a.reason ?? "—"}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
        </Card>
      )}
    </Stack>
  );
}

function Field({ label, children }: { label: string; children: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm">{children}</Text>
    </div>
  );
}
