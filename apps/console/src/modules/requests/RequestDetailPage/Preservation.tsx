import type { RequestDetail } from "@crossline/schemas";
import { Badge, Button, Card, Group, NumberInput, Table, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiErrorAlert } from "../../../components/ApiErrorAlert";
import { DualDateTime } from "../../../components/DateTime";
import { Countdown } from "../labels";
import { useExtensionDecision, useRequestPost } from "../requests.api";

import { Field, useLang } from "./parts";

export function Preservation({ request }: { request: RequestDetail }) {
  const { t } = useTranslation();
  const lang = useLang();
  const ask = useRequestPost(request.id, "preservation/extensions");
  const [days, setDays] = useState<number | string>(90);
  const [reason, setReason] = useState("");
  const decide = useExtensionDecision(request.id);
  return (
    <Card withBorder data-testid="preservation">
      <Title order={4} mb="sm">
        {t("requests.preservation.title")}
      </Title>
      {request.preservationExpiresAt ? (
        <Field label={t("requests.preservation.expires")}>
          <DualDateTime iso={request.preservationExpiresAt.at} testId="preservation-expiry" />
          <Countdown at={request.preservationExpiresAt.at} />
        </Field>
      ) : (
        <Text size="sm" c="dimmed">
          {t("requests.preservation.noExpiry")}
        </Text>
      )}
      {request.extensions.length > 0 && (
        <Table mt="sm" data-testid="extensions">
          <Table.Tbody>
            {request.extensions.map((x) => (
              <Table.Tr key={x.id}>
                <Table.Td>{t("requests.preservation.days", { count: x.days })}</Table.Td>
                <Table.Td>{x.reason.text}</Table.Td>
                <Table.Td>
                  <Badge variant="light">{t(`requests.preservation.status.${x.status}`)}</Badge>
                </Table.Td>
                <Table.Td>
                  {x.status === "requested" && request.direction === "incoming" && (
                    <Group gap={4}>
                      <Button
                        size="compact-xs"
                        color="green"
                        onClick={() => decide.mutate({ extensionId: x.id, grant: true })}
                        data-testid="extension-grant"
                      >
                        {t("requests.preservation.grant")}
                      </Button>
                      <Button
                        size="compact-xs"
                        color="red"
                        variant="light"
                        onClick={() => decide.mutate({ extensionId: x.id, grant: false })}
                        data-testid="extension-refuse"
                      >
                        {t("requests.preservation.refuse")}
                      </Button>
                    </Group>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <ApiErrorAlert error={decide.error} />
      {request.direction === "outgoing" &&
        !["draft", "pending_approval", "closed", "withdrawn"].includes(request.status) && (
          <Group align="flex-end" mt="sm">
            <NumberInput
              label={t("requests.preservation.extendDays")}
              min={1}
              max={365}
              value={days}
              onChange={setDays}
              w={140}
              data-testid="extension-days"
            />
            <TextInput
              label={t("requests.preservation.reason")}
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              style={{ flex: 1 }}
              data-testid="extension-reason"
            />
            <Button
              loading={ask.isPending}
              disabled={!reason.trim()}
              onClick={() =>
                ask.mutate(
                  { days: Number(days), reason: { lang, text: reason } },
                  { onSuccess: () => setReason("") },
                )
              }
              data-testid="extension-request"
            >
              {t("requests.preservation.requestExtension")}
            </Button>
          </Group>
        )}
      <ApiErrorAlert error={ask.error} />
    </Card>
  );
}
