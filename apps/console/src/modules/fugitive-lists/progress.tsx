import { RETURN_METHODS, type ReceivedEntryView, type ReturnMethod } from "@crossline/schemas";
import { Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";

/** How far a list has come: entries, how many returned, and by which method. */
export type Progress = {
  total: number;
  returned: number;
  byMethod: { method: ReturnMethod; count: number }[];
};

/**
 * The progress of a peer's list from the copies held here: the owner's versions carry the status and the
 * return, so both sides count the same entries once a return has travelled. Withdrawn entries are off the list.
 */
export function receivedProgress(entries: ReceivedEntryView[]): Progress {
  const live = entries.filter((e) => e.state === "active");
  const done = live.filter((e) => e.status === "returned");
  return {
    total: live.length,
    returned: done.length,
    byMethod: RETURN_METHODS.map((method) => ({
      method,
      count: done.filter((e) => e.returned?.method === method).length,
    })),
  };
}

/** Progress in words: "2 of 3 returned" and the methods that brought them back. */
export function ProgressText({ p, testId }: { p: Progress; testId?: string }) {
  const { t } = useTranslation();
  const methods = p.byMethod.filter((m) => m.count > 0);
  return (
    <Stack gap={0} data-testid={testId} data-returned={p.returned} data-total={p.total}>
      <Text size="sm" fw={600}>
        {t("sharedLists.progressText", { returned: p.returned, total: p.total })}
      </Text>
      <Text size="sm" c="dimmed">
        {methods.length
          ? methods.map((m) => `${t(`fugitives.returnMethod.${m.method}`)} ${m.count}`).join(" · ")
          : t("sharedLists.noReturns")}
      </Text>
    </Stack>
  );
}
