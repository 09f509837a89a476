import type { RouteHandler } from "@hono/zod-openapi";
import { notifyAnalytics } from "../analytics/notify";
import { getDb } from "../db/client";
import type { AppEnv } from "../lib/context";
import type * as routes from "./transactions.routes";
import * as service from "./transactions.service";

type Handler<R extends keyof typeof routes> = RouteHandler<(typeof routes)[R], AppEnv>;

export const createTransaction: Handler<"createTransaction"> = async (c) => {
  const user = c.get("user");
  const { value: row, analyticsVersion } = await service.createTransaction(getDb(c.env.DB), user.id, c.req.valid("json"));
  notifyAnalytics(c, user.id, analyticsVersion);
  c.header("location", `/api/v1/transaction/${row.id}`);
  return c.json(service.toRecord(row, user), 201);
};

export const listTransactions: Handler<"listTransactions"> = async (c) => {
  const user = c.get("user");
  const page = await service.listTransactions(getDb(c.env.DB), user.id, c.req.valid("query"));
  return c.json({ data: page.rows.map((row) => service.toRecord(row, user)), has_more: page.hasMore, next_cursor: page.nextCursor }, 200);
};

export const getTransaction: Handler<"getTransaction"> = async (c) => {
  const user = c.get("user");
  const row = await service.getTransaction(getDb(c.env.DB), user.id, c.req.valid("param").transaction_id);
  return c.json(service.toRecord(row, user), 200);
};

export const updateTransaction: Handler<"updateTransaction"> = async (c) => {
  const user = c.get("user");
  const { value: row, analyticsVersion } = await service.updateTransaction(
    getDb(c.env.DB),
    user.id,
    c.req.valid("param").transaction_id,
    c.req.valid("json"),
  );
  notifyAnalytics(c, user.id, analyticsVersion);
  return c.json(service.toRecord(row, user), 200);
};

export const deleteTransaction: Handler<"deleteTransaction"> = async (c) => {
  const userId = c.get("user").id;
  const { value: id, analyticsVersion } = await service.deleteTransaction(getDb(c.env.DB), userId, c.req.valid("param").transaction_id);
  notifyAnalytics(c, userId, analyticsVersion);
  return c.json({ message: "success" as const, id }, 200);
};
