import { PROVIDER_CHANNELS, type ProviderView } from "@crossline/schemas";
import {
  Badge,
  Button,
  Group,
  Loader,
  Modal,
  MultiSelect,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { useCan, useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { SecretOnceModal } from "../../components/SecretOnceModal";
import { useCreateProvider, useCreateProviderUser, useProviders } from "../notices/notices.api";

function AddProviderModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const create = useCreateProvider();
  const [f, setF] = useState({
    name: "",
    nameZh: "",
    country: "CN",
    services: "",
    legalEntity: "",
    contact: "",
    email: "",
    phone: "",
  });
  const [channels, setChannels] = useState<string[]>(["portal", "email"]);
  const field = (k: keyof typeof f, label: string) => (
    <TextInput
      label={label}
      value={f[k]}
      onChange={(e) => setF({ ...f, [k]: e.currentTarget.value })}
      data-testid={`provider-form-${k}`}
    />
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      {
        name: f.name,
        nameZh: f.nameZh,
        country: f.country,
        services: f.services
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
        legalEntity: f.legalEntity,
        contacts: [
          { name: f.contact, ...(f.email ? { email: f.email } : {}), ...(f.phone ? { phone: f.phone } : {}) },
        ],
        channels,
      },
      { onSuccess: onClose },
    );
  };
  return (
    <Modal opened onClose={onClose} title={t("providers.add")} centered>
      <form onSubmit={submit} noValidate data-testid="provider-form">
        <Stack>
          {field("name", t("providers.fields.name"))}
          {field("nameZh", t("providers.fields.nameZh"))}
          {field("country", t("providers.fields.country"))}
          {field("services", t("providers.fields.services"))}
          {field("legalEntity", t("providers.fields.legalEntity"))}
          {field("contact", t("providers.fields.contactName"))}
          {field("email", t("providers.fields.email"))}
          {field("phone", t("providers.fields.phone"))}
          <MultiSelect
            label={t("providers.fields.channels")}
            data={PROVIDER_CHANNELS.map((c) => ({ value: c, label: t(`providers.channel.${c}`) }))}
            value={channels}
            onChange={setChannels}
          />
          <ApiErrorAlert error={create.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" loading={create.isPending} data-testid="provider-form-submit">
              {t("common.save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function AddUserModal({ provider, onClose }: { provider: ProviderView; onClose: () => void }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const create = useCreateProviderUser(provider.id);
  const [f, setF] = useState({ username: "", displayName: "", email: "", timeZone: user.timeZone });
  const [secret, setSecret] = useState<string | null>(null);
  if (secret)
    return (
      <SecretOnceModal
        secret={secret}
        title={t("providers.addUser")}
        description={t("providers.userCreated")}
        onClose={onClose}
      />
    );
  return (
    <Modal opened onClose={onClose} title={t("providers.addUser")} centered>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(f, { onSuccess: (r) => setSecret(r.oneTimePassword) });
        }}
        noValidate
      >
        <Stack>
          {(["username", "displayName", "email", "timeZone"] as const).map((k) => (
            <TextInput
              key={k}
              label={t(`providers.fields.${k}`)}
              value={f[k]}
              onChange={(e) => setF({ ...f, [k]: e.currentTarget.value })}
            />
          ))}
          <ApiErrorAlert error={create.error} />
          <Group justify="flex-end">
            <Button type="submit" loading={create.isPending}>
              {t("providers.addUser")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** The register of providers; compliance officers and administrators add providers and their staff accounts. */
export function ProvidersPage() {
  const { t, i18n } = useTranslation();
  const providers = useProviders();
  const canManage = useCan("providers:manage");
  const [adding, setAdding] = useState(false);
  const [userFor, setUserFor] = useState<ProviderView | null>(null);
  const zh = i18n.language.startsWith("zh");
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t("providers.title")}
        </Title>
        {canManage && (
          <Button onClick={() => setAdding(true)} data-testid="providers-add">
            {t("providers.add")}
          </Button>
        )}
      </Group>
      <Text size="sm" c="dimmed">
        {t("providers.intro")}
      </Text>
      <ApiErrorAlert error={providers.error} />
      {providers.isPending ? (
        <Loader aria-label={t("common.loading")} />
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table striped data-testid="providers-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("providers.fields.name")}</Table.Th>
                <Table.Th>{t("providers.fields.country")}</Table.Th>
                <Table.Th>{t("providers.fields.services")}</Table.Th>
                <Table.Th>{t("providers.fields.contactName")}</Table.Th>
                <Table.Th>{t("providers.fields.channels")}</Table.Th>
                <Table.Th aria-label={t("common.actions")} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(providers.data ?? []).length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={6}>
                    <Text c="dimmed" ta="center" py="md">
                      {t("providers.empty")}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {(providers.data ?? []).map((p) => (
                <Table.Tr key={p.id} data-testid="provider-row">
                  <Table.Td>
                    <Text size="sm" fw={600}>
                      {zh ? p.nameZh : p.name}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {p.legalEntity}
                    </Text>
                  </Table.Td>
                  <Table.Td>{p.country}</Table.Td>
                  <Table.Td>{p.services.join(", ")}</Table.Td>
                  <Table.Td>
                    {p.contacts.map((c) => (
                      <Text key={c.name} size="xs">
                        {[c.name, c.email, c.phone].filter(Boolean).join(" · ")}
                      </Text>
                    ))}
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {p.channels.map((c) => (
                        <Badge key={c} variant="light" size="sm">
                          {t(`providers.channel.${c}`)}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    {canManage && (
                      <Button size="xs" variant="light" onClick={() => setUserFor(p)}>
                        {t("providers.addUser")}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {adding && <AddProviderModal onClose={() => setAdding(false)} />}
      {userFor && <AddUserModal provider={userFor} onClose={() => setUserFor(null)} />}
    </Stack>
  );
}
