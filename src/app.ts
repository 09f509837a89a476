import { analyticsRouter } from "./analytics";
import { auditRouter } from "./audit";
import { authRouter } from "./auth";
import { categoriesRouter } from "./categories";
import { dashboardRouter } from "./dashboard/dashboard.routes";
import { devRouter } from "./dev/dev.routes";
import { docsRouter, OPENAPI_INFO } from "./docs/docs.routes";
import { withMediaTypeExamples } from "./docs/examples";
import { eventsRouter } from "./events";
import { syncRouter } from "./feed";
import { requireSafeConfiguration } from "./http/config-check";
import { createApp } from "./http/create-app";
import { requestDatabase } from "./http/database";
import { requestContext } from "./http/request-context";
import { corsFromEnv, securityHeaders } from "./http/security";
import { recurringRouter } from "./recurring";
import { rulesRouter } from "./rules";
import { transactionsRouter } from "./transactions";
import { usersRouter } from "./users";
import { webhooksRouter } from "./webhooks";

const app = createApp();

app.use("*", requestContext, securityHeaders, corsFromEnv);
app.use("/api/*", requireSafeConfiguration, requestDatabase);

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
  .route("/", auditRouter)
  .route("/", syncRouter)
  .route("/", usersRouter)
  .route("/", recurringRouter)
  .route("/", transactionsRouter)
  .route("/", analyticsRouter)
  .route("/", categoriesRouter)
  .route("/", rulesRouter)
  .route("/", eventsRouter)
  .route("/", webhooksRouter)
  .route("/", docsRouter);

// The dashboard page (a client of the API above, not part of it).
app.route("/", dashboardRouter);

// Local-only benchmark helpers (404 unless isLocal), outside the typed API.
app.route("/", devRouter);

/** The OpenAPI 3.1 document, with a concrete example on every request and response body. */
export function openApiDocument() {
  return withMediaTypeExamples(app.getOpenAPI31Document(OPENAPI_INFO));
}

for (const path of ["/openapi.json", "/api/v1/openapi.json"]) app.get(path, (c) => c.json(openApiDocument()));

/** The app's type, for `hc<AppType>` from hono/client. */
export type AppType = typeof routes;
export default routes;
