import { Button, Group, Loader, Stack, Table, Tabs, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { useCan } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { NotFound } from "../../components/NotFound";
import { Link, navigate, usePath } from "../../router/router";
import { NoticeFiguresPanel } from "./NoticeFigures";
import { NoticeFormPage } from "./NoticeFormPage";
import { Deadline, NoticeStatusBadge, NoticeView } from "./NoticeView";
import { useNotice, useNotices } from "./notices.api";

const OPEN = ["sent", "received", "in_progress"];

/** The notices board: every notice of the unit with its deadline counting down. */
export function NoticesBoard({ base }: { base: string }) {
  const { t, i18n } = useTranslation();
  const notices = useNotices();
  const zh = i18n.language.startsWith("zh");
  const items = notices.data?.items ?? [];
  return (
    <Stack>
      <ApiErrorAlert error={notices.error} />
      {notices.isPending ? (
        <Loader aria-label={t("common.loading")} />
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table striped data-testid="notices-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("notices.fields.reference")}</Table.Th>
                <Table.Th>{t("notices.fields.provider")}</Table.Th>
                <Table.Th>{t("notices.fields.kind")}</Table.Th>
                <Table.Th>{t("notices.fields.status")}</Table.Th>
                <Table.Th>{t("notices.fields.actBy")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={5}>
                    <Text c="dimmed" ta="center" py="md">
                      {t("notices.empty")}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {items.map((n) => (
                <Table.Tr key={n.id} data-testid="notice-row" data-status={n.status}>
                  <Table.Td>
                    <Link to={`${base}/${n.id}`} data-testid="notice-link">
                      {n.reference}
                    </Link>
                  </Table.Td>
                  <Table.Td>{zh ? n.providerNameZh : n.providerName}</Table.Td>
                  <Table.Td>{t(`notices.kind.${n.kind}`)}</Table.Td>
                  <Table.Td>
                    <NoticeStatusBadge status={n.status} />
                  </Table.Td>
                  <Table.Td>
                    <Deadline d={n.actBy} open={OPEN.includes(n.status)} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

function NoticePage({ id, side }: { id: string; side: "authority" | "provider" }) {
  const { t } = useTranslation();
  const notice = useNotice(id);
  if (notice.isPending) return <Loader aria-label={t("common.loading")} />;
  if (notice.error) return <ApiErrorAlert error={notice.error} />;
  return <NoticeView n={notice.data} side={side} />;
}

export { NoticePage };

/** /notices (board and figures), /notices/new, /notices/:id. */
export function NoticesPage() {
  const { t } = useTranslation();
  const path = usePath();
  const canDraft = useCan("notices:draft");
  const rest = path.slice("/notices".length).replace(/^\//, "");
  if (rest === "new") return <NoticeFormPage />;
  if (rest === "figures" || rest === "") {
    return (
      <Stack>
        <Group justify="space-between">
          <Title order={1} size="h2">
            {t("notices.title")}
          </Title>
          {canDraft && (
            <Button onClick={() => navigate("/notices/new")} data-testid="notices-new">
              {t("notices.new")}
            </Button>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          {t("notices.intro")}
        </Text>
        <Tabs
          value={rest === "figures" ? "figures" : "board"}
          onChange={(v) => navigate(v === "figures" ? "/notices/figures" : "/notices")}
        >
          <Tabs.List>
            <Tabs.Tab value="board" data-testid="notices-tab-board">
              {t("notices.board")}
            </Tabs.Tab>
            <Tabs.Tab value="figures" data-testid="notices-tab-figures">
              {t("notices.figures")}
            </Tabs.Tab>
          </Tabs.List>
        </Tabs>
        {rest === "figures" ? <NoticeFiguresPanel /> : <NoticesBoard base="/notices" />}
      </Stack>
    );
  }
  if (/^[0-9a-f-]{36}$/.test(rest)) return <NoticePage id={rest} side="authority" />;
  return <NotFound />;
}
