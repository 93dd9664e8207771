import { type InboxItem, type LinkStopReason, linkProblemText, type PeerView } from "@crossline/schemas";
import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  Group,
  Loader,
  Modal,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { hasAnyPermission, useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DateTimeText } from "../../components/DateTime";
import { currentLanguage } from "../../i18n";
import { Link } from "../../router/router";
import { useHeld, useHeldAction, usePeer, useResequence, useTlsPin } from "./peers.api";

/** Why delivery stopped, said in words, with what to do about it. */
function LinkStopAlert({ p, canManage }: { p: PeerView; canManage: boolean }) {
  const { t } = useTranslation();
  const resequence = useResequence(p.id);
  const stop = p.health.linkStop;
  if (!stop) return null;
  return (
    <Alert
      color="red"
      title={t(`peers.stopReason.${stop.reason as LinkStopReason}`)}
      data-testid="peer-link-stop"
    >
      <Stack gap="xs">
        <Text size="sm">
          {stop.reason === "SEQUENCE_CONFLICT"
            ? t("peers.detail.stopConflict", { seq: stop.seq ?? "–", highest: stop.peerHighestSeq ?? "–" })
            : t("peers.detail.stopRestored")}
        </Text>
        <Text size="xs">
          {t("peers.detail.since")}
          {t("common.colon")}
          <DateTimeText iso={stop.at} />
        </Text>
        {stop.reason === "SEQUENCE_CONFLICT" && canManage ? (
          <Group>
            <Button
              size="xs"
              color="red"
              loading={resequence.isPending}
              onClick={() => resequence.mutate()}
              data-testid="peer-resequence"
            >
              {t("peers.detail.resequence")}
            </Button>
          </Group>
        ) : null}
        <ApiErrorAlert error={resequence.error} />
      </Stack>
    </Alert>
  );
}

function Figure({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={700} size="lg" data-testid={testId}>
        {value}
      </Text>
    </Card>
  );
}

/** The certificate pin: shown to everyone who reads peers, set or removed by an administrator. */
function TlsPinCard({ p, canManage }: { p: PeerView; canManage: boolean }) {
  const { t } = useTranslation();
  const pin = useTlsPin(p.id);
  const [value, setValue] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (value.trim()) pin.mutate(value.trim(), { onSuccess: () => setValue("") });
  };
  return (
    <Card withBorder>
      <Stack gap="xs">
        <Title order={2} size="h4">
          {t("peers.detail.tlsPin")}
        </Title>
        <Text size="sm" c="dimmed">
          {t("peers.detail.tlsPinHint")}
        </Text>
        <Code block data-testid="peer-tls-pin" style={{ wordBreak: "break-all", whiteSpace: "pre-wrap" }}>
          {p.tlsPin ?? t("peers.detail.notPinned")}
        </Code>
        {canManage ? (
          <form onSubmit={submit} noValidate>
            <Group align="flex-end" wrap="wrap">
              <TextInput
                label={t("peers.detail.newPin")}
                value={value}
                onChange={(e) => setValue(e.currentTarget.value)}
                maxLength={200}
                style={{ flex: "1 1 240px" }}
                data-testid="peer-tls-pin-input"
              />
              <Button
                type="submit"
                disabled={!value.trim()}
                loading={pin.isPending}
                data-testid="peer-tls-pin-save"
              >
                {t("peers.detail.pin")}
              </Button>
              {p.tlsPin ? (
                <Button variant="default" onClick={() => pin.mutate(null)} data-testid="peer-tls-pin-clear">
                  {t("peers.detail.unpin")}
                </Button>
              ) : null}
            </Group>
          </form>
        ) : null}
        <ApiErrorAlert error={pin.error} />
      </Stack>
    </Card>
  );
}

/** Messages from the peer held here, with why, and the administrator's retry and skip. */
function HeldMessages({ peerId, canManage }: { peerId: string; canManage: boolean }) {
  const { t } = useTranslation();
  const held = useHeld(peerId);
  const action = useHeldAction(peerId);
  const [skipping, setSkipping] = useState<InboxItem | null>(null);
  const [note, setNote] = useState("");
  const [result, setResult] = useState<{ seq: number; applied: boolean; deferred: boolean } | null>(null);
  const items = held.data?.items ?? [];
  return (
    <Card withBorder>
      <Stack gap="xs">
        <Title order={2} size="h4">
          {t("peers.detail.held")}
        </Title>
        <Text size="sm" c="dimmed">
          {t("peers.detail.heldHint")}
        </Text>
        <ApiErrorAlert error={held.error ?? action.error} />
        {result ? (
          <Alert
            color={result.applied ? "green" : "orange"}
            data-testid="held-result"
            withCloseButton
            onClose={() => setResult(null)}
          >
            {result.applied
              ? t("peers.detail.retried", { seq: result.seq })
              : result.deferred
                ? t("peers.detail.stillDeferred", { seq: result.seq })
                : t("peers.detail.stillHeld", { seq: result.seq })}
          </Alert>
        ) : null}
        {held.isLoading ? (
          <Loader size="sm" />
        ) : items.length === 0 ? (
          <Text size="sm" data-testid="held-empty">
            {t("peers.detail.noneHeld")}
          </Text>
        ) : (
          <Card withBorder p={0} style={{ overflowX: "auto" }} tabIndex={0} data-testid="held-table">
            <Table miw={640}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("peers.detail.seq")}</Table.Th>
                  <Table.Th>{t("peers.detail.type")}</Table.Th>
                  <Table.Th>{t("peers.detail.received")}</Table.Th>
                  <Table.Th>{t("peers.detail.why")}</Table.Th>
                  <Table.Th>{t("peers.detail.actions")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((m) => (
                  <Table.Tr key={m.msgId} data-testid="held-row" data-msg-id={m.msgId} data-status={m.status}>
                    <Table.Td>{m.seq}</Table.Td>
                    <Table.Td>
                      <Code>{m.type}</Code>
                    </Table.Td>
                    <Table.Td>
                      <DateTimeText iso={m.receivedAt} />
                    </Table.Td>
                    <Table.Td>
                      {/* a handler's error is the node's technical text: introduced as such in the reader's language */}
                      <Text size="sm" data-testid="held-why">
                        {m.status === "deferred" &&
                        (m.readsUpTo === null || m.readsUpTo < m.schemaVersion) ? (
                          t("peers.detail.waitingForUpgrade", {
                            why:
                              m.readsUpTo === null
                                ? t("peers.detail.unknownType")
                                : t("peers.detail.newerVersion", {
                                    version: m.schemaVersion,
                                    reads: m.readsUpTo,
                                  }),
                          })
                        ) : m.status === "deferred" && m.attempts === 0 && m.lastError ? (
                          // its handler found what it carries beyond this release: the node's technical text
                          <>
                            {t("peers.detail.waitingForUpgrade", {
                              why: t("peers.detail.contentNotReadable"),
                            })}{" "}
                            <Text span ff="monospace" size="xs" style={{ wordBreak: "break-word" }}>
                              {m.lastError}
                            </Text>
                          </>
                        ) : m.lastError ? (
                          <>
                            {t("peers.detail.failedHere")}{" "}
                            <Text span ff="monospace" size="xs" style={{ wordBreak: "break-word" }}>
                              {m.lastError}
                            </Text>
                          </>
                        ) : m.status === "deferred" ? (
                          t("peers.detail.readableNow")
                        ) : (
                          t("peers.detail.waitingForEarlier")
                        )}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {t("peers.detail.attempts", { count: m.attempts })}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {canManage ? (
                        <Group gap="xs" wrap="nowrap">
                          <Button
                            size="xs"
                            variant="light"
                            loading={action.isPending && action.variables?.msgId === m.msgId}
                            onClick={() =>
                              action.mutate(
                                { msgId: m.msgId, action: "retry" },
                                {
                                  onSuccess: (r) =>
                                    setResult({
                                      seq: m.seq,
                                      applied: r.applied === true,
                                      deferred: m.status === "deferred",
                                    }),
                                },
                              )
                            }
                            data-testid="held-retry"
                          >
                            {t("peers.detail.retry")}
                          </Button>
                          <Button
                            size="xs"
                            color="red"
                            variant="light"
                            onClick={() => {
                              setNote("");
                              setSkipping(m);
                            }}
                            data-testid="held-skip"
                          >
                            {t("peers.detail.skip")}
                          </Button>
                        </Group>
                      ) : null}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Card>
        )}
      </Stack>
      <Modal
        opened={skipping !== null}
        onClose={() => setSkipping(null)}
        title={t("peers.detail.skipTitle", { seq: skipping?.seq ?? "" })}
        centered
      >
        <Stack>
          <Text size="sm">{t("peers.detail.skipConfirm")}</Text>
          <Textarea
            label={t("peers.detail.skipNote")}
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            maxLength={500}
            autosize
            minRows={2}
            data-testid="held-skip-note"
          />
          <ApiErrorAlert error={action.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setSkipping(null)}>
              {t("common.cancel")}
            </Button>
            <Button
              color="red"
              loading={action.isPending}
              onClick={() => {
                if (skipping)
                  action.mutate(
                    { msgId: skipping.msgId, action: "skip", note },
                    { onSuccess: () => setSkipping(null) },
                  );
              }}
              data-testid="held-skip-confirm"
            >
              {t("peers.detail.skip")}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}

/**
 * One peer: why delivery stopped (a link stop, the last error, a certificate that does not match its pin), the
 * counters (duplicates apart from rejections), the certificate pin, and the messages held here with retry and
 * skip for the administrator.
 */
export function PeerDetailPage({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const peer = usePeer(id);
  const canManage = hasAnyPermission(user, ["peers:manage"]);
  const p = peer.data?.peer;
  if (peer.isLoading) return <Loader />;
  if (!p) return <ApiErrorAlert error={peer.error} />;
  const h = p.health;
  return (
    <Stack data-testid="peer-page">
      <Link to="/peers">{t("peers.detail.back")}</Link>
      <Group justify="space-between" wrap="wrap">
        <Title order={1} size="h2">
          {p.id} · {i18n.language === "zh-CN" && p.nameZh ? p.nameZh : p.name}
        </Title>
        <Badge variant="light" style={{ overflow: "visible" }}>
          {t(`peers.state.${p.state}`)}
        </Badge>
      </Group>
      <Text size="sm" c="dimmed" style={{ wordBreak: "break-all" }}>
        {p.baseUrl}
      </Text>
      <LinkStopAlert p={p} canManage={canManage} />
      <Card withBorder>
        <Stack gap="xs">
          <Title order={2} size="h4">
            {t("peers.health")}
          </Title>
          {h.linkDown ? (
            <Badge color="red" data-testid="peer-link-down">
              {t("peers.linkDown")}
            </Badge>
          ) : null}
          <Text size="sm">
            {t("peers.outbox")}
            {t("common.colon")}
            {h.outboxDepth}
            {h.oldestUndeliveredAt ? (
              <>
                {" · "}
                {t("peers.detail.oldestSince")} <DateTimeText iso={h.oldestUndeliveredAt} />
              </>
            ) : null}
          </Text>
          <Text size="sm">
            {t("peers.lastSuccess")}
            {t("common.colon")}
            {h.lastSuccessAt ? <DateTimeText iso={h.lastSuccessAt} /> : t("peers.never")}
          </Text>
          {h.lastError ? (
            <Alert color="orange" title={t("peers.detail.lastError")} data-testid="peer-last-error">
              <Text size="sm" data-testid="peer-last-error-text">
                {linkProblemText(h.lastError, currentLanguage())}
              </Text>
              <Text
                size="xs"
                ff="monospace"
                style={{ wordBreak: "break-word" }}
                data-testid="peer-last-error-detail"
              >
                {h.lastError}
              </Text>
              {h.lastErrorAt ? (
                <Text size="xs">
                  <DateTimeText iso={h.lastErrorAt} />
                </Text>
              ) : null}
            </Alert>
          ) : (
            <Text size="sm" data-testid="peer-no-error">
              {t("peers.detail.noError")}
            </Text>
          )}
        </Stack>
      </Card>
      <SimpleGrid cols={{ base: 2, sm: 3, md: 5 }}>
        <Figure label={t("peers.detail.sent")} value={h.sent} testId="peer-sent" />
        <Figure label={t("peers.detail.delivered")} value={h.delivered} testId="peer-delivered" />
        <Figure label={t("peers.detail.receivedCount")} value={h.received} testId="peer-received" />
        <Figure label={t("peers.detail.rejected")} value={h.rejected} testId="peer-rejected" />
        <Figure label={t("peers.detail.duplicates")} value={h.duplicates} testId="peer-duplicates" />
      </SimpleGrid>
      <HeldMessages peerId={p.id} canManage={canManage} />
      <TlsPinCard p={p} canManage={canManage} />
    </Stack>
  );
}
