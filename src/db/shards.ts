/**
 * Where a user's data lives (issue 17, docs/scaling.md). A user belongs to one of 256 logical slots, a
 * stable hash of the user id (so a token's `sub` names its slot without a lookup); the directory's `slots`
 * table says which shard binding holds each slot. The table is read once per isolate and kept: a slot
 * move fences the slot on its old shard, and a request that meets that fence drops the cached table
 * (`forgetSlotTable`), so an isolate with a stale table answers one 503 and then routes right.
 */

import { raisedBy, raiseUnless } from "./raised";
import { SLOT_COUNT, slotOf } from "./slot";

export { SLOT_COUNT, slotOf };

const SHARD_BINDING = /^SHARD_(\d+)$/;

/** The shard bindings of this deployment (SHARD_0 ... SHARD_n in number order), or the directory alone. */
export function shardBindingNames(env: object): string[] {
  const names = Object.keys(env)
    .filter((name) => SHARD_BINDING.test(name))
    .sort((a, b) => Number(SHARD_BINDING.exec(a)?.[1]) - Number(SHARD_BINDING.exec(b)?.[1]));
  return names.length > 0 ? names : ["DB"];
}

/** A D1 binding of the environment by name (a shard, or DB). */
export function bindingNamed(env: Env, name: string): D1Database {
  const binding = (env as unknown as Record<string, unknown>)[name] as D1Database | undefined;
  if (!binding || typeof binding.prepare !== "function") throw new Error(`no D1 binding ${name}`);
  return binding;
}

/** slot -> binding name, for all 256 slots. */
export type SlotTable = readonly string[];

let cached: SlotTable | undefined;
let loading: Promise<SlotTable> | undefined;

/** Where slots start out: slot % shard count, written to the directory on first use and never recomputed. */
function defaultBinding(env: Env, slot: number): string {
  const names = shardBindingNames(env);
  return names[slot % names.length] as string;
}

async function readSlots(env: Env): Promise<{ slot: number; binding: string }[]> {
  return (await env.DB.prepare("SELECT slot, binding FROM slots").all<{ slot: number; binding: string }>()).results;
}

async function loadSlotTable(env: Env): Promise<SlotTable> {
  let rows = await readSlots(env);
  if (rows.length < SLOT_COUNT) {
    // First use of this directory: persist the defaults, so adding a binding later moves nothing by itself;
    // then read what was persisted (another isolate, with other bindings, may have written its defaults first).
    const defaults = Array.from({ length: SLOT_COUNT }, (_, slot) => ({ slot, binding: defaultBinding(env, slot) }));
    await env.DB.prepare(
      "INSERT OR IGNORE INTO slots (slot, binding) SELECT json_extract(value, '$.slot'), json_extract(value, '$.binding') FROM json_each(?)",
    )
      .bind(JSON.stringify(defaults))
      .run();
    rows = await readSlots(env);
  }
  const table: string[] = Array.from({ length: SLOT_COUNT }, (_, slot) => defaultBinding(env, slot));
  for (const row of rows) table[row.slot] = row.binding;
  return table;
}

/** The slot table, read from the directory once per isolate. */
export async function slotTable(env: Env): Promise<SlotTable> {
  if (cached) return cached;
  loading ??= loadSlotTable(env).then(
    (table) => {
      cached = table;
      loading = undefined;
      return table;
    },
    (err) => {
      loading = undefined;
      throw err;
    },
  );
  return loading;
}

/** Drops the cached table (after meeting a slot fence, or a slot move's switch): the next use reads it again. */
export function forgetSlotTable(): void {
  cached = undefined;
}

/** The name of the shard binding that holds a user's data. */
export function shardNameFor(table: SlotTable, userId: string): string {
  return table[slotOf(userId)] as string;
}

/** The shard binding that holds a user's data (for work outside a request: queue consumers, cron, moves). */
export async function shardOf(env: Env, userId: string): Promise<D1Database> {
  return bindingNamed(env, shardNameFor(await slotTable(env), userId));
}

/** Every distinct shard binding (the directory too when it doubles as a shard), for per-shard sweeps. */
export function allShards(env: Env): { name: string; binding: D1Database }[] {
  return shardBindingNames(env).map((name) => ({ name, binding: bindingNamed(env, name) }));
}

/** The marker in the SQLite error the fence check raises: no other statement uses it. */
export const SLOT_FENCED_MARKER = "$finanalyze_slot_fenced";

/**
 * The fence check, one statement that rides with every round trip to a shard: an SQLite error when the
 * shard does not serve the slot now (moving away, moved away, or being moved in), so the atomic batch it
 * leads writes nothing there.
 */
export function fenceCheck(d1: { prepare(query: string): D1PreparedStatement }, slot: number): D1PreparedStatement {
  return d1
    .prepare(`SELECT ${raiseUnless("NOT EXISTS (SELECT 1 FROM slot_fences WHERE slot = ?1)", SLOT_FENCED_MARKER)} AS fenced`)
    .bind(slot);
}

/** The marker in the SQLite error a slot move's own writes raise when the shard no longer holds their fence. */
export const FENCE_GONE_MARKER = "$finanalyze_slot_fence_gone";

/**
 * Leads each write a slot move makes on a shard: an SQLite error (so the batch writes nothing) unless the
 * shard still holds the slot's fence for `reason` ("moving_in" on the target while copying, "catching_up"
 * there during the catch-up, "moved_out" on the source while cleaning up). A delivery of a step that outlives its phase (duplicated, slow) would
 * otherwise copy the old shard's rows over what the user wrote on the new one after the switch, or delete
 * a slot that has since moved back.
 */
export function fenceHeld(db: D1Database, slot: number, reason: "moving_in" | "catching_up" | "moved_out"): D1PreparedStatement {
  return db
    .prepare(`SELECT ${raiseUnless("EXISTS (SELECT 1 FROM slot_fences WHERE slot = ?1 AND reason = ?2)", FENCE_GONE_MARKER)} AS held`)
    .bind(slot, reason);
}

/** Whether a D1 error is the fence check's. */
export function isSlotFenced(err: unknown): boolean {
  return raisedBy(err, SLOT_FENCED_MARKER);
}
