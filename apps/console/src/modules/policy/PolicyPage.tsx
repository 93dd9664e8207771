import {
  DEFAULT_DEADLINE_POLICY,
  MAX_DEADLINE_MINUTES,
  REQUEST_TYPE_NAMES,
  RequestPolicy,
  type RequestType,
  URGENCIES,
  type Urgency,
} from "@crossline/schemas";
import {
  Alert,
  Button,
  Card,
  Group,
  Loader,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { currentLanguage } from "../../i18n";
import { issueMessage } from "../../util/validation";
import { typeLabel, urgencyLabel } from "../requests/labels";
import { useUnits } from "../users/users.api";
import { formatDuration, parseDuration } from "./duration";

const POLICY_KEY = ["policy", "requests"] as const;
type Rule = { ack: string; answer: string };
interface Draft {
  deadlines: Record<RequestType, Record<Urgency, Rule>>;
  fourEyes: Record<RequestType, boolean>;
  intakeUnitId: string | null;
  peerAfter: string;
  contact: { name: string; phone: string; email: string };
}

function toDraft(p: RequestPolicy): Draft {
  const deadlines = {} as Draft["deadlines"];
  for (const type of REQUEST_TYPE_NAMES) {
    deadlines[type] = {} as Record<Urgency, Rule>;
    for (const u of URGENCIES) {
      const r = p.deadlines[type][u];
      deadlines[type][u] = {
        ack: formatDuration(r.acknowledgeMinutes),
        answer: formatDuration(r.answerMinutes),
      };
    }
  }
  const c = p.escalation.contact;
  return {
    deadlines,
    fourEyes: { ...p.fourEyes },
    intakeUnitId: p.intakeUnitId,
    peerAfter: formatDuration(p.escalation.peerAfterMinutes),
    contact: { name: c?.name ?? "", phone: c?.phone ?? "", email: c?.email ?? "" },
  };
}

/** The policy to send (0 where a cell is not a duration) and the list of cells that are not durations. */
function fromDraft(d: Draft): { body: RequestPolicy; bad: string[] } {
  const bad: string[] = [];
  const deadlines = {} as RequestPolicy["deadlines"];
  for (const type of REQUEST_TYPE_NAMES) {
    deadlines[type] = {} as RequestPolicy["deadlines"][RequestType];
    for (const u of URGENCIES) {
      const ack = parseDuration(d.deadlines[type][u].ack);
      const answer = parseDuration(d.deadlines[type][u].answer);
      if (ack === null) bad.push(`${type}.${u}.ack`);
      if (answer === null) bad.push(`${type}.${u}.answer`);
      deadlines[type][u] = { acknowledgeMinutes: ack ?? 0, answerMinutes: answer ?? 0 };
    }
  }
  const peerAfter = d.peerAfter.trim() === "0" ? 0 : parseDuration(d.peerAfter);
  if (peerAfter === null) bad.push("peerAfter");
  const c = d.contact;
  return {
    bad,
    body: {
      deadlines,
      fourEyes: d.fourEyes,
      intakeUnitId: d.intakeUnitId,
      escalation: {
        peerAfterMinutes: peerAfter ?? 0,
        contact: c.name.trim()
          ? {
              name: c.name.trim(),
              ...(c.phone.trim() ? { phone: c.phone.trim() } : {}),
              ...(c.email.trim() ? { email: c.email.trim() } : {}),
            }
          : null,
      },
    },
  };
}

/**
 * The node's request policy for administrators: acknowledge and answer deadlines per type and
 * urgency (entered as "3d", "4h", "1d 12h"), four eyes per type, the intake unit and escalation to
 * the peer. Saved as a whole (PUT), audited by the node.
 */
export function PolicyPage() {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const units = useUnits();
  const policy = useQuery({
    queryKey: POLICY_KEY,
    queryFn: () => api<{ policy: RequestPolicy }>("GET", "/policy/requests"),
    select: (r) => r.policy,
  });
  const [draft, setDraft] = useState<Draft | null>(null);
  /** Cell ("preservation.urgent.ack", "peerAfter") → why it is wrong, in the interface language. */
  const [bad, setBad] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: (body: RequestPolicy) => api<{ policy: RequestPolicy }>("PUT", "/policy/requests", body),
    onSuccess: (res) => {
      qc.setQueryData(POLICY_KEY, res);
      setDraft(toDraft(res.policy));
    },
  });
  if (policy.isPending) return <Loader />;
  if (policy.error || !policy.data) return <ApiErrorAlert error={policy.error} />;
  const d = draft ?? toDraft(policy.data);
  const update = (next: Draft) => {
    setDraft(next);
    save.reset();
  };
  const setRule = (type: RequestType, u: Urgency, key: keyof Rule, value: string) =>
    update({
      ...d,
      deadlines: {
        ...d.deadlines,
        [type]: { ...d.deadlines[type], [u]: { ...d.deadlines[type][u], [key]: value } },
      },
    });
  const submit = () => {
    const { body, bad: wrong } = fromDraft(d);
    const why: Record<string, string> = Object.fromEntries(wrong.map((c) => [c, t("policy.notDuration")]));
    // durations that parse are checked with the server's schema: too long, acknowledge after answer...
    const checked = RequestPolicy.safeParse(body, { reportInput: true });
    for (const issue of checked.success ? [] : checked.error.issues) {
      const [group, type, u, key] = issue.path.map(String);
      // a rule with a cell that is not a duration has been told so; its other checks would mislead
      if (
        group === "deadlines" &&
        (wrong.includes(`${type}.${u}.ack`) || wrong.includes(`${type}.${u}.answer`))
      )
        continue;
      const cell =
        group === "deadlines" ? `${type}.${u}.${key === "answerMinutes" ? "answer" : "ack"}` : "peerAfter";
      why[cell] ??=
        issue.code === "too_big"
          ? t("policy.tooLong", { max: formatDuration(MAX_DEADLINE_MINUTES) })
          : issueMessage(t, issue, currentLanguage());
    }
    setBad(why);
    if (Object.keys(why).length === 0) save.mutate(body);
  };
  const restoreDefaults = () =>
    update({ ...d, deadlines: toDraft({ ...policy.data, deadlines: DEFAULT_DEADLINE_POLICY }).deadlines });
  /** `body.deadlines.preservation.urgent.acknowledgeMinutes` → "Preservation › Urgent › Acknowledge". */
  const fieldLabel = (field: string) => {
    const [, group, type, u, key] = field.split(".");
    if (group === "deadlines" && type && u)
      return [
        typeLabel(type, i18n.language),
        urgencyLabel(t, u),
        key === "answerMinutes" ? t("policy.answer") : t("policy.acknowledge"),
      ].join(" › ");
    if (group === "escalation") return t("policy.escalation");
    return field;
  };
  const cell = (type: RequestType, u: Urgency, key: keyof Rule) => (
    <TextInput
      size="xs"
      w={84}
      value={d.deadlines[type][u][key]}
      onChange={(e) => setRule(type, u, key, e.currentTarget.value)}
      error={bad[`${type}.${u}.${key}`]}
      aria-label={`${typeLabel(type, i18n.language)} · ${urgencyLabel(t, u)} · ${t(key === "ack" ? "policy.acknowledge" : "policy.answer")}`}
      data-testid={`policy-${type}-${u}-${key}`}
    />
  );

  return (
    <Stack data-testid="policy-page">
      <Title order={1} size="h2">
        {t("nav.policy")}
      </Title>
      <Text size="sm" c="dimmed">
        {t("policy.intro")}
      </Text>
      <Card withBorder>
        <Group justify="space-between" mb="sm">
          <Title order={4}>{t("policy.deadlines")}</Title>
          <Button size="compact-sm" variant="light" onClick={restoreDefaults} data-testid="policy-defaults">
            {t("policy.restoreDefaults")}
          </Button>
        </Group>
        <Text size="xs" c="dimmed" mb="xs">
          {t("policy.durationHint")}
        </Text>
        <Table.ScrollContainer minWidth={1000}>
          <Table striped verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th rowSpan={2}>{t("requests.fields.type")}</Table.Th>
                <Table.Th rowSpan={2}>{t("policy.fourEyes")}</Table.Th>
                {URGENCIES.map((u) => (
                  <Table.Th key={u} colSpan={2}>
                    {urgencyLabel(t, u)}
                  </Table.Th>
                ))}
              </Table.Tr>
              <Table.Tr>
                {URGENCIES.flatMap((u) => [
                  <Table.Th key={`${u}-ack`}>{t("policy.acknowledge")}</Table.Th>,
                  <Table.Th key={`${u}-answer`}>{t("policy.answer")}</Table.Th>,
                ])}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {REQUEST_TYPE_NAMES.map((type) => (
                <Table.Tr key={type} data-testid="policy-row">
                  <Table.Td>
                    <Text size="sm">{typeLabel(type, i18n.language)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Switch
                      checked={d.fourEyes[type]}
                      onChange={(e) =>
                        update({ ...d, fourEyes: { ...d.fourEyes, [type]: e.currentTarget.checked } })
                      }
                      aria-label={`${typeLabel(type, i18n.language)} · ${t("policy.fourEyes")}`}
                      data-testid={`policy-${type}-fourEyes`}
                    />
                  </Table.Td>
                  {URGENCIES.flatMap((u) => [
                    <Table.Td key={`${u}-ack`}>{cell(type, u, "ack")}</Table.Td>,
                    <Table.Td key={`${u}-answer`}>{cell(type, u, "answer")}</Table.Td>,
                  ])}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
      <Card withBorder>
        <Title order={4} mb="sm">
          {t("policy.routing")}
        </Title>
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Select
            label={t("policy.intakeUnit")}
            description={t("policy.intakeUnitHint")}
            data={(units.data?.items ?? []).map((u) => ({ value: u.id, label: u.name }))}
            value={d.intakeUnitId}
            onChange={(v) => update({ ...d, intakeUnitId: v })}
            clearable
            data-testid="policy-intake"
          />
          <TextInput
            label={t("policy.peerAfter")}
            description={t("policy.peerAfterHint")}
            value={d.peerAfter}
            onChange={(e) => update({ ...d, peerAfter: e.currentTarget.value })}
            error={bad.peerAfter}
            data-testid="policy-peer-after"
          />
        </SimpleGrid>
        <Text size="sm" fw={500} mt="md">
          {t("policy.escalation")}
        </Text>
        <Text size="xs" c="dimmed">
          {t("policy.escalationHint")}
        </Text>
        <SimpleGrid cols={{ base: 1, md: 3 }} mt="xs">
          {(["name", "phone", "email"] as const).map((k) => (
            <TextInput
              key={k}
              label={t(`policy.contact.${k}`)}
              value={d.contact[k]}
              onChange={(e) => update({ ...d, contact: { ...d.contact, [k]: e.currentTarget.value } })}
              data-testid={`policy-contact-${k}`}
            />
          ))}
        </SimpleGrid>
      </Card>
      {Object.keys(bad).length > 0 && (
        <Alert color="red" variant="light" data-testid="policy-bad">
          {t("policy.badCells", { count: Object.keys(bad).length })}
        </Alert>
      )}
      <ApiErrorAlert error={save.error} fieldLabel={fieldLabel} testId="policy-error" />
      {save.isSuccess && (
        <Alert color="green" variant="light" data-testid="policy-saved">
          {t("policy.saved")}
        </Alert>
      )}
      <Group justify="flex-end">
        <Button variant="default" disabled={!draft} onClick={() => setDraft(null)}>
          {t("common.cancel")}
        </Button>
        <Button onClick={submit} loading={save.isPending} disabled={!draft} data-testid="policy-save">
          {t("common.save")}
        </Button>
      </Group>
    </Stack>
  );
}
