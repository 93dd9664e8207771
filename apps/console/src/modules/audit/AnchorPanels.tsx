import type { AuditAnchorResult } from "@crossline/schemas";
import { Badge, Button, Card, Group, List, Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { formatDateTime } from "../../util/datetime";
import { useLatestCheckpoint, useSignCheckpoint } from "./audit.api";

const STATE_COLOURS = { ok: "green", disagrees: "red", no_answer: "yellow", not_asked: "gray" } as const;

/** The newest checkpoint this node signed, and which peers said they hold it. */
export function CheckpointPanel() {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const latest = useLatestCheckpoint();
  const sign = useSignCheckpoint();
  const cp = latest.data;
  const at = (iso: string) => formatDateTime(iso, user.timeZone, i18n.language);
  return (
    <Card withBorder padding="sm" data-testid="audit-checkpoint">
      <Stack gap={4}>
        <Group justify="space-between">
          <Text fw={600}>{t("audit.checkpoints.title")}</Text>
          <Button size="compact-sm" variant="light" onClick={() => sign.mutate()} loading={sign.isPending}>
            {t("audit.checkpoints.signNow")}
          </Button>
        </Group>
        <Text size="sm" c="dimmed">
          {t("audit.checkpoints.hint")}
        </Text>
        <ApiErrorAlert error={latest.error ?? sign.error} />
        {cp === null && <Text size="sm">{t("audit.checkpoints.none")}</Text>}
        {cp && (
          <>
            <Text size="sm" data-testid="audit-checkpoint-latest" data-seq={cp.seq}>
              {t("audit.checkpoints.latest", { seq: cp.seq, at: at(cp.signedAt) })}
            </Text>
            {cp.confirmedBy.length === 0 ? (
              <Text size="sm" c="dimmed">
                {t("audit.checkpoints.unconfirmed")}
              </Text>
            ) : (
              <Group gap="xs">
                <Text size="sm">{t("audit.checkpoints.confirmedBy")}</Text>
                {cp.confirmedBy.map((c) => (
                  <Badge
                    key={c.peerId}
                    color="green"
                    variant="light"
                    title={at(c.at)}
                    data-testid="audit-checkpoint-peer"
                  >
                    {c.peerId}
                  </Badge>
                ))}
              </Group>
            )}
          </>
        )}
      </Stack>
    </Card>
  );
}

/** After a verification: each peer's answer, and every checkpoint the log no longer agrees with. */
export function AnchorResult({ anchors }: { anchors: AuditAnchorResult }) {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const at = (iso: string | null) => (iso ? formatDateTime(iso, user.timeZone, i18n.language) : "—");
  return (
    <Stack gap={4} data-testid="audit-anchors" data-ok={String(anchors.ok)}>
      <Text size="sm">{t("audit.anchors.checked", { count: anchors.checked })}</Text>
      {anchors.peers.length > 0 && (
        <Group gap="xs">
          {anchors.peers.map((p) => (
            <Badge
              key={p.peerId}
              color={STATE_COLOURS[p.state]}
              variant="light"
              tt="none"
              data-state={p.state}
            >
              {t("audit.anchors.peer", { peer: p.peerId, state: t(`audit.anchors.states.${p.state}`) })}
            </Badge>
          ))}
        </Group>
      )}
      {anchors.problems.length > 0 && (
        <List size="sm" data-testid="audit-anchor-problems">
          {anchors.problems.map((p) => (
            <List.Item key={`${p.source}-${p.kind}-${p.seq}`}>
              {t(`audit.anchors.problems.${p.kind}`, {
                source: p.source === "own" ? t("audit.anchors.own") : p.source,
                seq: p.seq,
                since: p.sinceSeq,
                at: at(p.signedAt),
              })}
            </List.Item>
          ))}
        </List>
      )}
    </Stack>
  );
}
