import { ASSET_STAGES, type AssetDetail } from "@crossline/schemas";
import {
  Badge,
  Button,
  Card,
  Group,
  Loader,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useCan } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DateTimeField } from "../../components/DateTimeField";
import { Link, usePath } from "../../router/router";
import { type AssetFilters, useAddStage, useAsset, useAssets, useAssetTotals } from "./assets.api";

/** /assets: the register with filters and the totals per currency and stage; /assets/<id>: one asset. */
export function AssetsPage() {
  const path = usePath();
  const id = path.startsWith("/assets/") ? decodeURIComponent(path.slice("/assets/".length)) : null;
  return id ? <AssetRecord id={id} /> : <AssetRegister />;
}

const money = (a: { amount: string; currency: string } | null | undefined) =>
  a ? `${a.amount} ${a.currency}` : "—";

function AssetRegister() {
  const { t } = useTranslation();
  const [f, setF] = useState<AssetFilters>({ stage: "", currency: "", kind: "" });
  const list = useAssets(f);
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const stageOptions = [
    { value: "", label: t("assets.any") },
    ...ASSET_STAGES.map((s) => ({ value: s, label: t(`assets.stage.${s}`) })),
  ];
  return (
    <Stack>
      <Title order={2}>{t("assets.title")}</Title>
      <Text size="sm" c="dimmed">
        {t("assets.logged")}
      </Text>
      <TotalsCard />
      <Group align="end">
        <Select
          label={t("assets.stageLabel")}
          data={stageOptions}
          value={f.stage}
          onChange={(v) => setF({ ...f, stage: v ?? "" })}
          allowDeselect={false}
          maw={220}
          data-testid="assets-filter-stage"
        />
        <TextInput
          label={t("assets.currency")}
          value={f.currency}
          onChange={(e) => setF({ ...f, currency: e.currentTarget.value.trim().toUpperCase() })}
          maw={140}
          data-testid="assets-filter-currency"
        />
      </Group>
      <ApiErrorAlert error={list.error} />
      {list.isLoading ? (
        <Loader />
      ) : items.length === 0 ? (
        <Text c="dimmed" data-testid="assets-empty">
          {t("assets.none")}
        </Text>
      ) : (
        <Card withBorder p={0} style={{ overflowX: "auto" }} tabIndex={0}>
          <Table data-testid="assets-table" miw={680}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("assets.reference")}</Table.Th>
                <Table.Th>{t("assets.kind")}</Table.Th>
                <Table.Th>{t("assets.description")}</Table.Th>
                <Table.Th>{t("assets.value")}</Table.Th>
                <Table.Th>{t("assets.stageLabel")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((a) => (
                <Table.Tr key={a.id} data-testid="assets-row">
                  <Table.Td>
                    <Link to={`/assets/${a.id}`} data-testid="asset-link">
                      {a.reference}
                    </Link>
                  </Table.Td>
                  <Table.Td>{t(`requests.opt.assetKind.${a.kind}`)}</Table.Td>
                  <Table.Td>{a.description.text}</Table.Td>
                  <Table.Td>{money(a.value)}</Table.Td>
                  <Table.Td>
                    <Badge variant="light">{t(`assets.stage.${a.stage}`)}</Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      {list.hasNextPage && (
        <Button variant="subtle" onClick={() => list.fetchNextPage()} loading={list.isFetchingNextPage}>
          {t("assets.more")}
        </Button>
      )}
    </Stack>
  );
}

/** Per currency and stage: never summed across currencies. */
function TotalsCard() {
  const { t } = useTranslation();
  const q = useAssetTotals();
  return (
    <Card withBorder p={0} style={{ overflowX: "auto" }} tabIndex={0}>
      <ApiErrorAlert error={q.error} />
      <Table data-testid="asset-totals" captionSide="top">
        <Table.Caption>{t("assets.totals")}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t("assets.currency")}</Table.Th>
            <Table.Th>{t("assets.stageLabel")}</Table.Th>
            <Table.Th>{t("assets.count")}</Table.Th>
            <Table.Th>{t("assets.amount")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(q.data?.rows ?? []).map((r) => (
            <Table.Tr key={`${r.currency}-${r.stage}`} data-testid="asset-totals-row">
              <Table.Td>{r.currency}</Table.Td>
              <Table.Td>{t(`assets.stage.${r.stage}`)}</Table.Td>
              <Table.Td>{r.assets}</Table.Td>
              <Table.Td>{money(r.amount)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

function AssetRecord({ id }: { id: string }) {
  const { t } = useTranslation();
  const q = useAsset(id);
  const a = q.data;
  const canWrite = useCan("fugitives:write");
  if (q.isLoading) return <Loader />;
  if (!a) return <ApiErrorAlert error={q.error} />;
  const row = (label: string, value: string | null | undefined) => (
    <Table.Tr>
      <Table.Th scope="row">{label}</Table.Th>
      <Table.Td>{value || "—"}</Table.Td>
    </Table.Tr>
  );
  return (
    <Stack data-testid="asset-page">
      <Link to="/assets">{t("assets.back")}</Link>
      <Title order={2}>
        {a.reference} · {t(`requests.opt.assetKind.${a.kind}`)}
      </Title>
      <Group>
        <Badge variant="light" data-testid="asset-stage">
          {t(`assets.stage.${a.stage}`)}
        </Badge>
        <Text size="sm">{t("assets.version", { version: a.version })}</Text>
      </Group>
      <Card withBorder p={0} style={{ overflowX: "auto" }} tabIndex={0}>
        <Table>
          <Table.Tbody>
            {row(t("assets.description"), a.description.text)}
            {row(t("assets.location"), a.location)}
            {row(t("assets.jurisdiction"), a.jurisdiction)}
            {row(
              t("assets.holder"),
              a.holder ? `${a.holder.name}${a.holder.romanised ? ` (${a.holder.romanised})` : ""}` : null,
            )}
            {row(t("assets.value"), money(a.value))}
          </Table.Tbody>
        </Table>
      </Card>
      <Title order={3}>{t("assets.history")}</Title>
      {/* Scrolls sideways on a phone: a named region that takes the focus, so the keyboard can scroll it too. */}
      <Card
        withBorder
        p={0}
        style={{ overflowX: "auto" }}
        tabIndex={0}
        role="region"
        aria-label={t("assets.history")}
        data-testid="asset-stages"
      >
        <Table miw={600}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("assets.date")}</Table.Th>
              <Table.Th>{t("assets.stageLabel")}</Table.Th>
              <Table.Th>{t("assets.authority")}</Table.Th>
              <Table.Th>{t("assets.order")}</Table.Th>
              <Table.Th>{t("assets.amount")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {a.stages.map((s) => (
              <Table.Tr key={s.seq} data-testid="asset-stage-row">
                <Table.Td>{s.date}</Table.Td>
                <Table.Td>{t(`assets.stage.${s.stage}`)}</Table.Td>
                <Table.Td>{s.authority}</Table.Td>
                <Table.Td>{s.orderReference ?? "—"}</Table.Td>
                <Table.Td>{money(s.amount)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
      {canWrite && a.stage !== "released" && <StageForm asset={a} />}
    </Stack>
  );
}

function StageForm({ asset }: { asset: AssetDetail }) {
  const { t } = useTranslation();
  const add = useAddStage(asset.id);
  const [stage, setStage] = useState<string>(asset.stage);
  const [date, setDate] = useState("");
  const [authority, setAuthority] = useState("");
  const [order, setOrder] = useState("");
  const [amount, setAmount] = useState("");
  return (
    <Card withBorder>
      <form
        data-testid="asset-stage-form"
        onSubmit={(e) => {
          e.preventDefault();
          add.mutate(
            {
              version: asset.version,
              stage,
              date,
              authority,
              ...(order.trim() ? { orderReference: order.trim() } : {}),
              ...(amount.trim() ? { amount: amount.trim() } : {}),
            },
            {
              onSuccess: () => {
                setOrder("");
                setAmount("");
              },
            },
          );
        }}
      >
        <Stack gap="xs">
          <Title order={3}>{t("assets.addStage")}</Title>
          <Select
            label={t("assets.stageLabel")}
            data={ASSET_STAGES.map((s) => ({ value: s, label: t(`assets.stage.${s}`) }))}
            value={stage}
            onChange={(v) => setStage(v ?? asset.stage)}
            allowDeselect={false}
            data-testid="stage-select"
          />
          <DateTimeField
            kind="date"
            label={t("assets.date")}
            value={date}
            onChange={setDate}
            required
            data-testid="stage-date"
          />
          <TextInput
            label={t("assets.authority")}
            value={authority}
            onChange={(e) => setAuthority(e.currentTarget.value)}
            required
            data-testid="stage-authority"
          />
          <TextInput
            label={t("assets.order")}
            value={order}
            onChange={(e) => setOrder(e.currentTarget.value)}
            data-testid="stage-order"
          />
          <TextInput
            label={t("assets.amountIn", { currency: asset.currency })}
            value={amount}
            onChange={(e) => setAmount(e.currentTarget.value)}
            inputMode="decimal"
            data-testid="stage-amount"
          />
          <ApiErrorAlert error={add.error} />
          <Group>
            <Button type="submit" loading={add.isPending} data-testid="stage-submit">
              {t("assets.record")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
