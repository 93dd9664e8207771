import type { Role } from "@crossline/schemas";
import { Badge, Group } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { roleLabel } from "../util/labels";

export function RoleBadges({ roles }: { roles: readonly Role[] }) {
  const { t } = useTranslation();
  return (
    <Group gap={4}>
      {roles.map((r) => (
        <Badge key={r} variant="light" size="sm" radius="sm" tt="none">
          {roleLabel(t, r)}
        </Badge>
      ))}
    </Group>
  );
}
