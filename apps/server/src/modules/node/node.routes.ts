import { NodeSummary } from "@crossline/schemas";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { errorResponses, zodApp } from "../../http/route-kit.js";
import type { Services } from "../../services.js";

const PublicKey = z.object({
  kty: z.string(),
  crv: z.string(),
  x: z.string(),
  kid: z.string(),
  use: z.string(),
  alg: z.string().optional(),
  status: z.string(),
});

export const NodeInfo = NodeSummary.extend({ publicKeys: z.array(PublicKey), fingerprint: z.string() });

export function nodeRoutes(fastify: FastifyInstance, s: Services) {
  const app = zodApp(fastify);
  app.get(
    "/api/v1/node",
    {
      config: { auth: "public" },
      schema: {
        tags: ["node"],
        summary: "This node's identity and public keys",
        response: { 200: z.object({ node: NodeInfo }), ...errorResponses },
      },
    },
    async () => ({ node: await s.node.publicInfo() }),
  );
}
