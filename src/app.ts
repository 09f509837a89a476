import { analyticsRouter } from "./analytics";
import { authRouter } from "./auth";
import { categoriesRouter } from "./categories";
import { devRouter } from "./dev/dev.routes";
import { docsRouter, OPENAPI_INFO } from "./docs/docs.routes";
import { withMediaTypeExamples } from "./docs/examples";
import { readBody } from "./lib/body";
import { requireSafeConfiguration } from "./lib/config-check";
import { createApp } from "./lib/create-app";
import { requestContext } from "./lib/middleware";
import { corsFromEnv, defaultCsp, securityHeaders } from "./lib/security";
import { recurringRouter } from "./recurring";
import { rulesRouter } from "./rules";
import { transactionsRouter } from "./transactions";
import { usersRouter } from "./users";

const app = createApp();

app.use("*", requestContext, securityHeaders, defaultCsp, corsFromEnv);
app.use("/api/*", requireSafeConfiguration);
app.use(
  "/api/*",
  readBody({
    limits: { "/api/v1/transaction/bulk": 2 * 1024 * 1024, "/api/v1/transaction/import": 10 * 1024 * 1024 },
    raw: new Set(["/api/v1/transaction/import"]),
  }),
);

app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
  type: "http",
  scheme: "bearer",
  bearerFormat: "JWT",
  description: "Access token from POST /api/v1/user/login",
});
app.openAPIRegistry.registerComponent("securitySchemes", "oauth2Password", {
  type: "oauth2",
  description: "Swagger UI's Authorize: username and password are exchanged for a token at the login route",
  flows: { password: { tokenUrl: "/api/v1/user/login", scopes: {} } },
});

// Chained so the RPC type keeps every route.
const routes = app
  .route("/", authRouter)
  .route("/", usersRouter)
  .route("/", recurringRouter)
  .route("/", transactionsRouter)
  .route("/", analyticsRouter)
  .route("/", categoriesRouter)
  .route("/", rulesRouter)
  .route("/", docsRouter);

// Local-only benchmark helpers (404 in production), outside the typed API.
app.route("/", devRouter);

/** The OpenAPI 3.1 document, with a concrete example on every request and response body. */
export function openApiDocument() {
  return withMediaTypeExamples(app.getOpenAPI31Document(OPENAPI_INFO));
}

for (const path of ["/openapi.json", "/api/v1/openapi.json"]) app.get(path, (c) => c.json(openApiDocument()));

/** The app's type, for `hc<AppType>` from hono/client. */
export type AppType = typeof routes;
export default routes;
