import { Box, Center, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useEffect } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { NodeResponse } from "../api/types";
import { BrandMark } from "../components/BrandMark";
import { LanguageSwitch } from "../components/LanguageSwitch";
import { storedLanguage } from "../i18n";
import { orgName } from "../util/labels";

/** The frame of the screens shown before the shell: sign-in and the forced steps. */
export function AuthLayout({
  title,
  children,
  wide = false,
}: {
  title: string;
  children: ReactNode;
  wide?: boolean;
}) {
  const { t, i18n } = useTranslation();
  // The node may or may not answer before sign-in; its name is a courtesy, not a requirement.
  const node = useQuery({
    queryKey: ["node", "public"],
    queryFn: () => api<NodeResponse>("GET", "/node"),
    retry: false,
    staleTime: 5 * 60_000,
  });
  const nodeLanguage = node.data?.node.language;
  useEffect(() => {
    // A node's console opens in the node's language; a choice made in this browser (or a signed-in user's) wins.
    if (nodeLanguage && !storedLanguage() && i18n.language !== nodeLanguage)
      void i18n.changeLanguage(nodeLanguage);
  }, [nodeLanguage, i18n]);
  return (
    <Box mih="100vh" bg="gray.0">
      <Group component="header" justify="space-between" p="md">
        <Group gap="xs">
          <BrandMark />
          <Text fw={700}>{t("app.name")}</Text>
        </Group>
        <LanguageSwitch />
      </Group>
      <Center component="main" px="md" pb="xl" pt="6vh">
        <Stack w="100%" maw={wide ? 560 : 420} gap="xs">
          <Text ta="center" c="dimmed" size="sm" data-testid="auth-node-name">
            {node.data ? orgName(i18n.language, node.data.node) : t("app.tagline")}
          </Text>
          <Paper withBorder shadow="sm" radius="md" p="xl">
            <Stack>
              <Title order={1} size="h3">
                {title}
              </Title>
              {children}
            </Stack>
          </Paper>
        </Stack>
      </Center>
    </Box>
  );
}
