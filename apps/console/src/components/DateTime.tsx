import { Text, Tooltip } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { useSession } from "../auth/session";
import { formatDateTime, formatDual } from "../util/datetime";
import { zoneLabel } from "../util/zones";

/** An instant in the user's zone. */
export function DateTimeText({ iso }: { iso: string | null | undefined }) {
  const { i18n } = useTranslation();
  const { user } = useSession();
  if (!iso)
    return (
      <Text span c="dimmed">
        —
      </Text>
    );
  return (
    <Text span size="sm">
      {formatDateTime(iso, user.timeZone, i18n.language)}
    </Text>
  );
}

/** An instant in the user's zone, with the other side's zone below it. */
export function DualDateTime({ iso, testId }: { iso: string; testId?: string }) {
  const { t, i18n } = useTranslation();
  const { user, node } = useSession();
  const dual = formatDual(iso, user.timeZone, i18n.language, node.timeZone);
  return (
    <Tooltip label={iso} openDelay={400}>
      <div data-testid={testId}>
        <Text size="sm" style={{ whiteSpace: "nowrap" }}>
          {dual.primary.text}
        </Text>
        <Text size="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
          {`${zoneLabel(t, dual.secondary.zone)} · ${dual.secondary.text}`}
        </Text>
      </div>
    </Tooltip>
  );
}
