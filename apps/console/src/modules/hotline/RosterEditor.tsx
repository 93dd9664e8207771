import { CreateShiftBody, canBeRostered, type User } from "@crossline/schemas";
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Card,
  Group,
  List,
  Loader,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, withQuery } from "../../api/client";
import { useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { ConfirmModal } from "../../components/ConfirmModal";
import { DateTimeField } from "../../components/DateTimeField";
import { currentLanguage } from "../../i18n";
import { formatDateTime, timeZoneOptions } from "../../util/datetime";
import { useFieldCheck } from "../../util/validation";
import type { ShiftView } from "../requests/requests.api";

const ROSTER_KEY = ["hotline", "roster"] as const;

function localInput(d: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(d);
  const get = (k: string) => parts.find((p) => p.type === k)?.value ?? "00";
  return `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}`;
}

/** The unit's duty roster for the next weeks; shifts are entered in local wall-clock time. */
export function RosterEditor() {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const qc = useQueryClient();
  const [days, setDays] = useState<number | string>(14);
  const from = new Date();
  from.setMinutes(0, 0, 0);
  const fromIso = new Date(from.getTime() - 24 * 3600_000).toISOString();
  const toIso = new Date(from.getTime() + Number(days || 14) * 24 * 3600_000).toISOString();
  const roster = useQuery({
    queryKey: [...ROSTER_KEY, days],
    queryFn: () =>
      api<{ items: ShiftView[]; gaps: { from: string; to: string }[] }>(
        "GET",
        withQuery("/hotline/roster", { from: fromIso, to: toIso }),
      ),
  });
  const users = useQuery({
    queryKey: ["users", "for-roster"],
    queryFn: () => api<{ items: User[] }>("GET", withQuery("/users", { limit: 200 })),
    retry: false,
  });

  const start0 = new Date(Date.now() + 3600_000);
  start0.setMinutes(0, 0, 0);
  // Preselected only when the signer may be rostered themselves (a supervisor, not the administrator).
  const [userId, setUserId] = useState<string | null>(canBeRostered(user.roles) ? user.id : null);
  const [role, setRole] = useState<string>("primary");
  const [timeZone, setTimeZone] = useState<string>(user.timeZone);
  const [start, setStart] = useState(() => localInput(start0, user.timeZone));
  const [end, setEnd] = useState(() => localInput(new Date(start0.getTime() + 8 * 3600_000), user.timeZone));
  const [repeatTimes, setRepeatTimes] = useState<number | string>(0);
  const [everyDays, setEveryDays] = useState<number | string>(7);
  const [note, setNote] = useState("");
  const [removing, setRemoving] = useState<ShiftView | null>(null);

  const form = useFieldCheck(t, CreateShiftBody, currentLanguage());
  const shiftBody = () => ({
    unitId: user.unitId,
    userId,
    role,
    start,
    end,
    timeZone,
    ...(Number(repeatTimes) > 0
      ? { repeat: { times: Number(repeatTimes), everyDays: Number(everyDays) } }
      : {}),
    ...(note.trim() ? { note: note.trim() } : {}),
  });
  const create = useMutation({
    mutationFn: () => api<{ items: ShiftView[] }>("POST", "/hotline/roster", shiftBody()),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ROSTER_KEY });
      qc.invalidateQueries({ queryKey: ["hotline", "on-duty"] });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => api<void>("DELETE", `/hotline/roster/${encodeURIComponent(id)}`),
    onSuccess: () => {
      setRemoving(null);
      qc.invalidateQueries({ queryKey: ROSTER_KEY });
      qc.invalidateQueries({ queryKey: ["hotline", "on-duty"] });
    },
  });

  // Only people the hotline service accepts: enabled duty officers and supervisors of this unit.
  const userOptions = users.data
    ? users.data.items
        .filter((u) => !u.disabled && u.unitId === user.unitId && canBeRostered(u.roles))
        .map((u) => ({ value: u.id, label: `${u.displayName} (${u.username})` }))
    : canBeRostered(user.roles)
      ? [{ value: user.id, label: user.displayName }]
      : [];
  const shifts = roster.data?.items ?? [];
  // Hours ahead that nobody covers (what is past is history): clipped to now.
  const nowMs = Date.now();
  const gaps = (roster.data?.gaps ?? [])
    .filter((g) => new Date(g.to).getTime() > nowMs)
    .map((g) => ({ from: new Date(Math.max(new Date(g.from).getTime(), nowMs)), to: new Date(g.to) }));

  return (
    <Stack data-testid="roster">
      <Card withBorder data-testid="roster-form">
        <Title order={4} mb="sm">
          {t("hotline.roster.add")}
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
          <Select
            label={t("hotline.roster.officer")}
            data={userOptions}
            value={userId}
            onChange={setUserId}
            searchable
            allowDeselect={false}
            data-testid="roster-user"
          />
          <Select
            label={t("hotline.roster.role")}
            data={[
              { value: "primary", label: t("hotline.role.primary") },
              { value: "backup", label: t("hotline.role.backup") },
            ]}
            value={role}
            onChange={(v) => v && setRole(v)}
            allowDeselect={false}
          />
          <DateTimeField
            label={t("hotline.roster.start")}
            value={start}
            onChange={setStart}
            error={form.error("start", create.error)}
            data-testid="roster-start"
          />
          <DateTimeField
            label={t("hotline.roster.end")}
            value={end}
            onChange={setEnd}
            error={form.error("end", create.error)}
            data-testid="roster-end"
          />
          <Select
            label={t("hotline.roster.timeZone")}
            data={timeZoneOptions()}
            value={timeZone}
            onChange={(v) => v && setTimeZone(v)}
            searchable
            allowDeselect={false}
          />
          <NumberInput
            label={t("hotline.roster.repeatTimes")}
            min={0}
            max={366}
            clampBehavior="none"
            data-testid="roster-repeat"
            value={repeatTimes}
            onChange={setRepeatTimes}
            error={form.error("repeat.times", create.error)}
          />
          <NumberInput
            label={t("hotline.roster.everyDays")}
            min={1}
            max={28}
            clampBehavior="none"
            value={everyDays}
            onChange={setEveryDays}
            error={form.error("repeat.everyDays", create.error)}
            disabled={Number(repeatTimes) <= 0}
          />
          <TextInput
            label={t("hotline.roster.note")}
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            error={form.error("note", create.error)}
          />
        </SimpleGrid>
        <ApiErrorAlert error={create.error} />
        <Group justify="flex-end" mt="sm">
          <Button
            onClick={() => form.check(shiftBody()) && create.mutate()}
            loading={create.isPending}
            data-testid="roster-save"
          >
            {t("hotline.roster.add")}
          </Button>
        </Group>
      </Card>

      <Group justify="space-between">
        <Title order={4}>{t("hotline.roster.upcoming")}</Title>
        <NumberInput
          w={160}
          label={t("hotline.roster.days")}
          min={1}
          max={90}
          value={days}
          onChange={setDays}
        />
      </Group>
      <ApiErrorAlert error={roster.error} />
      <ApiErrorAlert error={remove.error} />
      {gaps.length > 0 && (
        <Alert color="orange" variant="light" title={t("hotline.roster.gapsTitle")} data-testid="roster-gaps">
          <Text size="sm" mb={4}>
            {t("hotline.roster.gapsHint")}
          </Text>
          <List size="sm" spacing={2}>
            {gaps.slice(0, 8).map((g) => (
              <List.Item key={g.from.toISOString()} data-testid="roster-gap">
                {`${formatDateTime(g.from, user.timeZone, i18n.language)} – ${formatDateTime(g.to, user.timeZone, i18n.language)}`}
              </List.Item>
            ))}
          </List>
          {gaps.length > 8 && (
            <Text size="xs" c="dimmed" mt={4}>
              {t("hotline.roster.gapsMore", { count: gaps.length - 8 })}
            </Text>
          )}
        </Alert>
      )}
      {roster.isPending ? (
        <Loader />
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table striped verticalSpacing="xs" data-testid="roster-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("hotline.roster.officer")}</Table.Th>
                <Table.Th>{t("hotline.roster.role")}</Table.Th>
                <Table.Th>{t("hotline.roster.start")}</Table.Th>
                <Table.Th>{t("hotline.roster.end")}</Table.Th>
                <Table.Th>{t("hotline.roster.note")}</Table.Th>
                <Table.Th aria-label={t("common.actions")} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shifts.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={6}>
                    <Text c="dimmed" ta="center" py="md">
                      {t("common.empty")}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {shifts.map((s) => {
                const now = Date.now();
                const active = new Date(s.startsAt).getTime() <= now && now < new Date(s.endsAt).getTime();
                return (
                  <Table.Tr key={s.id} data-testid="roster-row">
                    <Table.Td>
                      <Group gap="xs">
                        <Text size="sm">{s.userName}</Text>
                        {active && (
                          <Badge size="xs" color="green">
                            {t("hotline.roster.now")}
                          </Badge>
                        )}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={s.role === "primary" ? "blue" : "gray"}>
                        {t(`hotline.role.${s.role}`)}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{formatDateTime(s.startsAt, user.timeZone, i18n.language)}</Text>
                      <Text size="xs" c="dimmed">{`${s.timeZone} · ${s.startLocal}`}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{formatDateTime(s.endsAt, user.timeZone, i18n.language)}</Text>
                      <Text size="xs" c="dimmed">{`${s.timeZone} · ${s.endLocal}`}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{s.note ?? ""}</Text>
                    </Table.Td>
                    <Table.Td>
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label={t("hotline.roster.remove")}
                        onClick={() => setRemoving(s)}
                        data-testid="roster-remove"
                      >
                        ×
                      </ActionIcon>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {removing && (
        <ConfirmModal
          opened
          title={t("hotline.roster.remove")}
          message={t("hotline.roster.removeConfirm", { name: removing.userName })}
          confirmLabel={t("hotline.roster.remove")}
          danger
          onClose={() => setRemoving(null)}
          onConfirm={() => remove.mutate(removing.id)}
          loading={remove.isPending}
          error={remove.error}
        />
      )}
    </Stack>
  );
}
