import { FUGITIVE_REQUEST_TYPES, type FugitiveDetail, type FugitiveRequestType } from "@crossline/schemas";
import {
  Button,
  Card,
  FileInput,
  Group,
  Image,
  Loader,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { API_BASE } from "../../api/client";
import { useCan } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { Link, navigate } from "../../router/router";
import { fileBase64 } from "../../util/files";
import { statusLabel, typeLabel } from "../requests/labels";
import { RequestForm } from "../requests/RequestFormPage";
import { useAddPhoto, useFugitive, useRequestPrefill } from "./fugitives.api";

const nameText = (n: { original: string; romanised?: string }) =>
  n.romanised ? `${n.original} (${n.romanised})` : n.original;

/**
 * The record's photos (each view is in the node's access log) with their alt text, and an upload for those who
 * may change the record. The node checks the bytes are an image; a refusal names the file.
 */
export function Photos({ f }: { f: FugitiveDetail }) {
  const { t } = useTranslation();
  const canWrite = useCan("fugitives:write") && f.status !== "returned";
  const add = useAddPhoto(f.id);
  const [file, setFile] = useState<File | null>(null);
  const [alt, setAlt] = useState("");
  const upload = async () => {
    if (!file) return;
    add.mutate(
      { name: file.name, contentBase64: await fileBase64(file), ...(alt.trim() ? { alt: alt.trim() } : {}) },
      {
        onSuccess: () => {
          setFile(null);
          setAlt("");
        },
      },
    );
  };
  return (
    <Card withBorder data-testid="fugitive-photos">
      <Title order={3} mb="xs">
        {t("fugitives.photos.title")}
      </Title>
      {f.photos.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t("fugitives.photos.none")}
        </Text>
      ) : (
        <SimpleGrid cols={{ base: 2, sm: 4 }}>
          {f.photos.map((p) => (
            <Image
              key={p.id}
              src={`${API_BASE}/fugitives/${encodeURIComponent(f.id)}/photos/${encodeURIComponent(p.id)}`}
              alt={p.alt ?? t("fugitives.photos.alt", { name: nameText(f.name) })}
              fit="contain"
              h={160}
              data-testid="fugitive-photo"
            />
          ))}
        </SimpleGrid>
      )}
      {canWrite && (
        <Stack gap="xs" mt="sm">
          <Group align="end">
            <FileInput
              miw={220}
              label={t("fugitives.photos.file")}
              accept="image/jpeg,image/png,image/webp"
              value={file}
              onChange={setFile}
              data-testid="fugitive-photo-file"
              maw={320}
            />
            <TextInput
              label={t("fugitives.photos.altLabel")}
              value={alt}
              onChange={(e) => setAlt(e.currentTarget.value)}
              data-testid="fugitive-photo-alt"
              maw={320}
            />
            <Button
              onClick={upload}
              disabled={!file}
              loading={add.isPending}
              data-testid="fugitive-photo-upload"
            >
              {t("fugitives.photos.upload")}
            </Button>
          </Group>
          <ApiErrorAlert
            error={add.error}
            testId="fugitive-photo-error"
            fieldLabel={(field) => (field === "body.contentBase64" ? t("fugitives.photos.file") : field)}
          />
        </Stack>
      )}
    </Card>
  );
}

/** The requests linked to the record, and a start for a new one of the kinds that start from a person. */
export function LinkedRequests({ f }: { f: FugitiveDetail }) {
  const { t, i18n } = useTranslation();
  const canDraft = useCan("requests:draft");
  const canWrite = useCan("fugitives:write");
  const canStart = canDraft && canWrite && f.status !== "returned";
  const [type, setType] = useState<FugitiveRequestType>("fugitive_locate");
  return (
    <Card withBorder data-testid="fugitive-requests">
      <Title order={3} mb="xs">
        {t("fugitives.requests.title")}
      </Title>
      {f.requests.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t("fugitives.requests.none")}
        </Text>
      ) : (
        <Stack gap={4}>
          {f.requests.map((r) => (
            <Text size="sm" key={r.id}>
              <Link to={`/requests/${r.id}`} data-testid="fugitive-request-link">
                {r.reference}
              </Link>{" "}
              · {typeLabel(r.type, i18n.language)} · {statusLabel(t, r.status)}
              {r.peerId ? ` · ${r.peerId}` : ""}
            </Text>
          ))}
        </Stack>
      )}
      {canStart && (
        <Group align="end" mt="sm">
          <Select
            label={t("fugitives.requests.kind")}
            data={FUGITIVE_REQUEST_TYPES.map((k) => ({
              value: k,
              label: typeLabel(k, i18n.language),
            }))}
            value={type}
            onChange={(v) => v && setType(v as FugitiveRequestType)}
            allowDeselect={false}
            data-testid="fugitive-request-kind"
            maw={320}
          />
          <Button
            onClick={() => navigate(`/fugitives/${encodeURIComponent(f.id)}/request/${type}`)}
            data-testid="fugitive-request-start"
          >
            {t("fugitives.requests.start")}
          </Button>
        </Group>
      )}
    </Card>
  );
}

/** /fugitives/<id>/request/<kind>: the request form prefilled from the record, drafted through the record. */
export function FugitiveRequestPage({ id, type }: { id: string; type: FugitiveRequestType }) {
  const { t } = useTranslation();
  const f = useFugitive(id);
  const prefill = useRequestPrefill(id, type);
  if (f.isLoading || prefill.isLoading) return <Loader />;
  if (!f.data || !prefill.data) return <ApiErrorAlert error={f.error ?? prefill.error} />;
  return (
    <Stack>
      <Link to={`/fugitives/${encodeURIComponent(id)}`}>{t("fugitives.requests.backToRecord")}</Link>
      <RequestForm
        start={{
          prefill: {
            form: prefill.data.form,
            createPath: `/fugitives/${encodeURIComponent(id)}/requests`,
            from: `${f.data.reference} · ${nameText(f.data.name)}`,
          },
        }}
      />
    </Stack>
  );
}
