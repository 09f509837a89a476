/** One structured JSON line per event. Callers pass only safe fields: never secrets, tokens or passwords. */
export function logEvent(event: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ event, time: new Date().toISOString(), ...fields }));
}
