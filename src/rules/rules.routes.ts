import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../auth/require-auth";
import { bearerSecurity, jsonContent, problemResponses } from "../lib/openapi";
import { CreateTransactionSchema } from "../transactions/transactions.schemas";
import {
  ApplyRuleQuery,
  ApplyRuleResultSchema,
  RuleDeletedSchema,
  RuleIdParams,
  RuleListSchema,
  RuleSchema,
  RuleTestResultSchema,
} from "./rules.api.schemas";
import { RuleBodySchema } from "./rules.schemas";

const common = { tags: ["Rules"], security: bearerSecurity, middleware: requireAuth };
const jsonBody = <T>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const bodyErrors = ["bad_request", "unsupported_media_type", "validation_failed"] as const;

export const createRule = createRoute({
  ...common,
  method: "post",
  path: "/api/v1/rules",
  operationId: "createRule",
  summary: "Create a rule (at most 200 per user)",
  description:
    "Active rules run in ascending `position` on create, bulk and import (unless `apply_rules=false`); " +
    "they never overwrite a category or merchant the request set, and add_tag adds to the request's tags.",
  request: { body: jsonBody(RuleBodySchema) },
  responses: { 201: jsonContent(RuleSchema, "The new rule"), ...problemResponses("unauthorized", "conflict", ...bodyErrors) },
});

export const listRules = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/rules",
  operationId: "listRules",
  summary: "List the caller's rules in evaluation order",
  responses: { 200: jsonContent(RuleListSchema, "The caller's rules"), ...problemResponses("unauthorized") },
});

export const testRule = createRoute({
  ...common,
  method: "post",
  path: "/api/v1/rules/test",
  operationId: "testRules",
  summary: "Run the active rules over a transaction body without storing anything",
  request: { body: jsonBody(CreateTransactionSchema) },
  responses: {
    200: jsonContent(RuleTestResultSchema, "Matched rules and the record as it would be stored"),
    ...problemResponses("unauthorized", ...bodyErrors),
  },
});

export const getRule = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/rules/{id}",
  operationId: "getRule",
  summary: "Read one rule",
  request: { params: RuleIdParams },
  responses: { 200: jsonContent(RuleSchema, "The rule"), ...problemResponses("unauthorized", "not_found") },
});

export const replaceRule = createRoute({
  ...common,
  method: "put",
  path: "/api/v1/rules/{id}",
  operationId: "replaceRule",
  summary: "Replace a rule (every field; an omitted position keeps the current one)",
  request: { params: RuleIdParams, body: jsonBody(RuleBodySchema) },
  responses: { 200: jsonContent(RuleSchema, "The replaced rule"), ...problemResponses("unauthorized", "not_found", ...bodyErrors) },
});

export const deleteRule = createRoute({
  ...common,
  method: "delete",
  path: "/api/v1/rules/{id}",
  operationId: "deleteRule",
  summary: "Delete a rule",
  request: { params: RuleIdParams },
  responses: { 200: jsonContent(RuleDeletedSchema, "Deleted"), ...problemResponses("unauthorized", "not_found") },
});

export const applyRule = createRoute({
  ...common,
  method: "post",
  path: "/api/v1/rules/{id}/apply",
  operationId: "applyRule",
  summary: "Apply one rule to existing transactions, overwriting the fields its actions name",
  description:
    "In batches of 500, each atomic with its rollups and an audit entry per changed transaction. Up to 5,000 transactions " +
    "are handled in the request (200); the rest of a longer history goes through the queue (202, `complete: false`).",
  request: { params: RuleIdParams, query: ApplyRuleQuery },
  responses: {
    200: jsonContent(ApplyRuleResultSchema, "Done"),
    202: jsonContent(ApplyRuleResultSchema, "Started; the rest is applied through the queue"),
    ...problemResponses("unauthorized", "not_found", "conflict", "validation_failed"),
  },
});
