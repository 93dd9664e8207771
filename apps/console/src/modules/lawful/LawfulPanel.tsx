import {
  type LawfulGround,
  type LawfulKind,
  SCREENING_CHARACTERS,
  type ScreeningCharacter,
} from "@crossline/schemas";
import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  Modal,
  Stack,
  Text,
  Textarea,
  Title,
} from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DateTimeText } from "../../components/DateTime";
import { GroundFields } from "./GroundFields";
import { useFlag, useLawfulStatus, useRefuse } from "./lawful.api";

function FlagModal(props: { kind: LawfulKind; id: string; onClose(): void }) {
  const { t } = useTranslation();
  const flag = useFlag();
  const [characters, setCharacters] = useState<string[]>([]);
  const [note, setNote] = useState("");
  return (
    <Modal opened onClose={props.onClose} title={t("lawful.flag")}>
      <Stack>
        <Checkbox.Group
          label={t("lawful.fields.characters")}
          value={characters}
          onChange={setCharacters}
          required
        >
          <Group mt="xs">
            {SCREENING_CHARACTERS.map((c) => (
              <Checkbox key={c} value={c} label={t(`lawful.character.${c}`)} data-testid={`flag-${c}`} />
            ))}
          </Group>
        </Checkbox.Group>
        <Textarea
          label={t("lawful.fields.note")}
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
          required
          data-testid="flag-note"
        />
        <ApiErrorAlert error={flag.error} />
        <Button
          disabled={!characters.length || !note.trim()}
          loading={flag.isPending}
          data-testid="flag-submit"
          onClick={() =>
            flag.mutate(
              { kind: props.kind, recordId: props.id, characters: characters as ScreeningCharacter[], note },
              { onSuccess: props.onClose },
            )
          }
        >
          {t("lawful.flag")}
        </Button>
      </Stack>
    </Modal>
  );
}

function RefuseModal(props: { kind: LawfulKind; id: string; onClose(): void }) {
  const { t } = useTranslation();
  const refuse = useRefuse();
  const [ground, setGround] = useState<LawfulGround | null>(null);
  const [text, setText] = useState("");
  return (
    <Modal opened onClose={props.onClose} title={t("lawful.refuse")}>
      <Stack>
        <GroundFields ground={ground} text={text} onGround={setGround} onText={setText} testId="refuse" />
        <ApiErrorAlert error={refuse.error} />
        <Button
          color="red"
          disabled={!ground || !text.trim()}
          loading={refuse.isPending}
          data-testid="refuse-submit"
          onClick={() =>
            ground &&
            refuse.mutate(
              { kind: props.kind, recordId: props.id, ground, text },
              { onSuccess: props.onClose },
            )
          }
        >
          {t("lawful.refuse")}
        </Button>
      </Stack>
    </Modal>
  );
}

/**
 * A record's legal review on its page: basis and retention, flags and refusals; flag it (its drafter) or
 * refuse it (an incoming one). Any domain's page can show it for its kind.
 */
export function LawfulPanel(props: { kind: LawfulKind; id: string; canFlag: boolean; canRefuse: boolean }) {
  const { t } = useTranslation();
  const status = useLawfulStatus(props.kind, props.id);
  const [open, setOpen] = useState<"flag" | "refuse" | null>(null);
  const s = status.data;
  if (!s) return <ApiErrorAlert error={status.error} />;
  const openFlag = s.flags.find((f) => f.state !== "cleared");
  return (
    <Card withBorder data-testid="lawful-panel">
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={2} size="h4">
            {t("lawful.panel")}
          </Title>
          <Group gap="xs">
            {props.canFlag && !openFlag && (
              <Button
                size="xs"
                variant="light"
                color="orange"
                onClick={() => setOpen("flag")}
                data-testid="flag-open"
              >
                {t("lawful.flag")}
              </Button>
            )}
            {props.canRefuse && !s.refusals.some((r) => r.direction === "sent") && (
              <Button
                size="xs"
                variant="light"
                color="red"
                onClick={() => setOpen("refuse")}
                data-testid="refuse-open"
              >
                {t("lawful.refuse")}
              </Button>
            )}
          </Group>
        </Group>
        {s.record && (
          <Text size="sm" data-testid="lawful-basis">
            {s.record.basis ? t(`requests.instrument.${s.record.basis.instrument}`) : "—"}
            {s.record.basis?.article ? ` · ${s.record.basis.article}` : ""} · {s.record.purpose}
          </Text>
        )}
        {s.record?.retainUntil && (
          <Text size="sm">
            {t("lawful.retainUntil")}
            {t("common.colon")}
            <DateTimeText iso={s.record.retainUntil} />
          </Text>
        )}
        {s.flags.map((f) => (
          <Alert
            key={f.id}
            color={f.state === "cleared" ? "green" : f.state === "blocked" ? "red" : "orange"}
            data-testid="lawful-flag"
            data-state={f.state}
            title={t(`lawful.flagState.${f.state}`)}
          >
            <Text size="sm">
              {f.characters.map((c) => t(`lawful.character.${c}`)).join(", ")}
              {t("common.colon")}
              {f.note} ({f.flaggedBy})
            </Text>
            {f.ground && (
              <Text size="sm">
                {t(`lawful.ground.${f.ground}`)}
                {t("common.colon")}
                {f.groundText} ({f.decidedBy})
              </Text>
            )}
          </Alert>
        ))}
        {s.refusals.map((r) => (
          <Alert
            key={r.id}
            color="red"
            data-testid="lawful-refusal"
            title={t(`lawful.refusal.${r.direction}`)}
          >
            <Group gap="xs">
              <Badge color="red">{t(`lawful.ground.${r.ground}`)}</Badge>
              <Text size="sm">
                {r.text} ({r.by}, <DateTimeText iso={r.at} />)
              </Text>
            </Group>
          </Alert>
        ))}
      </Stack>
      {open === "flag" && <FlagModal kind={props.kind} id={props.id} onClose={() => setOpen(null)} />}
      {open === "refuse" && <RefuseModal kind={props.kind} id={props.id} onClose={() => setOpen(null)} />}
    </Card>
  );
}
