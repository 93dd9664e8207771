import { CASE_STATUSES, LABEL_VALUES } from "@crossline/schemas";
import {
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useCan } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { Link, navigate, usePath } from "../../router/router";
import { CaseDetailPage } from "./CaseDetailPage";
import { type CaseFilters, casesApi } from "./cases.api";
import { PriorityPage } from "./PriorityPage";

/** `/cases`, `/cases/priority`, `/cases/<id>`. */
export function CasesPage() {
  const path = usePath();
  const rest = path.replace(/^\/cases\/?/, "");
  if (rest === "priority") return <PriorityPage />;
  if (rest) return <CaseDetailPage id={decodeURIComponent(rest)} />;
  return <CaseList />;
}

function CaseList() {
  const { t } = useTranslation();
  const canWrite = useCan("cases:write");
  const [filters, setFilters] = useState<CaseFilters>({});
  const [creating, setCreating] = useState(false);
  const q = useQuery({ queryKey: ["cases", filters], queryFn: () => casesApi.list(filters) });
  const set = (k: keyof CaseFilters) => (v: string | null) =>
    setFilters((f) => ({ ...f, [k]: v ?? undefined }));
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t("nav.cases")}</Title>
        <Group>
          <Button
            variant="light"
            onClick={() => navigate("/cases/priority")}
            data-testid="case-priority-list"
          >
            {t("cases.priorityList")}
          </Button>
          {canWrite && (
            <Button onClick={() => setCreating(true)} data-testid="case-new">
              {t("cases.new")}
            </Button>
          )}
        </Group>
      </Group>
      <Group align="end">
        <TextInput
          label={t("cases.search")}
          value={filters.q ?? ""}
          onChange={(e) => set("q")(e.currentTarget.value)}
          data-testid="case-search"
        />
        <Select
          label={t("cases.fields.status")}
          clearable
          data={CASE_STATUSES.map((s) => ({ value: s, label: t(`cases.status.${s}`) }))}
          value={filters.status ?? null}
          onChange={set("status")}
        />
        <Select
          label={t("cases.fields.category")}
          clearable
          data={LABEL_VALUES.offenceCategory.map((c) => ({ value: c, label: t(`requests.offence.${c}`) }))}
          value={filters.category ?? null}
          onChange={set("category")}
        />
        <Select
          label={t("cases.fields.priority")}
          clearable
          data={[
            { value: "true", label: t("cases.priorityOnly") },
            { value: "false", label: t("cases.notPriority") },
          ]}
          value={filters.priority ?? null}
          onChange={set("priority")}
        />
      </Group>
      {q.error && <ApiErrorAlert error={q.error} />}
      <Table.ScrollContainer minWidth={600}>
        <Table striped data-testid="case-list">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("cases.fields.reference")}</Table.Th>
              <Table.Th>{t("cases.fields.title")}</Table.Th>
              <Table.Th>{t("cases.fields.category")}</Table.Th>
              <Table.Th>{t("cases.fields.status")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {q.data?.items.map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td>
                  <Link to={`/cases/${c.id}`}>{c.reference}</Link>{" "}
                  {c.priority && (
                    <Badge color="red" size="sm">
                      {t("cases.priority")}
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td lang={c.title.lang}>{c.title.text}</Table.Td>
                <Table.Td>{t(`requests.offence.${c.category}`)}</Table.Td>
                <Table.Td>{t(`cases.status.${c.status}`)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {q.data && q.data.items.length === 0 && <Text c="dimmed">{t("cases.none")}</Text>}
      <NewCaseModal opened={creating} onClose={() => setCreating(false)} />
    </Stack>
  );
}

function NewCaseModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const [title, setTitle] = useState("");
  const [lang, setLang] = useState<string>(i18n.language === "zh-CN" ? "zh-CN" : "en");
  const [category, setCategory] = useState<string | null>("other");
  const [priority, setPriority] = useState(false);
  const [summary, setSummary] = useState("");
  const create = useMutation({
    mutationFn: () =>
      casesApi.create({
        title: { lang, text: title },
        category,
        priority,
        ...(summary ? { summary: { lang, text: summary } } : {}),
      }),
    onSuccess: (c) => {
      qc.invalidateQueries({ queryKey: ["cases"] });
      onClose();
      navigate(`/cases/${c.id}`);
    },
  });
  return (
    <Modal opened={opened} onClose={onClose} title={t("cases.new")}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Stack>
          <TextInput
            label={t("cases.fields.title")}
            value={title}
            onChange={(e) => setTitle(e.currentTarget.value)}
            required
            data-testid="case-title"
          />
          <Select
            label={t("cases.fields.language")}
            data={[
              { value: "en", label: "English" },
              { value: "zh-CN", label: "简体中文" },
            ]}
            value={lang}
            onChange={(v) => setLang(v ?? "en")}
            allowDeselect={false}
          />
          <Select
            label={t("cases.fields.category")}
            data={LABEL_VALUES.offenceCategory.map((c) => ({ value: c, label: t(`requests.offence.${c}`) }))}
            value={category}
            onChange={setCategory}
            allowDeselect={false}
            data-testid="case-category"
          />
          <Checkbox
            label={t("cases.fields.priority")}
            checked={priority}
            onChange={(e) => setPriority(e.currentTarget.checked)}
            data-testid="case-priority"
          />
          <Textarea
            label={t("cases.fields.summary")}
            value={summary}
            onChange={(e) => setSummary(e.currentTarget.value)}
          />
          {create.error && <ApiErrorAlert error={create.error} />}
          <Button type="submit" loading={create.isPending} data-testid="case-create">
            {t("cases.create")}
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}
