import type { VerifyView } from "@crossline/schemas";
import {
  Alert,
  Anchor,
  Button,
  Center,
  Group,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import { ApiErrorAlert } from "../components/ApiErrorAlert";
import { BrandMark } from "../components/BrandMark";
import { LanguageSwitch } from "../components/LanguageSwitch";
import { formatDateTime } from "../util/datetime";

const GOOD = new Set(["valid"]);

/**
 * The public verification page (no account): a provider checks a notice by its verification code (one that
 * came by e-mail or post only) or by the signed file; forged, altered and replayed notices are named as such.
 */
export function VerifyPage() {
  const { t, i18n } = useTranslation();
  // No account here says which zone the reader lives in: the browser's, with its offset shown.
  const at = (iso: string) =>
    formatDateTime(iso, Intl.DateTimeFormat().resolvedOptions().timeZone, i18n.language);
  const [code, setCode] = useState(() => new URLSearchParams(window.location.search).get("code") ?? "");
  const [doc, setDoc] = useState("");
  const [badFile, setBadFile] = useState(false);
  const check = useMutation({ mutationFn: (body: unknown) => api<VerifyView>("POST", "/verify", body) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBadFile(false);
    let document: unknown;
    if (doc.trim()) {
      try {
        document = JSON.parse(doc);
      } catch {
        setBadFile(true);
        return;
      }
    }
    check.mutate({ ...(code.trim() ? { code: code.trim() } : {}), ...(document ? { document } : {}) });
  };
  const r = check.data;
  const n = r?.notice;
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder p="xl" radius="md" w="100%" maw={640}>
        <main id="main">
          <Stack>
            <Group justify="space-between" wrap="nowrap">
              <Group gap="xs">
                <BrandMark />
                <Title order={1} size="h2">
                  {t("verify.title")}
                </Title>
              </Group>
              <LanguageSwitch />
            </Group>
            <Text size="sm">{t("verify.intro")}</Text>
            <form onSubmit={submit} noValidate data-testid="verify-form">
              <Stack>
                <TextInput
                  label={t("verify.code")}
                  value={code}
                  onChange={(e) => setCode(e.currentTarget.value)}
                  maxLength={64}
                  autoComplete="off"
                  data-testid="verify-code"
                />
                <Textarea
                  label={t("verify.document")}
                  value={doc}
                  onChange={(e) => setDoc(e.currentTarget.value)}
                  autosize
                  minRows={3}
                  maxRows={10}
                  data-testid="verify-document"
                />
                {badFile && <Alert color="red">{t("verify.badFile")}</Alert>}
                <ApiErrorAlert error={check.error} />
                <Group justify="flex-end">
                  <Button
                    type="submit"
                    loading={check.isPending}
                    disabled={!code.trim() && !doc.trim()}
                    data-testid="verify-submit"
                  >
                    {t("verify.submit")}
                  </Button>
                </Group>
              </Stack>
            </form>
            {r && (
              <Alert
                color={GOOD.has(r.result) ? "green" : r.result === "withdrawn" ? "orange" : "red"}
                title={t(`verify.result.${r.result}`)}
                data-testid="verify-result"
                data-result={r.result}
              >
                {n && (
                  <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
                    <Text size="sm">{`${t("verify.reference")}${t("common.colon")}${n.reference}`}</Text>
                    <Text size="sm">{`${t("verify.agency")}${t("common.colon")}${n.agency} (${n.node})`}</Text>
                    <Text size="sm">{`${t("verify.officer")}${t("common.colon")}${n.officer}`}</Text>
                    <Text size="sm">{`${t("verify.approvedBy")}${t("common.colon")}${n.approvedBy ?? "—"}`}</Text>
                    <Text size="sm">{`${t("verify.provider")}${t("common.colon")}${n.provider} / ${n.providerZh}`}</Text>
                    <Text size="sm">{`${t("verify.sentAt")}${t("common.colon")}${at(n.sentAt)}`}</Text>
                    <Text size="sm">{`${t("verify.actBy")}${t("common.colon")}${n.actBy ? at(n.actBy) : "—"}`}</Text>
                    <Text size="sm">{`${t("verify.inForce")}${t("common.colon")}${n.inForce ? t("common.yes") : t("common.no")}`}</Text>
                    {n.withdrawnAt && (
                      <Text size="sm">{`${t("verify.withdrawnAt")}${t("common.colon")}${at(n.withdrawnAt)}`}</Text>
                    )}
                  </SimpleGrid>
                )}
              </Alert>
            )}
            <Anchor href="/" size="sm">
              {t("verify.signIn")}
            </Anchor>
          </Stack>
        </main>
      </Paper>
    </Center>
  );
}
