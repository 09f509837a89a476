import type { RouteHandler } from "@hono/zod-openapi";
import { notifyAnalytics } from "../analytics/notify";
import { auditContext } from "../audit/audit.service";
import { getDb } from "../db/client";
import type { AppEnv } from "../lib/context";
import { loadLabelContext } from "../transactions/labelling";
import { buildRow, toRecord } from "../transactions/transactions.service";
import { APPLY_ROWS_PER_INVOCATION, applyRuleToRange } from "./apply";
import type { RuleApplyMessage } from "./apply-queue";
import type * as routes from "./rules.routes";
import * as service from "./rules.service";

type Handler<R extends keyof typeof routes> = RouteHandler<(typeof routes)[R], AppEnv>;

export const createRule: Handler<"createRule"> = async (c) => {
  const row = await service.createRule(getDb(c.env.DB), c.get("user").id, c.req.valid("json"), auditContext(c));
  c.header("location", `/api/v1/rules/${row.id}`);
  return c.json(service.toRuleRecord(row), 201);
};

export const listRules: Handler<"listRules"> = async (c) => {
  const rows = await service.listRules(getDb(c.env.DB), c.get("user").id);
  return c.json({ data: rows.map(service.toRuleRecord) }, 200);
};

export const getRule: Handler<"getRule"> = async (c) => {
  const row = await service.getRule(getDb(c.env.DB), c.get("user").id, c.req.valid("param").id);
  return c.json(service.toRuleRecord(row), 200);
};

export const replaceRule: Handler<"replaceRule"> = async (c) => {
  const row = await service.replaceRule(getDb(c.env.DB), c.get("user").id, c.req.valid("param").id, c.req.valid("json"), auditContext(c));
  return c.json(service.toRuleRecord(row), 200);
};

export const deleteRule: Handler<"deleteRule"> = async (c) => {
  const id = await service.deleteRule(getDb(c.env.DB), c.get("user").id, c.req.valid("param").id, auditContext(c));
  return c.json({ message: "success" as const, id }, 200);
};

export const testRule: Handler<"testRule"> = async (c) => {
  const user = c.get("user");
  const context = await loadLabelContext(getDb(c.env.DB), user.id, true);
  const { row, matched } = buildRow(user.id, c.req.valid("json"), context);
  return c.json({ matched_rules: matched, transaction: toRecord(row, user) }, 200);
};

export const applyRule: Handler<"applyRule"> = async (c) => {
  const userId = c.get("user").id;
  const db = getDb(c.env.DB);
  const rule = service.toRuleRecord(await service.getRule(db, userId, c.req.valid("param").id));
  const { from, to, dry_run: dryRun } = c.req.valid("query");
  const range = { from, toExclusive: to };
  const audit = auditContext(c);
  // A dry run reads the whole range here (it changes nothing, so it cannot be continued elsewhere).
  const progress = await applyRuleToRange(db, userId, rule, range, {
    dryRun,
    maxRows: dryRun ? Number.POSITIVE_INFINITY : APPLY_ROWS_PER_INVOCATION,
    audit,
  });
  if (progress.analyticsVersion > 0) notifyAnalytics(c, userId, progress.analyticsVersion);
  const complete = progress.cursor === null;
  if (!complete) {
    const message: RuleApplyMessage = {
      kind: "rule_apply",
      user_id: userId,
      rule_id: rule.id,
      range,
      cursor: progress.cursor ?? "",
      request_id: audit.requestId,
    };
    await c.env.ANALYTICS_QUEUE.send(message);
  }
  const body = { dry_run: dryRun, matched: progress.matched, changed: progress.changed, complete };
  return complete ? c.json(body, 200) : c.json(body, 202);
};
