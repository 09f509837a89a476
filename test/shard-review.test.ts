import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { forgetSlotTable, slotTable } from "../src/db/shards";
import worker from "../src/index";
import { BASE, jsonInit, newUser } from "./harness";

/** Sends one request to the Worker in this isolate (its module state, the slot table cache, is this test's). */
async function send(path: string, init: RequestInit, testEnv: Env = env): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, init), testEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/**
 * The directory binding, with every session's batch followed by what a concurrent request of this isolate
 * does when it meets a slot fence: drop the cached slot table.
 */
function directoryForgettingSlots(real: D1Database): D1Database {
  return new Proxy(real, {
    get(target, name) {
      if (name !== "withSession") return Reflect.get(target, name).bind(target);
      return (constraint?: string) => {
        const session = target.withSession(constraint);
        return new Proxy(session, {
          get(s, key) {
            if (key !== "batch") return Reflect.get(s, key).bind(s);
            return async (list: D1PreparedStatement[]) => {
              const results = await s.batch(list);
              forgetSlotTable();
              return results;
            };
          },
        });
      };
    },
  });
}

describe("shards under review (issue 17)", () => {
  it("login routes to the user's shard even when the isolate drops its slot table mid-request (not a 500)", async () => {
    const user = await newUser("forget");
    await slotTable(env);
    const testEnv = { ...env, DB: directoryForgettingSlots(env.DB) } as Env;
    const res = await send("/api/v1/user/login", jsonInit("POST", { username: user.username, password: user.password }), testEnv);
    expect(res.status, await res.clone().text()).toBe(200);
  });
});
