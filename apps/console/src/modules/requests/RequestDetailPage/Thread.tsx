import type { RequestDetail } from "@crossline/schemas";
import { Button, Card, Group, Stack, Text, Textarea, Title } from "@mantine/core";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiErrorAlert } from "../../../components/ApiErrorAlert";
import { DateTimeText } from "../../../components/DateTime";
import { useLang } from "../../../i18n";
import { AttachmentPicker } from "../form/Attachments";
import { type AttachmentRef, useMessages, useRequestPost } from "../requests.api";
import { AttachmentLinks } from "./FormSummary";

const THREAD_OPEN = ["sent", "delivered", "acknowledged", "in_progress", "more_info_requested", "answered"];

export function Thread({ request }: { request: RequestDetail }) {
  const { t } = useTranslation();
  const lang = useLang();
  const messages = useMessages(request.id);
  const post = useRequestPost(request.id, "messages");
  const [text, setText] = useState("");
  const [files, setFiles] = useState<AttachmentRef[]>([]);
  const canPost = THREAD_OPEN.includes(request.status);
  // Shown is read: the other side's unread messages are marked read (a signed read receipt goes back).
  const markRead = useRequestPost(request.id, "messages/read");
  const unread = (messages.data?.items ?? [])
    .filter((m) => !m.mine && !m.readAt)
    .map((m) => m.id)
    .join(",");
  const { mutate: sendReceipt } = markRead;
  useEffect(() => {
    if (unread) sendReceipt({});
  }, [unread, sendReceipt]);
  return (
    <Card withBorder data-testid="thread">
      <Title order={4} mb="sm">
        {t("requests.thread.title")}
      </Title>
      <ApiErrorAlert error={messages.error} />
      <Stack gap="xs">
        {messages.data?.items.length === 0 && (
          <Text size="sm" c="dimmed">
            {t("requests.thread.empty")}
          </Text>
        )}
        {messages.data?.items.map((m) => (
          <Card
            key={m.id}
            padding="xs"
            withBorder
            data-testid="message"
            style={{ alignSelf: m.mine ? "flex-end" : "flex-start", maxWidth: "80%" }}
            bg={m.mine ? "var(--mantine-color-blue-light)" : undefined}
          >
            <Group gap="xs">
              <Text size="xs" fw={600}>{`${m.author} · ${m.nodeId}`}</Text>
              <DateTimeText iso={m.at.at} />
            </Group>
            <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
              {m.body.text}
            </Text>
            <AttachmentLinks requestId={request.id} items={m.attachments} />
            {m.mine && m.readAt && (
              <Text size="xs" c="dimmed" data-testid="message-read">
                {t("requests.thread.readBy", { who: m.readBy ?? m.nodeId })} <DateTimeText iso={m.readAt} />
              </Text>
            )}
          </Card>
        ))}
      </Stack>
      {canPost && (
        <Stack mt="sm" gap="xs">
          <Textarea
            placeholder={t("requests.thread.placeholder")}
            autosize
            minRows={2}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            data-testid="message-text"
          />
          <AttachmentPicker value={files} onChange={setFiles} testId="message-attachments" />
          <ApiErrorAlert error={post.error} />
          <Group justify="flex-end">
            <Button
              disabled={!text.trim()}
              loading={post.isPending}
              onClick={() =>
                post.mutate(
                  { body: { lang, text }, attachments: files },
                  {
                    onSuccess: () => {
                      setText("");
                      setFiles([]);
                    },
                  },
                )
              }
              data-testid="message-send"
            >
              {t("requests.thread.send")}
            </Button>
          </Group>
        </Stack>
      )}
    </Card>
  );
}
