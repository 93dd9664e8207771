import { type SessionResponse, SignInBody } from "@crossline/schemas";
import { Alert, Anchor, Button, PasswordInput, Stack, TextInput } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, isApiError } from "../api/client";
import { ApiErrorAlert } from "../components/ApiErrorAlert";
import { currentLanguage } from "../i18n";
import { useFieldCheck } from "../util/validation";
import { AuthLayout } from "./AuthLayout";
import { useStoreSession } from "./session";

interface SignInInput {
  username: string;
  password: string;
  totp?: string;
}

/**
 * Username and password; when the account has MFA the server answers MFA_REQUIRED
 * and the same credentials are sent again with the six-digit code.
 */
export function SignInPage() {
  const { t } = useTranslation();
  const storeSession = useStoreSession();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [totp, setTotp] = useState("");
  const [step, setStep] = useState<"credentials" | "totp">("credentials");
  const form = useFieldCheck(t, SignInBody, currentLanguage());

  const signIn = useMutation({
    mutationFn: (input: SignInInput) => api<SessionResponse>("POST", "/auth/sign-in", input),
    onSuccess: (session) => {
      setPassword("");
      setTotp("");
      storeSession(session, { fresh: true });
    },
    onError: (err) => {
      if (isApiError(err, "MFA_REQUIRED")) {
        setStep("totp");
      } else if (isApiError(err, "MFA_INVALID")) {
        setTotp("");
      } else if (step === "totp") {
        setStep("credentials");
        setTotp("");
      }
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body =
      step === "credentials"
        ? { username: username.trim(), password }
        : { username: username.trim(), password, totp };
    // a malformed username is said beside the field, in the interface language, before anything is sent
    if (!form.check(body)) return;
    signIn.mutate(body);
  };

  // MFA_REQUIRED is the prompt for the second step, not an error to show.
  const shownError = isApiError(signIn.error, "MFA_REQUIRED") ? null : signIn.error;

  const back = () => {
    setStep("credentials");
    setTotp("");
    signIn.reset();
  };

  return (
    <AuthLayout title={step === "credentials" ? t("signIn.title") : t("signIn.totpTitle")}>
      <form onSubmit={submit} data-testid="signin-form" noValidate>
        <Stack>
          {step === "credentials" ? (
            <>
              <TextInput
                label={t("signIn.username")}
                value={username}
                onChange={(e) => {
                  setUsername(e.currentTarget.value);
                  form.clear("username");
                }}
                error={form.error("username", signIn.error)}
                autoComplete="username"
                autoCapitalize="none"
                spellCheck={false}
                required
                autoFocus
                data-testid="signin-username"
              />
              <PasswordInput
                visibilityToggleButtonProps={{ "aria-label": t("password.toggleVisibility") }}
                label={t("signIn.password")}
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
                error={form.error("password", signIn.error)}
                autoComplete="current-password"
                required
                data-testid="signin-password"
              />
            </>
          ) : (
            <>
              <Alert variant="light" color="blue" data-testid="signin-mfa-prompt">
                {t("errors.MFA_REQUIRED")}
              </Alert>
              <TextInput
                label={t("signIn.totp")}
                description={t("signIn.totpHint")}
                value={totp}
                onChange={(e) => setTotp(e.currentTarget.value.replace(/\D/g, "").slice(0, 6))}
                error={form.error("totp", signIn.error)}
                inputMode="numeric"
                autoComplete="one-time-code"
                maxLength={6}
                required
                autoFocus
                styles={{
                  input: { letterSpacing: "0.3em", fontFamily: "var(--mantine-font-family-monospace)" },
                }}
                data-testid="signin-totp"
              />
            </>
          )}
          <ApiErrorAlert error={shownError} testId="signin-error" />
          <Button
            type="submit"
            loading={signIn.isPending}
            disabled={
              step === "credentials" ? username.trim() === "" || password === "" : !/^\d{6}$/.test(totp)
            }
            data-testid="signin-submit"
          >
            {step === "credentials" ? t("signIn.submit") : t("signIn.verify")}
          </Button>
          {step === "totp" && (
            <Anchor component="button" type="button" size="sm" onClick={back} data-testid="signin-back">
              {t("signIn.back")}
            </Anchor>
          )}
        </Stack>
      </form>
    </AuthLayout>
  );
}
