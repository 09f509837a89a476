import { z } from "@hono/zod-openapi";
import { normalizeTimeZone } from "./time-zones";

function zoneName(spaceIsPlus = false) {
  return z
    .string()
    .max(64)
    .transform((name, ctx) => {
      const zone = normalizeTimeZone(spaceIsPlus ? name.replaceAll(" ", "+") : name);
      if (zone === null) {
        ctx.addIssue({ code: "custom", message: "must be an IANA time zone such as Europe/Paris or UTC" });
        return z.NEVER;
      }
      return zone;
    });
}

/** An IANA time zone the runtime's Intl accepts (aliases such as Asia/Katmandu too); letter case is fixed. */
export const TimeZoneName = zoneName().openapi({ type: "string", example: "America/New_York", description: "IANA time zone name" });

export const WEEK_STARTS = ["monday", "sunday"] as const;
export const WeekStartName = z.enum(WEEK_STARTS).openapi({ example: "monday", description: "First day of the week in by_weekday" });

/** The `tz` query parameter of analytics, list and export: local days of this zone instead of the profile's. */
// No example: Swagger UI would pre-fill it and move every "Try it out" into that zone.
// IANA names have no spaces, so a space here is a "+" sent unencoded (`?tz=Etc/GMT+12` decodes to "Etc/GMT 12").
export const TzQuery = zoneName(true).optional().openapi({
  type: "string",
  description: "IANA zone whose local days apply (from/to, day-based figures); defaults to the caller's time_zone",
});
