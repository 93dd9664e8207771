import { Button, Group, Stack, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { useCan } from "../../auth/session";
import { Link, usePath } from "../../router/router";
import { RequestBoard } from "../hotline/HotlinePage";
import { NewRequestPage } from "./NewRequestPage";
import { RequestDetailPage } from "./RequestDetailPage";

export function RequestsPage() {
  const { t } = useTranslation();
  const path = usePath();
  const canDraft = useCan("requests:draft");
  const rest = path.replace(/^\/requests\/?/, "");
  if (rest === "new") return <NewRequestPage />;
  if (rest) return <RequestDetailPage id={decodeURIComponent(rest)} />;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t("nav.requests")}</Title>
        {canDraft && (
          <Link to="/requests/new">
            <Button component="span" data-testid="new-request">
              {t("requests.new")}
            </Button>
          </Link>
        )}
      </Group>
      <RequestBoard />
    </Stack>
  );
}
