import type { ConsoleModule } from "../types";
import { AuditPage } from "./AuditPage";

export const auditModule: ConsoleModule = {
  id: "audit",
  path: "/audit",
  group: "administration",
  permissions: ["audit:read"],
  label: (t) => t("nav.audit"),
  Page: AuditPage,
};
