import { useTranslation } from "react-i18next";
import { ComingSoon } from "../../components/ComingSoon";

/** Placeholder until the module is built. */
export function PeersPage() {
  const { t } = useTranslation();
  return <ComingSoon title={t("nav.peers")} />;
}
