/** One structured JSON line per event. Callers pass only safe fields: never secrets, tokens or passwords. */
export function logEvent(event: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ event, time: new Date().toISOString(), ...fields }));
}

export interface RequestLine {
  requestId: string;
  method: string;
  /** The matched route's pattern, not the path: no ids or query strings in the log. */
  route: string;
  status: number;
  /** Date.now() when the request started. */
  started: number;
  userId: string | null;
}

/**
 * The per-request line (the same JSON as logEvent("request", …), fields in the same order), written on every
 * request: one clock read and one string, without the intermediate object and its spread.
 */
export function logRequest(line: RequestLine): void {
  const now = Date.now();
  const user = line.userId === null ? "null" : JSON.stringify(line.userId);
  console.log(
    `{"event":"request","time":"${new Date(now).toISOString()}","request_id":${JSON.stringify(line.requestId)},"method":${JSON.stringify(line.method)},"route":${JSON.stringify(line.route)},"status":${line.status},"duration_ms":${now - line.started},"user_id":${user}}`,
  );
}
