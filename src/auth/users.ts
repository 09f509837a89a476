import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { users } from "../db/schema";
import { ApiError } from "../http/problem";
import { newId } from "../lib/ids";
import { hashPassword } from "./password";

export type UserRow = typeof users.$inferSelect;

export interface NewUser {
  username: string;
  password: string;
  fullName: string;
  email: string | null;
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

/** An authenticated caller: what requireAuth reads once per request and handlers use. */
export type AuthUser = Pick<UserRow, "id" | "username" | "fullName" | "email" | "createdAt" | "tokenVersion">;

/**
 * The one lookup every authenticated request makes, as a plain prepared D1 statement: it runs on
 * every call, so it skips the query builder.
 */
export async function findAuthUser(d1: D1Database, id: string): Promise<AuthUser | null> {
  return d1
    .prepare(
      "SELECT id, username, full_name AS fullName, email, created_at AS createdAt, token_version AS tokenVersion FROM users WHERE id = ?",
    )
    .bind(id)
    .first<AuthUser>();
}

export function publicUser(row: UserRow) {
  return { id: row.id, username: row.username, full_name: row.fullName, email: row.email };
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
