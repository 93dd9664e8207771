import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";

export interface Route {
  method: string;
  url: string;
}

/**
 * Every route of a built app, read from Fastify's own route tree (`printRoutes`): nothing registered escapes,
 * whichever module added it. HEAD routes Fastify adds beside each GET are left out.
 */
export function routeTable(app: FastifyInstance): Route[] {
  const out: Route[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split("\n")) {
    // Each level of the tree is indented by 4 characters ("│   " or "    "), then "├── " or "└── ".
    const m = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    stack.length = depth;
    stack.push(m[2]);
    const url = stack.join("");
    for (const method of (m[3] ?? "").split(", ").filter(Boolean)) {
      if (method !== "HEAD" || !out.some((r) => r.url === url && r.method === "GET"))
        out.push({ method, url });
    }
  }
  // A HEAD listed before its GET (wildcards print "HEAD, GET") is dropped here too.
  return out.filter((r) => r.method !== "HEAD" || !out.some((o) => o.url === r.url && o.method === "GET"));
}

/**
 * The rows of the authorization matrices: every `endpoint("METHOD", "/url"` and `onRecord("METHOD", "/url"`
 * call in the integration suites, and every case named `"METHOD /path"` (a path below /api/v1) for cases whose
 * URL carries several ids. Read from the source because each suite builds its cases inside its own fixtures.
 */
export function matrixRows(dir: string): (Route & { file: string })[] {
  const rows: (Route & { file: string })[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".test.ts"))) {
    const src = readFileSync(path.join(dir, file), "utf8");
    for (const m of src.matchAll(/\b(?:endpoint|onRecord)\(\s*"([A-Z]+)",\s*"([^"]+)"/g))
      rows.push({ method: m[1], url: m[2].replace(/\?.*$/, ""), file });
    for (const m of src.matchAll(/\bname:\s*"([A-Z]+) (\/[^"]+)"/g))
      rows.push({ method: m[1], url: `/api/v1${m[2]}`, file });
  }
  return rows;
}

/** The route a concrete URL (or a URL with `:id` placeholders) reaches: static segments win, as in Fastify. */
export function routeOf(routes: Route[], method: string, url: string): Route | undefined {
  const segs = url.split("/");
  let best: { route: Route; literal: number } | undefined;
  for (const r of routes) {
    if (r.method !== method) continue;
    const rs = r.url.split("/");
    if (rs.length !== segs.length) continue;
    let literal = 0;
    const ok = rs.every((s, i) => {
      if (s.startsWith(":")) return true;
      literal++;
      return s === segs[i];
    });
    if (ok && (!best || literal > best.literal)) best = { route: r, literal };
  }
  if (best || !url.includes(":")) return best?.route;
  // A row may put several segments in one placeholder (`/requests/:id/decision` with `:id` = `<id>/…/<id>`).
  const loose = new RegExp(`^${url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:\w+/g, ".+")}$`);
  return routes.find((r) => r.method === method && loose.test(r.url));
}
