import { swaggerUI } from "@hono/swagger-ui";
import type { AppEnv } from "../http/context";
import { createRouter } from "../http/create-app";
import { DOCS_CSP } from "../http/security";

export const OPENAPI_INFO = {
  openapi: "3.1.0",
  info: {
    title: "FinAnalyze API",
    version: "1.0.0",
    license: { name: "Proprietary", identifier: "LicenseRef-FinAnalyze" },
    description:
      "Record credit and debit transactions and read analytics over them. Money is exact: amounts are decimal strings in the " +
      "currency's minor-unit digits. Errors are RFC 9457 problem+json.",
  },
  servers: [{ url: "/", description: "This server" }],
};

const VENDOR = "/static/vendor";

// The init script is a static file (not inline) so the page runs under a CSP without 'unsafe-inline' scripts.
const swaggerPage = swaggerUI<AppEnv>({
  url: "/api/v1/openapi.json",
  title: "FinAnalyze API - Swagger UI",
  manuallySwaggerUIHtml: () => `
    <div id="swagger-ui"></div>
    <link rel="stylesheet" href="${VENDOR}/swagger-ui/swagger-ui.css" />
    <script src="${VENDOR}/swagger-ui/swagger-ui-bundle.js"></script>
    <script src="/static/swagger-init.js"></script>`,
});

const redocPage = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>FinAnalyze API reference</title>
  </head>
  <body>
    <redoc spec-url="/openapi.json"></redoc>
    <script src="${VENDOR}/redoc/redoc.standalone.js"></script>
  </body>
</html>`;

const indexPage = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>FinAnalyze API</title></head>
  <body>
    <h1>FinAnalyze API</h1>
    <ul>
      <li><a href="/api/v1/docs">Swagger UI</a> (try requests)</li>
      <li><a href="/external-api/v1/docs">API reference</a> (ReDoc)</li>
      <li><a href="/openapi.json">OpenAPI 3.1 document</a></li>
      <li><a href="/health">Health</a></li>
    </ul>
  </body>
</html>`;

export const docsRouter = createRouter()
  .get("/api/v1/docs", async (c, next) => {
    c.header("content-security-policy", DOCS_CSP);
    return swaggerPage(c, next);
  })
  .get("/external-api/v1/docs", (c) => {
    c.header("content-security-policy", DOCS_CSP);
    return c.html(redocPage);
  })
  .get("/", (c) => {
    c.header("content-security-policy", DOCS_CSP);
    return c.html(indexPage);
  })
  .get("/health", (c) => c.json({ status: "ok" }));
