import { writeContext } from "../analytics/ledger";
import { auditContext } from "../audit/audit";
import type { AppRouteHandler } from "../http/context";
import { loadLabelContext } from "../transactions/label-cache";
import { buildRow, toRecord } from "../transactions/transactions.service";
import { APPLY_ROWS_PER_INVOCATION, applyRuleToRange } from "./apply";
import type { RuleApplyMessage } from "./apply-queue";
import type * as routes from "./rules.routes";
import * as service from "./rules.service";

export const createRule: AppRouteHandler<typeof routes.createRule> = async (c) => {
  const row = await service.createRule(c.var.db, c.get("user").id, c.req.valid("json"), auditContext(c));
  c.header("location", `/api/v1/rules/${row.id}`);
  return c.json(service.toRuleRecord(row), 201);
};

export const listRules: AppRouteHandler<typeof routes.listRules> = async (c) => {
  const rows = await service.listRules(c.var.db, c.get("user").id);
  return c.json({ data: rows.map(service.toRuleRecord) }, 200);
};

export const getRule: AppRouteHandler<typeof routes.getRule> = async (c) => {
  const row = await service.getRule(c.var.db, c.get("user").id, c.req.valid("param").id);
  return c.json(service.toRuleRecord(row), 200);
};

export const replaceRule: AppRouteHandler<typeof routes.replaceRule> = async (c) => {
  const row = await service.replaceRule(c.var.db, c.get("user").id, c.req.valid("param").id, c.req.valid("json"), auditContext(c));
  return c.json(service.toRuleRecord(row), 200);
};

export const deleteRule: AppRouteHandler<typeof routes.deleteRule> = async (c) => {
  const id = await service.deleteRule(c.var.db, c.get("user").id, c.req.valid("param").id, auditContext(c));
  return c.json({ message: "success" as const, id }, 200);
};

export const testRule: AppRouteHandler<typeof routes.testRule> = async (c) => {
  const user = c.get("user");
  const context = await loadLabelContext(c.var.db, user.id, true);
  const { row, matched } = buildRow(user.id, c.req.valid("json"), context);
  return c.json({ matched_rules: matched, transaction: toRecord(row, user) }, 200);
};

export const applyRule: AppRouteHandler<typeof routes.applyRule> = async (c) => {
  const userId = c.get("user").id;
  const ctx = writeContext(c);
  const rule = service.toRuleRecord(await service.getRule(ctx.db, userId, c.req.valid("param").id));
  const { from, to, dry_run: dryRun } = c.req.valid("query");
  const range = { from, toExclusive: to };
  // A dry run reads the whole range here (it changes nothing, so it cannot be continued elsewhere).
  const progress = await applyRuleToRange(ctx, userId, rule, range, {
    dryRun,
    maxRows: dryRun ? Number.POSITIVE_INFINITY : APPLY_ROWS_PER_INVOCATION,
  });
  const complete = progress.cursor === null;
  if (!complete) {
    const message: RuleApplyMessage = {
      kind: "rule_apply",
      user_id: userId,
      rule_id: rule.id,
      range,
      cursor: progress.cursor ?? "",
      request_id: ctx.audit.requestId,
    };
    await c.env.ANALYTICS_QUEUE.send(message);
  }
  const body = { dry_run: dryRun, matched: progress.matched, changed: progress.changed, complete };
  return complete ? c.json(body, 200) : c.json(body, 202);
};
