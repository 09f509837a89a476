import { z } from "@hono/zod-openapi";
import { keepNumberExact } from "../http/body";
import { CurrencyCode } from "../lib/currencies";
import { isDateOnly, nextDayStart, nextInstant, parseTimestamp } from "../lib/dates";
import { pageLimit } from "../lib/keyset";
import { DECIMAL_AMOUNT, parseAmount } from "../lib/money";
import { TzQuery } from "../lib/zone-schemas";
import { MerchantSchema, TagSchema, TagsSchema } from "./labels.schemas";

export const TRANSACTION_TYPES = ["credit", "debit"] as const;
export const TRANSACTION_STATUSES = ["pending", "success", "failed"] as const;

/**
 * A query string decodes a raw "+" as a space, so `?from=2026-11-25T10:00:00+05:00` sent unencoded arrives as
 * "…T10:00:00 05:00"; a space before a trailing HH:MM after a time can only be that offset's "+".
 */
function offsetPlusFromQuery(s: string): string {
  return s.replace(/(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:\d{2})$/, "$1+$2");
}

/** A date or date-time string checked by parseTimestamp, then mapped (for example to a range bound). */
function timestampInput<T>(map: (utc: string, input: string) => T, inQuery = true) {
  return z.string().transform((raw, ctx) => {
    const s = inQuery ? offsetPlusFromQuery(raw) : raw;
    const parsed = parseTimestamp(s);
    if (parsed === null) {
      ctx.addIssue({ code: "custom", message: "must be YYYY-MM-DD or an RFC 3339 date-time with offset" });
      return z.NEVER;
    }
    return map(parsed, s);
  });
}

/** A UTC instant (a plain date is midnight UTC): the rules API's ranges. */
export const Timestamp = timestampInput((utc) => utc).openapi({
  type: "string",
  example: "2026-11-25T10:30:00Z",
  description: "RFC 3339 date-time with offset, or YYYY-MM-DD (midnight UTC)",
});

/** A transaction's date: an instant, or a plain date kept as a calendar date (the same day in every zone). */
export const TransactionDate = timestampInput((utc, input) => ({ utc, dateOnly: isDateOnly(input) }), false).openapi({
  type: "string",
  example: "2026-11-25T10:30:00Z",
  description: "RFC 3339 date-time with offset, or YYYY-MM-DD: a calendar date (`date_only`), counted on that date in every time zone",
});

/** A list/export bound, kept as given: a plain date is a whole local day of the zone in force (see local-range.ts). */
export const LocalBound = z
  .string()
  .max(64)
  .transform(offsetPlusFromQuery)
  .refine((s) => parseTimestamp(s) !== null, "must be YYYY-MM-DD or an RFC 3339 date-time with offset")
  .openapi({ type: "string" });

/** An inclusive end of range ("YYYY-MM-DD" covers that whole day), turned into an exclusive upper bound. */
export const RangeEnd = timestampInput((utc, input) => (isDateOnly(input) ? nextDayStart(input) : nextInstant(utc))).openapi({
  type: "string",
  example: "2026-12-31",
  description: "Inclusive end; a plain date includes that whole day",
});

// A JSON number sent as an amount reaches validation as its exact source text, never as a float.
keepNumberExact("transaction_amount");

/** Amounts arrive as strings (JSON numbers are turned into their exact source text before validation). */
export const Amount = z
  .union([z.string().max(40), z.number()])
  .transform((v) => String(v))
  .refine((v) => DECIMAL_AMOUNT.test(v), 'must be a positive decimal number such as "10.50"')
  .openapi({
    description: "Decimal string (preferred) or JSON number; > 0, at most the currency's minor-unit digits, at most 1e12",
    example: "125.50",
  });

const writableFields = {
  transaction_amount: Amount,
  transaction_type: z.enum(TRANSACTION_TYPES).openapi({ example: "debit" }),
  transaction_date: TransactionDate,
  currency: CurrencyCode,
  status: z.enum(TRANSACTION_STATUSES).openapi({ example: "success" }),
  description: z.string().max(500).nullable().openapi({ example: "Groceries" }),
  external_id: z.string().min(1).max(128).nullable().openapi({
    example: "bank-2026-11-25-0042",
    description: "Your own id for this record, unique per user; a repeat is reported as a duplicate",
  }),
  category_id: z.string().min(1).max(64).nullable().openapi({
    example: "cat_0k7m3q9x2c4v6b8n1p5r7t9w3y",
    description: "One of your categories (422 if unknown); null: uncategorised",
  }),
  merchant: z.union([MerchantSchema, z.null()]),
  tags: TagsSchema,
};

/**
 * The amount against its currency's minor-unit digits (and the range), when the body names both or the
 * currency defaults. Runs even when other fields failed, so one 422 reports every field; it is skipped only
 * when the amount or currency is itself malformed (their own messages then say why).
 */
function amountFitsCurrency(defaultCurrency: string | undefined) {
  return [
    (body: { transaction_amount?: string; currency?: string }, ctx: z.RefinementCtx) => {
      const currency = body.currency ?? defaultCurrency;
      if (body.transaction_amount === undefined || currency === undefined) return;
      const parsed = parseAmount(body.transaction_amount, currency);
      if (!parsed.ok) ctx.addIssue({ code: "custom", path: ["transaction_amount"], message: parsed.message });
    },
    {
      when: (payload: z.core.ParsePayload) =>
        !payload.issues.some((issue) => {
          const field = issue.path?.[0];
          // A whole-body issue other than unknown keys (not an object at all) leaves nothing to compare.
          return field === undefined ? issue.code !== "unrecognized_keys" : field === "transaction_amount" || field === "currency";
        }),
    },
  ] as const;
}

export const CreateTransactionSchema = z
  .strictObject({
    transaction_amount: writableFields.transaction_amount,
    transaction_type: writableFields.transaction_type,
    transaction_date: writableFields.transaction_date.optional(),
    currency: writableFields.currency.optional(),
    status: writableFields.status.optional(),
    description: writableFields.description.optional(),
    external_id: writableFields.external_id.optional(),
    category_id: writableFields.category_id.optional(),
    merchant: writableFields.merchant.optional(),
    tags: z
      .union([writableFields.tags, z.null()])
      .optional()
      .openapi({ example: ["weekly"], description: "Up to 10 distinct tags (see Transaction.tags); null or [] for none" }),
  })
  .superRefine(...amountFitsCurrency("USD"))
  .openapi("CreateTransaction", {
    example: {
      transaction_amount: "125.50",
      transaction_type: "debit",
      transaction_date: "2026-11-25",
      currency: "USD",
      description: "Groceries",
      category_id: "cat_0k7m3q9x2c4v6b8n1p5r7t9w3y",
      merchant: "Corner Grocery",
      tags: ["weekly"],
    },
  });

export const UpdateTransactionSchema = z
  .strictObject({
    transaction_amount: writableFields.transaction_amount.optional(),
    transaction_type: writableFields.transaction_type.optional(),
    transaction_date: writableFields.transaction_date.optional(),
    currency: writableFields.currency.optional(),
    status: writableFields.status.optional(),
    description: writableFields.description.optional(),
    category_id: writableFields.category_id.optional(),
    merchant: writableFields.merchant.optional(),
    tags: z
      .union([writableFields.tags, z.null()])
      .optional()
      .openapi({ example: ["weekly"], description: "Replaces the tags (up to 10 distinct); null or [] clears them" }),
  })
  .refine((v) => Object.keys(v).length > 0, "at least one field is required")
  // Without a currency the amount is checked against the stored one, in the service.
  .superRefine(...amountFitsCurrency(undefined))
  .openapi("UpdateTransaction", { example: { status: "failed", description: "Card declined", category_id: null } });

export const TransactionSchema = z
  .object({
    id: z.string().openapi({ example: "txn_0k7m3q9x2c4v6b8n1p5r7t9w3y" }),
    user_id: z.string().openapi({ example: "usr_5q3x8m2k1n7p4r6t9v0w2y4z6a" }),
    full_name: z.string().openapi({ example: "Ada Lovelace" }),
    transaction_date: z.string().openapi({
      example: "2026-11-25T10:30:00.000Z",
      description: "UTC instant; for a `date_only` record, its calendar date at 00:00:00.000Z",
    }),
    date_only: z.boolean().openapi({ example: false, description: "Sent as a plain date: a calendar date in every time zone" }),
    transaction_amount: z.string().openapi({ example: "125.50" }),
    transaction_type: z.enum(TRANSACTION_TYPES),
    currency: z.string().openapi({ example: "USD" }),
    status: z.enum(TRANSACTION_STATUSES),
    description: z.string().nullable().openapi({ example: "Groceries" }),
    external_id: z.string().nullable().openapi({ example: "bank-2026-11-25-0042" }),
    category_id: z.string().nullable().openapi({ example: "cat_0k7m3q9x2c4v6b8n1p5r7t9w3y" }),
    merchant: z.string().nullable().openapi({ example: "Corner Grocery" }),
    tags: z.array(z.string()).openapi({ example: ["weekly"] }),
    created_at: z.string().openapi({ example: "2026-11-25T10:30:00.000Z" }),
    updated_at: z.string().openapi({ example: "2026-11-25T10:30:00.000Z" }),
  })
  .openapi("Transaction");

export const TransactionIdParams = z.object({
  transaction_id: z
    .string()
    .max(64)
    .openapi({ param: { name: "transaction_id", in: "path" }, example: "txn_0k7m3q9x2c4v6b8n1p5r7t9w3y" }),
});

export const ListQuerySchema = z.strictObject({
  limit: pageLimit(1000, 100).openapi({ example: 100 }),
  cursor: z.string().max(200).optional().openapi({ description: "next_cursor from the previous page" }),
  from: LocalBound.optional().openapi({
    description: "On or after this date-time, or from the start of this local day (YYYY-MM-DD, in `tz`)",
  }),
  to: LocalBound.optional().openapi({ description: "Up to this date-time, or to the end of this local day (YYYY-MM-DD, in `tz`)" }),
  tz: TzQuery,
  transaction_type: z.enum(TRANSACTION_TYPES).optional(),
  currency: CurrencyCode.optional(),
  status: z.enum(TRANSACTION_STATUSES).optional(),
  category_id: z.string().min(1).max(64).optional().openapi({
    description: "A category id (a parent includes its children), or `none` for uncategorised",
    example: "cat_0k7m3q9x2c4v6b8n1p5r7t9w3y",
  }),
  merchant: MerchantSchema.optional().openapi({
    description: "Exact merchant, case-insensitive (ASCII letters)",
    example: "Corner Grocery",
  }),
  tag: TagSchema.optional().openapi({ description: "Only transactions carrying this tag", example: "weekly" }),
  q: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: "Case-insensitive substring of description or merchant", example: "coffee" }),
});

export const TransactionPageSchema = z
  .object({
    data: z.array(TransactionSchema),
    has_more: z.boolean(),
    next_cursor: z.string().nullable().openapi({ example: "MjAyNi0xMS0yNVQwMDowMDowMC4wMDBafHR4bl8w" }),
  })
  .openapi("TransactionPage");

export const DeletedSchema = z
  .object({ message: z.literal("success"), id: z.string().openapi({ example: "txn_0k7m3q9x2c4v6b8n1p5r7t9w3y" }) })
  .openapi("Deleted");

export type CreateTransactionInput = z.infer<typeof CreateTransactionSchema>;
export type UpdateTransactionInput = z.infer<typeof UpdateTransactionSchema>;
export type ListQuery = z.infer<typeof ListQuerySchema>;
