/**
 * D1 round trips per request, the one list. Every route makes exactly ONE: requireAuth's token check
 * travels in the handler's first batch (db/request-d1.ts). The exceptions below say when and why.
 * test/round-trips.test.ts counts the calls that reach D1 for each route and fails on any other number.
 */
export interface RoundTripException {
  /** Round trips in that case. */
  trips: number;
  /** The case, when the route takes one round trip otherwise. */
  when?: string;
  reason: string;
}

export const ROUND_TRIP_EXCEPTIONS = {
  "POST /api/v1/user/sign_up": {
    trips: 2,
    reason:
      "two databases (docs/scaling.md): the user's row and audit entry in their shard first, then the directory row that makes the username loginable",
  },
  "POST /api/v1/user/login": {
    trips: 3,
    reason:
      "the directory account and the failure counters are read, the password is verified in the Worker (PBKDF2), then at once the outcome " +
      "(counters) in the directory and the token version with the audit entry in the user's shard: 2 sequential, 3 calls (2 for a wrong password)",
  },
  "POST /api/v1/user/change_password": {
    trips: 4,
    reason:
      "the token check (shard) and the current hash with the attempt counted (directory) at once, the hash verified in the Worker, then the new hash " +
      "(directory) before the token version bump (shard): 3 sequential, 4 calls",
  },
  "PUT /api/v1/transaction/update/{transaction_id}": {
    trips: 2,
    reason:
      "read-modify-write: the new amount depends on the stored row (rescaled to a new currency, its digits checked with bigint money), so the row is " +
      "read (with the token check), then written in one batch guarded by its etag; each retry after a concurrent change (at most 3 attempts) adds 2",
  },
  "POST /api/v1/transaction/bulk": {
    trips: 2,
    when: "items carry external_id",
    reason:
      "the user's existing external_ids are looked up before the write batch; each further 1,000 rows add one atomic batch, and losing an external_id race to a concurrent request adds one lookup",
  },
  "POST /api/v1/transaction/import": {
    trips: 2,
    when: "rows carry external_id or an exported id",
    reason: "as bulk: existing ids are looked up first; each further 1,000 rows add one atomic batch",
  },
  "POST /api/v1/transaction/create": {
    trips: 3,
    when: "this isolate's cached label context (categories, active rules) is missing or older than the user's label version",
    reason:
      "writes label with the isolate's cached context and carry a guard first in their batch (transactions/label-cache.ts); when a category or rule " +
      "changed since (or the isolate never cached a user who has some), the guard aborts the batch, the context is reloaded and the write redone. " +
      "A body naming a category the cache does not know reloads first (2). The same holds for bulk and import",
  },
  "PUT /api/v1/categories/{id}": {
    trips: 2,
    reason:
      "the stored category (its audit entry records it before and after) and the body's checks (parent, name) are read in one batch, then the " +
      "write re-checks them in SQL in its own batch with the rollups' version and the label version",
  },
  "DELETE /api/v1/categories/{id}": {
    trips: 2,
    reason:
      "whether the category exists, has children, is used by transactions and whether reassign_to exists are read in one batch (a 404, 409 or 422 " +
      "each), then the reassignment and the delete (guarded again in SQL) run in one batch with rollups and audit",
  },
  "POST /api/v1/rules/{id}/apply": {
    trips: 3,
    reason:
      "the rule is read (with the token check), then each page of 500 rows is read and its changes written in one guarded batch (2 per page, up to " +
      "5,000 rows before the queue continues); a set_category the isolate's cached label context does not know adds one load",
  },
  "GET /api/v1/transaction/export": {
    trips: 2,
    when: "more than 1,000 matching rows",
    reason: "the CSV streams one keyset page of 1,000 rows per round trip, in constant memory",
  },
  "Idempotency-Key on a write": {
    trips: 3,
    when: "a write sends Idempotency-Key (1 more for a replay, 2 in all: claim, read the stored answer)",
    reason:
      "claiming the key is a round trip of its own before the handler (it carries the token check), and storing the answer one after it",
  },
} as const satisfies Record<string, RoundTripException>;

/** The round trips a route may make in its ordinary case. */
export function roundTripBudget(route: string): number {
  const exception = (ROUND_TRIP_EXCEPTIONS as Record<string, RoundTripException>)[route];
  return exception && exception.when === undefined ? exception.trips : 1;
}
