import type { rules } from "../db/schema";
import type { Rule, RuleAction, RuleCondition } from "./evaluate";

/** A `rules` row as raw SQL returns it (snake_case, integers for booleans). */
export interface RuleRow {
  id: string;
  user_id: string;
  name: string;
  position: number;
  active: number;
  match: "all" | "any";
  conditions: string;
  actions: string;
  stop_processing: number;
  created_at: string;
  updated_at: string;
}

type DrizzleRuleRow = typeof rules.$inferSelect;

export function ruleFromRow(row: RuleRow): Rule {
  return {
    id: row.id,
    name: row.name,
    position: row.position,
    active: row.active === 1,
    match: row.match,
    conditions: JSON.parse(row.conditions) as RuleCondition[],
    actions: JSON.parse(row.actions) as RuleAction[],
    stop_processing: row.stop_processing === 1,
  };
}

export function ruleFromDrizzle(row: DrizzleRuleRow): Rule & { created_at: string; updated_at: string } {
  return {
    id: row.id,
    name: row.name,
    position: row.position,
    active: row.active,
    match: row.match,
    conditions: JSON.parse(row.conditions) as RuleCondition[],
    actions: JSON.parse(row.actions) as RuleAction[],
    stop_processing: row.stopProcessing,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}
