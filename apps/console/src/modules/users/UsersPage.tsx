import type { Unit, User } from "@crossline/schemas";
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Group,
  Loader,
  Menu,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useCan, useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { ConfirmModal } from "../../components/ConfirmModal";
import { DateTimeText } from "../../components/DateTime";
import { RoleBadges } from "../../components/RoleBadges";
import { SecretOnceModal } from "../../components/SecretOnceModal";
import { formatDateTime } from "../../util/datetime";
import { orgName } from "../../util/labels";
import { UserFormModal, type UserFormResult } from "./UserFormModal";
import {
  useAgencies,
  useCreateUser,
  useResetMfa,
  useResetPassword,
  useUnits,
  useUpdateUser,
  useUsers,
} from "./users.api";

type Pending = { kind: "reset-mfa" | "reset-password"; user: User } | null;

function StatusBadge({ user }: { user: User }) {
  const { t, i18n } = useTranslation();
  const { user: me } = useSession();
  if (user.disabled) return <Badge color="red">{t("users.status.disabled")}</Badge>;
  if (user.lockedUntil && new Date(user.lockedUntil).getTime() > Date.now()) {
    return (
      <Badge color="orange" title={formatDateTime(user.lockedUntil, me.timeZone, i18n.language)}>
        {t("users.status.locked")}
      </Badge>
    );
  }
  return <Badge color="green">{t("users.status.active")}</Badge>;
}

function DotsIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true">
      <circle cx="5" cy="12" r="2" />
      <circle cx="12" cy="12" r="2" />
      <circle cx="19" cy="12" r="2" />
    </svg>
  );
}

export function UsersPage() {
  const { t, i18n } = useTranslation();
  const canManage = useCan("users:manage");
  const users = useUsers();
  const units = useUnits();
  const agencies = useAgencies();
  const create = useCreateUser();
  const update = useUpdateUser();
  const resetMfa = useResetMfa();
  const resetPassword = useResetPassword();

  const [form, setForm] = useState<{ user: User | null } | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const [secret, setSecret] = useState<{ username: string; password: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const unitById = useMemo(() => {
    const map = new Map<string, Unit>();
    for (const u of units.data?.items ?? []) map.set(u.id, u);
    return map;
  }, [units.data]);

  const rows = users.data?.pages.flatMap((p) => p.items) ?? [];
  const formMutation = form?.user ? update : create;

  const closeForm = () => {
    setForm(null);
    create.reset();
    update.reset();
  };

  const submitForm = (result: UserFormResult) => {
    if (result.mode === "create") {
      create.mutate(result.body, {
        onSuccess: (res) => {
          closeForm();
          if (res.oneTimePassword) setSecret({ username: res.user.username, password: res.oneTimePassword });
          else setNotice(t("users.created", { username: res.user.username }));
        },
      });
    } else {
      update.mutate(
        { id: result.id, body: result.body },
        {
          onSuccess: (res) => {
            closeForm();
            setNotice(t("users.updated", { username: res.user.username }));
          },
        },
      );
    }
  };

  const closePending = () => {
    setPending(null);
    resetMfa.reset();
    resetPassword.reset();
  };

  const confirmPending = () => {
    if (!pending) return;
    const { user } = pending;
    if (pending.kind === "reset-mfa") {
      resetMfa.mutate(user.id, {
        onSuccess: () => {
          closePending();
          setNotice(t("users.mfaReset", { username: user.username }));
        },
      });
    } else {
      resetPassword.mutate(user.id, {
        onSuccess: (res) => {
          closePending();
          setSecret({ username: user.username, password: res.oneTimePassword });
        },
      });
    }
  };

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t("nav.users")}
        </Title>
        {canManage && (
          <Button onClick={() => setForm({ user: null })} data-testid="users-create">
            {t("users.create")}
          </Button>
        )}
      </Group>
      {!canManage && (
        <Text size="sm" c="dimmed" data-testid="users-read-only">
          {t("users.readOnly")}
        </Text>
      )}
      {notice && (
        <Alert
          color="green"
          variant="light"
          withCloseButton
          onClose={() => setNotice(null)}
          data-testid="users-notice"
        >
          {notice}
        </Alert>
      )}
      <ApiErrorAlert error={users.error} />
      {users.isPending ? (
        <Loader />
      ) : (
        <Table.ScrollContainer minWidth={900}>
          <Table striped highlightOnHover verticalSpacing="xs" data-testid="users-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("users.fields.username")}</Table.Th>
                <Table.Th>{t("users.fields.displayName")}</Table.Th>
                <Table.Th>{t("users.fields.unit")}</Table.Th>
                <Table.Th>{t("users.fields.roles")}</Table.Th>
                <Table.Th>{t("users.fields.status")}</Table.Th>
                <Table.Th>{t("users.fields.mfa")}</Table.Th>
                <Table.Th>{t("users.fields.lastSignIn")}</Table.Th>
                {canManage && <Table.Th aria-label={t("common.actions")} />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={canManage ? 8 : 7}>
                    <Text c="dimmed" ta="center" py="md">
                      {t("common.empty")}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {rows.map((u) => (
                <Table.Tr key={u.id} data-testid="user-row" data-username={u.username}>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {u.username}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{u.displayName}</Text>
                    {u.email && (
                      <Text size="xs" c="dimmed">
                        {u.email}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{orgName(i18n.language, unitById.get(u.unitId)) || "—"}</Text>
                  </Table.Td>
                  <Table.Td>
                    <RoleBadges roles={u.roles} />
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge user={u} />
                  </Table.Td>
                  <Table.Td>
                    {u.mfaEnrolled ? (
                      <Badge variant="light" color="green">
                        {t("users.mfaOn")}
                      </Badge>
                    ) : (
                      <Badge variant="light" color="gray">
                        {t("users.mfaOff")}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <DateTimeText iso={u.lastSignInAt} />
                  </Table.Td>
                  {canManage && (
                    <Table.Td>
                      <Menu position="bottom-end" withinPortal>
                        <Menu.Target>
                          <ActionIcon
                            variant="subtle"
                            color="gray"
                            aria-label={t("users.actionsFor", { username: u.username })}
                            data-testid="user-actions"
                          >
                            <DotsIcon />
                          </ActionIcon>
                        </Menu.Target>
                        <Menu.Dropdown>
                          <Menu.Item onClick={() => setForm({ user: u })} data-testid="user-edit">
                            {t("users.edit")}
                          </Menu.Item>
                          <Menu.Item
                            onClick={() => setPending({ kind: "reset-mfa", user: u })}
                            disabled={!u.mfaEnrolled}
                            data-testid="user-reset-mfa"
                          >
                            {t("users.resetMfa")}
                          </Menu.Item>
                          <Menu.Item
                            onClick={() => setPending({ kind: "reset-password", user: u })}
                            data-testid="user-reset-password"
                          >
                            {t("users.resetPassword")}
                          </Menu.Item>
                        </Menu.Dropdown>
                      </Menu>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {users.hasNextPage && (
        <Group justify="center">
          <Button
            variant="default"
            onClick={() => void users.fetchNextPage()}
            loading={users.isFetchingNextPage}
            data-testid="users-more"
          >
            {t("common.more")}
          </Button>
        </Group>
      )}

      {form && (
        <UserFormModal
          key={form.user?.id ?? "new"}
          opened
          user={form.user}
          units={units.data?.items ?? []}
          agencies={agencies.data?.items}
          pending={formMutation.isPending}
          error={formMutation.error ?? units.error}
          onSubmit={submitForm}
          onClose={closeForm}
        />
      )}

      <ConfirmModal
        opened={pending !== null}
        title={pending?.kind === "reset-mfa" ? t("users.resetMfa") : t("users.resetPassword")}
        message={
          pending?.kind === "reset-mfa"
            ? t("users.resetMfaConfirm", { username: pending.user.username })
            : t("users.resetPasswordConfirm", { username: pending?.user.username ?? "" })
        }
        confirmLabel={pending?.kind === "reset-mfa" ? t("users.resetMfa") : t("users.resetPassword")}
        danger
        loading={resetMfa.isPending || resetPassword.isPending}
        error={resetMfa.error ?? resetPassword.error}
        onConfirm={confirmPending}
        onClose={closePending}
        testId="confirm-user-action"
      />

      <SecretOnceModal
        title={t("users.oneTimePasswordTitle")}
        description={t("users.oneTimePasswordBody", { username: secret?.username ?? "" })}
        secret={secret?.password ?? null}
        onClose={() => setSecret(null)}
        testId="one-time-password"
      />
    </Stack>
  );
}
