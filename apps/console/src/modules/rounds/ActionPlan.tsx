import {
  ACTION_STATUSES,
  type ActionItem,
  localToInstant,
  type RoundView,
  toZonedIso,
} from "@crossline/schemas";
import {
  Badge,
  Button,
  Group,
  Modal,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useCan } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DateTimeText } from "../../components/DateTime";
import { DateTimeField } from "../../components/DateTimeField";
import { Bi } from "./Bi";
import { Section, useRoundChange } from "./RoundParts";
import { partId, roundsApi } from "./rounds.api";

export const STATUS_COLOURS: Record<string, string> = {
  planned: "gray",
  in_progress: "blue",
  done: "green",
  dropped: "dark",
};

/** The round's action plan: the count per side, every item with its latest progress, new items and updates. */
export function ActionPlan({ view }: { view: RoundView }) {
  const { t } = useTranslation();
  const canWrite = useCan("rounds:write");
  const d = view.doc;
  const summary = useQuery({
    queryKey: ["round-summary", d.id, d.version],
    queryFn: () => roundsApi.summary(d.id),
  });
  const [updating, setUpdating] = useState<ActionItem | null>(null);
  const [adding, setAdding] = useState(false);
  const overdue = (a: ActionItem) =>
    (a.status === "planned" || a.status === "in_progress") && Date.parse(a.dueAt) < Date.now();
  return (
    <Section title={t("rounds.actionPlan")} testId="round-actions">
      {summary.data && (
        <Table.ScrollContainer minWidth={480}>
          <Table data-testid="action-summary">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("rounds.side")}</Table.Th>
                {ACTION_STATUSES.map((s) => (
                  <Table.Th key={s}>{t(`rounds.actionStatus.${s}`)}</Table.Th>
                ))}
                <Table.Th>{t("rounds.overdue")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {summary.data.bySide.map((s) => (
                <Table.Tr key={s.node}>
                  <Table.Td>{s.node}</Table.Td>
                  {ACTION_STATUSES.map((st) => (
                    <Table.Td key={st}>{s[st]}</Table.Td>
                  ))}
                  <Table.Td>{s.overdue}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Table.ScrollContainer minWidth={720}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("rounds.actionText")}</Table.Th>
              <Table.Th>{t("rounds.owner")}</Table.Th>
              <Table.Th>{t("rounds.dueAt")}</Table.Th>
              <Table.Th>{t("rounds.status")}</Table.Th>
              <Table.Th>{t("rounds.progress")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {d.actionItems.map((a) => {
              const last = a.updates[a.updates.length - 1];
              return (
                <Table.Tr key={a.id} data-testid="action-item" data-status={a.status}>
                  <Table.Td>
                    <Bi v={a.text} size="sm" />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{`${a.ownerNode} · ${a.agency}`}</Text>
                    <Text size="xs" c="dimmed">
                      {a.officer}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <DateTimeText iso={a.dueAt} />
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      <Badge color={STATUS_COLOURS[a.status]} variant="light">
                        {t(`rounds.actionStatus.${a.status}`)}
                      </Badge>
                      {overdue(a) && (
                        <Badge color="red" data-testid="action-overdue">
                          {t("rounds.overdue")}
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    {last && <Bi v={last.note} size="xs" />}
                    {canWrite && (
                      <Button
                        size="compact-xs"
                        variant="subtle"
                        onClick={() => setUpdating(a)}
                        data-testid="action-update"
                      >
                        {t("rounds.update")}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {d.actionItems.length === 0 && (
        <Text size="sm" c="dimmed">
          {t("rounds.noActions")}
        </Text>
      )}
      {canWrite && (
        <Group>
          <Button size="xs" variant="light" onClick={() => setAdding(true)} data-testid="action-new">
            {t("rounds.newAction")}
          </Button>
        </Group>
      )}
      {updating && <ProgressModal view={view} item={updating} onClose={() => setUpdating(null)} />}
      {adding && <NewActionModal view={view} onClose={() => setAdding(false)} />}
    </Section>
  );
}

function ProgressModal({ view, item, onClose }: { view: RoundView; item: ActionItem; onClose: () => void }) {
  const { t } = useTranslation();
  const change = useRoundChange(view);
  const [status, setStatus] = useState<string>(item.status);
  const [en, setEn] = useState("");
  const [zh, setZh] = useState("");
  return (
    <Modal opened onClose={onClose} title={t("rounds.update")}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          change.mutate(
            {
              op: "action.progress",
              itemId: item.id,
              at: new Date().toISOString(),
              note: { en, zh },
              ...(status !== item.status ? { status: status as ActionItem["status"] } : {}),
            },
            { onSuccess: onClose },
          );
        }}
      >
        <Stack>
          <Select
            label={t("rounds.status")}
            data={ACTION_STATUSES.map((s) => ({ value: s, label: t(`rounds.actionStatus.${s}`) }))}
            value={status}
            onChange={(v) => setStatus(v ?? item.status)}
            allowDeselect={false}
            data-testid="progress-status"
          />
          <Textarea
            label={t("rounds.noteEn")}
            lang="en"
            value={en}
            onChange={(e) => setEn(e.currentTarget.value)}
          />
          <Textarea
            label={t("rounds.noteZh")}
            lang="zh-CN"
            value={zh}
            onChange={(e) => setZh(e.currentTarget.value)}
          />
          {change.error && <ApiErrorAlert error={change.error} />}
          <Button type="submit" loading={change.isPending} data-testid="progress-save">
            {t("rounds.save")}
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}

function NewActionModal({ view, onClose }: { view: RoundView; onClose: () => void }) {
  const { t } = useTranslation();
  const change = useRoundChange(view);
  const d = view.doc;
  const zone = d.fields.timeZone;
  const [f, setF] = useState({ en: "", zh: "", ownerNode: d.hostNode, agency: "", officer: "", due: "" });
  const set = (k: keyof typeof f) => (v: string) => setF((x) => ({ ...x, [k]: v }));
  const agencies = d.fields.delegations
    .filter((x) => x.node === f.ownerNode)
    .flatMap((x) => x.agencies.map((a) => a.name.en || a.name.zh))
    .filter(Boolean);
  return (
    <Modal opened onClose={onClose} title={t("rounds.newAction")} size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          // The due date is typed on the venue's clock and sent with its offset (a date without one is refused).
          const at = localToInstant(f.due, zone);
          change.mutate(
            {
              op: "action.put",
              itemId: partId("a"),
              fields: {
                text: { en: f.en, zh: f.zh },
                ownerNode: f.ownerNode,
                agency: f.agency,
                officer: f.officer,
                dueAt: at ? toZonedIso(at, zone) : f.due,
                status: "planned",
              },
            },
            { onSuccess: onClose },
          );
        }}
      >
        <Stack>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Textarea
              label={t("rounds.english")}
              lang="en"
              value={f.en}
              onChange={(e) => set("en")(e.currentTarget.value)}
              data-testid="action-en"
            />
            <Textarea
              label={t("rounds.chinese")}
              lang="zh-CN"
              value={f.zh}
              onChange={(e) => set("zh")(e.currentTarget.value)}
              data-testid="action-zh"
            />
          </SimpleGrid>
          <Select
            label={t("rounds.ownerSide")}
            data={[d.hostNode, d.guestNode]}
            value={f.ownerNode}
            onChange={(v) => set("ownerNode")(v ?? d.hostNode)}
            allowDeselect={false}
          />
          {agencies.length > 0 ? (
            <Select
              label={t("rounds.agency")}
              data={agencies}
              value={f.agency || null}
              onChange={(v) => set("agency")(v ?? "")}
              data-testid="action-agency"
            />
          ) : (
            <TextInput
              label={t("rounds.agency")}
              value={f.agency}
              onChange={(e) => set("agency")(e.currentTarget.value)}
              data-testid="action-agency"
            />
          )}
          <TextInput
            label={t("rounds.officer")}
            value={f.officer}
            onChange={(e) => set("officer")(e.currentTarget.value)}
            data-testid="action-officer"
          />
          <DateTimeField
            label={t("rounds.dueAtZone", { zone })}
            value={f.due}
            onChange={set("due")}
            data-testid="action-due"
          />
          {change.error && <ApiErrorAlert error={change.error} />}
          <Button type="submit" loading={change.isPending} data-testid="action-save">
            {t("rounds.save")}
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}
