import type { ZodError, ZodType } from "zod";
import { type FieldError, validationError } from "./problem";

/** One field error per zod issue: every failing field of a body is reported, not just the first. */
export function zodFieldErrors(error: ZodError): FieldError[] {
  return error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      return { path: issue.keys.join(", "), message: "unknown field" };
    }
    return { path: issue.path.map(String).join(".") || "(body)", message: issue.message };
  });
}

/** Validates a value outside the route schemas (a second body shape, a dev route): 422 on failure. */
export function parseOrThrow<T>(schema: ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(zodFieldErrors(parsed.error));
  return parsed.data;
}
