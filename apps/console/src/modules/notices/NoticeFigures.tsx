import { Anchor, Group, Loader, Progress, Stack, Table, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { currentLanguage } from "../../i18n";
import { useNoticeFigures } from "./notices.api";

const pct = (x: number | null) => (x === null ? "—" : `${Math.round(x * 1000) / 10}%`);

/** Time to action, compliance rate per provider (a bar chart) and overdue notices; CSV and PDF to take away. */
export function NoticeFiguresPanel() {
  const { t, i18n } = useTranslation();
  const figures = useNoticeFigures();
  const zh = i18n.language.startsWith("zh");
  if (figures.isPending) return <Loader aria-label={t("common.loading")} />;
  if (figures.error) return <ApiErrorAlert error={figures.error} />;
  const f = figures.data;
  const byProvider = new Map<string, { name: string; inTime: number; counted: number }>();
  for (const r of f.rows) {
    const e = byProvider.get(r.providerId) ?? {
      name: zh ? r.providerNameZh : r.providerName,
      inTime: 0,
      counted: 0,
    };
    if (r.complianceRate !== null) {
      const counted = r.answered + r.overdue;
      e.counted += counted;
      e.inTime += r.complianceRate * counted;
    }
    byProvider.set(r.providerId, e);
  }
  const lang = currentLanguage();
  return (
    <Stack data-testid="notice-figures">
      <Group justify="space-between" wrap="wrap">
        <Text size="sm" c="dimmed">
          {t("notices.figuresIntro")}
        </Text>
        <Group gap="sm">
          <Anchor href={`/api/v1/notices/figures.csv?lang=${lang}`} size="sm">
            {t("notices.csv")}
          </Anchor>
          <Anchor href={`/api/v1/notices/figures.pdf?lang=${lang}`} size="sm">
            {t("notices.pdf")}
          </Anchor>
        </Group>
      </Group>
      <Title order={2} size="h4">
        {t("notices.chart")}
      </Title>
      <Stack gap="xs" data-testid="notice-figures-chart">
        {[...byProvider.values()].map((p) => {
          const rate = p.counted ? p.inTime / p.counted : null;
          return (
            <div key={p.name}>
              <Group justify="space-between">
                <Text size="sm">{p.name}</Text>
                <Text size="sm">{pct(rate)}</Text>
              </Group>
              <Progress value={(rate ?? 0) * 100} aria-label={`${p.name}: ${pct(rate)}`} />
            </div>
          );
        })}
      </Stack>
      <Table.ScrollContainer minWidth={760}>
        <Table striped data-testid="notice-figures-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("notices.fields.provider")}</Table.Th>
              <Table.Th>{t("notices.fields.kind")}</Table.Th>
              <Table.Th>{t("notices.sent")}</Table.Th>
              <Table.Th>{t("notices.answered")}</Table.Th>
              <Table.Th>{t("notices.overdue")}</Table.Th>
              <Table.Th>{t("notices.compliance")}</Table.Th>
              <Table.Th>{t("notices.median")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {f.rows.map((r) => (
              <Table.Tr key={`${r.providerId}-${r.kind}`}>
                <Table.Td>{zh ? r.providerNameZh : r.providerName}</Table.Td>
                <Table.Td>{t(`notices.kind.${r.kind}`)}</Table.Td>
                <Table.Td>{r.sent}</Table.Td>
                <Table.Td>{r.answered}</Table.Td>
                <Table.Td>{r.overdue}</Table.Td>
                <Table.Td>{pct(r.complianceRate)}</Table.Td>
                <Table.Td>
                  {r.medianTimeToActionMinutes === null
                    ? "—"
                    : t("notices.minutes", { n: r.medianTimeToActionMinutes })}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
