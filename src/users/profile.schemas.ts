import { z } from "@hono/zod-openapi";
import { TimeZoneName, WeekStartName } from "../lib/zone-schemas";

export const UpdateProfileSchema = z
  .strictObject({
    full_name: z.string().trim().min(1).max(200).optional().openapi({ example: "Ada King" }),
    email: z.email().max(254).nullable().optional().openapi({ example: "ada@example.com", description: "null clears it" }),
    time_zone: TimeZoneName.optional(),
    week_start: WeekStartName.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, "at least one field is required")
  .openapi("UpdateProfile", { example: { time_zone: "America/New_York", week_start: "sunday" } });

export type UpdateProfileInput = z.infer<typeof UpdateProfileSchema>;
