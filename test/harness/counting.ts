import { allShards } from "../../src/db/shards";

/**
 * Counts the calls that reach D1 (prepare().first/all/run/raw and batch, on the binding or on any of its
 * sessions) while the Worker serves one request, with the binding wrapped in this test's env. A request
 * that adds a hop fails here against the budget in src/db/round-trips.ts.
 */
export interface Counted {
  calls: string[];
}

export function countingD1(real: D1Database, counted: Counted): D1Database {
  const inner = new WeakMap<object, D1PreparedStatement>();
  const statement = (s: D1PreparedStatement): D1PreparedStatement => {
    const wrapped = {
      bind: (...values: unknown[]) => statement(s.bind(...values)),
      first: (column?: string) => (counted.calls.push("first"), column === undefined ? s.first() : s.first(column)),
      all: () => (counted.calls.push("all"), s.all()),
      run: () => (counted.calls.push("run"), s.run()),
      raw: (options?: { columnNames?: boolean }) => (
        counted.calls.push("raw"), options?.columnNames ? s.raw({ columnNames: true }) : s.raw()
      ),
    } as unknown as D1PreparedStatement;
    inner.set(wrapped, s);
    return wrapped;
  };
  const unwrap = (list: D1PreparedStatement[]) => list.map((s) => inner.get(s) ?? s);
  const session = (s: D1DatabaseSession): D1DatabaseSession =>
    ({
      prepare: (query: string) => statement(s.prepare(query)),
      batch: (list: D1PreparedStatement[]) => (counted.calls.push(`batch(${list.length})`), s.batch(unwrap(list))),
      getBookmark: () => s.getBookmark(),
    }) as unknown as D1DatabaseSession;
  return {
    prepare: (query: string) => statement(real.prepare(query)),
    batch: (list: D1PreparedStatement[]) => (counted.calls.push(`batch(${list.length})`), real.batch(unwrap(list))),
    exec: (query: string) => (counted.calls.push("exec"), real.exec(query)),
    withSession: (constraint?: string) => session(real.withSession(constraint)),
    dump: () => real.dump(),
  } as unknown as D1Database;
}

/** Every D1 binding of `env` (the directory DB and each shard) wrapped, counting into `counter(name)`. */
export function countingBindings(env: Env, counter: (binding: string) => Counted): Record<string, D1Database> {
  return Object.fromEntries(
    [{ name: "DB", binding: env.DB }, ...allShards(env).filter((s) => s.name !== "DB")].map(({ name, binding }) => [
      name,
      countingD1(binding, counter(name)),
    ]),
  );
}
