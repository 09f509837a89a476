import { z } from "@hono/zod-openapi";

/**
 * The `cursor` query parameter of the signed-cursor lists (sync feed, events). Empty (`?cursor=`, as Plaid-style
 * clients send it on the first call) means no cursor. The length cap only bounds the input: any string that is not a
 * cursor we issued, long ones included, is refused by the handler's HMAC check as a 400, not here as a 422.
 */
export function signedCursorQuery(description: string) {
  return z
    .string()
    .max(4096)
    .optional()
    .transform((v) => (v === "" ? undefined : v))
    .openapi({ type: "string", description });
}
