import { Card, Group, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../../auth/session";
import { ComingSoon } from "../../components/ComingSoon";
import { RoleBadges } from "../../components/RoleBadges";
import { otherSideZone } from "../../util/datetime";
import { orgName } from "../../util/labels";
import { zoneLabel } from "../../util/zones";

function Fact({ label, value, testId }: { label: string; value: ReactNode; testId?: string }) {
  return (
    <Group gap="xs" wrap="nowrap" align="flex-start">
      <Text size="sm" c="dimmed" miw={110}>
        {label}
      </Text>
      <Text size="sm" component="div" data-testid={testId}>
        {value}
      </Text>
    </Group>
  );
}

export function DashboardPage() {
  const { t, i18n } = useTranslation();
  const { user, node } = useSession();
  return (
    <Stack>
      <Title order={1} size="h2" data-testid="dashboard-welcome">
        {t("dashboard.welcome", { name: user.displayName })}
      </Title>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder radius="md">
          <Text fw={600} mb="xs">
            {t("dashboard.thisNode")}
          </Text>
          <Stack gap={6}>
            <Fact label={t("dashboard.nodeName")} value={orgName(i18n.language, node)} />
            <Fact label={t("dashboard.nodeId")} value={node.id} />
            <Fact label={t("dashboard.agency")} value={node.agency} />
            <Fact
              label={t("dashboard.nodeZone")}
              value={`${zoneLabel(t, node.timeZone)} (${node.timeZone})`}
            />
          </Stack>
        </Card>
        <Card withBorder radius="md">
          <Text fw={600} mb="xs">
            {t("dashboard.you")}
          </Text>
          <Stack gap={6}>
            <Fact
              label={t("dashboard.unit")}
              value={orgName(i18n.language, { name: user.unitName, nameZh: user.unitNameZh })}
            />
            <Fact label={t("dashboard.roles")} value={<RoleBadges roles={user.roles} />} />
            <Fact
              label={t("dashboard.yourZone")}
              value={`${zoneLabel(t, user.timeZone)} (${user.timeZone})`}
            />
            <Fact
              label={t("dashboard.otherZone")}
              value={zoneLabel(t, otherSideZone(user.timeZone, node.timeZone))}
            />
          </Stack>
        </Card>
      </SimpleGrid>
      <ComingSoon title={t("dashboard.operations")} order={3} />
    </Stack>
  );
}
