import { ExtensionBody, type RequestDetail } from "@crossline/schemas";
import { Badge, Button, Card, Group, NumberInput, Table, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiErrorAlert } from "../../../components/ApiErrorAlert";
import { ConfirmModal } from "../../../components/ConfirmModal";
import { DualDateTime } from "../../../components/DateTime";
import { useLang } from "../../../i18n";
import { useFieldCheck } from "../../../util/validation";
import { Countdown } from "../labels";
import { useExtensionDecision, useRequestPost } from "../requests.api";
import { Field } from "./parts";

export function Preservation({ request }: { request: RequestDetail }) {
  const { t } = useTranslation();
  const lang = useLang();
  const ask = useRequestPost(request.id, "preservation/extensions");
  const [days, setDays] = useState<number | string>(90);
  const [reason, setReason] = useState("");
  const [confirming, setConfirming] = useState(false);
  const decide = useExtensionDecision(request.id);
  const form = useFieldCheck(t, ExtensionBody, lang);
  const body = () => ({
    days: typeof days === "number" ? days : Number(days || Number.NaN),
    reason: { lang, text: reason },
  });
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
      {/* An extension is asked of a preservation the other side has confirmed (it has an expiry): before that there
          is nothing to extend (issue 9 #18). */}
      {request.direction === "outgoing" &&
        !request.preservationExpiresAt &&
        !["draft", "pending_approval", "closed", "withdrawn"].includes(request.status) && (
          <Text size="sm" c="dimmed" mt="sm" data-testid="extension-later">
            {t("requests.preservation.extendLater")}
          </Text>
        )}
      {request.direction === "outgoing" &&
        request.preservationExpiresAt &&
        !["draft", "pending_approval", "closed", "withdrawn"].includes(request.status) && (
          <Group align="flex-end" mt="sm">
            <NumberInput
              label={t("requests.preservation.extendDays")}
              min={1}
              max={365}
              // out of range is said, not silently changed to the limit
              clampBehavior="none"
              allowDecimal={false}
              value={days}
              onChange={(v) => {
                setDays(v);
                form.clear("days");
              }}
              error={form.error("days", ask.error)}
              w={160}
              data-testid="extension-days"
            />
            <TextInput
              label={t("requests.preservation.reason")}
              value={reason}
              onChange={(e) => {
                setReason(e.currentTarget.value);
                form.clear("reason.text");
              }}
              error={form.error("reason.text", ask.error)}
              style={{ flex: 1 }}
              data-testid="extension-reason"
            />
            <Button
              loading={ask.isPending}
              disabled={!reason.trim()}
              onClick={() => form.check(body()) && setConfirming(true)}
              data-testid="extension-request"
            >
              {t("requests.preservation.requestExtension")}
            </Button>
          </Group>
        )}
      <ConfirmModal
        opened={confirming}
        title={t("requests.preservation.requestExtension")}
        message={t("requests.preservation.confirmExtension", {
          count: Number(days),
          peer: request.peerId ?? "",
        })}
        confirmLabel={t("requests.preservation.requestExtension")}
        loading={ask.isPending}
        error={ask.error}
        onConfirm={() =>
          ask.mutate(body(), {
            onSuccess: () => {
              setReason("");
              setConfirming(false);
            },
          })
        }
        onClose={() => setConfirming(false)}
        testId="extension-confirm"
      />
      <ApiErrorAlert error={ask.error} />
    </Card>
  );
}
