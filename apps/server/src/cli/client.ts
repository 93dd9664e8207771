import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import type { ErrorBody } from "@crossline/schemas";
import type { Config } from "../config.js";
import { detailsText } from "../lib/errors.js";
import { controlTokenPath, readLock } from "../runtime/lock.js";
import type { NodeRuntime } from "../runtime/node-runtime.js";

import { CliError, EXIT } from "./exit.js";

/**
 * How a CLI command reaches its node: through the HTTP API of the running node
 * (PGlite allows one process per data directory), or through an in-process app
 * when no server holds the database. Both speak the same API with the node's
 * local control token, so every command has one code path.
 */
export interface NodeClient {
  mode: "remote" | "local";
  runtime?: NodeRuntime;
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
  /**
   * Sends a raw body (a file, streamed) with the caller's own credentials (an API token): for commands that
   * act as an officer of a unit rather than as the node's operator (`crossline indicators import`).
   */
  upload<T>(path: string, body: Readable, headers: Record<string, string>): Promise<T>;
  close(): Promise<void>;
}

function fail(status: number, body: unknown): never {
  const e = (body as ErrorBody)?.error;
  const detail = e?.details ? detailsText(e.details) : "";
  const msg = e ? `${e.code}: ${e.message}${detail ? ` (${detail})` : ""}` : `HTTP ${status}`;
  throw new CliError(
    msg,
    status === 404 || status === 409 ? EXIT.STATE : status < 500 ? EXIT.USAGE : EXIT.FAILED,
  );
}

export async function connect(config: Config): Promise<NodeClient> {
  const holder = config.databaseUrl ? null : readLock(config.dataDir);
  if (holder) {
    if (!holder.url)
      throw new CliError(`The node (pid ${holder.pid}) is starting; try again in a moment.`, EXIT.STATE);
    let token: string;
    try {
      token = readFileSync(controlTokenPath(config.dataDir), "utf8").trim();
    } catch {
      throw new CliError(
        `The node (pid ${holder.pid}) holds the database but its control token is unreadable; stop it or use the API.`,
        EXIT.STATE,
      );
    }
    const base = holder.url.replace("0.0.0.0", "127.0.0.1");
    return {
      mode: "remote",
      async call<T>(method: string, path: string, body?: unknown): Promise<T> {
        const res = await fetch(base + path, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body !== undefined ? { "content-type": "application/json" } : {}),
          },
          body: body !== undefined ? JSON.stringify(body) : undefined,
        });
        const text = await res.text();
        const parsed = text ? JSON.parse(text) : null;
        if (!res.ok) fail(res.status, parsed);
        return parsed as T;
      },
      async upload<T>(path: string, body: Readable, headers: Record<string, string>): Promise<T> {
        const res = await fetch(base + path, {
          method: "POST",
          headers,
          body: Readable.toWeb(body) as ReadableStream,
          duplex: "half",
        } as RequestInit);
        const text = await res.text();
        const parsed = text ? JSON.parse(text) : null;
        if (!res.ok) fail(res.status, parsed);
        return parsed as T;
      },
      close: async () => undefined,
    };
  }
  // The node's code is loaded only here: a command that talks to a running node needs none of it.
  const { openNode } = await import("../runtime/node-runtime.js");
  const runtime = await openNode(config);
  return {
    mode: "local",
    runtime,
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await runtime.app.inject({
        method: method as "GET",
        url: path,
        headers: { authorization: `Bearer ${runtime.controlToken}` },
        ...(body !== undefined ? { payload: body as object } : {}),
      });
      const parsed = res.body ? JSON.parse(res.body) : null;
      if (res.statusCode >= 400) fail(res.statusCode, parsed);
      return parsed as T;
    },
    async upload<T>(path: string, body: Readable, headers: Record<string, string>): Promise<T> {
      const res = await runtime.app.inject({ method: "POST", url: path, headers, payload: body });
      const parsed = res.body ? JSON.parse(res.body) : null;
      if (res.statusCode >= 400) fail(res.statusCode, parsed);
      return parsed as T;
    },
    close: () => runtime.close(),
  };
}
