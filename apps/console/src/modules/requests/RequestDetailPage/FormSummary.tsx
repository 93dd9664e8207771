import type { RequestType } from "@crossline/schemas";
import { Badge, Card, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { formatSize } from "../form/Attachments";
import { COMMON_SPEC, DETAILS_SPEC, type FieldSpec } from "../form/spec";
import type { AttachmentRef } from "../requests.api";

const FORM_LABELS: Record<string, string> = {
  facts: "requests.form.facts",
  offence: "requests.form.offence",
  subjects: "requests.form.subjects",
  legalBasis: "requests.form.legalBasis",
  identifiers: "requests.form.identifiers",
  measuresSought: "requests.form.measures",
  requestingAuthority: "requests.form.authority",
  urgencyReason: "requests.form.urgencyReason",
  attachments: "requests.detail.attachments",
  details: "requests.detail.details",
};

/** Links to download a request's attachments (checked against their SHA-256 by the node). */
export function AttachmentLinks({ requestId, items }: { requestId: string; items: AttachmentRef[] }) {
  return (
    <>
      {items.map((a) => (
        <Text key={a.id} size="xs" data-testid="attachment-link">
          <a href={`/api/v1/requests/${requestId}/attachments/${a.id}`}>{a.name}</a>{" "}
          <Text span size="xs" c="dimmed">
            {formatSize(a.size)}
          </Text>
        </Text>
      ))}
    </>
  );
}

function humanise(key: string): string {
  const spaced = key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/_/g, " ");
  return spaced.charAt(0).toUpperCase() + spaced.slice(1).toLowerCase();
}

function isLabelled(v: unknown): v is { lang: string; text: string } {
  return typeof v === "object" && v !== null && "text" in v && "lang" in v && Object.keys(v).length === 2;
}

/** A form value without JSON: texts with their language, lists and nested fields indented. */
/**
 * One value of the form as the officer entered it: labels from the form's spec (the field's own label,
 * an option's name rather than its code, an identifier's kind), falling back to the key for anything the
 * spec does not know (a field added by a newer peer).
 */
function FormValue({ value, spec }: { value: unknown; spec?: FieldSpec }) {
  const { t, i18n } = useTranslation();
  const known = (key: string) => (i18n.exists(key) ? t(key as "requests.f.facts") : undefined);
  const labelOf = (k: string, sub?: FieldSpec) =>
    known(`requests.f.${sub?.label ?? k}`) ?? known(`requests.f.${k}`) ?? humanise(k);
  const optionOf = (labels: string, v: unknown) => known(`${labels}.${String(v)}`) ?? String(v);
  if (value === null || value === undefined || value === "") return <Text size="sm">—</Text>;
  if (isLabelled(value))
    return (
      // a div: the language badge is one, and a paragraph may not hold it
      <Text component="div" size="sm" style={{ whiteSpace: "pre-wrap" }}>
        {value.text}{" "}
        <Badge size="xs" variant="outline" color="gray">
          {value.lang}
        </Badge>
      </Text>
    );
  if (spec?.kind === "enum") return <Text size="sm">{optionOf(spec.labels, value)}</Text>;
  if (spec?.kind === "multi" && Array.isArray(value))
    return <Text size="sm">{value.map((v) => optionOf(spec.labels, v)).join(" · ")}</Text>;
  if (typeof value === "boolean") return <Text size="sm">{value ? t("common.yes") : t("common.no")}</Text>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <Text size="sm">—</Text>;
    const item = spec?.kind === "list" ? spec.item : undefined;
    return (
      <Stack gap={4}>
        {value.map((v, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: form list items have no ids
          <div key={i} style={{ borderLeft: "2px solid var(--mantine-color-gray-3)", paddingLeft: 8 }}>
            <FormValue value={v} spec={item} />
          </div>
        ))}
      </Stack>
    );
  }
  if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (spec?.kind === "identifier" && typeof obj.type === "string") {
      const extra = Object.entries(obj).filter(([k]) => !["type", "value", "raw"].includes(k));
      return (
        <Text size="sm">
          <Text
            span
            size="xs"
            c="dimmed"
          >{`${optionOf("requests.opt.identifierType", obj.type)}${t("common.colon")}`}</Text>
          {String(obj.value ?? "")}
          {extra.map(([k, v]) => ` · ${labelOf(k)} ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)}
        </Text>
      );
    }
    const fields = spec?.kind === "group" ? spec.fields : [];
    const entries = Object.entries(obj).filter(([k]) => k !== "raw");
    return (
      <Stack gap={2}>
        {entries.map(([k, v]) => {
          const sub = fields.find((f) => f.key === k);
          return (
            <Group key={k} gap="xs" align="flex-start" wrap="nowrap">
              <Text size="xs" c="dimmed" w={150} style={{ flexShrink: 0 }}>
                {labelOf(k, sub)}
              </Text>
              <div style={{ flex: 1 }}>
                <FormValue value={v} spec={sub} />
              </div>
            </Group>
          );
        })}
      </Stack>
    );
  }
  return <Text size="sm">{String(value)}</Text>;
}

export function FormSummary({ form, requestId }: { form: Record<string, unknown>; requestId: string }) {
  const { t } = useTranslation();
  const entries = Object.entries(form).filter(
    ([k, v]) => !["type", "urgency"].includes(k) && !(Array.isArray(v) && v.length === 0),
  );
  const type = form.type as RequestType;
  const specOf = (key: string): FieldSpec | undefined =>
    key === "details"
      ? { kind: "group", key: "details", fields: DETAILS_SPEC[type] ?? [] }
      : COMMON_SPEC.find((f) => f.key === key);
  return (
    <Card withBorder data-testid="request-form">
      <Title order={4} mb="sm">
        {t("requests.detail.form")}
      </Title>
      <Table>
        <Table.Tbody>
          {entries.map(([k, v]) => (
            <Table.Tr key={k} data-testid="form-field" data-field={k}>
              <Table.Td w={200} style={{ verticalAlign: "top" }}>
                {/* a long value must not squeeze the label to a character or two a line on a phone */}
                <Text size="sm" c="dimmed" miw={84}>
                  {FORM_LABELS[k] ? t(FORM_LABELS[k] as "requests.form.facts") : humanise(k)}
                </Text>
              </Table.Td>
              <Table.Td>
                {k === "attachments" ? (
                  <AttachmentLinks requestId={requestId} items={v as AttachmentRef[]} />
                ) : (
                  <FormValue value={v} spec={specOf(k)} />
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}
