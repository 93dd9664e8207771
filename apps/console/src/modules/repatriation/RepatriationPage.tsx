import type { RepatriationBoardItem, RepatriationCaseView, RepatriationStatus } from "@crossline/schemas";
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  FileInput,
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
import { useCan, useSession } from "../../auth/session";
import { ApiErrorAlert } from "../../components/ApiErrorAlert";
import { DateTimeField } from "../../components/DateTimeField";
import { Link, usePath } from "../../router/router";
import { formatDateTime, isoToLocal, localToIso } from "../../util/datetime";
import { fileBase64 } from "../../util/files";
import { Countdown } from "../notices/Countdown";
import { FiguresPage, NewCasePage } from "./RepatriationForms";
import { type StepRoute, useRecordStep, useRepatriationBoard, useRepatriationCase } from "./repatriation.api";

const nameText = (n: { original: string; romanised?: string }) =>
  n.romanised ? `${n.original} (${n.romanised})` : n.original;

/** /repatriation: the board; /repatriation/<id>: one case with its steps and the form for the next one. */
export function RepatriationPage() {
  const path = usePath();
  if (path === "/repatriation/new") return <NewCasePage />;
  if (path === "/repatriation/figures") return <FiguresPage />;
  const id = path.startsWith("/repatriation/")
    ? decodeURIComponent(path.slice("/repatriation/".length))
    : null;
  return id ? <CasePage id={id} /> : <Board />;
}

function Board() {
  const { t } = useTranslation();
  const board = useRepatriationBoard();
  const canWrite = useCan("fugitives:write");
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t("repatriation.title")}</Title>
        <Group gap="sm">
          <Link to="/repatriation/figures" data-testid="figures-link">
            {t("repatriation.figuresLink")}
          </Link>
          {canWrite && (
            <Link to="/repatriation/new" data-testid="new-case-link">
              {t("repatriation.newCase")}
            </Link>
          )}
        </Group>
      </Group>
      <Text size="sm" c="dimmed">
        {t("repatriation.intro")}
      </Text>
      <ApiErrorAlert error={board.error} />
      {board.isLoading ? (
        <Loader />
      ) : (
        <>
          <BoardTable
            title={t("repatriation.verifications")}
            items={board.data?.verifications ?? []}
            testId="board-verifications"
          />
          <BoardTable
            title={t("repatriation.documents")}
            items={board.data?.documents ?? []}
            testId="board-documents"
          />
        </>
      )}
    </Stack>
  );
}

function BoardTable({
  title,
  items,
  testId,
}: {
  title: string;
  items: RepatriationBoardItem[];
  testId: string;
}) {
  const { t } = useTranslation();
  return (
    <Card withBorder p={0} style={{ overflowX: "auto" }} tabIndex={0} data-testid={testId}>
      <Title order={3} size="h4" p="sm">
        {title}
      </Title>
      {items.length === 0 ? (
        <Text c="dimmed" p="sm">
          {t("repatriation.nonePending")}
        </Text>
      ) : (
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("repatriation.reference")}</Table.Th>
              <Table.Th>{t("repatriation.person")}</Table.Th>
              <Table.Th>{t("repatriation.otherSide")}</Table.Th>
              <Table.Th>{t("repatriation.due")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((i) => (
              <Table.Tr key={i.id} data-testid="board-row" data-state={i.deadlineState}>
                <Table.Td>
                  <Link to={`/repatriation/${i.id}`} data-testid="case-link">
                    {i.reference}
                  </Link>
                </Table.Td>
                <Table.Td>{nameText(i.name)}</Table.Td>
                <Table.Td>{i.peer ?? "—"}</Table.Td>
                <Table.Td>
                  <Group gap="xs" wrap="nowrap">
                    <Countdown at={i.dueAt} testId="board-countdown" />
                    {i.deadlineState === "overdue" && (
                      <Badge color="red" data-testid="overdue-flag">
                        {t("repatriation.overdue")}
                      </Badge>
                    )}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}

/** The route of the step a case waits for, if its owner may record one here. */
const NEXT: Partial<Record<RepatriationStatus, StepRoute>> = {
  awaiting_verification: "verification",
  awaiting_document: "document",
  awaiting_transfer: "transfer",
  in_transfer: "arrival",
};
/** What the side asked to verify records on its copy (proposed to the owner). */
const NEXT_RECEIVED: Partial<Record<RepatriationStatus, StepRoute>> = {
  awaiting_verification: "verification",
  awaiting_document: "document",
};

function CasePage({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const c = useRepatriationCase(id);
  const canWrite = useCan("fugitives:write");
  if (c.isLoading) return <Loader />;
  if (!c.data) return <ApiErrorAlert error={c.error} />;
  const r = c.data;
  const next = canWrite ? (r.direction === "own" ? NEXT : NEXT_RECEIVED)[r.status] : undefined;
  return (
    <Stack data-testid="repatriation-case">
      <Link to="/repatriation">{t("repatriation.back")}</Link>
      <Title order={2}>
        {r.reference} · {nameText(r.person.names[0] ?? { original: "" })}
      </Title>
      <Group>
        <Badge data-testid="case-status">{t(`repatriation.status.${r.status}`)}</Badge>
        {r.direction === "received" && (
          <Badge variant="light">{t("repatriation.received", { node: r.ownerNode })}</Badge>
        )}
        {r.dueAt && <Countdown at={r.dueAt} testId="case-countdown" />}
      </Group>
      <Card withBorder data-testid="case-steps">
        <Title order={3} size="h4">
          {t("repatriation.steps")}
        </Title>
        <Stack gap="xs" component="ol" m={0} pl="md">
          {r.steps.map((s) => (
            <li key={`${s.kind}-${s.at}`} data-testid="case-step">
              <Text size="sm">
                <strong>{t(`repatriation.step.${s.kind}`)}</strong> ·{" "}
                {formatDateTime(s.at, user.timeZone, i18n.language)} · {s.by}
                {s.node ? ` (${s.node})` : ""}
                {s.outcome ? ` · ${t(`repatriation.outcome.${s.outcome}`)}` : ""}
                {s.grounds ? ` · ${s.grounds.text}` : ""}
                {s.document
                  ? ` · ${t(`repatriation.documentKind.${s.document.kind}`)} ${s.document.number} (${t("repatriation.validUntil")} ${s.document.validUntil})`
                  : ""}
                {s.document?.file && (
                  <>
                    {" · "}
                    <Anchor
                      href={`/api/v1/repatriation/cases/${encodeURIComponent(r.id)}/document/file`}
                      data-testid="document-file"
                    >
                      {s.document.file.name}
                    </Anchor>
                  </>
                )}
                {s.from ? ` · ${s.from} → ${s.to}` : ""}
                {s.place ? ` · ${s.place}` : ""}
              </Text>
            </li>
          ))}
        </Stack>
      </Card>
      {next && <StepForm key={`${r.id}-${r.version}`} c={r} route={next} />}
    </Stack>
  );
}

/** The form of the step the case waits for; the instant is typed on the officer's clock (their profile's zone). */
function StepForm({ c, route }: { c: RepatriationCaseView; route: StepRoute }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const record = useRecordStep(c.id);
  const [f, setF] = useState<Record<string, string>>(() => ({
    outcome: "verified",
    kind: "travel_permit",
    at: isoToLocal(new Date(), user.timeZone),
  }));
  const [file, setFile] = useState<File | null>(null);
  const received = c.direction === "received";
  if (record.data?.proposalId)
    return (
      <Alert color="blue" data-testid="step-proposed">
        {t("repatriation.proposed", { node: c.ownerNode })}
      </Alert>
    );
  const set = (k: string) => (e: { currentTarget: { value: string } }) =>
    setF({ ...f, [k]: e.currentTarget.value });
  const input = (k: string, label: string, type = "text") => (
    <TextInput
      key={k}
      label={label}
      type={type}
      value={f[k] ?? ""}
      onChange={set(k)}
      data-testid={`step-${k}`}
      required={k !== "grounds"}
    />
  );
  const fields: Record<StepRoute, React.ReactNode> = {
    verification: (
      <>
        <Select
          label={t("repatriation.outcomeLabel")}
          data={(["verified", "not_national", "cannot_verify"] as const).map((v) => ({
            value: v,
            label: t(`repatriation.outcome.${v}`),
          }))}
          value={f.outcome ?? "verified"}
          onChange={(v) => setF({ ...f, outcome: v ?? "verified" })}
          data-testid="step-outcome"
          allowDeselect={false}
        />
        {input("grounds", t("repatriation.grounds"))}
      </>
    ),
    document: (
      <>
        <Select
          label={t("repatriation.documentKindLabel")}
          data={(["passport", "travel_permit", "return_certificate", "other"] as const).map((v) => ({
            value: v,
            label: t(`repatriation.documentKind.${v}`),
          }))}
          value={f.kind ?? "travel_permit"}
          onChange={(v) => setF({ ...f, kind: v ?? "travel_permit" })}
          data-testid="step-kind"
          allowDeselect={false}
        />
        {input("number", t("repatriation.number"))}
        <DateTimeField
          kind="date"
          label={t("repatriation.validUntil")}
          value={f.validUntil ?? ""}
          onChange={(v) => setF({ ...f, validUntil: v })}
          required
          data-testid="step-validUntil"
        />
        <FileInput
          label={t("repatriation.file")}
          value={file}
          onChange={setFile}
          clearable
          data-testid="step-file"
        />
      </>
    ),
    transfer: (
      <>
        {input("from", t("repatriation.from"))}
        {input("to", t("repatriation.to"))}
      </>
    ),
    arrival: input("place", t("repatriation.place")),
  };
  async function body(): Promise<Record<string, unknown>> {
    // An instant that is not one is left for the server to refuse with its field.
    const at = f.at ? localToIso(f.at, user.timeZone) : new Date().toISOString();
    const base = { version: c.version, at };
    if (route === "verification")
      return {
        ...base,
        outcome: f.outcome,
        ...(f.grounds ? { grounds: { lang: "en", text: f.grounds } } : {}),
      };
    if (route === "document")
      return {
        ...base,
        kind: f.kind,
        number: f.number,
        validUntil: f.validUntil,
        ...(file ? { file: { name: file.name, contentBase64: await fileBase64(file) } } : {}),
      };
    if (route === "transfer") return { ...base, from: f.from, to: f.to };
    return { ...base, place: f.place };
  }
  return (
    <Card withBorder>
      <form
        data-testid="step-form"
        onSubmit={(e) => {
          e.preventDefault();
          void body().then((b) => record.mutate({ route, body: b }));
        }}
      >
        <Stack>
          <Title order={3} size="h4">
            {t(`repatriation.record.${route}`)}
          </Title>
          {received && (
            <Text size="sm" c="dimmed">
              {t("repatriation.proposeHint", { node: c.ownerNode })}
            </Text>
          )}
          <DateTimeField
            label={t("repatriation.at")}
            description={t("time.onYourClock", { zone: user.timeZone })}
            value={f.at ?? ""}
            onChange={(v) => setF({ ...f, at: v })}
            required
            data-testid="step-at"
          />
          {fields[route]}
          <ApiErrorAlert error={record.error} />
          <Group>
            <Button type="submit" loading={record.isPending} data-testid="step-submit">
              {t("repatriation.save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
