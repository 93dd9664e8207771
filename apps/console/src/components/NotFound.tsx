import { Button, Paper, Stack, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { navigate } from "../router/router";

/** Unknown paths and modules the user may not open look the same: need to know. */
export function NotFound() {
  const { t } = useTranslation();
  return (
    <Paper withBorder p="xl" radius="md" data-testid="not-found">
      <Stack align="center">
        <Title order={1} size="h2">
          {t("notFound.title")}
        </Title>
        <Text c="dimmed">{t("notFound.body")}</Text>
        <Button variant="light" onClick={() => navigate("/")}>
          {t("notFound.home")}
        </Button>
      </Stack>
    </Paper>
  );
}
