import { Badge, Button, Card, Loader, Table, Text } from "@mantine/core";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, withQuery } from "../../api/client";
import type { Page } from "../../api/types";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DualDateTime } from "../../components/DateTime";
import { Link } from "../../router/router";

export interface HotlineLogEntry {
  id: string;
  at: string;
  unitId: string | null;
  requestId: string | null;
  peerId: string | null;
  direction: "incoming" | "outgoing" | "internal";
  kind: string;
  actor: string;
  /** The line in the interface language (the server makes it from the kind and the shared labels). */
  summary: string;
  /** The reader may open the request: another unit's line (say, the node's emergency) only names it. */
  canOpen: boolean;
}

const DIRECTION_COLOR = { incoming: "blue", outgoing: "grape", internal: "gray" } as const;

/**
 * The unit's hotline log, newest first: every request that came in or went out, every alert,
 * escalation and check, and who (or what) did it. Paged with the server's cursor.
 */
export function HotlineLog() {
  const { t, i18n } = useTranslation();
  const log = useInfiniteQuery({
    // the server writes each line in the language asked for: a language switch fetches it again
    queryKey: ["hotline", "log", i18n.language],
    queryFn: ({ pageParam }) =>
      api<Page<HotlineLogEntry>>("GET", withQuery("/hotline/log", { limit: 50, cursor: pageParam })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: 30_000,
  });
  if (log.isPending) return <Loader />;
  if (log.error) return <ApiErrorAlert error={log.error} />;
  const items = log.data.pages.flatMap((p) => p.items);
  const kindLabel = (kind: string) =>
    i18n.exists(`hotline.logKind.${kind}`) ? t(`hotline.logKind.${kind}` as "hotline.logKind.message") : kind;
  return (
    <Card withBorder data-testid="hotline-log">
      <Table.ScrollContainer minWidth={900}>
        <Table striped verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("hotline.log.when")}</Table.Th>
              <Table.Th miw={110}>{t("hotline.log.direction")}</Table.Th>
              <Table.Th>{t("hotline.log.what")}</Table.Th>
              <Table.Th>{t("hotline.log.who")}</Table.Th>
              <Table.Th>{t("hotline.log.summary")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={5}>
                  <Text size="sm" c="dimmed">
                    {t("common.empty")}
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
            {items.map((e) => (
              <Table.Tr key={e.id} data-testid="hotline-log-entry" data-kind={e.kind}>
                <Table.Td>
                  <DualDateTime iso={e.at} />
                </Table.Td>
                <Table.Td>
                  <Badge variant="light" color={DIRECTION_COLOR[e.direction]}>
                    {t(`hotline.log.directions.${e.direction}`)}
                  </Badge>
                  {e.peerId && (
                    <Text size="xs" c="dimmed">
                      {e.peerId}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{kindLabel(e.kind)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{e.actor}</Text>
                </Table.Td>
                <Table.Td>
                  {e.requestId && e.canOpen ? (
                    <Link to={`/requests/${e.requestId}`}>
                      <Text size="sm">{e.summary}</Text>
                    </Link>
                  ) : (
                    <Text size="sm">{e.summary}</Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {log.hasNextPage && (
        <Button
          mt="sm"
          variant="default"
          onClick={() => log.fetchNextPage()}
          loading={log.isFetchingNextPage}
          data-testid="hotline-log-more"
        >
          {t("common.more")}
        </Button>
      )}
    </Card>
  );
}
