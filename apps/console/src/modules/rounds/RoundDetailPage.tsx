import { label, type RoundChange, type RoundConflict, type RoundView } from "@crossline/schemas";
import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  List,
  Loader,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useCan, useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DateTimeText } from "../../components/DateTime";
import { useLang } from "../../i18n";
import { Link } from "../../router/router";
import { formatDateTime } from "../../util/datetime";
import { storedIssueText } from "../../util/issues";
import { ActionPlan } from "./ActionPlan";
import { Bi } from "./Bi";
import { OutcomeLists } from "./OutcomeLists";
import { Documents, FactsEditor } from "./RoundEditors";
import { Section, useRoundChange } from "./RoundParts";
import { roundsApi } from "./rounds.api";

export function RoundDetailPage({ id }: { id: string }) {
  // The other side's changes arrive by federation: look again every few seconds while the page is open.
  const q = useQuery({ queryKey: ["round", id], queryFn: () => roundsApi.get(id), refetchInterval: 4000 });
  if (q.error) return <ApiErrorAlert error={q.error} />;
  if (!q.data) return <Loader />;
  return <RoundScreen view={q.data} />;
}

function RoundScreen({ view }: { view: RoundView }) {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const d = view.doc;
  const f = d.fields;
  const at = (iso: string) => (
    <div>
      <Text size="sm">{formatDateTime(iso, f.timeZone, i18n.language)}</Text>
      {f.timeZone !== user.timeZone && (
        <Text size="xs" c="dimmed">
          {formatDateTime(iso, user.timeZone, i18n.language)}
        </Text>
      )}
    </div>
  );
  return (
    <Stack data-testid="round-page" data-version={d.version}>
      <Link to="/rounds">{t("rounds.back")}</Link>
      <Group justify="space-between" align="start">
        <div>
          <Text c="dimmed">{t("rounds.roundN", { n: f.number })}</Text>
          <Title order={2}>
            <Bi v={f.name} />
          </Title>
        </div>
        <Group gap={4}>
          <Badge data-testid="round-role">{t(`rounds.role.${view.role}`)}</Badge>
          <Badge variant="light" data-testid="round-version">
            {t("rounds.version", { v: d.version })}
          </Badge>
        </Group>
      </Group>
      {view.pending.length > 0 && (
        <Alert color="blue" data-testid="round-pending" title={t("rounds.pendingTitle")}>
          {t("rounds.pendingText", { count: view.pending.length, host: d.hostNode })}
        </Alert>
      )}
      <Conflicts view={view} />
      <FactsEditor view={view} />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Section title={t("rounds.facts")} testId="round-facts">
          <Table variant="vertical" layout="fixed">
            <Table.Tbody>
              <Table.Tr>
                <Table.Th w="35%">{t("rounds.startsAt")}</Table.Th>
                <Table.Td>{at(f.startsAt)}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t("rounds.endsAt")}</Table.Th>
                <Table.Td>{at(f.endsAt)}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t("rounds.city")}</Table.Th>
                <Table.Td>
                  <Bi v={f.city} size="sm" />
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t("rounds.venue")}</Table.Th>
                <Table.Td>
                  <Bi v={f.venue} size="sm" />
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t("rounds.sides")}</Table.Th>
                <Table.Td>
                  <Text size="sm">{t("rounds.hostGuest", { host: d.hostNode, guest: d.guestNode })}</Text>
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t("rounds.nextRound")}</Table.Th>
                <Table.Td>
                  {f.nextRound ? (
                    <>
                      {at(f.nextRound.startsAt)}
                      <Bi v={f.nextRound.city} size="sm" />
                    </>
                  ) : (
                    <Text size="sm" c="dimmed">
                      {t("rounds.notFixed")}
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
        </Section>
        <Section title={t("rounds.delegations")} testId="round-delegations">
          {f.coChairs.map((c) => (
            <Text size="sm" key={`${c.node}-${c.nameOriginal}`}>
              <b>{t("rounds.coChair")}</b> ({c.node}):{" "}
              <span lang={c.node.startsWith("CN") ? "zh-CN" : "en"}>{c.nameOriginal}</span>
              {c.nameRomanised !== c.nameOriginal && ` (${c.nameRomanised})`} — <Bi v={c.title} size="sm" />
            </Text>
          ))}
          {f.delegations.map((del) => (
            <div key={del.node}>
              <Text size="sm" fw={600}>
                {del.node}
              </Text>
              <List size="sm">
                {del.agencies.map((a) => (
                  <List.Item key={a.name.en || a.name.zh}>
                    <Bi v={a.name} size="sm" />
                    {a.members.length > 0 &&
                      `${t("common.colon")}${a.members.map((m) => (m.nameRomanised && m.nameRomanised !== m.nameOriginal ? `${m.nameOriginal} (${m.nameRomanised})` : m.nameOriginal)).join(", ")}`}
                  </List.Item>
                ))}
              </List>
            </div>
          ))}
        </Section>
      </SimpleGrid>
      <Section title={t("rounds.agenda")} testId="round-agenda">
        {f.agenda.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t("rounds.noAgenda")}
          </Text>
        ) : (
          <List type="ordered" size="sm">
            {f.agenda.map((a) => (
              <List.Item key={a.id}>
                <Bi v={a.title} size="sm" />
              </List.Item>
            ))}
          </List>
        )}
      </Section>
      <Documents view={view} />
      <OutcomeLists view={view} />
      <ActionPlan view={view} />
      <History view={view} />
    </Stack>
  );
}

/** Proposals the host could not apply as they were: both sides see them, either side decides. */
function Conflicts({ view }: { view: RoundView }) {
  const { t } = useTranslation();
  const lang = useLang();
  const canWrite = useCan("rounds:write");
  const change = useRoundChange(view);
  const open = view.doc.conflicts.filter((c) => c.state === "open");
  if (open.length === 0) return null;
  return (
    <Section title={t("rounds.conflicts")} testId="round-conflicts">
      {open.map((c) => (
        <Card withBorder key={c.id} data-testid="round-conflict">
          <Text size="sm">
            {t("rounds.conflictFrom", { from: c.from, op: label("roundOp", c.op.op, lang), base: c.base })}
          </Text>
          <Text size="sm" c="dimmed" data-testid="round-conflict-reason">
            {conflictReason(c, lang)}
          </Text>
          {canWrite && (
            <Group mt="xs">
              <Button
                size="xs"
                onClick={() =>
                  change.mutate({ op: "conflict.resolve", conflictId: c.id, resolution: "accept" })
                }
              >
                {t("rounds.accept")}
              </Button>
              <Button
                size="xs"
                variant="light"
                onClick={() =>
                  change.mutate({ op: "conflict.resolve", conflictId: c.id, resolution: "dismiss" })
                }
              >
                {t("rounds.dismiss")}
              </Button>
            </Group>
          )}
        </Card>
      ))}
      {change.error && <ApiErrorAlert error={change.error} />}
    </Section>
  );
}

/**
 * Why a change was kept as a conflict, in the reader's language: each reason by its message key, or a fixed
 * text of ours by the dictionary; a conflict kept before reasons had keys has only its English text.
 */
function conflictReason(c: RoundConflict, lang: "en" | "zh-CN"): string {
  if (!c.reasons?.length) return storedIssueText({ issue: c.reason }, lang);
  return c.reasons.map((d) => storedIssueText(d, lang)).join(lang === "zh-CN" ? "；" : "; ");
}

/** A history entry in the reader's language, by its message key; an older entry has only its English text. */
function changeText(h: RoundChange, lang: "en" | "zh-CN"): string {
  return storedIssueText({ issue: h.summary, ...h.note }, lang);
}

function History({ view }: { view: RoundView }) {
  const { t } = useTranslation();
  const lang = useLang();
  const rows = [...view.doc.history].reverse().slice(0, 30);
  return (
    <Section title={t("rounds.history")} testId="round-history">
      <Table.ScrollContainer minWidth={560}>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("rounds.versionShort")}</Table.Th>
              <Table.Th>{t("rounds.change")}</Table.Th>
              <Table.Th>{t("rounds.by")}</Table.Th>
              <Table.Th>{t("rounds.at")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((h) => (
              <Table.Tr key={h.version}>
                <Table.Td>{h.version}</Table.Td>
                <Table.Td>
                  <Text size="sm">{changeText(h, lang)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{`${h.by.name} (${h.by.node})`}</Text>
                </Table.Td>
                <Table.Td>
                  <DateTimeText iso={h.at} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Section>
  );
}
