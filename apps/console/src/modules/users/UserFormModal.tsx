import type { Agency, Language, Role, Unit, User } from "@crossline/schemas";
import { OUTSIDE_ROLES, ROLES } from "@crossline/schemas";
import { Button, Group, Modal, MultiSelect, Select, Stack, Switch, TextInput } from "@mantine/core";
import { type FormEvent, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import type { CreateUserInput, UpdateUserInput } from "../../api/types";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { isLanguage } from "../../i18n";
import { timeZoneOptions } from "../../util/datetime";
import { orgName, roleLabel } from "../../util/labels";
import { zoneLabel } from "../../util/zones";

const USERNAME = /^[a-z0-9._-]{3,64}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export type UserFormResult =
  | { mode: "create"; body: CreateUserInput }
  | { mode: "edit"; id: string; body: UpdateUserInput };

/** Unit choices, grouped by agency when the agencies are known. */
export function unitOptions(lang: string, units: Unit[], agencies: Agency[] | undefined) {
  const item = (u: Unit) => ({ value: u.id, label: orgName(lang, u) });
  if (!agencies || agencies.length === 0) return units.map(item);
  return agencies
    .map((a) => ({ group: orgName(lang, a), items: units.filter((u) => u.agencyId === a.id).map(item) }))
    .filter((g) => g.items.length > 0);
}

/** Create a user, or edit one's name, e-mail, unit, roles and disabled flag. */
export function UserFormModal({
  opened,
  user,
  units,
  agencies,
  pending,
  error,
  onSubmit,
  onClose,
}: {
  opened: boolean;
  /** The user to edit; absent to create one. */
  user: User | null;
  units: Unit[];
  agencies: Agency[] | undefined;
  pending: boolean;
  error: unknown;
  onSubmit: (result: UserFormResult) => void;
  onClose: () => void;
}) {
  const { t, i18n } = useTranslation();
  const editing = user !== null;
  const [username, setUsername] = useState(user?.username ?? "");
  const [displayName, setDisplayName] = useState(user?.displayName ?? "");
  const [email, setEmail] = useState(user?.email ?? "");
  const [unitId, setUnitId] = useState<string | null>(user?.unitId ?? null);
  const [roles, setRoles] = useState<Role[]>(user?.roles ?? []);
  const [language, setLanguage] = useState<Language>(
    user?.language ?? (isLanguage(i18n.language) ? i18n.language : "en"),
  );
  const [timeZone, setTimeZone] = useState<string | null>(user?.timeZone ?? null);
  const [disabled, setDisabled] = useState(user?.disabled ?? false);
  const [touched, setTouched] = useState(false);

  // An outside account (a provider's staff) is made on the provider's page and keeps its one role; officers are
  // never given an outside role here (the server refuses both).
  const outsideAccount = user?.roles.some((r) => OUTSIDE_ROLES.includes(r)) ?? false;
  const roleOptions = useMemo(
    () =>
      ROLES.filter((r) => outsideAccount === OUTSIDE_ROLES.includes(r)).map((r) => ({
        value: r,
        label: roleLabel(t, r),
      })),
    [t, outsideAccount],
  );
  const zoneOptions = useMemo(
    () =>
      timeZoneOptions().map((z) => {
        const label = zoneLabel(t, z);
        return { value: z, label: label === z ? z : `${label} (${z})` };
      }),
    [t],
  );

  const normalisedUsername = username.trim().toLowerCase();
  const errors = {
    username: !editing && !USERNAME.test(normalisedUsername) ? t("users.form.usernameRule") : null,
    displayName: displayName.trim() === "" ? t("users.form.required") : null,
    email: email.trim() !== "" && !EMAIL.test(email.trim()) ? t("users.form.emailRule") : null,
    unitId: unitId ? null : t("users.form.required"),
    roles: roles.length === 0 ? t("users.form.rolesRule") : null,
  };
  const valid = Object.values(errors).every((e) => e === null);
  const show = (e: string | null) => (touched ? (e ?? undefined) : undefined);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!valid || !unitId) return;
    const trimmedEmail = email.trim();
    if (!user) {
      onSubmit({
        mode: "create",
        body: {
          username: normalisedUsername,
          displayName: displayName.trim(),
          ...(trimmedEmail ? { email: trimmedEmail } : {}),
          unitId,
          roles,
          language,
          ...(timeZone ? { timeZone } : {}),
        },
      });
      return;
    }
    const body: UpdateUserInput = {};
    if (displayName.trim() !== user.displayName) body.displayName = displayName.trim();
    if ((trimmedEmail || null) !== user.email) body.email = trimmedEmail || null;
    if (unitId !== user.unitId) body.unitId = unitId;
    if (roles.length !== user.roles.length || roles.some((r) => !user.roles.includes(r))) body.roles = roles;
    if (disabled !== user.disabled) body.disabled = disabled;
    if (Object.keys(body).length === 0) {
      onClose();
      return;
    }
    onSubmit({ mode: "edit", id: user.id, body });
  };

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={editing ? t("users.editTitle", { username: user.username }) : t("users.createTitle")}
      size="lg"
      centered
    >
      <form onSubmit={submit} noValidate data-testid="user-form">
        <Stack>
          {!editing && (
            <TextInput
              label={t("users.fields.username")}
              description={t("users.form.usernameRule")}
              value={username}
              onChange={(e) => setUsername(e.currentTarget.value)}
              error={show(errors.username)}
              autoCapitalize="none"
              spellCheck={false}
              required
              data-autofocus
              data-testid="user-form-username"
            />
          )}
          <TextInput
            label={t("users.fields.displayName")}
            value={displayName}
            onChange={(e) => setDisplayName(e.currentTarget.value)}
            error={show(errors.displayName)}
            required
            data-testid="user-form-display-name"
          />
          <TextInput
            label={t("users.fields.email")}
            type="email"
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={show(errors.email)}
            data-testid="user-form-email"
          />
          <Select
            label={t("users.fields.unit")}
            data={unitOptions(i18n.language, units, agencies)}
            value={unitId}
            onChange={setUnitId}
            error={show(errors.unitId)}
            searchable
            required
            nothingFoundMessage={t("common.nothingFound")}
            data-testid="user-form-unit"
          />
          <MultiSelect
            label={t("users.fields.roles")}
            data={roleOptions}
            value={roles}
            onChange={(v) => setRoles(v.filter((r): r is Role => (ROLES as readonly string[]).includes(r)))}
            error={show(errors.roles)}
            disabled={outsideAccount}
            description={outsideAccount ? t("users.form.outsideAccount") : undefined}
            placeholder={roles.length === 0 ? t("users.form.pickRoles") : undefined}
            searchable
            nothingFoundMessage={t("common.nothingFound")}
            required
            clearable
            data-testid="user-form-roles"
          />
          {!editing && (
            <Group grow align="flex-start">
              <Select
                label={t("users.fields.language")}
                data={[
                  { value: "en", label: t("language.en") },
                  { value: "zh-CN", label: t("language.zh") },
                ]}
                value={language}
                onChange={(v) => isLanguage(v) && setLanguage(v)}
                allowDeselect={false}
                data-testid="user-form-language"
              />
              <Select
                label={t("users.fields.timeZone")}
                placeholder={t("users.form.nodeZone")}
                data={zoneOptions}
                value={timeZone}
                onChange={setTimeZone}
                searchable
                clearable
                nothingFoundMessage={t("common.nothingFound")}
                data-testid="user-form-timezone"
              />
            </Group>
          )}
          {editing && (
            <Switch
              label={t("users.fields.disabled")}
              description={t("users.form.disabledHint")}
              checked={disabled}
              onChange={(e) => setDisabled(e.currentTarget.checked)}
              color="red"
              data-testid="user-form-disabled"
            />
          )}
          <ApiErrorAlert error={error} testId="user-form-error" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" loading={pending} data-testid="user-form-submit">
              {editing ? t("common.save") : t("users.create")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
