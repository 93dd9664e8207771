import { Alert, List, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client";
import { errorMessage } from "../util/errors";

/**
 * Shows an API error in the interface language, with field details and the request id. A form may
 * name its fields (`fieldLabel`: the server's path → what the officer sees) instead of the raw path, and
 * put an issue it knows in its own words (`issueText`).
 */
export function ApiErrorAlert({
  error,
  testId = "api-error",
  fieldLabel,
  issueText,
}: {
  error: unknown;
  testId?: string;
  fieldLabel?: (field: string) => string;
  issueText?: (issue: string) => string;
}) {
  const { t } = useTranslation();
  if (!error) return null;
  const apiError = error instanceof ApiError ? error : null;
  return (
    <Alert color="red" variant="light" title={errorMessage(t, error)} data-testid={testId} role="alert">
      {apiError && apiError.details.length > 0 && (
        <List size="sm" spacing={2}>
          {apiError.details.map((d) => (
            <List.Item key={`${d.field ?? ""}|${d.issue}`}>
              {d.field ? (
                <Text span fw={600} size="sm">{`${fieldLabel ? fieldLabel(d.field) : d.field}: `}</Text>
              ) : null}
              {issueText ? issueText(d.issue) : d.issue}
              {d.allowed && d.allowed.length > 0
                ? ` (${t("errors.allowed", { values: d.allowed.join(", ") })})`
                : null}
            </List.Item>
          ))}
        </List>
      )}
      {apiError?.requestId ? (
        <Text size="xs" c="dimmed" mt={4}>
          {t("errors.reference", { id: apiError.requestId })}
        </Text>
      ) : null}
    </Alert>
  );
}
