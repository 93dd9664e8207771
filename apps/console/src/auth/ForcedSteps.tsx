import { Anchor, Group, Text } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { AuthLayout } from "./AuthLayout";
import { ChangePasswordForm } from "./ChangePasswordForm";
import { MfaEnrolment } from "./MfaEnrolment";
import { SESSION_KEY } from "./session";
import { useSignOut } from "./useSignOut";

function SignOutLink({ displayName }: { displayName: string }) {
  const { t } = useTranslation();
  const signOut = useSignOut();
  return (
    <Group justify="space-between" gap="xs">
      <Text size="xs" c="dimmed">
        {t("forced.signedInAs", { name: displayName })}
      </Text>
      <Anchor
        component="button"
        type="button"
        size="xs"
        onClick={() => signOut.mutate()}
        data-testid="forced-sign-out"
      >
        {t("user.signOut")}
      </Anchor>
    </Group>
  );
}

/** First sign-in with a one-time password: nothing else until a new password is chosen. */
export function ForcedPasswordChange({ displayName }: { displayName: string }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  return (
    <AuthLayout title={t("forced.passwordTitle")}>
      <Text size="sm" data-testid="forced-password">
        {t("forced.passwordBody")}
      </Text>
      <ChangePasswordForm onChanged={() => void qc.invalidateQueries({ queryKey: SESSION_KEY })} />
      <SignOutLink displayName={displayName} />
    </AuthLayout>
  );
}

/** The node requires MFA and the user has none yet: enrol before anything else. */
export function ForcedMfaEnrolment({ displayName }: { displayName: string }) {
  const { t } = useTranslation();
  return (
    <AuthLayout title={t("forced.mfaTitle")} wide>
      <Text size="sm" data-testid="forced-mfa">
        {t("forced.mfaBody")}
      </Text>
      <MfaEnrolment />
      <SignOutLink displayName={displayName} />
    </AuthLayout>
  );
}
