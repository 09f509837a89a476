import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { users } from "../db/schema";
import type { AuthUser } from "../lib/context";
import { newId } from "../lib/ids";
import { ApiError } from "../lib/problem";
import { hashPassword } from "./password";

export type UserRow = typeof users.$inferSelect;

export interface NewUser {
  username: string;
  password: string;
  fullName: string;
  email: string | null;
  timeZone?: string;
  weekStart?: "monday" | "sunday";
}

function isUniqueViolation(err: unknown): boolean {
  const text = `${err instanceof Error ? err.message : ""} ${err instanceof Error && err.cause instanceof Error ? err.cause.message : ""}`;
  return text.includes("UNIQUE constraint failed");
}

export async function createUser(db: Database, input: NewUser): Promise<UserRow> {
  const now = new Date().toISOString();
  const row: UserRow = {
    id: newId("usr"),
    username: input.username,
    fullName: input.fullName,
    email: input.email,
    passwordHash: await hashPassword(input.password),
    tokenVersion: 0,
    timeZone: input.timeZone ?? "UTC",
    weekStart: input.weekStart ?? "monday",
    createdAt: now,
    updatedAt: now,
  };
  try {
    await db.insert(users).values(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw new ApiError("conflict", "That username is taken");
    throw err;
  }
  return row;
}

export async function findUserByUsername(db: Database, username: string): Promise<UserRow | undefined> {
  return db.query.users.findFirst({ where: sql`${users.username} = ${username} COLLATE NOCASE` });
}

export async function findUserById(db: Database, id: string): Promise<UserRow | undefined> {
  return db.query.users.findFirst({ where: eq(users.id, id) });
}

export interface TokenSubject {
  id: string;
  username: string;
  fullName: string;
  email: string | null;
  createdAt: string;
  timeZone: string;
  weekStart: "monday" | "sunday";
  tokenVersion: number;
}

/**
 * The one lookup every authenticated request makes, as a plain prepared D1 statement: it runs on
 * every call, so it skips the query builder.
 */
export async function findTokenSubject(d1: D1Database, id: string): Promise<TokenSubject | null> {
  return d1
    .prepare(
      `SELECT id, username, full_name AS fullName, email, created_at AS createdAt, time_zone AS timeZone, week_start AS weekStart,
        token_version AS tokenVersion FROM users WHERE id = ?`,
    )
    .bind(id)
    .first<TokenSubject>();
}

export function publicUser(row: UserRow) {
  return { id: row.id, username: row.username, full_name: row.fullName, email: row.email };
}

/** GET/PATCH /user/me and sign-up: the caller's own profile. */
export function profileOf(u: AuthUser) {
  return {
    id: u.id,
    username: u.username,
    full_name: u.fullName,
    email: u.email,
    time_zone: u.timeZone,
    week_start: u.weekStart,
    created_at: u.createdAt,
  };
}

/** Revokes every token issued so far (logout, password change). */
export async function bumpTokenVersion(db: Database, userId: string): Promise<void> {
  await db
    .update(users)
    .set({ tokenVersion: sql`${users.tokenVersion} + 1`, updatedAt: new Date().toISOString() })
    .where(eq(users.id, userId));
}

export async function setPassword(db: Database, userId: string, password: string): Promise<void> {
  await db
    .update(users)
    .set({ passwordHash: await hashPassword(password), tokenVersion: sql`${users.tokenVersion} + 1`, updatedAt: new Date().toISOString() })
    .where(eq(users.id, userId));
}
