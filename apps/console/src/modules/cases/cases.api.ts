import type { CaseDetail, CaseSummaryRow, PriorityItem, SharedObjectView } from "@crossline/schemas";
import { api, withQuery } from "../../api/client";

export type CaseFilters = { status?: string; category?: string; priority?: string; q?: string };

export const casesApi = {
  list: (f: CaseFilters) =>
    api<{ items: CaseSummaryRow[]; nextCursor: string | null }>(
      "GET",
      withQuery("/cases", { ...f, limit: 100 }),
    ),
  get: (id: string) => api<{ case: CaseDetail }>("GET", `/cases/${id}`).then((r) => r.case),
  create: (body: unknown) => api<{ case: CaseDetail }>("POST", "/cases", body).then((r) => r.case),
  /** A change to a case's file (`/cases/:id/<what>`): the server answers with the whole case. */
  post: (id: string, what: string, body: unknown) =>
    api<{ case: CaseDetail }>("POST", `/cases/${id}/${what}`, body).then((r) => r.case),
  patch: (id: string, body: unknown) =>
    api<{ case: CaseDetail }>("PATCH", `/cases/${id}`, body).then((r) => r.case),
  patchTask: (id: string, taskId: string, body: unknown) =>
    api<{ case: CaseDetail }>("PATCH", `/cases/${id}/tasks/${taskId}`, body).then((r) => r.case),
  priority: (peer?: string) =>
    api<{ items: PriorityItem[] }>("GET", withQuery("/cases/priority", { peer })).then((r) => r.items),
  /** The shared object carrying a case's summary: where each peer stands with it. */
  summaryObject: (id: string) =>
    api<{ object: SharedObjectView }>("GET", `/shared-objects/${id}`).then((r) => r.object),
  peers: () =>
    api<{ items: { id: string; name: string }[] }>("GET", "/requests/recipients").then((r) => r.items),
};
