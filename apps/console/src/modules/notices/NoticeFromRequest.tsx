import { NOTICE_KINDS } from "@crossline/schemas";
import { Button, Card, Group, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { navigate } from "../../router/router";
import { useNoticeFromRequest, useProviders } from "./notices.api";

/**
 * On an incoming request's page, for a compliance officer (notices:draft): the request becomes this node's own
 * draft notice to a provider it reaches directly (locators, urgency and reason from the request, the law its
 * own); the server refuses a second notice of one request, or an emergency whose second check is missing.
 */
export function NoticeFromRequest({ requestId }: { requestId: string }) {
  const { t, i18n } = useTranslation();
  const [open, setOpen] = useState(false);
  const providers = useProviders(open);
  const make = useNoticeFromRequest();
  const [providerId, setProviderId] = useState<string | null>(null);
  const [kind, setKind] = useState<string | null>(null);
  const [law, setLaw] = useState("");
  const [article, setArticle] = useState("");
  const zh = i18n.language.startsWith("zh");

  const submit = (e: FormEvent) => {
    e.preventDefault();
    make.mutate(
      {
        requestId,
        providerId: providerId ?? "",
        legalBasis: { law, article },
        ...(kind ? { kind } : {}),
      },
      { onSuccess: (n) => navigate(`/notices/${n.id}`) },
    );
  };

  return (
    <Card withBorder data-testid="notice-from-request">
      <Title order={2} size="h4" mb="xs">
        {t("notices.fromRequest.title")}
      </Title>
      {!open ? (
        <Group justify="space-between" wrap="wrap">
          <Text size="sm">{t("notices.fromRequest.intro")}</Text>
          <Button
            size="xs"
            variant="light"
            onClick={() => setOpen(true)}
            data-testid="notice-from-request-open"
          >
            {t("notices.fromRequest.open")}
          </Button>
        </Group>
      ) : (
        <form onSubmit={submit} noValidate data-testid="notice-from-request-form">
          <Stack gap="sm">
            <Text size="sm">{t("notices.fromRequest.intro")}</Text>
            <Select
              label={t("notices.fields.provider")}
              // Providers reached through a peer are the other side's: a notice made here goes to one reached directly.
              data={(providers.data ?? [])
                .filter((p) => !p.viaPeerId)
                .map((p) => ({ value: p.id, label: zh ? p.nameZh : p.name }))}
              value={providerId}
              onChange={setProviderId}
              required
              searchable
              nothingFoundMessage={t("common.nothingFound")}
              data-testid="notice-from-request-provider"
            />
            <Select
              label={t("notices.fromRequest.kind")}
              data={NOTICE_KINDS.map((k) => ({ value: k, label: t(`notices.kind.${k}`) }))}
              value={kind}
              onChange={setKind}
              clearable
              data-testid="notice-from-request-kind"
            />
            <Group grow wrap="wrap">
              <TextInput
                label={t("notices.fields.law")}
                value={law}
                onChange={(e) => setLaw(e.currentTarget.value)}
                required
                data-testid="notice-from-request-law"
              />
              <TextInput
                label={t("notices.fields.article")}
                value={article}
                onChange={(e) => setArticle(e.currentTarget.value)}
                required
                data-testid="notice-from-request-article"
              />
            </Group>
            <ApiErrorAlert error={make.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setOpen(false)}>
                {t("notices.fromRequest.cancel")}
              </Button>
              <Button type="submit" loading={make.isPending} data-testid="notice-from-request-submit">
                {t("notices.fromRequest.submit")}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Card>
  );
}
