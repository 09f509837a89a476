import { createRoute } from "@hono/zod-openapi";
import { idempotent } from "../http/idempotency";
import { bearerSecurity, jsonContent, problemResponse, problemResponses } from "../http/openapi";
import {
  ChangePasswordSchema,
  LoginFormSchema,
  LoginJsonSchema,
  LoginResponseSchema,
  MessageSchema,
  SignUpSchema,
  UserProfileSchema,
} from "./auth.schemas";
import { requireAuth } from "./require-auth";

const tags = ["Auth"];

export const signUp = createRoute({
  method: "post",
  path: "/api/v1/user/sign_up",
  operationId: "signUp",
  summary: "Create a user account",
  description: "Accepts `Idempotency-Key`: a retried sign-up with the same key and body replays the first answer.",
  tags,
  security: [],
  middleware: idempotent,
  request: { body: { required: true, content: { "application/json": { schema: SignUpSchema } } } },
  responses: {
    201: jsonContent(UserProfileSchema, "The new user"),
    ...problemResponses(
      "bad_request",
      "conflict",
      "payload_too_large",
      "unsupported_media_type",
      "validation_failed",
      "service_unavailable",
    ),
  },
});

export const login = createRoute({
  method: "post",
  path: "/api/v1/user/login",
  operationId: "login",
  summary: "Exchange username and password for a bearer token",
  description: "Accepts JSON or an OAuth2 password form (`application/x-www-form-urlencoded`), so Swagger UI's Authorize works.",
  tags,
  security: [],
  request: {
    body: {
      content: {
        "application/json": { schema: LoginJsonSchema },
        "application/x-www-form-urlencoded": { schema: LoginFormSchema },
      },
    },
  },
  responses: {
    200: jsonContent(LoginResponseSchema, "An access token"),
    ...problemResponses(
      "bad_request",
      "payload_too_large",
      "unsupported_media_type",
      "validation_failed",
      "too_many_requests",
      "service_unavailable",
    ),
    401: problemResponse("unauthorized", "Incorrect username or password"),
  },
});

export const me = createRoute({
  method: "get",
  path: "/api/v1/user/me",
  operationId: "getMe",
  summary: "The caller's profile",
  tags,
  security: bearerSecurity,
  middleware: requireAuth,
  responses: {
    200: jsonContent(UserProfileSchema, "The caller"),
    ...problemResponses("unauthorized"),
  },
});

export const logout = createRoute({
  method: "post",
  path: "/api/v1/user/logout",
  operationId: "logout",
  summary: "Revoke every token issued to the caller so far",
  description: "Ignores `Idempotency-Key`: the token it is sent with is revoked, so a retry is a 401 and revokes nothing more.",
  tags,
  security: bearerSecurity,
  middleware: requireAuth,
  responses: {
    200: jsonContent(MessageSchema, "Logged out everywhere"),
    ...problemResponses("unauthorized"),
  },
});

export const changePassword = createRoute({
  method: "post",
  path: "/api/v1/user/change_password",
  operationId: "changePassword",
  summary: "Change the caller's password (revokes existing tokens)",
  tags,
  security: bearerSecurity,
  middleware: [requireAuth, idempotent],
  request: { body: { required: true, content: { "application/json": { schema: ChangePasswordSchema } } } },
  responses: {
    200: jsonContent(MessageSchema, "Password changed; log in again"),
    ...problemResponses("bad_request", "unauthorized", "forbidden", "payload_too_large", "unsupported_media_type", "validation_failed"),
  },
});
