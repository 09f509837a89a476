import { z } from "@hono/zod-openapi";

/** Every error the API can answer with, and the HTTP status it maps to. */
export const ERROR_CODES = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  too_many_requests: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

const TITLES: Record<ErrorCode, string> = {
  bad_request: "Bad Request",
  unauthorized: "Unauthorized",
  forbidden: "Forbidden",
  not_found: "Not Found",
  method_not_allowed: "Method Not Allowed",
  conflict: "Conflict",
  gone: "Gone",
  precondition_failed: "Precondition Failed",
  payload_too_large: "Payload Too Large",
  unsupported_media_type: "Unsupported Media Type",
  validation_failed: "Validation Failed",
  too_many_requests: "Too Many Requests",
  internal_error: "Internal Server Error",
  service_unavailable: "Service Unavailable",
};

export interface FieldError {
  path: string;
  message: string;
}

/** The one error type thrown anywhere in the app; `onError` turns it into RFC 9457 problem+json. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.status = ERROR_CODES[code];
  }
}

/** The 422 every validation failure answers with, naming each field. */
export function validationError(errors: FieldError[], detail = "The request is invalid"): ApiError {
  return new ApiError("validation_failed", detail, { errors });
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  request_id: string;
  errors?: FieldError[];
}

export function problemBody(error: ApiError, requestId: string): Problem {
  const body: Problem = {
    type: `https://finanalyze.dev/problems/${error.code.replaceAll("_", "-")}`,
    title: TITLES[error.code],
    status: error.status,
    detail: error.detail,
    request_id: requestId,
  };
  if (error.options.errors) body.errors = error.options.errors;
  return body;
}

export function problemResponse(error: ApiError, requestId: string): Response {
  const headers = new Headers(error.options.headers);
  headers.set("content-type", "application/problem+json");
  return new Response(JSON.stringify(problemBody(error, requestId)), { status: error.status, headers });
}

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "https://finanalyze.dev/problems/not-found" }),
    title: z.string().openapi({ example: "Not Found" }),
    status: z.number().int().openapi({ example: 404 }),
    detail: z.string().openapi({ example: "Transaction not found" }),
    request_id: z.string().openapi({ example: "01JD8Q2X7Z3M4N5P6Q7R8S9T0V" }),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ example: [{ path: "transaction_amount", message: "must be greater than 0" }] }),
  })
  .openapi("Problem");
