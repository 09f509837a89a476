// Runs in Node before the workerd tests: a real HTTP webhook receiver on 127.0.0.1 (random port), so
// deliveries go over the network exactly as in production. Each path is its own endpoint: "/<name>".
// POST /__control/<name> {fail: n, status} makes that endpoint answer `status` to its next n deliveries.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";

interface Received {
  headers: Record<string, string>;
  body: string;
}

const received = new Map<string, Received[]>();
const failures = new Map<string, { left: number; status: number }>();

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export default async function setup(project: TestProject) {
  const server = createServer(async (req, res) => {
    const body = await read(req);
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path.startsWith("/__control/")) {
      const { fail, status } = JSON.parse(body) as { fail: number; status: number };
      failures.set(path.slice("/__control/".length), { left: fail, status });
      return res.writeHead(204).end();
    }
    if (path.startsWith("/__received/")) {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify(received.get(path.slice("/__received/".length)) ?? []));
    }
    const name = path.slice(1);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    received.set(name, [...(received.get(name) ?? []), { headers, body }]);
    const failure = failures.get(name);
    if (failure && failure.left > 0) {
      failure.left -= 1;
      return res.writeHead(failure.status).end("failing on purpose");
    }
    res.writeHead(200).end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  project.provide("receiverUrl", `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

declare module "vitest" {
  export interface ProvidedContext {
    receiverUrl: string;
  }
}
