import { Group, Stack, Text, Tooltip } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { useSession } from "../auth/session";
import { formatClock, otherSideZone } from "../util/datetime";
import { useNow } from "../util/useNow";
import { zoneLabel } from "../util/zones";

function Clock({
  zone,
  label,
  testId,
  primary,
}: {
  zone: string;
  label: string;
  testId: string;
  primary: boolean;
}) {
  const { i18n } = useTranslation();
  const now = useNow();
  return (
    <Tooltip label={zone}>
      <Stack gap={0} data-testid={testId} data-zone={zone} style={{ lineHeight: 1.15 }}>
        <Text size="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
          {label}
        </Text>
        <Text
          size="sm"
          fw={primary ? 700 : 500}
          style={{ whiteSpace: "nowrap", fontVariantNumeric: "tabular-nums" }}
        >
          {formatClock(now, zone, i18n.language)}
        </Text>
      </Stack>
    </Tooltip>
  );
}

/** The user's own zone and the other side's zone, side by side. */
export function Clocks() {
  const { t } = useTranslation();
  const { user, node } = useSession();
  const other = otherSideZone(user.timeZone, node.timeZone);
  return (
    <Group gap="lg" wrap="nowrap" aria-label={t("time.clocks")} role="group">
      <Clock
        zone={user.timeZone}
        label={t("time.yourZone", { zone: zoneLabel(t, user.timeZone) })}
        testId="clock-user"
        primary
      />
      <Clock
        zone={other}
        label={t("time.otherZone", { zone: zoneLabel(t, other) })}
        testId="clock-peer"
        primary={false}
      />
    </Group>
  );
}
