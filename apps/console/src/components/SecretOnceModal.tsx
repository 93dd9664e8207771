import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";

/**
 * Shows a secret (one-time password, API token) exactly once. Closing the modal
 * drops it from memory; the server never returns it again.
 */
export function SecretOnceModal({
  title,
  description,
  secret,
  onClose,
  testId = "secret-once",
}: {
  title: string;
  description: string;
  secret: string | null;
  onClose: () => void;
  testId?: string;
}) {
  const { t } = useTranslation();
  return (
    <Modal
      opened={secret !== null}
      onClose={onClose}
      title={title}
      closeOnClickOutside={false}
      size="lg"
      centered
    >
      <Stack>
        <Text size="sm">{description}</Text>
        <Alert color="yellow" variant="light">
          {t("secret.shownOnce")}
        </Alert>
        <Code
          block
          data-testid={testId}
          style={{ fontSize: "1.1rem", userSelect: "all", wordBreak: "break-all" }}
        >
          {secret ?? ""}
        </Code>
        <Group justify="space-between">
          <CopyButton value={secret ?? ""} timeout={2000}>
            {({ copied, copy }) => (
              <Button
                variant="light"
                color={copied ? "teal" : "blue"}
                onClick={copy}
                data-testid={`${testId}-copy`}
              >
                {copied ? t("common.copied") : t("common.copy")}
              </Button>
            )}
          </CopyButton>
          <Button onClick={onClose} data-testid={`${testId}-done`}>
            {t("secret.done")}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
