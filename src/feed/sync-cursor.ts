import { ApiError } from "../http/problem";
import { decodeCursor, deriveCursorKey, encodeCursor } from "../lib/signed-cursor";

/** The sync feed's cursor: a signed (user, sequence position) pair, opaque to clients. */
export async function signSyncCursor(secret: string, userId: string, seq: number): Promise<string> {
  return encodeCursor(await deriveCursorKey(secret, "sync"), { u: userId, s: seq });
}

/** The sequence position of a cursor this user was given; 400 for anything else (altered, forged, another user's). */
export async function verifySyncCursor(secret: string, userId: string, cursor: string): Promise<number> {
  const payload = await decodeCursor(await deriveCursorKey(secret, "sync"), cursor, userId);
  if (!payload) throw new ApiError("bad_request", "The cursor is not valid for this user; pass a next_cursor this API gave you");
  return payload.s;
}
