import { type LinkStopReason, linkProblemText, type PeerState, type PeerView } from "@crossline/schemas";
import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  Loader,
  Modal,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
  Tooltip,
} from "@mantine/core";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { hasAnyPermission, useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { ConfirmModal } from "../../components/ConfirmModal";
import { DateTimeText } from "../../components/DateTime";
import { currentLanguage } from "../../i18n";
import { Link, usePath } from "../../router/router";
import { PeerDetailPage } from "./PeerDetailPage";
import { useAccept, useInvite, usePeerAction, usePeers, usePing } from "./peers.api";

const STATE_COLOR: Record<PeerState, string> = {
  pending: "yellow",
  active: "green",
  suspended: "orange",
  revoked: "gray",
};

function StateBadge({ state }: { state: PeerState }) {
  const { t } = useTranslation();
  return (
    <Badge color={STATE_COLOR[state]} style={{ overflow: "visible" }}>
      {t(`peers.state.${state}`)}
    </Badge>
  );
}

function InviteModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const invite = useInvite();
  return (
    <Modal opened onClose={onClose} title={t("peers.inviteTitle")} centered size="lg">
      <Stack>
        <Text size="sm">{t("peers.inviteIntro")}</Text>
        {invite.data ? (
          <>
            <Code
              block
              data-testid="peers-invitation"
              style={{ wordBreak: "break-all", whiteSpace: "pre-wrap" }}
            >
              {invite.data.invitation}
            </Code>
            <Text size="sm">
              {t("peers.expires")}
              {t("common.colon")}
              <DateTimeText iso={invite.data.expiresAt} />
            </Text>
            <Text size="sm">
              {t("peers.nodeFingerprint")}
              {t("common.colon")}
              <Code>{invite.data.nodeFingerprint}</Code>
            </Text>
            {invite.data.tlsPin ? (
              <Text size="sm" style={{ wordBreak: "break-all" }}>
                {t("peers.nodeTlsPin")}
                {t("common.colon")}
                <Code data-testid="peers-invitation-pin">{invite.data.tlsPin}</Code>
              </Text>
            ) : null}
          </>
        ) : null}
        <ApiErrorAlert error={invite.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t("common.close")}
          </Button>
          {!invite.data ? (
            <Button
              onClick={() => invite.mutate()}
              loading={invite.isPending}
              data-testid="peers-invite-create"
            >
              {t("peers.createInvitation")}
            </Button>
          ) : null}
        </Group>
      </Stack>
    </Modal>
  );
}

function AcceptModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const accept = useAccept();
  const [text, setText] = useState("");
  const [pin, setPin] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (text.trim()) accept.mutate({ invitation: text.trim(), tlsPin: pin.trim() || undefined });
  };
  return (
    <Modal opened onClose={onClose} title={t("peers.acceptTitle")} centered size="lg">
      {accept.data ? (
        <Stack>
          <Alert color="green" title={t("peers.paired", { id: accept.data.peer.id })}>
            {t("peers.compareFingerprint")}
          </Alert>
          <Code block data-testid="peers-accepted-fingerprint">
            {accept.data.fingerprint}
          </Code>
          <Group justify="flex-end">
            <Button onClick={onClose}>{t("common.close")}</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            <Textarea
              label={t("peers.invitation")}
              description={t("peers.acceptHint")}
              value={text}
              onChange={(e) => setText(e.currentTarget.value)}
              autosize
              minRows={4}
              maxLength={20000}
              required
              data-testid="peers-accept-text"
            />
            <TextInput
              label={t("peers.acceptPin")}
              description={t("peers.acceptPinHint")}
              value={pin}
              onChange={(e) => setPin(e.currentTarget.value)}
              maxLength={200}
              data-testid="peers-accept-pin"
            />
            <ApiErrorAlert error={accept.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                {t("common.cancel")}
              </Button>
              <Button
                type="submit"
                disabled={!text.trim()}
                loading={accept.isPending}
                data-testid="peers-accept-submit"
              >
                {t("peers.accept")}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function Health({ p }: { p: PeerView }) {
  const { t } = useTranslation();
  const h = p.health;
  return (
    <Stack gap={2}>
      <Group gap="xs">
        {h.linkDown ? (
          <Badge color="red" data-testid={`peer-${p.id}-link-down`}>
            {t("peers.linkDown")}
          </Badge>
        ) : null}
        <Text size="sm">
          {t("peers.outbox")}
          {t("common.colon")}
          {h.outboxDepth}
          {h.oldestUndeliveredAgeSeconds !== null
            ? ` (${t("peers.oldest", { seconds: Math.round(h.oldestUndeliveredAgeSeconds) })})`
            : ""}
        </Text>
      </Group>
      <Text size="xs" c="dimmed">
        {t("peers.counts", {
          sent: h.sent,
          delivered: h.delivered,
          received: h.received,
          rejected: h.rejected,
        })}
      </Text>
      <Text size="xs" c="dimmed">
        {t("peers.lastSuccess")}
        {t("common.colon")}
        {h.lastSuccessAt ? <DateTimeText iso={h.lastSuccessAt} /> : t("peers.never")} · {t("peers.rtt")}
        {t("common.colon")}
        {h.rttMs ?? "–"} ms · {t("peers.pingRtt")}
        {t("common.colon")}
        {h.pingRttMs ?? "–"} ms
      </Text>
      <Text size="xs" c="dimmed" data-testid={`peer-${p.id}-release`}>
        {p.release ? t("peers.release", { release: p.release }) : t("peers.releaseUnknown")}
      </Text>
      {h.linkStop ? (
        <Badge color="red" data-testid={`peer-${p.id}-link-stop`} style={{ overflow: "visible" }}>
          {t(`peers.stopReason.${h.linkStop.reason as LinkStopReason}`)}
        </Badge>
      ) : null}
      {h.lastError ? (
        // what went wrong in the reader's language; the technical text on hover (and on the peer's page)
        <Tooltip label={h.lastError} multiline w={400}>
          <Text size="xs" c="red" lineClamp={1} data-testid={`peer-${p.id}-last-error`}>
            {t("peers.lastError", { problem: linkProblemText(h.lastError, currentLanguage()) })}
          </Text>
        </Tooltip>
      ) : null}
    </Stack>
  );
}

/** The Peers page, and each peer's own page below it (`/peers/<id>`). */
export function PeersPage() {
  const rest = usePath().replace(/^\/peers\/?/, "");
  if (rest) return <PeerDetailPage id={decodeURIComponent(rest)} />;
  return <PeersList />;
}

function PeersList() {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const peers = usePeers();
  const action = usePeerAction();
  const ping = usePing();
  const [inviting, setInviting] = useState(false);
  const [accepting, setAccepting] = useState(false);
  const [revoking, setRevoking] = useState<PeerView | null>(null);
  const canManage = hasAnyPermission(user, ["peers:manage"]);
  const canPing = hasAnyPermission(user, ["peers:ping"]);
  const items = peers.data?.items ?? [];

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t("nav.peers")}
        </Title>
        {canManage ? (
          <Group>
            <Button variant="default" onClick={() => setAccepting(true)} data-testid="peers-accept">
              {t("peers.accept")}
            </Button>
            <Button onClick={() => setInviting(true)} data-testid="peers-invite">
              {t("peers.invite")}
            </Button>
          </Group>
        ) : null}
      </Group>
      <Text size="sm" c="dimmed">
        {t("peers.intro")}
      </Text>
      <ApiErrorAlert error={peers.error ?? action.error ?? ping.error} />
      {peers.isLoading ? (
        <Loader />
      ) : items.length === 0 ? (
        <Text data-testid="peers-empty">{t("peers.empty")}</Text>
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table striped data-testid="peers-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("peers.peer")}</Table.Th>
                <Table.Th miw={120}>{t("peers.stateLabel")}</Table.Th>
                <Table.Th>{t("peers.fingerprint")}</Table.Th>
                <Table.Th>{t("peers.health")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((p) => (
                <Table.Tr key={p.id} data-testid={`peer-${p.id}`}>
                  <Table.Td>
                    <Link to={`/peers/${encodeURIComponent(p.id)}`} data-testid={`peer-${p.id}-link`}>
                      <Text fw={600} component="span">
                        {p.id}
                      </Text>
                    </Link>
                    <Text size="sm">{i18n.language === "zh-CN" && p.nameZh ? p.nameZh : p.name}</Text>
                    <Text size="xs" c="dimmed">
                      {p.baseUrl}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <StateBadge state={p.state} />
                  </Table.Td>
                  <Table.Td>
                    <Code style={{ whiteSpace: "nowrap" }}>{p.fingerprint}</Code>
                  </Table.Td>
                  <Table.Td>
                    <Health p={p} />
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs" justify="flex-end" wrap="nowrap">
                      {canPing && p.state === "active" ? (
                        <Button
                          size="xs"
                          variant="light"
                          loading={ping.isPending && ping.variables === p.id}
                          onClick={() => ping.mutate(p.id)}
                          data-testid={`peer-${p.id}-ping`}
                        >
                          {t("peers.ping")}
                        </Button>
                      ) : null}
                      {canManage && p.state === "active" ? (
                        <Button
                          size="xs"
                          variant="default"
                          onClick={() => action.mutate({ id: p.id, action: "suspend" })}
                        >
                          {t("peers.suspend")}
                        </Button>
                      ) : null}
                      {canManage && p.state === "suspended" ? (
                        <Button
                          size="xs"
                          variant="default"
                          onClick={() => action.mutate({ id: p.id, action: "resume" })}
                        >
                          {t("peers.resume")}
                        </Button>
                      ) : null}
                      {canManage && p.state !== "revoked" ? (
                        <Button size="xs" color="red" variant="light" onClick={() => setRevoking(p)}>
                          {t("peers.revoke")}
                        </Button>
                      ) : null}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {inviting ? <InviteModal onClose={() => setInviting(false)} /> : null}
      {accepting ? <AcceptModal onClose={() => setAccepting(false)} /> : null}
      <ConfirmModal
        opened={revoking !== null}
        title={t("peers.revokeTitle")}
        message={t("peers.revokeConfirm", { id: revoking?.id ?? "" })}
        confirmLabel={t("peers.revoke")}
        danger
        loading={action.isPending}
        error={action.error}
        onConfirm={() => {
          if (revoking)
            action.mutate({ id: revoking.id, action: "revoke" }, { onSuccess: () => setRevoking(null) });
        }}
        onClose={() => setRevoking(null)}
      />
    </Stack>
  );
}
