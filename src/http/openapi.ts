import { ApiError, ERROR_CODES, type ErrorCode, ProblemSchema, problemBody } from "./problem";

const PROBLEM_DESCRIPTIONS: Partial<Record<ErrorCode, string>> = {
  bad_request: "Malformed request (for example invalid JSON)",
  unauthorized: "Missing, invalid or expired bearer token",
  forbidden: "The resource belongs to another user",
  not_found: "No such resource for this caller",
  conflict: "Conflicts with the current state",
  gone: "The cursor is older than the kept history: start over without a cursor",
  precondition_failed: "If-Match did not match the current ETag",
  payload_too_large: "Request body too large",
  unsupported_media_type: "Unsupported Content-Type",
  validation_failed: "The request failed validation; `errors` names each field",
  too_many_requests: "Rate limited; see Retry-After",
  service_unavailable: "This account's data is being moved to another database (a few seconds); retry after Retry-After",
};

type ProblemResponse = { description: string; content: { "application/problem+json": { schema: typeof ProblemSchema; example: unknown } } };

/**
 * OpenAPI `responses` entries for the given error codes, all sharing the one Problem schema. A route that
 * reaches a user's data (every one that can answer 401) can also meet a slot move's fence: 503 with Retry-After.
 */
export function problemResponses(...codes: ErrorCode[]) {
  const all: ErrorCode[] =
    codes.includes("unauthorized") && !codes.includes("service_unavailable") ? [...codes, "service_unavailable"] : codes;
  return Object.fromEntries(all.map((code) => [ERROR_CODES[code], problemResponse(code)])) as Record<number, ProblemResponse>;
}

/** One error response; `description` (also the example's detail) for a route whose cause differs from the usual one. */
export function problemResponse(code: ErrorCode, description = PROBLEM_DESCRIPTIONS[code] ?? code): ProblemResponse {
  return {
    description,
    content: {
      "application/problem+json": {
        schema: ProblemSchema,
        // An example of this very status, not the schema's generic one.
        example: problemBody(
          new ApiError(code, description, {
            errors:
              code === "validation_failed" ? [{ path: "transaction_amount", message: "USD allows at most 2 decimal places" }] : undefined,
          }),
          "req_5m7119r1qz2ybambfsygvycx5e",
        ),
      },
    },
  };
}

/** Either a pasted bearer token or Swagger UI's OAuth2 password flow (which calls the login route). */
export const bearerSecurity: Record<string, string[]>[] = [{ bearerAuth: [] }, { oauth2Password: [] }];

export function jsonContent<T>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}
