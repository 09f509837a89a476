import { authed, call, json } from "./http";

export interface SyncRecord {
  id: string;
  transaction_amount: string;
  updated_at: string;
  [key: string]: unknown;
}

export interface SyncPageBody {
  added: SyncRecord[];
  modified: SyncRecord[];
  removed: { id: string; deleted_at: string }[];
  next_cursor: string;
  has_more: boolean;
}

export async function syncPage(token: string, cursor?: string, limit?: number): Promise<SyncPageBody> {
  const query = new URLSearchParams();
  if (cursor !== undefined) query.set("cursor", cursor);
  if (limit !== undefined) query.set("limit", String(limit));
  return json<SyncPageBody>(await call(`/api/v1/transaction/sync?${query}`, authed(token)), 200);
}

/** Pages until has_more is false; returns every page and the cursor to keep. */
export async function syncAll(token: string, cursor?: string, limit?: number) {
  const pages: SyncPageBody[] = [];
  let next = cursor;
  for (;;) {
    const page = await syncPage(token, next, limit);
    pages.push(page);
    next = page.next_cursor;
    if (!page.has_more) return { pages, cursor: next };
  }
}
