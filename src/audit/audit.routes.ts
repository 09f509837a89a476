import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../auth/require-auth";
import { bearerSecurity, jsonContent, problemResponses } from "../http/openapi";
import { AuditPageSchema, AuditQuerySchema } from "./audit.schemas";

const tags = ["Auth"];

export const listAudit = createRoute({
  method: "get",
  path: "/api/v1/user/audit",
  operationId: "listAudit",
  summary: "The caller's audit log, newest first",
  description:
    "Sign-ups, logins (successful and failed), logouts, password changes and every transaction write, with before/after amounts.",
  tags,
  security: bearerSecurity,
  middleware: requireAuth,
  request: { query: AuditQuerySchema },
  responses: {
    200: jsonContent(AuditPageSchema, "A page of audit entries"),
    ...problemResponses("unauthorized", "validation_failed"),
  },
});
