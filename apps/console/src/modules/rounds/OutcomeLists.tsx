import type { OutcomeItem, OutcomeList, OutcomeVerification, RoundView } from "@crossline/schemas";
import {
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Group,
  List,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { API_BASE } from "../../api/client";
import { useCan } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DateTimeText } from "../../components/DateTime";
import { Section, useRoundChange } from "./RoundParts";
import { partId, roundsApi } from "./rounds.api";

/** Groups of four hex digits, the way fingerprints are read aloud over the phone. */
const groups = (hex: string) =>
  hex
    .slice(0, 32)
    .replace(/(.{4})/g, "$1 ")
    .trim();

/** The joint lists of outcomes: English and Chinese side by side, drafted by either side, signed by both. */
export function OutcomeLists({ view }: { view: RoundView }) {
  const { t } = useTranslation();
  const canWrite = useCan("rounds:write");
  const change = useRoundChange(view);
  return (
    <Section title={t("rounds.outcomes")} testId="round-outcomes">
      {view.doc.outcomeLists.length === 0 && (
        <Text size="sm" c="dimmed">
          {t("rounds.noLists")}
        </Text>
      )}
      {view.doc.outcomeLists.map((l) => (
        <ListCard key={l.id} view={view} list={l} />
      ))}
      {canWrite && (
        <Group>
          <Button
            size="xs"
            variant="light"
            data-testid="outcome-new-list"
            loading={change.isPending}
            onClick={() => change.mutate({ op: "outcome.list.create", listId: partId("L"), replaces: null })}
          >
            {t("rounds.newList")}
          </Button>
        </Group>
      )}
      {change.error && <ApiErrorAlert error={change.error} />}
    </Section>
  );
}

function ListCard({ view, list }: { view: RoundView; list: OutcomeList }) {
  const { t } = useTranslation();
  const canWrite = useCan("rounds:write");
  const change = useRoundChange(view);
  const [adding, setAdding] = useState(false);
  const draft = list.state === "draft";
  const live = list.items.filter((i) => !i.removed).sort((a, b) => a.n - b.n);
  return (
    <Card withBorder data-testid="outcome-list" data-list={list.id} data-state={list.state}>
      <Group justify="space-between" mb="xs">
        <Title order={4} size="h5">
          {t("rounds.listN", { n: list.seq })}
        </Title>
        <Group gap={4}>
          <Badge color={draft ? "gray" : "green"} data-testid="outcome-state">
            {t(`rounds.listState.${list.state}`)}
          </Badge>
          <Badge variant="light">{t("rounds.version", { v: list.version })}</Badge>
        </Group>
      </Group>
      {list.replaces && <Text size="sm">{t("rounds.replaces", { list: list.replaces })}</Text>}
      {list.replacedBy && (
        <Text size="sm" c="orange">
          {t("rounds.replacedBy", { list: list.replacedBy })}
        </Text>
      )}
      <Stack gap="xs">
        {live.map((item) => (
          <ItemCard key={item.id} view={view} list={list} item={item} />
        ))}
        {live.length === 0 && (
          <Text size="sm" c="dimmed">
            {t("rounds.noItems")}
          </Text>
        )}
        {draft && canWrite && !adding && (
          <Group>
            <Button size="xs" variant="light" onClick={() => setAdding(true)} data-testid="outcome-add-item">
              {t("rounds.addItem")}
            </Button>
          </Group>
        )}
        {adding && (
          <ItemEditor view={view} list={list} itemId={partId("i")} onDone={() => setAdding(false)} />
        )}
        <SignOff view={view} list={list} />
        {!draft && !list.replacedBy && canWrite && (
          <Group>
            <Button
              size="xs"
              variant="subtle"
              data-testid="outcome-correct"
              onClick={() =>
                change.mutate({ op: "outcome.list.create", listId: partId("L"), replaces: list.id })
              }
            >
              {t("rounds.correct")}
            </Button>
          </Group>
        )}
        {change.error && <ApiErrorAlert error={change.error} />}
      </Stack>
    </Card>
  );
}

/** One numbered item: its English and Chinese texts side by side (stacked on a phone), comments below. */
function ItemCard({ view, list, item }: { view: RoundView; list: OutcomeList; item: OutcomeItem }) {
  const { t } = useTranslation();
  const canWrite = useCan("rounds:write");
  const change = useRoundChange(view);
  const [editing, setEditing] = useState(false);
  const [comment, setComment] = useState("");
  const draft = list.state === "draft";
  if (editing)
    return (
      <ItemEditor view={view} list={list} itemId={item.id} item={item} onDone={() => setEditing(false)} />
    );
  return (
    <Card withBorder padding="sm" data-testid="outcome-item" data-item={item.id}>
      <Text fw={700} size="sm">
        {item.n}.
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <div>
          <Text size="xs" c="dimmed">
            {t("rounds.english")}
          </Text>
          <Text size="sm" lang="en" data-testid="item-en-text">
            {item.en || "—"}
          </Text>
        </div>
        <div>
          <Text size="xs" c="dimmed">
            {t("rounds.chinese")}
          </Text>
          <Text size="sm" lang="zh-CN" data-testid="item-zh-text">
            {item.zh || "—"}
          </Text>
        </div>
      </SimpleGrid>
      {item.comments.length > 0 && (
        <List size="xs" mt="xs" data-testid="item-comments">
          {item.comments.map((c) => (
            <List.Item key={`${c.at}-${c.by.node}`}>
              <Text span size="xs" c="dimmed">{`${c.by.name} (${c.by.node}): `}</Text>
              <Text span size="xs">
                {c.text}
              </Text>
            </List.Item>
          ))}
        </List>
      )}
      <Text size="xs" c="dimmed" mt={4}>
        {t("rounds.wordings", { count: item.history.length })}
      </Text>
      {canWrite && (
        <Group mt="xs" align="end">
          {draft && (
            <Button size="xs" variant="light" onClick={() => setEditing(true)} data-testid="item-edit">
              {t("rounds.edit")}
            </Button>
          )}
          <TextInput
            size="xs"
            label={t("rounds.comment")}
            value={comment}
            onChange={(e) => setComment(e.currentTarget.value)}
            data-testid="item-comment"
            style={{ flex: 1, minWidth: 140 }}
          />
          <Button
            size="xs"
            variant="light"
            disabled={!comment.trim()}
            data-testid="item-comment-send"
            onClick={() =>
              change.mutate(
                { op: "outcome.item.comment", listId: list.id, itemId: item.id, text: comment },
                { onSuccess: () => setComment("") },
              )
            }
          >
            {t("rounds.send")}
          </Button>
        </Group>
      )}
      {change.error && <ApiErrorAlert error={change.error} />}
    </Card>
  );
}

/** The two-language editor: one wording proposal with both texts (either may stay empty while drafting). */
function ItemEditor({
  view,
  list,
  itemId,
  item,
  onDone,
}: {
  view: RoundView;
  list: OutcomeList;
  itemId: string;
  item?: OutcomeItem;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const change = useRoundChange(view);
  const [en, setEn] = useState(item?.en ?? "");
  const [zh, setZh] = useState(item?.zh ?? "");
  return (
    <Card withBorder padding="sm" data-testid="item-editor">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          change.mutate({ op: "outcome.item.put", listId: list.id, itemId, en, zh }, { onSuccess: onDone });
        }}
      >
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <Textarea
            label={t("rounds.english")}
            lang="en"
            autosize
            minRows={2}
            value={en}
            onChange={(e) => setEn(e.currentTarget.value)}
            data-testid="item-en"
          />
          <Textarea
            label={t("rounds.chinese")}
            lang="zh-CN"
            autosize
            minRows={2}
            value={zh}
            onChange={(e) => setZh(e.currentTarget.value)}
            data-testid="item-zh"
          />
        </SimpleGrid>
        <Group mt="xs">
          <Button size="xs" type="submit" loading={change.isPending} data-testid="item-save">
            {t("rounds.propose")}
          </Button>
          <Button size="xs" variant="subtle" onClick={onDone}>
            {t("rounds.cancel")}
          </Button>
        </Group>
        {change.error && <ApiErrorAlert error={change.error} />}
      </form>
    </Card>
  );
}

/** Who has signed this version, with the key fingerprints; sign, export, and verify the signatures. */
function SignOff({ view, list }: { view: RoundView; list: OutcomeList }) {
  const { t } = useTranslation();
  const canWrite = useCan("rounds:write");
  const client = useQueryClient();
  const d = view.doc;
  const self = view.role === "host" ? d.hostNode : d.guestNode;
  const current = list.signatures.filter((s) => s.listVersion === list.version);
  const signedBySelf = current.some((s) => s.node === self);
  const signPending = view.pending.some((p) => p.op === "outcome.sign");
  const sign = useMutation({
    mutationFn: () => roundsApi.sign(d.id, list.id, d.version, list.version),
    onSuccess: (r) => client.setQueryData(["round", d.id], r.round),
  });
  const [check, setCheck] = useState<OutcomeVerification | null>(null);
  const verify = useMutation({
    mutationFn: async () => roundsApi.verify(await roundsApi.exportList(d.id, list.id)),
    onSuccess: setCheck,
  });
  const base = `${API_BASE}/rounds/${d.id}/lists/${list.id}`;
  return (
    <Stack gap={4} data-testid="outcome-signoff">
      <Text size="sm" fw={600}>
        {t("rounds.signOff")}
      </Text>
      {[d.hostNode, d.guestNode].map((node) => {
        const s = current.find((x) => x.node === node);
        return (
          <Group gap="xs" key={node} data-testid={`signoff-${node}`} data-signed={s ? "yes" : "no"}>
            <Badge color={s ? "green" : "gray"} variant="light">
              {node}
            </Badge>
            {s ? (
              <>
                <Text size="sm">{t("rounds.signed")}</Text>
                <DateTimeText iso={s.signedAt} />
                <Code>{groups(s.keyFingerprint)}</Code>
              </>
            ) : (
              <Text size="sm" c="dimmed">
                {t("rounds.notSigned")}
              </Text>
            )}
          </Group>
        );
      })}
      <Group>
        {list.state === "draft" && canWrite && !signedBySelf && (
          <Button
            size="xs"
            color="green"
            data-testid="outcome-sign"
            loading={sign.isPending}
            disabled={signPending}
            onClick={() => sign.mutate()}
          >
            {signPending ? t("rounds.signSent") : t("rounds.sign", { v: list.version })}
          </Button>
        )}
        <Anchor
          size="sm"
          href={`${base}/export`}
          download={`outcomes-${list.id}.json`}
          data-testid="outcome-json"
        >
          {t("rounds.exportJson")}
        </Anchor>
        <Anchor size="sm" href={`${base}/export.pdf`} data-testid="outcome-pdf">
          {t("rounds.exportPdf")}
        </Anchor>
        <Button size="xs" variant="subtle" onClick={() => verify.mutate()} data-testid="outcome-verify">
          {t("rounds.verify")}
        </Button>
      </Group>
      {check && (
        <Stack gap={2} data-testid="verify-result" data-valid={String(check.valid)}>
          <Text size="sm" fw={600} c={check.valid ? "green.8" : "red.8"}>
            {check.valid
              ? t("rounds.verifyValid")
              : check.final
                ? t("rounds.verifyInvalid")
                : t("rounds.verifyIncomplete")}
          </Text>
          {check.signatures.map((s) => (
            <Text size="xs" key={`${s.node}-${s.kid}`}>
              {`${s.node}${t("common.colon")}${t(`rounds.check.${s.check}`)}`}
            </Text>
          ))}
        </Stack>
      )}
      {sign.error && <ApiErrorAlert error={sign.error} />}
      {verify.error && <ApiErrorAlert error={verify.error} />}
    </Stack>
  );
}
