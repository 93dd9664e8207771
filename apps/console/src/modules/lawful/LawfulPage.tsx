import type { FlagView, LawfulGround } from "@crossline/schemas";
import { Badge, Button, Card, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useCan } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DateTimeText } from "../../components/DateTime";
import { Link } from "../../router/router";
import { GroundFields } from "./GroundFields";
import { useConfirmBasis, useDecide, useErase, useRetentionDue, useReviewQueue } from "./lawful.api";

/** A link to the record's own page, where its domain has one. */
function RecordLink({ kind, id, title }: { kind: string; id: string; title: string }) {
  return kind === "request" ? <Link to={`/requests/${id}`}>{title}</Link> : <Text size="sm">{title}</Text>;
}

function Decision({ flag }: { flag: FlagView }) {
  const { t } = useTranslation();
  const decide = useDecide();
  const [ground, setGround] = useState<LawfulGround | null>(null);
  const [text, setText] = useState("");
  const send = (decision: "clear" | "block") => {
    if (ground && text.trim()) decide.mutate({ flagId: flag.id, decision, ground, text });
  };
  return (
    <Card withBorder data-testid="review-item" data-record={flag.recordId}>
      <Stack gap="xs">
        <Group justify="space-between">
          <RecordLink kind={flag.kind} id={flag.recordId} title={flag.title} />
          <Badge variant="light">{t(`lawful.kind.${flag.kind}`)}</Badge>
        </Group>
        <Text size="sm">
          {flag.characters.map((c) => t(`lawful.character.${c}`)).join(", ")} · {flag.flaggedBy} ·{" "}
          <DateTimeText iso={flag.flaggedAt} />
        </Text>
        <Text size="sm">{flag.note}</Text>
        <GroundFields ground={ground} text={text} onGround={setGround} onText={setText} testId="decision" />
        <ApiErrorAlert error={decide.error} />
        <Group>
          <Button
            size="xs"
            color="green"
            onClick={() => send("clear")}
            loading={decide.isPending}
            disabled={!ground || !text.trim()}
            data-testid="decision-clear"
          >
            {t("lawful.clear")}
          </Button>
          <Button
            size="xs"
            color="red"
            variant="light"
            onClick={() => send("block")}
            loading={decide.isPending}
            disabled={!ground || !text.trim()}
            data-testid="decision-block"
          >
            {t("lawful.block")}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function ReviewQueue() {
  const { t } = useTranslation();
  const queue = useReviewQueue(true);
  return (
    <Stack data-testid="review-queue">
      <Title order={2} size="h3">
        {t("lawful.queue")}
      </Title>
      {queue.isPending && <Loader />}
      <ApiErrorAlert error={queue.error} />
      {queue.data?.length === 0 && <Text c="dimmed">{t("lawful.queueEmpty")}</Text>}
      {queue.data?.map((f) => (
        <Decision key={f.id} flag={f} />
      ))}
    </Stack>
  );
}

function RetentionDashboard() {
  const { t } = useTranslation();
  const due = useRetentionDue(true);
  const erase = useErase();
  const confirm = useConfirmBasis();
  return (
    <Stack data-testid="retention-dashboard">
      <Title order={2} size="h3">
        {t("lawful.retention")}
      </Title>
      {due.isPending && <Loader />}
      <ApiErrorAlert error={due.error ?? erase.error ?? confirm.error} />
      {due.data?.length === 0 && <Text c="dimmed">{t("lawful.retentionEmpty")}</Text>}
      {!!due.data?.length && (
        <Table.ScrollContainer minWidth={600}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("lawful.fields.record")}</Table.Th>
                <Table.Th>{t("lawful.fields.due")}</Table.Th>
                <Table.Th>{t("lawful.fields.dueAt")}</Table.Th>
                <Table.Th>{t("common.actions")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {due.data.map((i) => (
                <Table.Tr key={`${i.kind}:${i.recordId}`} data-testid="retention-item">
                  <Table.Td>
                    <RecordLink kind={i.kind} id={i.recordId} title={i.title} />
                    <Text size="xs" c="dimmed">
                      {t(`lawful.kind.${i.kind}`)}
                      {i.pendingReview ? ` · ${t("lawful.pendingReview")}` : ""}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={i.due === "deletion" ? "red" : "yellow"}>{t(`lawful.due.${i.due}`)}</Badge>
                  </Table.Td>
                  <Table.Td>
                    <DateTimeText iso={i.dueAt} />
                  </Table.Td>
                  <Table.Td>
                    {i.due === "deletion" ? (
                      <Button
                        size="xs"
                        color="red"
                        variant="light"
                        onClick={() => erase.mutate({ kind: i.kind, recordId: i.recordId })}
                        loading={erase.isPending}
                      >
                        {t(`lawful.action.${i.action}`)}
                      </Button>
                    ) : (
                      <Button
                        size="xs"
                        variant="light"
                        onClick={() => confirm.mutate({ kind: i.kind, recordId: i.recordId })}
                        loading={confirm.isPending}
                      >
                        {t("lawful.confirmBasis")}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

/** Legal review: the queue of flagged items (legal reviewers) and the retention dashboard. */
export function LawfulPage() {
  const { t } = useTranslation();
  const canReview = useCan("lawful:review");
  const canRetain = useCan("lawful:retention");
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("lawful.title")}
      </Title>
      {canReview && <ReviewQueue />}
      {canRetain && <RetentionDashboard />}
    </Stack>
  );
}
