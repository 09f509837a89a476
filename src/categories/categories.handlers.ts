import type { RouteHandler } from "@hono/zod-openapi";
import { notifyAnalytics } from "../analytics/notify";
import { auditContext } from "../audit/audit.service";
import { getDb } from "../db/client";
import type { AppEnv } from "../lib/context";
import type * as routes from "./categories.routes";
import * as service from "./categories.service";

type Handler<R extends keyof typeof routes> = RouteHandler<(typeof routes)[R], AppEnv>;

export const createCategory: Handler<"createCategory"> = async (c) => {
  const userId = c.get("user").id;
  const { value, analyticsVersion } = await service.createCategory(getDb(c.env.DB), userId, c.req.valid("json"), auditContext(c));
  notifyAnalytics(c, userId, analyticsVersion);
  c.header("location", `/api/v1/categories/${value.id}`);
  return c.json(service.toCategoryRecord(value), 201);
};

export const listCategories: Handler<"listCategories"> = async (c) => {
  const rows = await service.listCategories(getDb(c.env.DB), c.get("user").id);
  return c.json({ data: rows.map(service.toCategoryRecord) }, 200);
};

export const getCategory: Handler<"getCategory"> = async (c) => {
  const row = await service.getCategory(getDb(c.env.DB), c.get("user").id, c.req.valid("param").id);
  return c.json(service.toCategoryRecord(row), 200);
};

export const replaceCategory: Handler<"replaceCategory"> = async (c) => {
  const userId = c.get("user").id;
  const { value, analyticsVersion } = await service.replaceCategory(
    getDb(c.env.DB),
    userId,
    c.req.valid("param").id,
    c.req.valid("json"),
    auditContext(c),
  );
  notifyAnalytics(c, userId, analyticsVersion);
  return c.json(service.toCategoryRecord(value), 200);
};

export const deleteCategory: Handler<"deleteCategory"> = async (c) => {
  const userId = c.get("user").id;
  const { value: id, analyticsVersion } = await service.deleteCategory(
    getDb(c.env.DB),
    userId,
    c.req.valid("param").id,
    c.req.valid("query").reassign_to,
    auditContext(c),
  );
  notifyAnalytics(c, userId, analyticsVersion);
  return c.json({ message: "success" as const, id }, 200);
};
