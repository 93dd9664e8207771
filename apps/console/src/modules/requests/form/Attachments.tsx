import { ActionIcon, Button, FileButton, Group, Stack, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { ApiErrorAlert } from "../../../components/ApiErrorAlert";
import { type AttachmentRef, uploadAttachment } from "../requests.api";

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Files to send with a request, a message or an answer: each is uploaded at once (the node keeps it
 * and its SHA-256) and travels to the peer with what it is attached to.
 */
export function AttachmentPicker({
  value,
  onChange,
  testId,
}: {
  value: AttachmentRef[];
  onChange: (v: AttachmentRef[]) => void;
  testId: string;
}) {
  const { t } = useTranslation();
  const upload = useMutation({
    mutationFn: async (files: File[]) => {
      const refs: AttachmentRef[] = [];
      for (const f of files) refs.push(await uploadAttachment(f));
      return refs;
    },
    onSuccess: (refs) => onChange([...value, ...refs]),
  });
  return (
    <Stack gap={4} data-testid={testId}>
      {value.map((a) => (
        <Group key={a.id} gap="xs" data-testid={`${testId}-item`}>
          <Text size="sm">{a.name}</Text>
          <Text size="xs" c="dimmed" ff="monospace" title={a.sha256}>
            {`${formatSize(a.size)} · SHA-256 ${a.sha256.slice(0, 12)}…`}
          </Text>
          <ActionIcon
            size="sm"
            variant="subtle"
            color="red"
            aria-label={t("requests.form.remove")}
            onClick={() => onChange(value.filter((x) => x.id !== a.id))}
          >
            ×
          </ActionIcon>
        </Group>
      ))}
      <ApiErrorAlert error={upload.error} />
      <FileButton
        multiple
        inputProps={{ "data-testid": `${testId}-input` } as Record<string, string>}
        onChange={(files) => files.length && upload.mutate(files)}
      >
        {(props) => (
          <Button
            {...props}
            size="compact-sm"
            variant="light"
            w="fit-content"
            loading={upload.isPending}
            data-testid={`${testId}-add`}
          >
            {t("requests.form.attach")}
          </Button>
        )}
      </FileButton>
    </Stack>
  );
}
