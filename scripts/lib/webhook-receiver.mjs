// A webhook receiver on 127.0.0.1 for the stress run: answers 500 to a random share of deliveries, verifies
// every signature with the documented scheme (examples/verify-webhook-signature.ts), and records each event
// it accepted once per FinAnalyze-Event-Id (deliveries are at least once).
import { Buffer } from "node:buffer";
import { createServer } from "node:http";
import { verifyWebhookSignature } from "../../examples/verify-webhook-signature.ts";

/**
 * @param {{ failRate: number, secretOf: (path: string) => string | undefined }} options
 *   secretOf: the endpoint secret for a request path (one path per webhook).
 */
export async function startWebhookReceiver({ failRate, secretOf }) {
  const stats = { deliveries: 0, failedOnPurpose: 0, badSignatures: 0, duplicates: 0 };
  /** event id -> { path, type, user_id } of the first accepted delivery */
  const received = new Map();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", async () => {
      stats.deliveries += 1;
      const rawBody = Buffer.concat(chunks);
      const secret = secretOf(req.url ?? "");
      const header = req.headers["finanalyze-signature"];
      const ok =
        secret !== undefined && (await verifyWebhookSignature({ header: Array.isArray(header) ? header[0] : header, rawBody, secret }));
      if (!ok) {
        stats.badSignatures += 1;
        res.writeHead(400).end("bad signature");
        return;
      }
      if (Math.random() < failRate) {
        stats.failedOnPurpose += 1;
        res.writeHead(500).end("injected failure");
        return;
      }
      const event = JSON.parse(rawBody.toString("utf8"));
      const id = req.headers["finanalyze-event-id"];
      if (id !== event.id) stats.badSignatures += 1; // the header must name the signed event
      if (received.has(id)) stats.duplicates += 1;
      else received.set(id, { path: req.url, type: event.type, user_id: event.user_id });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    base: `http://127.0.0.1:${port}`,
    received,
    stats,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve(undefined));
        server.closeAllConnections();
      }),
  };
}
