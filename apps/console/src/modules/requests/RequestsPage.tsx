import type { RequestSummary } from "@crossline/schemas";
import { Button, Group, Stack, Tabs, Title } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useCan } from "../../auth/session";
import { Link, usePath } from "../../router/router";
import { RequestBoard } from "../hotline/HotlinePage";
import { eventLabel } from "./labels";
import { ActionModal, RequestDetailPage } from "./RequestDetailPage";
import { NewRequestPage, RequestFormFor } from "./RequestFormPage";

const PENDING = { direction: "outgoing" as const, status: ["pending_approval"] };

/** Supervisors' queue: outgoing requests awaiting approval, with approve / reject on each row. */
function ApprovalQueue() {
  const { t } = useTranslation();
  const [pending, setPending] = useState<{ id: string; event: "approve" | "reject_approval" } | null>(null);
  const extra = (r: RequestSummary) => (
    <Group gap={4} wrap="nowrap">
      <Button
        size="compact-sm"
        color="green"
        onClick={() => setPending({ id: r.id, event: "approve" })}
        data-testid="queue-approve"
      >
        {eventLabel(t, "approve")}
      </Button>
      <Button
        size="compact-sm"
        color="red"
        variant="light"
        onClick={() => setPending({ id: r.id, event: "reject_approval" })}
        data-testid="queue-reject"
      >
        {eventLabel(t, "reject_approval")}
      </Button>
    </Group>
  );
  return (
    <>
      <RequestBoard fixed={PENDING} testId="approval-queue" rowExtra={extra} />
      {pending && (
        <ActionModal request={{ id: pending.id }} event={pending.event} onClose={() => setPending(null)} />
      )}
    </>
  );
}

export function RequestsPage() {
  const { t } = useTranslation();
  const path = usePath();
  const canDraft = useCan("requests:draft");
  const canApprove = useCan("requests:approve");
  const [tab, setTab] = useState<string>(canApprove ? "approvals" : "all");
  const rest = path.replace(/^\/requests\/?/, "");
  if (rest === "new") return <NewRequestPage />;
  const sub = /^([^/]+)\/(edit|follow-up)$/.exec(rest);
  if (sub)
    return <RequestFormFor id={decodeURIComponent(sub[1] as string)} mode={sub[2] as "edit" | "follow-up"} />;
  if (rest) return <RequestDetailPage id={decodeURIComponent(rest)} />;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t("nav.requests")}
        </Title>
        {canDraft && (
          <Link to="/requests/new">
            <Button component="span" data-testid="new-request">
              {t("requests.new")}
            </Button>
          </Link>
        )}
      </Group>
      {canApprove && (
        <Tabs value={tab} onChange={(v) => v && setTab(v)} variant="pills">
          <Tabs.List>
            <Tabs.Tab value="approvals" data-testid="requests-tab-approvals">
              {t("requests.approvals")}
            </Tabs.Tab>
            <Tabs.Tab value="all" data-testid="requests-tab-all">
              {t("requests.all")}
            </Tabs.Tab>
          </Tabs.List>
        </Tabs>
      )}
      {canApprove && tab === "approvals" ? <ApprovalQueue /> : <RequestBoard />}
    </Stack>
  );
}
