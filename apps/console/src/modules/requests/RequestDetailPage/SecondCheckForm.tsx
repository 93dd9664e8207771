import {
  type RequestDetail,
  SECOND_CHECK_METHODS,
  SECOND_CHECK_RESULTS,
  SecondCheckBody,
} from "@crossline/schemas";
import { Button, Card, Group, Select, SimpleGrid, Text, Textarea, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../../../auth/session";
import { ApiErrorAlert } from "../../../components/ApiErrorAlert";
import { DateTimeField } from "../../../components/DateTimeField";
import { useLang } from "../../../i18n";
import { localToIso } from "../../../util/datetime";
import { useFieldCheck } from "../../../util/validation";
import { useRequestPost } from "../requests.api";

export function SecondCheckForm({ request }: { request: RequestDetail }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { user } = useSession();
  const save = useRequestPost(request.id, "second-check", "PUT");
  const [method, setMethod] = useState<string | null>("phone_callback");
  const [name, setName] = useState("");
  const [organisation, setOrganisation] = useState("");
  const [phone, setPhone] = useState("");
  const [at, setAt] = useState("");
  const [result, setResult] = useState<string | null>("confirmed");
  const [notes, setNotes] = useState("");
  const form = useFieldCheck(t, SecondCheckBody, lang);
  const submit = () => {
    const body: Record<string, unknown> = {
      method,
      result,
      namedContact: {
        name,
        ...(organisation.trim() ? { organisation } : {}),
        ...(phone.trim() ? { phone } : {}),
      },
    };
    // "When" is read on the officer's own clock (the profile's zone), whatever zone the browser is in.
    if (at) body.at = localToIso(at, user.timeZone);
    if (notes.trim()) body.notes = { lang, text: notes };
    if (!form.check(body)) return;
    save.mutate(body);
  };
  return (
    <Card withBorder data-testid="second-check-form">
      <Title order={4} mb="xs">
        {t("requests.secondCheck.title")}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t("requests.secondCheck.hint", { name: user.displayName })}
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Select
          label={t("requests.secondCheck.method")}
          data={SECOND_CHECK_METHODS.map((m) => ({
            value: m,
            label: t(`requests.secondCheck.methods.${m}` as "requests.secondCheck.methods.other"),
          }))}
          value={method}
          onChange={setMethod}
          allowDeselect={false}
          data-testid="second-check-method"
        />
        <Select
          label={t("requests.secondCheck.result")}
          data={SECOND_CHECK_RESULTS.map((r) => ({
            value: r,
            label: t(`requests.secondCheck.results.${r}` as "requests.secondCheck.results.confirmed"),
          }))}
          value={result}
          onChange={setResult}
          allowDeselect={false}
          data-testid="second-check-result"
        />
        <TextInput
          label={t("requests.secondCheck.contactName")}
          required
          value={name}
          onChange={(e) => {
            setName(e.currentTarget.value);
            form.clear("namedContact.name");
          }}
          error={form.error("namedContact.name", save.error)}
          data-testid="second-check-contact"
        />
        <TextInput
          label={t("requests.secondCheck.organisation")}
          value={organisation}
          onChange={(e) => setOrganisation(e.currentTarget.value)}
          error={form.error("namedContact.organisation", save.error)}
        />
        <TextInput
          label={t("requests.secondCheck.phone")}
          placeholder="+1 202 555 0100"
          value={phone}
          onChange={(e) => {
            setPhone(e.currentTarget.value);
            form.clear("namedContact.phone");
          }}
          error={form.error("namedContact.phone", save.error)}
          data-testid="second-check-phone"
        />
        <DateTimeField
          label={t("requests.secondCheck.at")}
          description={t("requests.secondCheck.atHint")}
          value={at}
          onChange={setAt}
          error={form.error("at", save.error)}
        />
      </SimpleGrid>
      <Textarea
        mt="sm"
        label={t("requests.secondCheck.notes")}
        value={notes}
        onChange={(e) => setNotes(e.currentTarget.value)}
      />
      <ApiErrorAlert error={save.error} />
      <Group justify="flex-end" mt="sm">
        <Button onClick={submit} loading={save.isPending} data-testid="second-check-save">
          {t("requests.secondCheck.save")}
        </Button>
      </Group>
    </Card>
  );
}

/** The statuses in which the thread takes messages (as the server has them). */
