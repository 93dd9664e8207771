import { FUGITIVE_REQUEST_TYPES, type FugitiveRequestType, type PersonView } from "@crossline/schemas";
import { Badge, Button, Card, Group, Loader, Select, Stack, Text, Title } from "@mantine/core";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useCan, useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { Link, navigate } from "../../router/router";
import { formatDateTime } from "../../util/datetime";
import { eventLabel, statusLabel, typeLabel } from "../requests/labels";
import { RequestForm } from "../requests/RequestFormPage";
import { nameText } from "./PersonsPage";
import { usePerson, usePersonRequestPrefill, usePersonRequests } from "./persons.api";

/**
 * The requests of the unit naming the person, each with its life (a timeline, in the reader's zone), and a
 * start for a new one of the kinds that start from a person (locate, provisional arrest, extradition,
 * deportation, identity check for repatriation).
 */
export function PersonRequests({ p }: { p: PersonView }) {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const canDraft = useCan("requests:draft") && !p.restriction;
  const linked = usePersonRequests(p.id, true);
  const [type, setType] = useState<FugitiveRequestType>("fugitive_locate");
  const items = linked.data ?? [];
  const timeline = items
    .flatMap((r) => r.events.map((e) => ({ ...e, request: r })))
    .sort((a, b) => b.at.localeCompare(a.at));
  return (
    <Card withBorder data-testid="person-requests">
      <Title order={4} mb="xs">
        {t("persons.requests.title")}
      </Title>
      <ApiErrorAlert error={linked.error} />
      {linked.isLoading ? (
        <Loader size="sm" />
      ) : items.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t("persons.requests.none")}
        </Text>
      ) : (
        <Stack gap={4}>
          {items.map((r) => (
            // a div: the badge is one, and a paragraph may not hold it
            <Text component="div" size="sm" key={r.id} data-testid="person-request">
              <Link to={`/requests/${r.id}`} data-testid="person-request-link">
                {r.reference}
              </Link>{" "}
              · {typeLabel(r.type, i18n.language)} · {statusLabel(t, r.status)}
              {r.peerId ? ` · ${r.peerId}` : ""}{" "}
              {r.fromRecord && (
                <Badge size="sm" variant="light" color="blue">
                  {t("persons.requests.fromRecord")}
                </Badge>
              )}
            </Text>
          ))}
        </Stack>
      )}
      {timeline.length > 0 && (
        <>
          <Title order={5} mt="sm" mb={4}>
            {t("persons.requests.timeline")}
          </Title>
          <Stack gap={2} data-testid="person-request-timeline">
            {timeline.map((e) => (
              <Text size="sm" key={`${e.request.id}-${e.event}-${e.at}`}>
                {formatDateTime(e.at, user.timeZone, i18n.language)} · {e.request.reference} ·{" "}
                {eventLabel(t, e.event)} → {statusLabel(t, e.status)}
              </Text>
            ))}
          </Stack>
        </>
      )}
      {canDraft && (
        <Group align="end" mt="sm">
          <Select
            label={t("persons.requests.kind")}
            data={FUGITIVE_REQUEST_TYPES.map((k) => ({ value: k, label: typeLabel(k, i18n.language) }))}
            value={type}
            onChange={(v) => v && setType(v as FugitiveRequestType)}
            allowDeselect={false}
            data-testid="person-request-kind"
            maw={320}
          />
          <Button
            onClick={() => navigate(`/persons/${encodeURIComponent(p.id)}/request/${type}`)}
            data-testid="person-request-start"
          >
            {t("persons.requests.start")}
          </Button>
        </Group>
      )}
    </Card>
  );
}

/** /persons/<id>/request/<kind>: the request form prefilled from the person, drafted through the person. */
export function PersonRequestPage({ id, type }: { id: string; type: FugitiveRequestType }) {
  const { t } = useTranslation();
  const p = usePerson(id);
  const prefill = usePersonRequestPrefill(id, type);
  const start = useMemo(
    () =>
      p.data && prefill.data
        ? {
            prefill: {
              form: prefill.data.form,
              createPath: `/persons/${encodeURIComponent(id)}/requests`,
              from: nameText(p.data.names[0]),
            },
          }
        : undefined,
    [id, p.data, prefill.data],
  );
  if (p.isLoading || prefill.isLoading) return <Loader />;
  if (!start) return <ApiErrorAlert error={p.error ?? prefill.error} />;
  return (
    <Stack>
      <Link to={`/persons/${encodeURIComponent(id)}`} data-testid="person-request-back">
        {t("persons.requests.backToRecord")}
      </Link>
      <RequestForm start={start} />
    </Stack>
  );
}
