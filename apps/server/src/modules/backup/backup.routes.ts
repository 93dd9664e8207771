import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { errorResponses, zodApp } from "../../http/route-kit.js";
import type { Services } from "../../services.js";

export const BackupPassphrase = z.string().min(12, { message: "at least 12 characters" }).max(1024);

/** The backup of a running node: on PGlite only the serving process may read its database. */
export function backupRoutes(fastify: FastifyInstance, s: Services) {
  const app = zodApp(fastify);
  app.post(
    "/api/v1/node/backups",
    {
      schema: {
        tags: ["node"],
        summary:
          "Write an encrypted backup archive of the whole node into its data directory (backups/); the CLI's `crossline backup` moves it where asked",
        body: z.strictObject({ passphrase: BackupPassphrase }),
        response: {
          201: z.object({
            file: z.string(),
            sha256: z.string(),
            bytes: z.number(),
            manifest: z.record(z.string(), z.unknown()),
          }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => reply.code(201).send(await s.backups.create(req.ctx, req.body.passphrase)),
  );
}
