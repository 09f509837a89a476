import { writeContext } from "../analytics/ledger";
import type { AppRouteHandler } from "../http/context";
import type * as routes from "./categories.routes";
import * as service from "./categories.service";

export const createCategory: AppRouteHandler<typeof routes.createCategory> = async (c) => {
  const row = await service.createCategory(writeContext(c), c.get("user").id, c.req.valid("json"));
  c.header("location", `/api/v1/categories/${row.id}`);
  return c.json(service.toCategoryRecord(row), 201);
};

export const listCategories: AppRouteHandler<typeof routes.listCategories> = async (c) => {
  const rows = await service.listCategories(c.var.db, c.get("user").id);
  return c.json({ data: rows.map(service.toCategoryRecord) }, 200);
};

export const getCategory: AppRouteHandler<typeof routes.getCategory> = async (c) => {
  const row = await service.getCategory(c.var.db, c.get("user").id, c.req.valid("param").id);
  return c.json(service.toCategoryRecord(row), 200);
};

export const replaceCategory: AppRouteHandler<typeof routes.replaceCategory> = async (c) => {
  const row = await service.replaceCategory(writeContext(c), c.get("user").id, c.req.valid("param").id, c.req.valid("json"));
  return c.json(service.toCategoryRecord(row), 200);
};

export const deleteCategory: AppRouteHandler<typeof routes.deleteCategory> = async (c) => {
  const { id } = c.req.valid("param");
  await service.deleteCategory(writeContext(c), c.get("user").id, id, c.req.valid("query").reassign_to);
  return c.json({ message: "success" as const, id }, 200);
};
