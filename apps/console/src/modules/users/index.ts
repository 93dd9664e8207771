import type { ConsoleModule } from "../types";
import { UsersPage } from "./UsersPage";

export const usersModule: ConsoleModule = {
  id: "users",
  path: "/users",
  group: "administration",
  permissions: ["users:manage", "users:read_unit"],
  label: (t) => t("nav.users"),
  Page: UsersPage,
};
