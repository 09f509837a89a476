import { z } from "@hono/zod-openapi";
import { TimeZoneName, WeekStartName } from "../lib/zone-schemas";

const Username = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{3,64}$/, "3-64 characters of letters, digits, '_', '.' or '-'")
  .openapi({ example: "ada_lovelace" });
const Password = z.string().min(8).max(128).openapi({ example: "correct horse battery" });

export const SignUpSchema = z
  .strictObject({
    username: Username,
    password: Password,
    full_name: z.string().trim().min(1).max(200).openapi({ example: "Ada Lovelace" }),
    email: z.email().max(254).optional().openapi({ example: "ada@example.com" }),
    time_zone: TimeZoneName.optional().openapi({ description: "IANA time zone; default UTC" }),
    week_start: WeekStartName.optional().openapi({ description: "monday (default) or sunday" }),
  })
  .openapi("SignUpRequest", {
    example: {
      username: "ada_lovelace",
      password: "correct horse battery",
      full_name: "Ada Lovelace",
      email: "ada@example.com",
      time_zone: "Europe/London",
      week_start: "monday",
    },
  });

export const LoginJsonSchema = z
  .strictObject({
    username: z.string().min(1).max(64).openapi({ example: "ada_lovelace" }),
    password: z.string().min(1).max(128).openapi({ example: "correct horse battery" }),
  })
  .openapi("LoginRequest");

/** OAuth2 password form (what Swagger UI's Authorize sends); grant_type, scope and client fields are allowed. */
export const LoginFormSchema = z
  .object({
    username: z.string().min(1).max(64).openapi({ example: "ada_lovelace" }),
    password: z.string().min(1).max(128).openapi({ example: "correct horse battery" }),
    grant_type: z.literal("password").optional(),
    scope: z.string().optional(),
    client_id: z.string().optional(),
    client_secret: z.string().optional(),
  })
  .openapi("LoginForm");

const publicUserFields = {
  id: z.string().openapi({ example: "usr_5q3x8m2k1n7p4r6t9v0w2y4z6a" }),
  username: z.string().openapi({ example: "ada_lovelace" }),
  full_name: z.string().openapi({ example: "Ada Lovelace" }),
  email: z.string().nullable().openapi({ example: "ada@example.com" }),
};

export const PublicUserSchema = z.object(publicUserFields).openapi("User");

// Its own object, not `PublicUserSchema.extend()`: extending a named schema is emitted as allOf [User, {…}], which
// Swagger UI shows as "UserProfile (any & object)".
export const UserProfileSchema = z
  .object({
    ...publicUserFields,
    time_zone: z.string().openapi({ example: "Europe/London", description: "IANA zone of every day-based figure" }),
    week_start: WeekStartName,
    created_at: z.string().openapi({ example: "2026-11-25T10:00:00.000Z" }),
  })
  .openapi("UserProfile");

export const LoginResponseSchema = z
  .object({
    access_token: z.string().openapi({ example: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..." }),
    token_type: z.literal("bearer"),
    expires_in: z.number().int().openapi({ example: 3600 }),
    user: PublicUserSchema,
  })
  .openapi("LoginResponse");

export const ChangePasswordSchema = z
  .strictObject({
    current_password: z.string().min(1).max(128).openapi({ example: "correct horse battery" }),
    new_password: Password.openapi({ example: "a much better passphrase" }),
  })
  .openapi("ChangePasswordRequest");

export const MessageSchema = z.object({ message: z.string().openapi({ example: "success" }) }).openapi("Message");
