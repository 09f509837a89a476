import { z } from "@hono/zod-openapi";

export const MAX_CATEGORIES_PER_USER = 500;

const CategoryId = z.string().min(1).max(64).openapi({ example: "cat_0k7m3q9x2c4v6b8n1p5r7t9w3y" });

/** POST and PUT (which replaces the whole category). */
export const CategoryBodySchema = z
  .strictObject({
    name: z.string().trim().min(1).max(64).openapi({ example: "Groceries", description: "1-64 characters, unique per user ignoring case" }),
    parent_id: CategoryId.nullable()
      .default(null)
      .openapi({ description: "A top-level category of yours (one level of nesting); null: top level" }),
    color: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, "must be #rrggbb")
      .transform((s) => s.toLowerCase())
      .nullable()
      .default(null)
      .openapi({ type: "string", example: "#4caf50" }),
    exclude_from_analytics: z
      .boolean()
      .default(false)
      .openapi({ description: "Left out of every analytics figure (e.g. transfers between your own accounts)" }),
  })
  .openapi("CategoryBody", { example: { name: "Groceries", parent_id: null, color: "#4caf50", exclude_from_analytics: false } });

export const CategorySchema = z
  .object({
    id: CategoryId,
    name: z.string().openapi({ example: "Groceries" }),
    parent_id: z.string().nullable().openapi({ example: null }),
    color: z.string().nullable().openapi({ example: "#4caf50" }),
    exclude_from_analytics: z.boolean().openapi({ example: false }),
    created_at: z.string().openapi({ example: "2026-11-25T10:30:00.000Z" }),
    updated_at: z.string().openapi({ example: "2026-11-25T10:30:00.000Z" }),
  })
  .openapi("Category");

export const CategoryListSchema = z
  .object({ data: z.array(CategorySchema).openapi({ description: "Every category of the caller, by name" }) })
  .openapi("CategoryList");

export const CategoryIdParams = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "cat_0k7m3q9x2c4v6b8n1p5r7t9w3y" }),
});

export const DeleteCategoryQuery = z.strictObject({
  reassign_to: z.string().min(1).max(64).optional().openapi({
    description: "Move the category's transactions to this category of yours, or `none` to leave them uncategorised",
    example: "none",
  }),
});

export const CategoryDeletedSchema = z
  .object({ message: z.literal("success"), id: z.string().openapi({ example: "cat_0k7m3q9x2c4v6b8n1p5r7t9w3y" }) })
  .openapi("CategoryDeleted");

export type CategoryBody = z.infer<typeof CategoryBodySchema>;
