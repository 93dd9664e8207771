import { Paper, Stack, Text, ThemeIcon, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";

/** The panel of a module that is not built yet. */
export function ComingSoon({ title, order = 2 }: { title: string; order?: 2 | 3 }) {
  const { t } = useTranslation();
  return (
    <Stack>
      <Title order={order}>{title}</Title>
      <Paper withBorder p="xl" radius="md" data-testid="coming-soon">
        <Stack align="center" gap="xs">
          <ThemeIcon size={48} radius="xl" variant="light" aria-hidden>
            <svg
              width="24"
              height="24"
              viewBox="0 0 24 24"
              fill="none"
              stroke="currentColor"
              strokeWidth="2"
              aria-hidden="true"
            >
              <circle cx="12" cy="12" r="9" />
              <path d="M12 7v5l3 2" strokeLinecap="round" />
            </svg>
          </ThemeIcon>
          <Text fw={600}>{t("common.comingSoonTitle")}</Text>
          <Text c="dimmed" ta="center">
            {t("common.comingSoon")}
          </Text>
        </Stack>
      </Paper>
    </Stack>
  );
}
