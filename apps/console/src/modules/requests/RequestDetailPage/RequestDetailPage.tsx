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
  Title,
} from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useCan } from "../../../auth/session";
import { ApiErrorAlert } from "../../../components/ApiErrorAlert";
import { DualDateTime } from "../../../components/DateTime";
import { useLang } from "../../../i18n";
import { Link } from "../../../router/router";
import { LawfulPanel } from "../../lawful/LawfulPanel";
import { NoticeFromRequest } from "../../notices/NoticeFromRequest";
import { DeadlineBadge, eventLabel, StatusBadge, statusLabel, typeLabel, UrgencyBadge } from "../labels";
import { type AttachmentRef, useRequest } from "../requests.api";
import { ActionModal } from "./ActionModal";
import { eventDetails, str } from "./event-details";
import { AttachmentLinks, FormSummary } from "./FormSummary";
import { Preservation } from "./Preservation";
import { Deadline, Field } from "./parts";
import { SecondCheckForm } from "./SecondCheckForm";
import { Thread } from "./Thread";

/** The console page of the record a request was drafted from (`origin`), and the words of its link. */
const ORIGIN_PAGE = { fugitive: "/fugitives", person: "/persons", asset: "/assets" } as const;
const ORIGIN_LABEL = {
  fugitive: "requests.detail.fromFugitive",
  person: "requests.detail.fromPerson",
  asset: "requests.detail.fromAsset",
} as const;

export function RequestDetailPage({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const request = useRequest(id);
  const [action, setAction] = useState<string | null>(null);
  const canDraft = useCan("requests:draft");
  const canBoard = useCan("requests:read");
  const canSeePersons = useCan("persons:read");
  const canAnswer = useCan("requests:answer");
  const canNotice = useCan("notices:draft");
  const lang = useLang();
  if (request.isPending) return <Loader />;
  if (request.error || !request.data) return <ApiErrorAlert error={request.error} />;
  const r = request.data;
  const form = r.form as Record<string, unknown>;
  return (
    <Stack data-testid="request-detail">
      <Group justify="space-between" align="flex-start">
        <div>
          <Text size="sm">
            {/* Back to the board for those who have it (a case officer has no hotline page). */}
            {canBoard ? (
              <Link to="/requests" data-testid="request-back">
                {t("nav.requests")}
              </Link>
            ) : (
              <Link to="/hotline" data-testid="request-back">
                {t("nav.hotline")}
              </Link>
            )}
          </Text>
          <Title order={1} size="h2" data-testid="request-reference">
            {r.reference}
          </Title>
          <Text>{r.title}</Text>
        </div>
        <Group gap="xs">
          {canDraft && r.direction === "outgoing" && r.status === "draft" && (
            <Link to={`/requests/${r.id}/edit`}>
              <Button component="span" size="xs" variant="light" data-testid="edit-draft">
                {t("requests.detail.editDraft")}
              </Button>
            </Link>
          )}
          {canDraft && r.direction === "outgoing" && r.status !== "draft" && (
            <Link to={`/requests/${r.id}/follow-up`}>
              <Button component="span" size="xs" variant="light" data-testid="follow-up">
                {t("requests.detail.followUp")}
              </Button>
            </Link>
          )}
          <Badge variant="light" color="indigo" data-testid="request-type">
            {typeLabel(r.type, i18n.language)}
          </Badge>
          <UrgencyBadge urgency={r.urgency} />
          <StatusBadge status={r.status} />
          <DeadlineBadge state={r.deadlineState} />
        </Group>
      </Group>
      <Card withBorder>
        <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
          <Field label={t("requests.detail.direction")}>
            <Text size="sm">{t(`hotline.${r.direction}`)}</Text>
          </Field>
          <Field label={t("requests.detail.ourReference")}>
            <Text size="sm" ff="monospace">
              {r.reference}
            </Text>
          </Field>
          <Field label={t("requests.detail.theirReference")}>
            <Text size="sm" ff="monospace" data-testid="their-reference">
              {r.reference}
            </Text>
            <Text size="xs" c="dimmed">
              {t("requests.detail.sameReference", { node: r.peerId ?? "—" })}
            </Text>
          </Field>
          <Field label={t("requests.fields.peer")}>
            <Text size="sm">{r.peerId ?? "—"}</Text>
          </Field>
          <Deadline
            label={t("hotline.dueKind.acknowledge")}
            at={r.deadlines.acknowledgeBy}
            metAt={r.acknowledgedAt}
            testId="deadline-ack"
          />
          <Deadline
            label={t("hotline.dueKind.answer")}
            at={r.deadlines.answerBy}
            metAt={r.answeredAt}
            testId="deadline-answer"
          />
          <Field label={t("requests.detail.createdBy")}>
            <Text size="sm">{r.createdBy}</Text>
          </Field>
          {r.outcome && (
            <Field label={t("requests.answer.outcome")}>
              <Badge>{t(`requests.outcome.${r.outcome}`)}</Badge>
            </Field>
          )}
        </SimpleGrid>
      </Card>

      {r.origin && (
        <Text size="sm" data-testid="request-origin">
          <Link to={`${ORIGIN_PAGE[r.origin.type]}/${encodeURIComponent(r.origin.id)}`}>
            {t(ORIGIN_LABEL[r.origin.type])}
          </Link>
        </Text>
      )}
      <FormSummary form={form} requestId={r.id} />
      {canSeePersons && r.subjectPersons.length > 0 && (
        <Card withBorder data-testid="request-persons">
          <Title order={4} mb="xs">
            {t("persons.personsNamed")}
          </Title>
          {r.subjectPersons.map((p) => {
            const subject = (
              form.subjects as { names?: { original: string; romanised?: string }[] }[] | undefined
            )?.[p.ordinal];
            const name = subject?.names?.[0];
            return (
              <Text size="sm" key={p.personId + p.ordinal}>
                <Link to={`/persons/${p.personId}`} data-testid="request-person-link">
                  {name
                    ? name.romanised
                      ? `${name.original} (${name.romanised})`
                      : name.original
                    : t("persons.openPerson")}
                </Link>
              </Text>
            );
          })}
        </Card>
      )}
      <LawfulPanel
        kind="request"
        id={r.id}
        canFlag={canDraft && r.direction === "outgoing" && ["draft", "pending_approval"].includes(r.status)}
        canRefuse={canAnswer && r.direction === "incoming"}
      />
      <Card withBorder data-testid="actions">
        <Title order={4} mb="sm">
          {t("common.actions")}
        </Title>
        {r.allowedActions.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="no-actions">
            {t("requests.detail.noActions")}
          </Text>
        ) : (
          <Group>
            {r.allowedActions.map((a) => (
              <Button
                key={a}
                variant={a === "withdraw" || a === "reject_approval" ? "light" : "filled"}
                color={a === "withdraw" || a === "reject_approval" ? "red" : undefined}
                onClick={() => setAction(a)}
                data-testid={`action-${a}`}
              >
                {eventLabel(t, a)}
              </Button>
            ))}
          </Group>
        )}
        {r.secondCheckRequired && r.secondCheck && (
          <Alert
            mt="sm"
            color={r.secondCheck.result === "confirmed" ? "green" : "red"}
            data-testid="second-check"
          >
            {t("requests.secondCheck.recorded", {
              who: r.secondCheck.checkedBy.name,
              method: t(`requests.secondCheck.methods.${r.secondCheck.method}`),
              contact: r.secondCheck.namedContact.name,
              result: t(`requests.secondCheck.results.${r.secondCheck.result}`),
            })}
          </Alert>
        )}
      </Card>
      {action && <ActionModal request={r} event={action} onClose={() => setAction(null)} />}
      {r.secondCheckRequired &&
        r.direction === "incoming" &&
        !["answered", "closed", "withdrawn"].includes(r.status) && <SecondCheckForm request={r} />}

      {canNotice && r.direction === "incoming" && !["answered", "closed", "withdrawn"].includes(r.status) && (
        <NoticeFromRequest requestId={r.id} />
      )}
      {r.answer && (
        <Card withBorder data-testid="answer">
          <Title order={4} mb="xs">
            {t("requests.answer.title")}
          </Title>
          <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
            {str(r.answer.summary)}
          </Text>
          {r.answer.grounds ? (
            <Text size="sm" c="dimmed">
              {`${t(`requests.grounds.${str((r.answer.grounds as { code?: unknown }).code)}` as "requests.grounds.other")}${t("common.colon")}${str((r.answer.grounds as { explanation?: unknown }).explanation)}`}
            </Text>
          ) : null}
          {Array.isArray(r.answer.attachments) && (
            <AttachmentLinks requestId={r.id} items={r.answer.attachments as AttachmentRef[]} />
          )}
        </Card>
      )}
      {r.type === "preservation" && <Preservation request={r} />}
      <Thread request={r} />

      <Card withBorder data-testid="timeline">
        <Title order={4} mb="sm">
          {t("requests.timeline.title")}
        </Title>
        <Table.ScrollContainer minWidth={800}>
          <Table striped verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("requests.timeline.when")}</Table.Th>
                <Table.Th>{t("requests.timeline.event")}</Table.Th>
                <Table.Th>{t("requests.timeline.status")}</Table.Th>
                <Table.Th>{t("requests.timeline.who")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {r.timeline.map((e) => (
                <Table.Tr key={e.id} data-testid="timeline-event" data-event={e.event}>
                  <Table.Td>
                    <DualDateTime iso={e.at.at} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{eventLabel(t, e.event)}</Text>
                    {eventDetails(t, e, lang).map((line) => (
                      <Text
                        key={line}
                        size="xs"
                        c="dimmed"
                        style={{ whiteSpace: "pre-wrap" }}
                        data-testid="timeline-detail"
                      >
                        {line}
                      </Text>
                    ))}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {e.fromStatus ? `${statusLabel(t, e.fromStatus)} → ` : ""}
                      {statusLabel(t, e.toStatus)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{e.actor}</Text>
                    <Text size="xs" c="dimmed">{`${e.nodeId} · ${t(`requests.side.${e.side}`)}`}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
    </Stack>
  );
}
