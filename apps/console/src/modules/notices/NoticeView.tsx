import type { NoticeDetail } from "@crossline/schemas";
import { NOTICE_OUTCOMES, NOTICE_REFUSAL_GROUNDS } from "@crossline/schemas";
import {
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  FileInput,
  Group,
  List,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { currentLanguage } from "../../i18n";
import { Link } from "../../router/router";
import { formatDateTime } from "../../util/datetime";
import { fileBase64 } from "../../util/files";
import { Countdown } from "./Countdown";
import {
  useNoticeAction,
  useNoticeMessage,
  usePortalAction,
  usePortalAnswer,
  useSignedNotice,
  useUploadEvidence,
} from "./notices.api";

const STATUS_COLOURS: Record<string, string> = {
  draft: "gray",
  pending_approval: "yellow",
  sent: "blue",
  received: "cyan",
  in_progress: "indigo",
  done: "green",
  partly_done: "lime",
  refused: "red",
  withdrawn: "dark",
};

export function NoticeStatusBadge({ status }: { status: NoticeDetail["status"] }) {
  const { t } = useTranslation();
  return (
    <Badge color={STATUS_COLOURS[status] ?? "gray"} data-testid="notice-status" data-status={status}>
      {t(`notices.status.${status}`)}
    </Badge>
  );
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <div>{children}</div>
    </div>
  );
}

/** A deadline as the reader's wall clock (the server renders it in their zone) with a countdown while open. */
export function Deadline({ d, open, testId }: { d: NoticeDetail["actBy"]; open: boolean; testId?: string }) {
  const { t } = useTranslation();
  if (!d) return <Text span>{t("notices.none")}</Text>;
  return (
    <Group gap="xs" wrap="wrap">
      <Text
        size="sm"
        data-testid={testId}
      >{`${d.local.slice(0, 16).replace("T", " ")} ${d.local.slice(19)}`}</Text>
      {open && <Countdown at={d.at} />}
    </Group>
  );
}

function AuthorityActions({ n }: { n: NoticeDetail }) {
  const { t } = useTranslation();
  const action = useNoticeAction(n.id);
  const [reason, setReason] = useState("");
  const simple = n.allowedActions.filter((a) => a !== "withdraw");
  if (n.allowedActions.length === 0) return null;
  return (
    <Card withBorder data-testid="notice-actions">
      <Stack>
        <Group>
          {simple.map((a) => (
            <Button
              key={a}
              onClick={() => action.mutate({ event: a })}
              loading={action.isPending}
              data-testid={`notice-action-${a}`}
            >
              {t(`notices.event.${a}`)}
            </Button>
          ))}
        </Group>
        {n.allowedActions.includes("withdraw") && (
          <Group align="flex-end">
            <Textarea
              label={t("notices.fields.withdrawReason")}
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              maxLength={2000}
              autosize
              style={{ flex: 1, minWidth: 200 }}
              data-testid="notice-withdraw-reason"
            />
            <Button
              color="red"
              variant="light"
              disabled={reason.trim() === ""}
              onClick={() => action.mutate({ event: "withdraw", reason: reason.trim() })}
              data-testid="notice-action-withdraw"
            >
              {t("notices.event.withdraw")}
            </Button>
          </Group>
        )}
        <ApiErrorAlert error={action.error} />
      </Stack>
    </Card>
  );
}

function ProviderActions({ n }: { n: NoticeDetail }) {
  const { t } = useTranslation();
  const action = usePortalAction(n.id);
  const answer = usePortalAnswer(n.id);
  const upload = useUploadEvidence(n.id);
  const [outcome, setOutcome] = useState<string>("done");
  const [grounds, setGrounds] = useState<string | null>(null);
  const [text, setText] = useState("");
  const [files, setFiles] = useState<{ id: string; name: string }[]>([]);
  if (n.allowedActions.length === 0) return null;
  const onFile = async (f: File | null) => {
    if (!f) return;
    const a = await upload.mutateAsync({ name: f.name, contentBase64: await fileBase64(f) });
    setFiles((x) => [...x, { id: a.id, name: a.name }]);
  };
  return (
    <Card withBorder data-testid="portal-actions">
      <Stack>
        <Group>
          {n.allowedActions
            .filter((a) => a === "receive" || a === "start_work")
            .map((a) => (
              <Button
                key={a}
                variant="light"
                onClick={() => action.mutate({ event: a })}
                loading={action.isPending}
                data-testid={`portal-action-${a}`}
              >
                {t(`notices.event.${a}`)}
              </Button>
            ))}
        </Group>
        <ApiErrorAlert error={action.error} />
        {n.allowedActions.includes("answer") && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              answer.mutate({
                outcome,
                text: { lang: currentLanguage(), text },
                ...(outcome !== "done" && grounds ? { grounds } : {}),
                attachmentIds: files.map((f) => f.id),
              });
            }}
            data-testid="portal-answer-form"
          >
            <Stack>
              <Title order={2} size="h4">
                {t("notices.fields.answer")}
              </Title>
              <Select
                label={t("notices.fields.outcome")}
                data={NOTICE_OUTCOMES.map((o) => ({ value: o, label: t(`notices.outcomeLabel.${o}`) }))}
                value={outcome}
                onChange={(v) => setOutcome(v ?? "done")}
                allowDeselect={false}
                data-testid="portal-answer-outcome"
              />
              {outcome !== "done" && (
                <Select
                  label={t("notices.fields.grounds")}
                  data={NOTICE_REFUSAL_GROUNDS.map((g) => ({ value: g, label: t(`notices.grounds.${g}`) }))}
                  value={grounds}
                  onChange={setGrounds}
                  data-testid="portal-answer-grounds"
                />
              )}
              <Textarea
                label={t("notices.fields.answer")}
                value={text}
                onChange={(e) => setText(e.currentTarget.value)}
                autosize
                minRows={2}
                required
                data-testid="portal-answer-text"
              />
              <FileInput
                label={t("notices.upload")}
                onChange={(f) => void onFile(f)}
                clearable={false}
                data-testid="portal-evidence"
              />
              {files.length > 0 && (
                <List size="sm" data-testid="portal-evidence-list">
                  {files.map((f) => (
                    <List.Item key={f.id}>{f.name}</List.Item>
                  ))}
                </List>
              )}
              <ApiErrorAlert error={upload.error ?? answer.error} />
              <Group justify="flex-end">
                <Button
                  type="submit"
                  disabled={text.trim() === ""}
                  loading={answer.isPending}
                  data-testid="portal-answer-submit"
                >
                  {t("notices.answerSubmit")}
                </Button>
              </Group>
            </Stack>
          </form>
        )}
      </Stack>
    </Card>
  );
}

/** An instant on the reader's clock, with its offset, in the interface language. */
function useReadableInstant() {
  const { i18n } = useTranslation();
  const { user } = useSession();
  return (iso: string) => formatDateTime(iso, user.timeZone, i18n.language);
}

function Thread({ n, side }: { n: NoticeDetail; side: "authority" | "provider" }) {
  const { t } = useTranslation();
  const at = useReadableInstant();
  const post = useNoticeMessage(n.id);
  const [text, setText] = useState("");
  const open =
    side === "provider" ? ["sent", "received", "in_progress"].includes(n.status) : n.sentAt !== null;
  return (
    <Stack gap="xs" data-testid="notice-thread">
      <Title order={2} size="h4">
        {t("notices.fields.messages")}
      </Title>
      {n.messages.map((m) => (
        <Card key={m.id} withBorder padding="xs" data-testid="notice-message">
          <Text size="xs" c="dimmed">{`${m.author} · ${at(m.at)}`}</Text>
          <Text size="sm" lang={m.text.lang}>
            {m.text.text}
          </Text>
        </Card>
      ))}
      {open && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            post.mutate({ text: { lang: currentLanguage(), text } }, { onSuccess: () => setText("") });
          }}
        >
          <Group align="flex-end">
            <Textarea
              label={side === "provider" ? t("notices.ask") : t("notices.reply")}
              value={text}
              onChange={(e) => setText(e.currentTarget.value)}
              autosize
              style={{ flex: 1, minWidth: 200 }}
              data-testid="notice-message-text"
            />
            <Button
              type="submit"
              variant="light"
              disabled={text.trim() === ""}
              loading={post.isPending}
              data-testid="notice-message-send"
            >
              {side === "provider" ? t("notices.ask") : t("notices.reply")}
            </Button>
          </Group>
          <ApiErrorAlert error={post.error} />
        </form>
      )}
    </Stack>
  );
}

/** One notice, for the authority (officers) or for the provider (the portal): the same page, each side's actions. */
export function NoticeView({ n, side }: { n: NoticeDetail; side: "authority" | "provider" }) {
  const { t, i18n } = useTranslation();
  const at = useReadableInstant();
  const zh = i18n.language.startsWith("zh");
  const open = ["sent", "received", "in_progress"].includes(n.status);
  const signed = useSignedNotice(n.id, n.verificationCode !== null);
  const signedHref = signed.data
    ? `data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(signed.data, null, 2))}`
    : undefined;
  return (
    <Stack data-testid="notice-detail" data-status={n.status}>
      <Group justify="space-between" wrap="wrap">
        <Title order={1} size="h2">
          {n.reference}
        </Title>
        <NoticeStatusBadge status={n.status} />
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
        <Field label={t("notices.fields.provider")}>{zh ? n.providerNameZh : n.providerName}</Field>
        <Field label={t("notices.fields.kind")}>{t(`notices.kind.${n.kind}`)}</Field>
        <Field label={t("notices.fields.urgency")}>{t(`requests.urgency.${n.urgency}`)}</Field>
        <Field label={t("notices.fields.acknowledgeBy")}>
          <Deadline d={n.acknowledgeBy} open={n.status === "sent"} />
        </Field>
        <Field label={t("notices.fields.actBy")}>
          <Deadline d={n.actBy} open={open} testId="notice-act-by" />
        </Field>
        <Field label={t("notices.fields.timeToAction")}>
          {n.timeToActionMinutes === null
            ? t("notices.none")
            : t("notices.minutes", { n: n.timeToActionMinutes })}
        </Field>
        <Field label={t("notices.fields.law")}>{`${n.legalBasis.law}, ${n.legalBasis.article}`}</Field>
        <Field label={t("notices.fields.createdBy")}>{n.createdBy}</Field>
        <Field label={t("notices.fields.approvedBy")}>{n.approvedBy ?? t("notices.none")}</Field>
      </SimpleGrid>
      <Field label={t("notices.fields.reason")}>
        <Text size="sm" lang={n.reason.lang}>
          {n.reason.text}
        </Text>
      </Field>
      <Field label={t("notices.fields.locators")}>
        <Table.ScrollContainer minWidth={300}>
          <Table data-testid="notice-locators">
            <Table.Tbody>
              {n.locators.map((l, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: locators have no id and never reorder
                <Table.Tr key={i}>
                  <Table.Td>{t(`requests.opt.identifierType.${l.identifier.type}`)}</Table.Td>
                  <Table.Td style={{ wordBreak: "break-all" }}>
                    <Code>{l.identifier.value}</Code>
                  </Table.Td>
                  <Table.Td>
                    {l.from || l.to ? `${l.from ? at(l.from) : "…"} – ${l.to ? at(l.to) : "…"}` : ""}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Field>
      {n.links.length > 0 && (
        <Field label={t("notices.chain")}>
          <Stack gap={4} data-testid="notice-chain">
            {n.links.map((l) => (
              <Group key={`${l.kind}-${l.requestId}`} gap="xs" wrap="wrap">
                <Link to={`/requests/${l.requestId}`} data-testid="notice-chain-link">
                  {t(l.kind === "request_out" ? "notices.chainOut" : "notices.chainIn", {
                    reference: l.reference ?? l.requestId,
                    peer: l.peerId ?? "",
                  })}
                </Link>
                {l.status && <Text size="sm">{t(`requests.status.${l.status}`)}</Text>}
                {l.evidence.map((a) => (
                  // The provider's evidence, carried by the request's answer: downloaded from the request.
                  <Anchor
                    key={a.id}
                    size="sm"
                    href={`/api/v1/requests/${l.requestId}/attachments/${a.id}`}
                    data-testid="notice-chain-evidence"
                  >
                    {t("notices.chainEvidence", { name: a.name })}
                  </Anchor>
                ))}
              </Group>
            ))}
          </Stack>
        </Field>
      )}
      {n.verificationCode && (
        <Field label={t("notices.fields.code")}>
          <Group gap="sm" wrap="wrap">
            <Code data-testid="notice-code">{n.verificationCode}</Code>
            {signedHref && (
              <Anchor
                href={signedHref}
                download={`${n.reference}.json`}
                size="sm"
                data-testid="notice-signed"
              >
                {t("notices.downloadSigned")}
              </Anchor>
            )}
          </Group>
        </Field>
      )}
      {n.answer && (
        <Card withBorder data-testid="notice-answer">
          <Text
            fw={600}
          >{`${t("notices.fields.answer")}${t("common.colon")}${t(`notices.outcomeLabel.${n.answer.outcome}`)}`}</Text>
          {n.answer.grounds && <Text size="sm">{t(`notices.grounds.${n.answer.grounds}`)}</Text>}
          <Text size="sm" lang={n.answer.text.lang}>
            {n.answer.text.text}
          </Text>
          {n.answer.attachments.map((a) => (
            <Anchor
              key={a.id}
              href={`/api/v1/notices/${n.id}/evidence/${a.id}`}
              size="sm"
              data-testid="notice-evidence"
            >
              {a.name}
            </Anchor>
          ))}
        </Card>
      )}
      {side === "authority" ? <AuthorityActions n={n} /> : <ProviderActions n={n} />}
      <Thread n={n} side={side} />
      <Stack gap="xs">
        <Title order={2} size="h4">
          {t("notices.fields.timeline")}
        </Title>
        <List size="sm" data-testid="notice-timeline">
          {n.timeline.map((e) => (
            <List.Item key={e.id}>{`${at(e.at)} · ${t(`notices.event.${e.event}`)} · ${e.actor}`}</List.Item>
          ))}
        </List>
      </Stack>
    </Stack>
  );
}
