import { DECLINE_GROUNDS, RequestActionInput } from "@crossline/schemas";
import { Alert, Button, Group, Modal, Select, Stack, Textarea } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiErrorAlert } from "../../../components/ApiErrorAlert";
import { useLang } from "../../../i18n";
import { useFieldCheck } from "../../../util/validation";
import { AttachmentPicker } from "../form/Attachments";
import { eventLabel } from "../labels";
import { type AttachmentRef, useRequestAction } from "../requests.api";

const TEXT_FIELD: Partial<Record<string, { field: string; required: boolean }>> = {
  submit_for_approval: { field: "note", required: false },
  approve: { field: "note", required: false },
  reject_approval: { field: "reason", required: true },
  acknowledge: { field: "note", required: false },
  start_work: { field: "note", required: false },
  request_more_info: { field: "question", required: true },
  provide_more_info: { field: "information", required: true },
  close: { field: "note", required: false },
  withdraw: { field: "reason", required: true },
};

export function ActionModal({
  request,
  event,
  onClose,
}: {
  request: { id: string };
  event: string;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const act = useRequestAction(request.id);
  const [text, setText] = useState("");
  const [outcome, setOutcome] = useState<string | null>("fulfilled");
  const [grounds, setGrounds] = useState<string | null>(null);
  const [explanation, setExplanation] = useState("");
  const [attachments, setAttachments] = useState<AttachmentRef[]>([]);
  const spec = TEXT_FIELD[event];
  const withFiles = event === "answer" || event === "provide_more_info";
  // checked on the page with the server's schema; problems show beside their fields
  const form = useFieldCheck(t, RequestActionInput, lang);
  const textPath = event === "answer" ? "answer.summary.text" : `${spec?.field ?? "note"}.text`;

  const submit = () => {
    let body: Record<string, unknown> = { event };
    if (event === "answer") {
      const answer: Record<string, unknown> = { outcome, summary: { lang, text }, attachments };
      if (outcome !== "fulfilled" && grounds)
        answer.grounds = { code: grounds, explanation: { lang, text: explanation } };
      body = { event, answer };
    } else if (spec && (spec.required || text.trim())) {
      body[spec.field] = { lang, text };
    }
    if (event === "provide_more_info") body.attachments = attachments;
    if (spec?.required && !text.trim()) body[spec.field] = { lang, text };
    if (!form.check(body)) return;
    act.mutate(body, { onSuccess: onClose });
  };

  return (
    <Modal opened onClose={onClose} title={eventLabel(t, event)} data-testid="action-modal">
      <Stack>
        {event === "approve" && (
          // Approval is the last step before the request leaves this node: say so before the click.
          <Alert color="blue" variant="light" data-testid="approve-sends">
            {t("requests.approveSends")}
          </Alert>
        )}
        {event === "answer" && (
          <Select
            label={t("requests.answer.outcome")}
            data={["fulfilled", "partly_fulfilled", "declined"].map((o) => ({
              value: o,
              label: t(`requests.outcome.${o}` as "requests.outcome.fulfilled"),
            }))}
            value={outcome}
            onChange={setOutcome}
            allowDeselect={false}
            error={form.error("answer.outcome", act.error)}
            data-testid="answer-outcome"
          />
        )}
        {(event === "answer" || spec) && (
          <Textarea
            label={
              event === "answer"
                ? t("requests.answer.summary")
                : t(`requests.actionField.${spec?.field ?? "note"}` as "requests.actionField.note")
            }
            required={event === "answer" || spec?.required}
            autosize
            minRows={3}
            value={text}
            onChange={(e) => {
              setText(e.currentTarget.value);
              form.clear(textPath);
            }}
            error={form.error(textPath, act.error)}
            data-testid="action-text"
          />
        )}
        {event === "answer" && outcome !== "fulfilled" && (
          <>
            <Select
              label={t("requests.answer.grounds")}
              required={outcome === "declined"}
              data={DECLINE_GROUNDS.map((g) => ({
                value: g,
                label: t(`requests.grounds.${g}` as "requests.grounds.other"),
              }))}
              value={grounds}
              onChange={(g) => {
                setGrounds(g);
                form.clear("answer.grounds");
              }}
              clearable
              error={form.error("answer.grounds", act.error) ?? form.error("answer.grounds.code", act.error)}
              data-testid="answer-grounds"
            />
            <Textarea
              label={t("requests.answer.explanation")}
              required={outcome === "declined"}
              autosize
              minRows={2}
              value={explanation}
              onChange={(e) => setExplanation(e.currentTarget.value)}
              error={form.error("answer.grounds.explanation.text", act.error)}
              data-testid="answer-explanation"
            />
          </>
        )}
        {withFiles && (
          <AttachmentPicker value={attachments} onChange={setAttachments} testId="action-attachments" />
        )}
        <ApiErrorAlert error={act.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button onClick={submit} loading={act.isPending} data-testid="action-confirm">
            {eventLabel(t, event)}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
