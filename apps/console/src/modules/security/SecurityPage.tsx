import type { Language } from "@crossline/schemas";
import { Alert, Badge, Button, Card, Group, Select, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import type { MeResponse, PreferencesInput } from "../../api/types";
import { ChangePasswordForm } from "../../auth/ChangePasswordForm";
import { MfaEnrolment } from "../../auth/MfaEnrolment";
import { SESSION_KEY, useSession, useUpdateMe } from "../../auth/session";
import { useSignOutEverywhere } from "../../auth/useSignOut";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { ConfirmModal } from "../../components/ConfirmModal";
import i18n, { isLanguage, rememberLanguage } from "../../i18n";
import { timeZoneOptions } from "../../util/datetime";
import { zoneLabel } from "../../util/zones";

function MfaSection() {
  const { t } = useTranslation();
  const { user } = useSession();
  return (
    <Card withBorder radius="md" data-testid="security-mfa">
      <Group justify="space-between" mb="sm">
        <Text fw={600}>{t("security.mfaTitle")}</Text>
        {user.mfaEnrolled ? (
          <Badge color="green" data-testid="mfa-status" data-enrolled="true">
            {t("security.mfaOn")}
          </Badge>
        ) : (
          <Badge color="yellow" data-testid="mfa-status" data-enrolled="false">
            {t("security.mfaOff")}
          </Badge>
        )}
      </Group>
      {user.mfaEnrolled ? (
        <Text size="sm" c="dimmed">
          {t("security.mfaEnrolledBody")}
        </Text>
      ) : (
        <MfaEnrolment />
      )}
    </Card>
  );
}

function PreferencesSection() {
  const { t } = useTranslation();
  const { user } = useSession();
  const updateMe = useUpdateMe();
  const [language, setLanguage] = useState<Language>(user.language);
  const [timeZone, setTimeZone] = useState<string>(user.timeZone);
  const zones = useMemo(
    () =>
      timeZoneOptions().map((z) => {
        const label = zoneLabel(t, z);
        return { value: z, label: label === z ? z : `${label} (${z})` };
      }),
    [t],
  );
  const save = useMutation({
    mutationFn: (body: PreferencesInput) => api<MeResponse>("PUT", "/me/preferences", body),
    onSuccess: (res) => {
      updateMe(res.user);
      rememberLanguage(res.user.language);
      if (i18n.language !== res.user.language) void i18n.changeLanguage(res.user.language);
    },
  });
  const changed = language !== user.language || timeZone !== user.timeZone;
  return (
    <Card withBorder radius="md">
      <Text fw={600} mb="sm">
        {t("security.preferencesTitle")}
      </Text>
      <Stack>
        <Group grow align="flex-start">
          <Select
            label={t("security.language")}
            data={[
              { value: "en", label: t("language.en") },
              { value: "zh-CN", label: t("language.zh") },
            ]}
            value={language}
            onChange={(v) => isLanguage(v) && setLanguage(v)}
            allowDeselect={false}
            data-testid="prefs-language"
          />
          <Select
            label={t("security.timeZone")}
            data={zones}
            value={timeZone}
            onChange={(v) => v && setTimeZone(v)}
            searchable
            allowDeselect={false}
            nothingFoundMessage={t("common.nothingFound")}
            data-testid="prefs-timezone"
          />
        </Group>
        <ApiErrorAlert error={save.error} />
        {save.isSuccess && !changed && (
          <Alert color="green" variant="light" data-testid="prefs-saved">
            {t("security.preferencesSaved")}
          </Alert>
        )}
        <Group>
          <Button
            onClick={() =>
              save.mutate({
                ...(language !== user.language ? { language } : {}),
                ...(timeZone !== user.timeZone ? { timeZone } : {}),
              })
            }
            disabled={!changed}
            loading={save.isPending}
            data-testid="prefs-save"
          >
            {t("common.save")}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function SessionsSection() {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const everywhere = useSignOutEverywhere();
  return (
    <Card withBorder radius="md">
      <Text fw={600} mb="xs">
        {t("security.sessionsTitle")}
      </Text>
      <Text size="sm" c="dimmed" mb="sm">
        {t("user.signOutEverywhereConfirm")}
      </Text>
      <Group>
        <Button
          color="red"
          variant="light"
          onClick={() => setOpen(true)}
          data-testid="security-sign-out-everywhere"
        >
          {t("user.signOutEverywhere")}
        </Button>
      </Group>
      <ConfirmModal
        opened={open}
        title={t("user.signOutEverywhere")}
        message={t("user.signOutEverywhereConfirm")}
        confirmLabel={t("user.signOutEverywhere")}
        danger
        loading={everywhere.isPending}
        error={everywhere.error}
        onConfirm={() => everywhere.mutate()}
        onClose={() => {
          setOpen(false);
          everywhere.reset();
        }}
        testId="confirm-sign-out-everywhere"
      />
    </Card>
  );
}

export function SecurityPage() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  return (
    <Stack maw={760}>
      <Title order={1} size="h2">
        {t("nav.security")}
      </Title>
      <MfaSection />
      <Card withBorder radius="md">
        <Text fw={600} mb="sm">
          {t("security.passwordTitle")}
        </Text>
        <ChangePasswordForm onChanged={() => void qc.invalidateQueries({ queryKey: SESSION_KEY })} />
      </Card>
      <PreferencesSection />
      <SessionsSection />
    </Stack>
  );
}
