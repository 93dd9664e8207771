import type { HitView, ImportReport, IndicatorView } from "@crossline/schemas";
import { api, withQuery } from "../../api/client";

export type IndicatorFilters = { q?: string; kind?: string; origin?: string };

export const indicatorsApi = {
  list: (f: IndicatorFilters) =>
    api<{ items: IndicatorView[]; nextCursor: string | null }>(
      "GET",
      withQuery("/indicators", { ...f, state: "active", limit: 200 }),
    ),
  /** The file is sent as it is: a CSV file or a STIX 2.1 bundle, told apart by its name. */
  importFile: (file: File, tlp: string) => {
    const stix = /\.json$/i.test(file.name);
    return api<{ import: ImportReport }>(
      "POST",
      withQuery("/indicators/imports", { tlp, fileName: file.name }),
      undefined,
      { body: file, contentType: stix ? "application/stix+json" : "text/csv" },
    ).then((r) => r.import);
  },
  share: (body: { name: string; importId?: string; recipients: string[]; marking: { tlp: string } }) =>
    api<{ batches: string[]; indicators: number }>("POST", "/indicators/share", {
      ...body,
      marking: { ...body.marking, handling: [] },
    }),
  withdraw: (id: string) => api<{ indicator: IndicatorView }>("POST", `/indicators/${id}/withdraw`, {}),
  hits: () => api<{ items: HitView[]; nextCursor: number | null }>("GET", "/correlation/hits?limit=100"),
  peers: () =>
    api<{ items: { id: string; name: string }[] }>("GET", "/requests/recipients").then((r) => r.items),
};
