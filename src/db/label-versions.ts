import { type SQL, sql } from "drizzle-orm";
import { errorText } from "./raised";

/**
 * The per-user label version (migration 0008): bumped by every category and rule write, checked first in
 * the batch of a write that labelled transactions with a cached label context (transactions/label-cache.ts).
 */

// An invalid JSON path: SQLite's error quotes it ("bad JSON path: '$finanalyze_labels_stale'"; before 3.45
// "JSON path error near 'finanalyze_labels_stale'"), so the text names this check and nothing else.
const STALE_LABELS_MARKER = "$finanalyze_labels_stale";

/** Raised by runBatch when a batch's label guard found the stored version moved: nothing was written. */
export class StaleLabelsError extends Error {
  constructor() {
    super("the label context this write was built with is stale");
  }
}

/** A batch's first statement: aborts the batch unless the user's label version is still `version`. */
export function labelsGuard(userId: string, version: number): SQL {
  return sql`SELECT CASE WHEN COALESCE((SELECT version FROM label_versions WHERE user_id = ${userId}), 0) = ${version}
    THEN 1 ELSE json_extract('{}', ${sql.raw(`'${STALE_LABELS_MARKER}'`)}) END AS labels_current`;
}

/** In the batch of every category and rule write: moves the user's label version. */
export function bumpLabelsVersion(userId: string): SQL {
  return sql`INSERT INTO label_versions (user_id, version) VALUES (${userId}, 1)
    ON CONFLICT (user_id) DO UPDATE SET version = version + 1`;
}

/** Whether a D1 error is a label guard's. */
export function isStaleLabels(err: unknown): boolean {
  const text = errorText(err);
  return text.includes(`${STALE_LABELS_MARKER.slice(1)}'`);
}
