import { Alert, Button, PasswordInput, Stack } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { ChangePasswordInput } from "../api/types";
import { ApiErrorAlert } from "../components/ApiErrorAlert";

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

/** Current password, new password twice. Used forced (first sign-in) and from Security. */
export function ChangePasswordForm({ onChanged }: { onChanged: () => void }) {
  const { t } = useTranslation();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [done, setDone] = useState(false);

  const change = useMutation({
    mutationFn: (body: ChangePasswordInput) => api<void>("POST", "/auth/password", body),
    onSuccess: () => {
      setCurrent("");
      setNext("");
      setRepeat("");
      setDone(true);
      onChanged();
    },
  });

  const tooShort = next.length > 0 && next.length < PASSWORD_MIN;
  const tooLong = next.length > PASSWORD_MAX;
  const sameAsCurrent = next.length > 0 && next === current;
  const mismatch = repeat.length > 0 && repeat !== next;
  const valid =
    current.length > 0 && next.length >= PASSWORD_MIN && !tooLong && !sameAsCurrent && repeat === next;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!valid) return;
    setDone(false);
    change.mutate({ currentPassword: current, newPassword: next });
  };

  return (
    <form onSubmit={submit} data-testid="password-form" noValidate>
      <Stack>
        <PasswordInput
          visibilityToggleButtonProps={{ "aria-label": t("password.toggleVisibility") }}
          label={t("password.current")}
          value={current}
          onChange={(e) => setCurrent(e.currentTarget.value)}
          autoComplete="current-password"
          required
          data-testid="password-current"
        />
        <PasswordInput
          visibilityToggleButtonProps={{ "aria-label": t("password.toggleVisibility") }}
          label={t("password.new")}
          description={t("password.rule", { min: PASSWORD_MIN })}
          value={next}
          onChange={(e) => setNext(e.currentTarget.value)}
          autoComplete="new-password"
          required
          error={
            tooShort
              ? t("password.tooShort", { min: PASSWORD_MIN })
              : tooLong
                ? t("password.tooLong", { max: PASSWORD_MAX })
                : sameAsCurrent
                  ? t("password.sameAsCurrent")
                  : undefined
          }
          data-testid="password-new"
        />
        <PasswordInput
          visibilityToggleButtonProps={{ "aria-label": t("password.toggleVisibility") }}
          label={t("password.repeat")}
          value={repeat}
          onChange={(e) => setRepeat(e.currentTarget.value)}
          autoComplete="new-password"
          required
          error={mismatch ? t("password.mismatch") : undefined}
          data-testid="password-repeat"
        />
        <ApiErrorAlert error={change.error} testId="password-error" />
        {done && (
          <Alert color="green" variant="light" data-testid="password-changed">
            {t("password.changed")}
          </Alert>
        )}
        <Button type="submit" loading={change.isPending} disabled={!valid} data-testid="password-submit">
          {t("password.submit")}
        </Button>
      </Stack>
    </form>
  );
}
