import { createRoute } from "@hono/zod-openapi";
import { UserProfileSchema } from "../auth/auth.schemas";
import { requireAuth } from "../auth/require-auth";
import { idempotent } from "../http/idempotency";
import { bearerSecurity, jsonContent, problemResponses } from "../http/openapi";
import { UpdateProfileSchema } from "./profile.schemas";

export const updateProfile = createRoute({
  method: "patch",
  path: "/api/v1/user/me",
  operationId: "updateMe",
  summary: "Change the caller's name, email, time zone or week start",
  description:
    "`time_zone` is an IANA name (an unknown one is a 422 naming the field). Changing it recomputes the analytics snapshot " +
    "and recurring streams through the queue; analytics answer in the new zone straight away.",
  tags: ["Auth"],
  security: bearerSecurity,
  middleware: [requireAuth, idempotent],
  request: { body: { required: true, content: { "application/json": { schema: UpdateProfileSchema } } } },
  responses: {
    200: jsonContent(UserProfileSchema, "The updated profile"),
    ...problemResponses("bad_request", "unauthorized", "payload_too_large", "unsupported_media_type", "validation_failed"),
  },
});
