import type { AppRouteHandler } from "../http/context";
import { toRecord } from "../transactions/transactions.service";
import type { syncTransactions } from "./sync.routes";
import { readSyncPage } from "./sync.service";
import { signSyncCursor, verifySyncCursor } from "./sync-cursor";

export const syncTransactionsHandler: AppRouteHandler<typeof syncTransactions> = async (c) => {
  const user = c.get("user");
  const { cursor, limit } = c.req.valid("query");
  const after = cursor === undefined ? 0 : await verifySyncCursor(c.env.JWT_SECRET, user.id, cursor);
  const page = await readSyncPage(c.var.db, user.id, after, limit);
  c.header("cache-control", "no-store");
  return c.json(
    {
      added: page.added.map((row) => toRecord(row, user)),
      modified: page.modified.map((row) => toRecord(row, user)),
      removed: page.removed,
      next_cursor: await signSyncCursor(c.env.JWT_SECRET, user.id, page.nextSeq),
      has_more: page.hasMore,
    },
    200,
  );
};
