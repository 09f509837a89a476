/** Opaque keyset cursor: the (transaction_date, id) of the last row of a page. */
export interface CursorPosition {
  date: string;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return btoa(`${position.date}|${position.id}`).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function decodeCursor(cursor: string): CursorPosition | null {
  try {
    const text = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    const [date, id, extra] = text.split("|");
    if (!date || !id || extra !== undefined || !/^\d{4}-\d{2}-\d{2}T/.test(date)) return null;
    return { date, id };
  } catch {
    return null;
  }
}
