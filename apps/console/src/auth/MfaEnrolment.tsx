import type { SessionResponse } from "@crossline/schemas";
import { Alert, Button, Code, CopyButton, Group, Image, List, Stack, Text, TextInput } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { MfaEnrolResult } from "../api/types";
import { ApiErrorAlert } from "../components/ApiErrorAlert";
import { useStoreSession } from "./session";

/** Groups a base32 secret in fours for reading aloud or typing; copying gives the raw value. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})/g, "$1 ").trim();
}

/**
 * TOTP enrolment: the server issues a secret (as QR code and text), the user
 * proves the authenticator works with one code, and the session is updated.
 */
export function MfaEnrolment({ onEnrolled }: { onEnrolled?: () => void }) {
  const { t } = useTranslation();
  const storeSession = useStoreSession();
  const [code, setCode] = useState("");

  const enrol = useMutation({ mutationFn: () => api<MfaEnrolResult>("POST", "/auth/mfa/enrol") });
  const confirm = useMutation({
    mutationFn: (c: string) => api<SessionResponse>("POST", "/auth/mfa/confirm", { code: c }),
    onSuccess: (session) => {
      setCode("");
      storeSession(session);
      onEnrolled?.();
    },
    onError: () => setCode(""),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (/^\d{6}$/.test(code)) confirm.mutate(code);
  };

  if (!enrol.data) {
    return (
      <Stack>
        <Text size="sm">{t("mfa.intro")}</Text>
        <ApiErrorAlert error={enrol.error} testId="mfa-error" />
        <Button onClick={() => enrol.mutate()} loading={enrol.isPending} data-testid="mfa-start">
          {t("mfa.start")}
        </Button>
      </Stack>
    );
  }

  const { qrDataUrl, secret } = enrol.data;
  return (
    <Stack>
      <List type="ordered" size="sm" spacing={4}>
        <List.Item>{t("mfa.stepScan")}</List.Item>
        <List.Item>{t("mfa.stepManual")}</List.Item>
        <List.Item>{t("mfa.stepCode")}</List.Item>
      </List>
      <Group justify="center">
        <Image
          src={qrDataUrl}
          alt={t("mfa.qrAlt")}
          w={200}
          h={200}
          fit="contain"
          radius="sm"
          style={{ imageRendering: "pixelated", border: "1px solid var(--mantine-color-gray-3)" }}
          data-testid="mfa-qr"
        />
      </Group>
      <div>
        <Text size="sm" fw={500}>
          {t("mfa.secretLabel")}
        </Text>
        <Group gap="xs" wrap="nowrap">
          <Code
            data-testid="mfa-secret"
            data-secret={secret}
            style={{ fontSize: "0.95rem", userSelect: "all", wordBreak: "break-all" }}
          >
            {grouped(secret)}
          </Code>
          <CopyButton value={secret} timeout={2000}>
            {({ copied, copy }) => (
              <Button size="compact-xs" variant="light" color={copied ? "teal" : "blue"} onClick={copy}>
                {copied ? t("common.copied") : t("common.copy")}
              </Button>
            )}
          </CopyButton>
        </Group>
      </div>
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label={t("mfa.codeLabel")}
            description={t("signIn.totpHint")}
            value={code}
            onChange={(e) => setCode(e.currentTarget.value.replace(/\D/g, "").slice(0, 6))}
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={6}
            required
            styles={{ input: { letterSpacing: "0.3em", fontFamily: "var(--mantine-font-family-monospace)" } }}
            data-testid="mfa-code"
          />
          <ApiErrorAlert error={confirm.error} testId="mfa-error" />
          {confirm.isSuccess && (
            <Alert color="green" variant="light" data-testid="mfa-enrolled">
              {t("mfa.enrolled")}
            </Alert>
          )}
          <Button
            type="submit"
            loading={confirm.isPending}
            disabled={!/^\d{6}$/.test(code)}
            data-testid="mfa-confirm"
          >
            {t("mfa.confirm")}
          </Button>
        </Stack>
      </form>
    </Stack>
  );
}
