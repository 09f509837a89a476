import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

function create(d1: D1Database) {
  return drizzle(d1, { schema });
}

export type Database = ReturnType<typeof create>;

// One drizzle instance per binding object: building it per request showed up in CPU profiles.
const instances = new WeakMap<D1Database, Database>();

export function getDb(d1: D1Database): Database {
  let db = instances.get(d1);
  if (!db) instances.set(d1, (db = create(d1)));
  return db;
}
