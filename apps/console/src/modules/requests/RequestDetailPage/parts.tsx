import { Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { DualDateTime } from "../../../components/DateTime";
import { Countdown } from "../labels";

export function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <div>{children}</div>
    </div>
  );
}

export function Deadline({
  label,
  at,
  metAt,
  testId,
}: {
  label: string;
  at: { at: string } | null;
  metAt: string | null;
  testId: string;
}) {
  const { t } = useTranslation();
  if (!at) return null;
  const late = metAt !== null && new Date(metAt).getTime() > new Date(at.at).getTime();
  return (
    <Field label={label}>
      <DualDateTime iso={at.at} testId={testId} />
      {metAt ? (
        <Text size="sm" c={late ? "red" : "green"} data-testid={`${testId}-met`}>
          {late ? t("requests.detail.metLate") : t("requests.detail.metInTime")}
        </Text>
      ) : (
        <Countdown at={at.at} />
      )}
    </Field>
  );
}

/** The events needing a text (and which body field carries it). */
