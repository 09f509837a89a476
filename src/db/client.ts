import { createTableRelationsHelpers, extractTablesRelationalConfig } from "drizzle-orm";
import { DrizzleD1Database, drizzle, SQLiteD1Session } from "drizzle-orm/d1";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import * as schema from "./schema";

function create(d1: D1Database) {
  return drizzle(d1, { schema });
}

export type Database = ReturnType<typeof create>;

// One drizzle instance per binding object: building it per request showed up in CPU profiles.
const instances = new WeakMap<D1Database, Database>();

/** Drizzle over the binding itself, for work outside a request (queue consumer, cron). Requests use `requestDb(c)`. */
export function getDb(d1: D1Database): Database {
  let db = instances.get(d1);
  if (!db) instances.set(d1, (db = create(d1)));
  return db;
}

// What drizzle() derives from the schema on every call, derived once: a per-request instance is then two small objects.
const dialect = new SQLiteAsyncDialect();
const tables = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
const relational = { fullSchema: schema, schema: tables.tables, tableNamesMap: tables.tableNamesMap };

/**
 * Drizzle over any object with D1's `prepare` and `batch` (a session, or the request's wrapped session). Built per
 * request, so built cheaply: drizzle's constructor makes a relational query builder for every table (`db.query.*`),
 * which profiled at ~6% of a primary-key read that uses none of them; here they are made on first use of `db.query`.
 */
export function databaseOver(client: { prepare(query: string): unknown; batch(statements: never[]): Promise<unknown> }): Database {
  const d1 = client as unknown as D1Database;
  const session = new SQLiteD1Session(d1, dialect, relational, {});
  const db = new DrizzleD1Database("async", dialect, session, undefined) as unknown as Database;
  // What the constructor would have set from the schema (the query builders read it, and so may drizzle elsewhere).
  (db as unknown as { _: unknown })._ = {
    schema: relational.schema,
    fullSchema: relational.fullSchema,
    tableNamesMap: relational.tableNamesMap,
  };
  Object.defineProperty(db, "query", {
    configurable: true,
    enumerable: true,
    get() {
      const { query } = new DrizzleD1Database("async", dialect, session, relational) as unknown as Database;
      Object.defineProperty(db, "query", { value: query, configurable: true, enumerable: true, writable: true });
      return query;
    },
  });
  db.$client = d1;
  return db;
}
