import { z } from "@hono/zod-openapi";
import { MAX_TAGS, MERCHANT_MAX_CHARS, normalizeMerchant, normalizeTag, normalizeTags } from "./labels";

/** Input bounds before normalisation, so a hostile body cannot make the normaliser work hard. */
const MERCHANT_INPUT_MAX = 1024;
const TAGS_INPUT_MAX = 100;

export const MerchantSchema = z
  .string()
  .max(MERCHANT_INPUT_MAX)
  .transform((input, ctx) => {
    const result = normalizeMerchant(input);
    if (!result.ok) {
      ctx.addIssue({ code: "custom", message: result.message });
      return z.NEVER;
    }
    return result.value;
  })
  .openapi({
    type: "string",
    example: "Corner Grocery",
    description: `Stored trimmed with inner whitespace collapsed to one space; 1-${MERCHANT_MAX_CHARS} characters after that`,
  });

export const TagSchema = z
  .string()
  .max(64)
  .transform((input, ctx) => {
    const result = normalizeTag(input);
    if (!result.ok) {
      ctx.addIssue({ code: "custom", message: result.message });
      return z.NEVER;
    }
    return result.value;
  })
  .openapi({ type: "string", example: "groceries", description: "1-32 of a-z, 0-9, _ and - (stored lower-case)" });

export const TagsSchema = z
  .array(z.string().max(64))
  .max(TAGS_INPUT_MAX)
  .transform((input, ctx) => {
    const result = normalizeTags(input);
    if (!result.ok) {
      ctx.addIssue({ code: "custom", message: result.message, path: result.index === null ? [] : [result.index] });
      return z.NEVER;
    }
    return result.value;
  })
  .openapi({
    type: "array",
    items: { type: "string" },
    example: ["groceries", "weekly"],
    description: `Up to ${MAX_TAGS} distinct tags, each 1-32 of a-z, 0-9, _ and -; stored lower-case, a repeat stored once`,
  });
