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

/** Drizzle over any object with D1's `prepare` and `batch` (a session, or the request's wrapped session). */
export function databaseOver(client: { prepare(query: string): unknown; batch(statements: never[]): Promise<unknown> }): Database {
  const d1 = client as unknown as D1Database;
  const session = new SQLiteD1Session(d1, dialect, relational, {});
  const db = new DrizzleD1Database("async", dialect, session, relational) as Database;
  db.$client = d1;
  return db;
}
