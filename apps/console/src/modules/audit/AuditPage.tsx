import { type AuditEntry, auditActionLabel, auditTargetLabel, type Language } from "@crossline/schemas";
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  Group,
  Loader,
  Modal,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DualDateTime } from "../../components/DateTime";
import { useLang } from "../../i18n";
import { Link } from "../../router/router";
import { formatDateTime } from "../../util/datetime";
import { actorTypeLabel, OUTCOME_COLOURS, outcomeLabel } from "../../util/labels";
import { zoneLabel } from "../../util/zones";
import { AnchorResult, CheckpointPanel } from "./AnchorPanels";
import { useAudit, useVerifyAudit } from "./audit.api";

function VerifyPanel() {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const verify = useVerifyAudit();
  const result = verify.data?.result;
  return (
    <Stack gap="xs">
      <Group>
        <Button
          variant="light"
          onClick={() => verify.mutate()}
          loading={verify.isPending}
          data-testid="audit-verify"
        >
          {t("audit.verify")}
        </Button>
        <Text size="sm" c="dimmed">
          {t("audit.verifyHint")}
        </Text>
      </Group>
      <ApiErrorAlert error={verify.error} />
      {result &&
        (result.ok ? (
          <Alert
            color="green"
            variant="filled"
            title={t("audit.verifyOkTitle")}
            data-testid="audit-verify-result"
            data-ok="true"
          >
            {t("audit.verifyOk", {
              checked: result.checked,
              head: result.headSeq,
              at: formatDateTime(result.verifiedAt, user.timeZone, i18n.language),
            })}
          </Alert>
        ) : (
          <Alert
            color="red"
            variant="filled"
            title={t("audit.verifyBadTitle")}
            data-testid="audit-verify-result"
            data-ok="false"
          >
            {result.firstBad
              ? t("audit.verifyBad", {
                  seq: result.firstBad.seq,
                  reason: result.firstBad.reason,
                  checked: result.checked,
                })
              : result.checked === result.headSeq
                ? t("audit.verifyBadAnchors", { checked: result.checked })
                : t("audit.verifyBadUnknown", { checked: result.checked })}
            <Text size="xs" mt={4}>
              {formatDateTime(result.verifiedAt, user.timeZone, i18n.language)}
            </Text>
          </Alert>
        ))}
      {result && <AnchorResult anchors={result.anchors} />}
    </Stack>
  );
}

function DetailsModal({ entry, onClose }: { entry: AuditEntry | null; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal
      opened={entry !== null}
      onClose={onClose}
      title={entry ? t("audit.detailsTitle", { seq: entry.seq }) : ""}
      size="xl"
      centered
    >
      {entry && (
        <Stack gap="xs" data-testid="audit-details">
          <Group gap="xs">
            <Text size="sm" c="dimmed" miw={120}>
              {t("audit.fields.time")}
            </Text>
            <DualDateTime iso={entry.at} />
          </Group>
          <Group gap="xs">
            <Text size="sm" c="dimmed" miw={120}>
              {t("audit.fields.ip")}
            </Text>
            <Code>{entry.ip ?? "—"}</Code>
          </Group>
          <Group gap="xs">
            <Text size="sm" c="dimmed" miw={120}>
              {t("audit.fields.requestId")}
            </Text>
            <Code>{entry.requestId ?? "—"}</Code>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Text size="sm" c="dimmed" miw={120}>
              {t("audit.fields.prevHash")}
            </Text>
            <Code style={{ wordBreak: "break-all" }}>{entry.prevHash}</Code>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Text size="sm" c="dimmed" miw={120}>
              {t("audit.fields.hash")}
            </Text>
            <Code style={{ wordBreak: "break-all" }}>{entry.hash}</Code>
          </Group>
          <Text size="sm" c="dimmed">
            {t("audit.fields.details")}
          </Text>
          <Code block>{JSON.stringify(entry.details, null, 2)}</Code>
        </Stack>
      )}
    </Modal>
  );
}

/**
 * The target as a person reads it: its kind in the reader's language and a short id (the full one on
 * hover); a request links to its page (which says "not found" to whoever may not see it).
 */
function AuditTarget({ entry, lang }: { entry: AuditEntry; lang: Language }) {
  if (!entry.targetType) return <Text c="dimmed">—</Text>;
  const kind = auditTargetLabel(entry.targetType, lang);
  const id = entry.targetId;
  const short = id && id.length > 13 ? `${id.slice(0, 8)}…` : id;
  return (
    <Text size="sm" data-target-type={entry.targetType}>
      {kind}
      {id && (
        <>
          {" "}
          {entry.targetType === "request" ? (
            <Link to={`/requests/${id}`} title={id}>
              <Text span ff="monospace" size="sm">
                {short}
              </Text>
            </Link>
          ) : (
            <Text span ff="monospace" size="sm" title={id}>
              {short}
            </Text>
          )}
        </>
      )}
    </Text>
  );
}

export function AuditPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const { user } = useSession();
  const [draft, setDraft] = useState("");
  const [action, setAction] = useState("");
  const [selected, setSelected] = useState<AuditEntry | null>(null);
  const audit = useAudit(action);
  const rows = audit.data?.pages.flatMap((p) => p.items) ?? [];

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setAction(draft.trim());
  };

  return (
    <Stack>
      <Title order={1} size="h2">
        {t("nav.audit")}
      </Title>
      <VerifyPanel />
      <CheckpointPanel />
      <form onSubmit={apply}>
        <Group align="flex-end">
          <TextInput
            label={t("audit.filterAction")}
            placeholder={t("audit.filterPlaceholder")}
            value={draft}
            onChange={(e) => setDraft(e.currentTarget.value)}
            maxLength={100}
            w={320}
            data-testid="audit-filter-action"
          />
          <Button type="submit" variant="default" data-testid="audit-filter-apply">
            {t("audit.filterApply")}
          </Button>
          {action && (
            <Button
              variant="subtle"
              onClick={() => {
                setDraft("");
                setAction("");
              }}
              data-testid="audit-filter-clear"
            >
              {t("audit.filterClear")}
            </Button>
          )}
        </Group>
      </form>
      <ApiErrorAlert error={audit.error} />
      {audit.isPending ? (
        <Loader />
      ) : (
        <Table.ScrollContainer minWidth={960}>
          <Table striped highlightOnHover verticalSpacing="xs" data-testid="audit-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>#</Table.Th>
                <Table.Th>
                  {t("audit.fields.time")}
                  <Text span size="xs" c="dimmed" fw={400}>{` (${zoneLabel(t, user.timeZone)})`}</Text>
                </Table.Th>
                <Table.Th>{t("audit.fields.actor")}</Table.Th>
                <Table.Th>{t("audit.fields.action")}</Table.Th>
                <Table.Th>{t("audit.fields.target")}</Table.Th>
                <Table.Th>{t("audit.fields.outcome")}</Table.Th>
                <Table.Th aria-label={t("audit.fields.details")} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={7}>
                    <Text c="dimmed" ta="center" py="md">
                      {t("common.empty")}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {rows.map((e) => (
                <Table.Tr key={e.seq} data-testid="audit-row" data-seq={e.seq}>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {e.seq}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <DualDateTime iso={e.at} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{e.actorLabel}</Text>
                    <Text size="xs" c="dimmed">
                      {actorTypeLabel(t, e.actorType)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Anchor
                      component="button"
                      type="button"
                      size="sm"
                      title={t("audit.filterBy")}
                      data-action={e.action}
                      onClick={() => {
                        setDraft(e.action);
                        setAction(e.action);
                      }}
                    >
                      {auditActionLabel(e.action, lang)}
                    </Anchor>
                    <Text size="xs" c="dimmed" ff="monospace">
                      {e.action}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <AuditTarget entry={e} lang={lang} />
                  </Table.Td>
                  <Table.Td>
                    <Badge color={OUTCOME_COLOURS[e.outcome]} variant="light" data-outcome={e.outcome}>
                      {outcomeLabel(t, e.outcome)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Button size="compact-xs" variant="subtle" onClick={() => setSelected(e)}>
                      {t("audit.details")}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {audit.hasNextPage && (
        <Group justify="center">
          <Button
            variant="default"
            onClick={() => void audit.fetchNextPage()}
            loading={audit.isFetchingNextPage}
            data-testid="audit-older"
          >
            {t("audit.older")}
          </Button>
        </Group>
      )}
      <DetailsModal entry={selected} onClose={() => setSelected(null)} />
    </Stack>
  );
}
