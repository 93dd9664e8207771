import { IDENTIFIER_TYPES, NOTICE_KINDS, type NoticeDraftInputRaw, URGENCIES } from "@crossline/schemas";
import {
  ActionIcon,
  Button,
  Card,
  Group,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DateTimeField } from "../../components/DateTimeField";
import { currentLanguage } from "../../i18n";
import { navigate } from "../../router/router";
import { localToIso } from "../../util/datetime";
import { useCreateNotice, useProviders } from "./notices.api";

type Locator = { type: string; value: string; service: string; from: string; to: string };
const blank = (): Locator => ({ type: "url", value: "", service: "", from: "", to: "" });

/** Drafting a notice: provider, kind, urgency, legal basis, locators (parsed by the server), reason. */
export function NoticeFormPage() {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const providers = useProviders();
  const create = useCreateNotice();
  const [providerId, setProviderId] = useState<string | null>(null);
  const [kind, setKind] = useState<string>("remove_content");
  const [urgency, setUrgency] = useState<string>("routine");
  const [law, setLaw] = useState("");
  const [article, setArticle] = useState("");
  const [reason, setReason] = useState("");
  const [actBy, setActBy] = useState("");
  const [locators, setLocators] = useState<Locator[]>([blank()]);
  const zh = i18n.language.startsWith("zh");
  const set = (i: number, patch: Partial<Locator>) =>
    setLocators((ls) => ls.map((l, j) => (j === i ? { ...l, ...patch } : l)));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = {
      providerId: providerId ?? "",
      kind,
      urgency,
      legalBasis: { law, article },
      reason: { lang: currentLanguage(), text: reason },
      locators: locators.map((l) => ({
        identifier: {
          type: l.type,
          value: l.value,
          ...(l.type === "online_account" ? { service: l.service } : {}),
        },
        ...(l.from ? { from: localToIso(l.from, user.timeZone) } : {}),
        ...(l.to ? { to: localToIso(l.to, user.timeZone) } : {}),
      })),
      ...(actBy ? { actBy: localToIso(actBy, user.timeZone) } : {}),
    } as NoticeDraftInputRaw;
    create.mutate(body, { onSuccess: (n) => navigate(`/notices/${n.id}`) });
  };

  return (
    <form onSubmit={submit} noValidate data-testid="notice-form">
      <Stack maw={900}>
        <Title order={1} size="h2">
          {t("notices.new")}
        </Title>
        <Select
          label={t("notices.fields.provider")}
          data={(providers.data ?? []).map((p) => ({ value: p.id, label: zh ? p.nameZh : p.name }))}
          value={providerId}
          onChange={setProviderId}
          required
          searchable
          nothingFoundMessage={t("common.nothingFound")}
          data-testid="notice-form-provider"
        />
        <Group grow wrap="wrap">
          <Select
            label={t("notices.fields.kind")}
            data={NOTICE_KINDS.map((k) => ({ value: k, label: t(`notices.kind.${k}`) }))}
            value={kind}
            onChange={(v) => setKind(v ?? kind)}
            allowDeselect={false}
            data-testid="notice-form-kind"
          />
          <Select
            label={t("notices.fields.urgency")}
            data={URGENCIES.map((u) => ({ value: u, label: t(`requests.urgency.${u}`) }))}
            value={urgency}
            onChange={(v) => setUrgency(v ?? urgency)}
            allowDeselect={false}
            data-testid="notice-form-urgency"
          />
        </Group>
        <Group grow wrap="wrap">
          <TextInput
            label={t("notices.fields.law")}
            value={law}
            onChange={(e) => setLaw(e.currentTarget.value)}
            required
            data-testid="notice-form-law"
          />
          <TextInput
            label={t("notices.fields.article")}
            value={article}
            onChange={(e) => setArticle(e.currentTarget.value)}
            required
            data-testid="notice-form-article"
          />
        </Group>
        <div>
          <Text fw={600}>{t("notices.fields.locators")}</Text>
          <Text size="xs" c="dimmed">
            {t("time.onYourClock", { zone: user.timeZone })}
          </Text>
        </div>
        {locators.map((l, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
          <Card key={i} withBorder padding="sm" data-testid="notice-form-locator">
            <Group align="flex-end" wrap="wrap">
              <Select
                label={t("notices.fields.locatorType")}
                data={IDENTIFIER_TYPES.map((x) => ({
                  value: x,
                  label: t(`requests.opt.identifierType.${x}`),
                }))}
                value={l.type}
                onChange={(v) => set(i, { type: v ?? l.type })}
                allowDeselect={false}
                w={200}
              />
              <TextInput
                label={t("notices.fields.locatorValue")}
                value={l.value}
                onChange={(e) => set(i, { value: e.currentTarget.value })}
                style={{ flex: 1, minWidth: 200 }}
                data-testid="notice-form-locator-value"
              />
              {l.type === "online_account" && (
                <TextInput
                  label={t("notices.fields.service")}
                  value={l.service}
                  onChange={(e) => set(i, { service: e.currentTarget.value })}
                  w={160}
                />
              )}
              <DateTimeField
                label={t("notices.fields.from")}
                value={l.from}
                onChange={(v) => set(i, { from: v })}
                w={210}
                data-testid="notice-form-locator-from"
              />
              <DateTimeField
                label={t("notices.fields.to")}
                value={l.to}
                onChange={(v) => set(i, { to: v })}
                w={210}
                data-testid="notice-form-locator-to"
              />
              {locators.length > 1 && (
                <ActionIcon
                  variant="subtle"
                  color="red"
                  aria-label={t("notices.removeLocator", { n: i + 1 })}
                  onClick={() => setLocators((ls) => ls.filter((_, j) => j !== i))}
                >
                  ×
                </ActionIcon>
              )}
            </Group>
          </Card>
        ))}
        <Group>
          <Button variant="default" onClick={() => setLocators((ls) => [...ls, blank()])}>
            {t("notices.addLocator")}
          </Button>
        </Group>
        <Textarea
          label={t("notices.fields.reason")}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          autosize
          minRows={3}
          required
          data-testid="notice-form-reason"
        />
        <DateTimeField
          label={t("notices.fields.requestedActBy")}
          description={t("time.onYourClock", { zone: user.timeZone })}
          value={actBy}
          onChange={setActBy}
          w={260}
          data-testid="notice-form-act-by"
        />
        <ApiErrorAlert error={create.error} />
        <Group justify="flex-end">
          <Button type="submit" loading={create.isPending} data-testid="notice-form-save">
            {t("notices.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
