import type { ApiToken, Role } from "@crossline/schemas";
import { ROLES } from "@crossline/schemas";
import {
  Badge,
  Button,
  Code,
  Group,
  Loader,
  Modal,
  MultiSelect,
  NumberInput,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { ConfirmModal } from "../../components/ConfirmModal";
import { DateTimeText } from "../../components/DateTime";
import { RoleBadges } from "../../components/RoleBadges";
import { SecretOnceModal } from "../../components/SecretOnceModal";
import { roleLabel } from "../../util/labels";
import { useCreateToken, useRevokeToken, useTokens } from "./tokens.api";

const DEFAULT_DAYS = 90;
const MAX_DAYS = 366;

type TokenState = "active" | "revoked" | "expired";

function stateOf(token: ApiToken, now: number): TokenState {
  if (token.revokedAt) return "revoked";
  if (new Date(token.expiresAt).getTime() <= now) return "expired";
  return "active";
}

function StateBadge({ state }: { state: TokenState }) {
  const { t } = useTranslation();
  if (state === "revoked") return <Badge color="gray">{t("tokens.state.revoked")}</Badge>;
  if (state === "expired") return <Badge color="orange">{t("tokens.state.expired")}</Badge>;
  return <Badge color="green">{t("tokens.state.active")}</Badge>;
}

function CreateTokenModal({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (secret: string) => void;
}) {
  const { t } = useTranslation();
  const { user } = useSession();
  const create = useCreateToken();
  const [name, setName] = useState("");
  const [roles, setRoles] = useState<Role[]>(user.roles);
  const [days, setDays] = useState<number>(DEFAULT_DAYS);
  const valid =
    name.trim().length > 0 && name.trim().length <= 100 && roles.length > 0 && days >= 1 && days <= MAX_DAYS;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!valid) return;
    const allRoles = roles.length === user.roles.length;
    create.mutate(
      { name: name.trim(), expiresInDays: days, ...(allRoles ? {} : { roles }) },
      { onSuccess: (res) => onCreated(res.secret) },
    );
  };

  return (
    <Modal opened onClose={onClose} title={t("tokens.createTitle")} centered>
      <form onSubmit={submit} noValidate data-testid="token-form">
        <Stack>
          <TextInput
            label={t("tokens.fields.name")}
            description={t("tokens.nameHint")}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            maxLength={100}
            required
            data-autofocus
            data-testid="token-form-name"
          />
          <MultiSelect
            label={t("tokens.fields.roles")}
            description={t("tokens.rolesHint")}
            data={user.roles
              .filter((r) => ROLES.includes(r))
              .map((r) => ({ value: r, label: roleLabel(t, r) }))}
            value={roles}
            onChange={(v) => setRoles(user.roles.filter((r) => v.includes(r)))}
            placeholder={roles.length === 0 ? t("users.form.pickRoles") : undefined}
            searchable
            nothingFoundMessage={t("common.nothingFound")}
            required
            data-testid="token-form-roles"
          />
          <NumberInput
            label={t("tokens.fields.expiresInDays")}
            value={days}
            onChange={(v) => setDays(typeof v === "number" ? v : Number.parseInt(v, 10) || 0)}
            min={1}
            max={MAX_DAYS}
            allowDecimal={false}
            allowNegative={false}
            required
            data-testid="token-form-days"
          />
          <ApiErrorAlert error={create.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t("common.cancel")}
            </Button>
            <Button
              type="submit"
              disabled={!valid}
              loading={create.isPending}
              data-testid="token-form-submit"
            >
              {t("tokens.create")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function TokensPage() {
  const { t } = useTranslation();
  const { user } = useSession();
  const tokens = useTokens();
  const revoke = useRevokeToken();
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const now = Date.now();
  const items = tokens.data?.items ?? [];
  const showOwner = items.some((tk) => tk.userId !== user.id);

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t("nav.tokens")}
        </Title>
        <Button onClick={() => setCreating(true)} data-testid="tokens-create">
          {t("tokens.create")}
        </Button>
      </Group>
      <Text size="sm" c="dimmed">
        {t("tokens.intro")}
      </Text>
      <ApiErrorAlert error={tokens.error} />
      {tokens.isPending ? (
        <Loader />
      ) : (
        <Table.ScrollContainer minWidth={900}>
          <Table striped verticalSpacing="xs" data-testid="tokens-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("tokens.fields.name")}</Table.Th>
                <Table.Th>{t("tokens.fields.prefix")}</Table.Th>
                {showOwner && <Table.Th>{t("tokens.fields.owner")}</Table.Th>}
                <Table.Th>{t("tokens.fields.roles")}</Table.Th>
                <Table.Th>{t("tokens.fields.created")}</Table.Th>
                <Table.Th>{t("tokens.fields.expires")}</Table.Th>
                <Table.Th>{t("tokens.fields.lastUsed")}</Table.Th>
                <Table.Th>{t("tokens.fields.state")}</Table.Th>
                <Table.Th aria-label={t("common.actions")} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={showOwner ? 9 : 8}>
                    <Text c="dimmed" ta="center" py="md">
                      {t("tokens.empty")}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {items.map((tk) => {
                const state = stateOf(tk, now);
                return (
                  <Table.Tr key={tk.id} data-testid="token-row" data-name={tk.name} data-state={state}>
                    <Table.Td>
                      <Text size="sm">{tk.name}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Code>{`${tk.prefix}…`}</Code>
                    </Table.Td>
                    {showOwner && (
                      <Table.Td>
                        <Text size="xs" ff="monospace">
                          {tk.userId === user.id ? t("tokens.you") : tk.userId}
                        </Text>
                      </Table.Td>
                    )}
                    <Table.Td>
                      <RoleBadges roles={tk.roles} />
                    </Table.Td>
                    <Table.Td>
                      <DateTimeText iso={tk.createdAt} />
                    </Table.Td>
                    <Table.Td>
                      <DateTimeText iso={tk.expiresAt} />
                    </Table.Td>
                    <Table.Td>
                      <DateTimeText iso={tk.lastUsedAt} />
                    </Table.Td>
                    <Table.Td>
                      <StateBadge state={state} />
                    </Table.Td>
                    <Table.Td>
                      {state === "active" && (
                        <Button
                          size="compact-xs"
                          color="red"
                          variant="subtle"
                          onClick={() => setRevoking(tk)}
                          data-testid="token-revoke"
                        >
                          {t("tokens.revoke")}
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {creating && (
        <CreateTokenModal
          onClose={() => setCreating(false)}
          onCreated={(s) => {
            setCreating(false);
            setSecret(s);
          }}
        />
      )}
      <SecretOnceModal
        title={t("tokens.secretTitle")}
        description={t("tokens.secretBody")}
        secret={secret}
        onClose={() => setSecret(null)}
        testId="token-secret"
      />
      <ConfirmModal
        opened={revoking !== null}
        title={t("tokens.revoke")}
        message={t("tokens.revokeConfirm", { name: revoking?.name ?? "" })}
        confirmLabel={t("tokens.revoke")}
        danger
        loading={revoke.isPending}
        error={revoke.error}
        onConfirm={() => revoking && revoke.mutate(revoking.id, { onSuccess: () => setRevoking(null) })}
        onClose={() => {
          setRevoking(null);
          revoke.reset();
        }}
        testId="confirm-token-revoke"
      />
    </Stack>
  );
}
