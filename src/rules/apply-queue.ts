import { backgroundWriteContext } from "../analytics/ledger";
import { isSlotMoving, SLOT_MOVING_DELAY_SECONDS } from "../db/shard-database";
import { logEvent } from "../lib/log";
import { APPLY_ROWS_PER_INVOCATION, type ApplyRange, applyRuleToRange } from "./apply";
import { ruleFromDrizzle } from "./rules.store";

/** The rest of a POST /rules/{id}/apply over a long history, carried on the analytics queue. */
export interface RuleApplyMessage {
  kind: "rule_apply";
  user_id: string;
  rule_id: string;
  range: ApplyRange;
  cursor: string;
  request_id: string;
}

export function isRuleApplyMessage(body: unknown): body is RuleApplyMessage {
  const b = body as Partial<RuleApplyMessage> | null;
  return b?.kind === "rule_apply" && typeof b.user_id === "string" && typeof b.rule_id === "string" && typeof b.cursor === "string";
}

/**
 * One message applies the next slice of rows and queues the one after. A deleted rule ends the run.
 * At-least-once delivery is fine: re-applying a slice changes nothing. A slice whose slot is being moved
 * waits for the move as a fresh message (a retry would spend the attempts and dead-letter the rest).
 */
export async function consumeRuleApply(messages: readonly Message<unknown>[], env: Env, ctx: ExecutionContext): Promise<void> {
  for (const message of messages) {
    const body = message.body as RuleApplyMessage;
    try {
      const write = await backgroundWriteContext(env, body.user_id, (p) => ctx.waitUntil(p), {
        requestId: body.request_id,
        clientIp: null,
      });
      const row = await write.db.query.rules.findFirst({
        where: (r, { and, eq }) => and(eq(r.id, body.rule_id), eq(r.userId, body.user_id)),
      });
      if (row) {
        const progress = await applyRuleToRange(write, body.user_id, ruleFromDrizzle(row), body.range, {
          dryRun: false,
          cursor: body.cursor,
          maxRows: APPLY_ROWS_PER_INVOCATION,
        });
        if (progress.cursor) await env.ANALYTICS_QUEUE.send({ ...body, cursor: progress.cursor } satisfies RuleApplyMessage);
        logEvent("rules.apply_slice", { rule_id: body.rule_id, changed: progress.changed, done: progress.cursor === null });
      }
      message.ack();
    } catch (err) {
      if (isSlotMoving(err)) {
        await env.ANALYTICS_QUEUE.send(body, { delaySeconds: SLOT_MOVING_DELAY_SECONDS }).then(
          () => message.ack(),
          () => message.retry({ delaySeconds: SLOT_MOVING_DELAY_SECONDS }),
        );
        continue;
      }
      logEvent("rules.apply_failed", { rule_id: body.rule_id, error: String(err) });
      message.retry();
    }
  }
}
