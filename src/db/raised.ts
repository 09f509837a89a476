/**
 * Checks that ride in a D1 batch fail it on purpose: json_extract on a path that does not parse raises an
 * SQLite error ("bad JSON path: '$…'") naming the check's marker, so the atomic batch it leads writes nothing.
 * The CASE depends on the data, so SQLite cannot evaluate the failing branch ahead of time.
 */
export function raiseUnless(condition: string, marker: string): string {
  return `json_extract('{}', CASE WHEN ${condition} THEN '$.ok' ELSE '${marker}' END)`;
}

/** The text of an error and of the error it wraps (D1 puts the SQLite message in either). */
export function errorText(err: unknown): string {
  return `${err instanceof Error ? err.message : String(err)} ${err instanceof Error && err.cause instanceof Error ? err.cause.message : ""}`;
}

/** Whether `err` is the one a `raiseUnless` check with `marker` raised. */
export function raisedBy(err: unknown, marker: string): boolean {
  return errorText(err).includes(`'${marker}'`);
}
