import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../auth/require-auth";
import { bearerSecurity, jsonContent, problemResponses } from "../lib/openapi";
import {
  CategoryBodySchema,
  CategoryDeletedSchema,
  CategoryIdParams,
  CategoryListSchema,
  CategorySchema,
  DeleteCategoryQuery,
} from "./categories.schemas";

const common = { tags: ["Categories"], security: bearerSecurity, middleware: requireAuth };
const jsonBody = <T>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const bodyErrors = ["bad_request", "unsupported_media_type", "validation_failed"] as const;

export const createCategory = createRoute({
  ...common,
  method: "post",
  path: "/api/v1/categories",
  operationId: "createCategory",
  summary: "Create a category",
  request: { body: jsonBody(CategoryBodySchema) },
  responses: {
    201: jsonContent(CategorySchema, "The new category"),
    ...problemResponses("unauthorized", "conflict", ...bodyErrors),
  },
});

export const listCategories = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/categories",
  operationId: "listCategories",
  summary: "List the caller's categories",
  responses: { 200: jsonContent(CategoryListSchema, "The caller's categories"), ...problemResponses("unauthorized") },
});

export const getCategory = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/categories/{id}",
  operationId: "getCategory",
  summary: "Read one category",
  request: { params: CategoryIdParams },
  responses: { 200: jsonContent(CategorySchema, "The category"), ...problemResponses("unauthorized", "not_found") },
});

export const replaceCategory = createRoute({
  ...common,
  method: "put",
  path: "/api/v1/categories/{id}",
  operationId: "replaceCategory",
  summary: "Replace a category (every field; omitted ones take their defaults)",
  description: "Toggling `exclude_from_analytics` changes every analytics figure at once (the snapshot is recomputed).",
  request: { params: CategoryIdParams, body: jsonBody(CategoryBodySchema) },
  responses: {
    200: jsonContent(CategorySchema, "The replaced category"),
    ...problemResponses("unauthorized", "not_found", "conflict", ...bodyErrors),
  },
});

export const deleteCategory = createRoute({
  ...common,
  method: "delete",
  path: "/api/v1/categories/{id}",
  operationId: "deleteCategory",
  summary: "Delete a category",
  description:
    "409 while transactions use it, unless `reassign_to` names another category of yours or `none`; 409 while it has children. " +
    "Rules whose set_category names a deleted category skip that action.",
  request: { params: CategoryIdParams, query: DeleteCategoryQuery },
  responses: {
    200: jsonContent(CategoryDeletedSchema, "Deleted"),
    ...problemResponses("unauthorized", "not_found", "conflict", "validation_failed"),
  },
});
