import { CRYPTO_NETWORKS, DEVICE_ID_KINDS, HASH_ALGORITHMS, IDENTIFIER_TYPES } from "@crossline/schemas";
import {
  ActionIcon,
  Button,
  Checkbox,
  Fieldset,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../../../auth/session";
import { DateTimeField } from "../../../components/DateTimeField";
import type { FieldSpec } from "./spec";
import { emptyIdentifier, IDENTIFIER_EXTRAS, type IdentifierState, initial, type State } from "./values";

export interface FieldsContext {
  /** The error the server gave for a path (`details.custodian.name`), if any. */
  error: (path: string) => string | undefined;
  /** The request's subjects, for fields that point at one. */
  subjects: { value: string; label: string }[];
  /** Language of the texts, shown next to text fields. */
  lang: string;
  /** Test ids are `<testPrefix>-<path without the root>`. */
  testPrefix: string;
  /** The path prefix removed from test ids (e.g. "details."). */
  root: string;
}

const WIDE = new Set(["text", "group", "list", "multi", "identifier", "personName"]);

function useLabel() {
  const { t } = useTranslation();
  return (spec: FieldSpec) => t(`requests.f.${spec.label ?? spec.key}` as "requests.f.facts");
}

function testIdOf(spec: FieldSpec, path: string, ctx: FieldsContext): string {
  return spec.testId ?? `${ctx.testPrefix}-${path.startsWith(ctx.root) ? path.slice(ctx.root.length) : path}`;
}

/** The fields of a group, short ones side by side, long ones across. */
export function FieldList({
  fields,
  path,
  value,
  onChange,
  ctx,
}: {
  fields: FieldSpec[];
  path: string;
  value: State;
  onChange: (v: State) => void;
  ctx: FieldsContext;
}) {
  const rows: ReactNode[] = [];
  let narrow: ReactNode[] = [];
  const flush = () => {
    if (narrow.length)
      rows.push(
        <SimpleGrid key={`grid-${rows.length}`} cols={{ base: 1, md: 3 }}>
          {narrow}
        </SimpleGrid>,
      );
    narrow = [];
  };
  for (const f of fields) {
    const node = (
      <Field
        key={f.key}
        spec={f}
        path={path ? `${path}.${f.key}` : f.key}
        value={value[f.key]}
        onChange={(v) => onChange({ ...value, [f.key]: v })}
        ctx={ctx}
      />
    );
    if (WIDE.has(f.kind)) {
      flush();
      rows.push(node);
    } else narrow.push(node);
  }
  flush();
  return <Stack gap="sm">{rows}</Stack>;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** One field of the spec, with its label, hint and the server's error for it. */
export function Field({
  spec,
  path,
  value,
  onChange,
  ctx,
}: {
  spec: FieldSpec;
  path: string;
  value: unknown;
  onChange: (v: unknown) => void;
  ctx: FieldsContext;
}) {
  const { t } = useTranslation();
  const { user } = useSession();
  const labelOf = useLabel();
  const label = labelOf(spec);
  const error = ctx.error(path);
  const required = !spec.optional;
  const testId = testIdOf(spec, path, ctx);
  switch (spec.kind) {
    case "text":
      return (
        <Textarea
          label={`${label} (${ctx.lang})`}
          required={required}
          autosize
          minRows={spec.rows ?? 2}
          value={str(value)}
          onChange={(e) => onChange(e.currentTarget.value)}
          error={error}
          data-testid={testId}
        />
      );
    case "string":
    case "partialDate":
    case "ref":
      return (
        <TextInput
          label={label}
          required={required}
          placeholder={
            spec.kind === "partialDate"
              ? "1990-04"
              : spec.kind === "ref"
                ? t("requests.form.refPlaceholder")
                : spec.placeholder
          }
          value={str(value)}
          onChange={(e) => onChange(e.currentTarget.value)}
          error={error}
          data-testid={testId}
        />
      );
    case "date":
    case "datetime":
      return (
        <DateTimeField
          kind={spec.kind}
          label={label}
          required={required}
          description={spec.kind === "datetime" ? t("time.onYourClock", { zone: user.timeZone }) : undefined}
          value={str(value)}
          onChange={onChange}
          error={error}
          data-testid={testId}
        />
      );
    case "number":
      return (
        <NumberInput
          label={label}
          min={spec.min}
          max={spec.max}
          allowDecimal={false}
          value={str(value)}
          onChange={(v) => onChange(String(v))}
          error={error}
          data-testid={testId}
        />
      );
    case "bool":
    case "confirm":
      return (
        <Checkbox
          mt="lg"
          label={label}
          checked={value === true}
          onChange={(e) => onChange(e.currentTarget.checked)}
          error={error}
          data-testid={testId}
        />
      );
    case "enum":
      return (
        <Select
          label={label}
          required={required}
          data={spec.options.map((o) => ({
            value: o,
            label: t(`${spec.labels}.${o}` as "requests.f.facts"),
          }))}
          value={str(value) || null}
          onChange={(v) => v && onChange(v)}
          allowDeselect={false}
          error={error}
          data-testid={testId}
        />
      );
    case "multi":
      return (
        <Checkbox.Group
          label={label}
          required={required}
          value={Array.isArray(value) ? (value as string[]) : []}
          onChange={onChange}
          error={error}
          data-testid={testId}
        >
          <Group mt={4}>
            {spec.options.map((o) => (
              <Checkbox
                key={o}
                value={o}
                label={t(`${spec.labels}.${o}` as "requests.f.facts")}
                data-testid={`${testId}.${o}`}
              />
            ))}
          </Group>
        </Checkbox.Group>
      );
    case "subject":
      return (
        <Select
          label={label}
          required
          data={ctx.subjects}
          value={ctx.subjects.some((o) => o.value === value) ? str(value) : null}
          onChange={(v) => onChange(v ?? "")}
          placeholder={ctx.subjects.length ? undefined : t("requests.form.addSubjectFirst")}
          error={error}
          data-testid={testId}
        />
      );
    case "money": {
      const m = (value ?? {}) as { amount?: string; currency?: string };
      return (
        <Group grow align="flex-start" gap="xs">
          <TextInput
            label={label}
            inputMode="decimal"
            placeholder="1000.00"
            value={m.amount ?? ""}
            onChange={(e) => onChange({ ...m, amount: e.currentTarget.value })}
            error={error ?? ctx.error(`${path}.amountMinor`)}
            data-testid={`${testId}.amount`}
          />
          <TextInput
            label={t("requests.f.currency")}
            placeholder="USD"
            maxLength={3}
            value={m.currency ?? ""}
            onChange={(e) => onChange({ ...m, currency: e.currentTarget.value })}
            error={ctx.error(`${path}.currency`)}
            data-testid={`${testId}.currency`}
          />
        </Group>
      );
    }
    case "identifier":
      return (
        <IdentifierInput
          label={label}
          value={(value as IdentifierState) ?? emptyIdentifier()}
          onChange={onChange}
          path={path}
          testId={testId}
          ctx={ctx}
        />
      );
    case "personName": {
      const n = (value ?? {}) as { original?: string; romanised?: string };
      return (
        <Group grow align="flex-start" gap="xs">
          <TextInput
            label={label}
            required={required}
            description={t("requests.form.asWritten")}
            value={n.original ?? ""}
            onChange={(e) => onChange({ ...n, original: e.currentTarget.value })}
            error={error ?? ctx.error(`${path}.original`)}
            data-testid={testId}
          />
          <TextInput
            label={t("requests.form.romanised")}
            description={t("requests.form.romanisedHint")}
            value={n.romanised ?? ""}
            onChange={(e) => onChange({ ...n, romanised: e.currentTarget.value })}
            error={ctx.error(`${path}.romanised`)}
            data-testid={`${testId}.romanised`}
          />
        </Group>
      );
    }
    case "group":
      return (
        <Fieldset
          legend={spec.optional ? `${label} · ${t("requests.form.optional")}` : label}
          data-testid={testId}
        >
          {spec.hint && !error && (
            <Text size="sm" c="dimmed" mb="xs" data-testid={`${testId}-hint`}>
              {t(`requests.issue.${spec.hint}`)}
            </Text>
          )}
          {error && (
            <Text c="red" size="sm" mb="xs">
              {error}
            </Text>
          )}
          <FieldList
            // In an optional group nothing is marked required: its fields are needed only once it is begun.
            fields={spec.optional ? spec.fields.map((f) => ({ ...f, optional: true })) : spec.fields}
            path={path}
            value={(value ?? {}) as State}
            onChange={onChange}
            ctx={ctx}
          />
        </Fieldset>
      );
    case "list":
      return (
        <ListField spec={spec} path={path} value={value} onChange={onChange} ctx={ctx} testId={testId} />
      );
  }
}

function ListField({
  spec,
  path,
  value,
  onChange,
  ctx,
  testId,
}: {
  spec: Extract<FieldSpec, { kind: "list" }>;
  path: string;
  value: unknown;
  onChange: (v: unknown) => void;
  ctx: FieldsContext;
  testId: string;
}) {
  const { t } = useTranslation();
  const labelOf = useLabel();
  const items = Array.isArray(value) ? value : [];
  const error = ctx.error(path);
  const full = spec.max !== undefined && items.length >= spec.max;
  return (
    <Stack gap="xs" data-testid={testId}>
      <Group justify="space-between">
        <Text fw={500} size="sm">
          {labelOf(spec)}
          {spec.min ? " *" : ""}
        </Text>
        <Button
          size="compact-sm"
          variant="light"
          disabled={full}
          onClick={() => onChange([...items, initial(spec.item)])}
          data-testid={`${testId}-add`}
        >
          {t("requests.form.add")}
        </Button>
      </Group>
      {error && (
        <Text c="red" size="sm">
          {error}
        </Text>
      )}
      {items.map((item, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own
        <Group key={i} align="flex-start" wrap="nowrap" gap="xs" data-testid={`${testId}-row`}>
          <div style={{ flex: 1 }}>
            <Field
              spec={spec.item}
              path={`${path}.${i}`}
              value={item}
              onChange={(v) => onChange(items.map((x, j) => (j === i ? v : x)))}
              ctx={ctx}
            />
          </div>
          <ActionIcon
            mt={28}
            variant="subtle"
            color="red"
            disabled={items.length <= (spec.min ?? 0)}
            aria-label={t("requests.form.remove")}
            onClick={() => onChange(items.filter((_, j) => j !== i))}
            data-testid={`${testId}-remove`}
          >
            ×
          </ActionIcon>
        </Group>
      ))}
    </Stack>
  );
}

const EXTRA_OPTIONS: Partial<Record<keyof IdentifierState, readonly string[]>> = {
  network: CRYPTO_NETWORKS,
  algorithm: HASH_ALGORITHMS,
  kind: DEVICE_ID_KINDS,
};

function IdentifierInput({
  label,
  value,
  onChange,
  path,
  testId,
  ctx,
}: {
  label: string;
  value: IdentifierState;
  onChange: (v: IdentifierState) => void;
  path: string;
  testId: string;
  ctx: FieldsContext;
}) {
  const { t } = useTranslation();
  const extras = IDENTIFIER_EXTRAS[value.type] ?? [];
  return (
    <Group align="flex-start" gap="xs" grow>
      <Select
        label={label}
        data={IDENTIFIER_TYPES.map((k) => ({ value: k, label: t(`requests.opt.identifierType.${k}`) }))}
        value={value.type}
        onChange={(v) => v && onChange({ ...value, type: v })}
        allowDeselect={false}
        error={ctx.error(`${path}.type`)}
        data-testid={`${testId}.type`}
        maw={200}
      />
      <TextInput
        label={t("requests.f.identifierValue")}
        required
        value={value.value}
        onChange={(e) => onChange({ ...value, value: e.currentTarget.value })}
        error={ctx.error(`${path}.value`) ?? ctx.error(path)}
        data-testid={`${testId}.value`}
      />
      {extras.map((k) => {
        const options = EXTRA_OPTIONS[k];
        const common = {
          label: t(`requests.f.identifier_${k}` as "requests.f.facts"),
          error: ctx.error(`${path}.${k}`),
          "data-testid": `${testId}.${k}`,
          maw: 200,
        };
        return options ? (
          <Select
            {...common}
            key={k}
            data={options.map((o) => ({ value: o, label: o }))}
            value={value[k] || null}
            onChange={(v) => onChange({ ...value, [k]: v ?? "" })}
            clearable={k !== "network"}
          />
        ) : (
          <TextInput
            {...common}
            key={k}
            required={k === "service"}
            value={value[k]}
            onChange={(e) => onChange({ ...value, [k]: e.currentTarget.value })}
          />
        );
      })}
    </Group>
  );
}
