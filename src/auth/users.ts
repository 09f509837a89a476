import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { errorText, raisedBy, raiseUnless } from "../db/raised";
import { accounts, users } from "../db/schema";
import { slotOf } from "../db/shards";
import { ApiError } from "../http/problem";
import { newId } from "../lib/ids";
import { hashPassword } from "./password";

export type UserRow = typeof users.$inferSelect;
export type AccountRow = typeof accounts.$inferSelect;

export interface NewUser {
  username: string;
  password: string;
  fullName: string;
  email: string | null;
  timeZone?: string;
  weekStart?: "monday" | "sunday";
}

function isUniqueViolation(err: unknown): boolean {
  return errorText(err).includes("UNIQUE constraint failed");
}

/** A new user's shard row and directory row (the password hashed), to insert in that order (see signUp). */
export async function newUserRows(input: NewUser): Promise<{ user: UserRow; account: AccountRow }> {
  const now = new Date().toISOString();
  const id = newId("usr");
  const slot = slotOf(id);
  return {
    user: {
      id,
      username: input.username,
      fullName: input.fullName,
      email: input.email,
      tokenVersion: 0,
      timeZone: input.timeZone ?? "UTC",
      weekStart: input.weekStart ?? "monday",
      slot,
      createdAt: now,
      updatedAt: now,
    },
    account: { id, username: input.username, passwordHash: await hashPassword(input.password), slot, createdAt: now, updatedAt: now },
  };
}

/** Runs a batch that inserts a user; a taken username is a 409. */
export async function insertingUser<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (isUniqueViolation(err)) throw new ApiError("conflict", "That username is taken");
    throw err;
  }
}

/** The directory lookup login makes (in its first batch, with the throttle state). */
export function accountByUsername(directory: Database, username: string) {
  return directory.select().from(accounts).where(sql`${accounts.username} = ${username} COLLATE NOCASE`);
}

/** An authenticated caller: what requireAuth knows and handlers use. */
export type AuthUser = Pick<UserRow, "id" | "username" | "fullName" | "email" | "createdAt" | "timeZone" | "weekStart" | "tokenVersion">;

type Profile = Pick<UserRow, "username" | "fullName" | "email" | "createdAt" | "timeZone" | "weekStart">;

/**
 * The caller of an authenticated request. `id` and `tokenVersion` come from the verified token; the
 * profile fields from the token check's row, which arrives with the request's first D1 round trip
 * (so read them after a query, or after `await c.var.d1.settle()`).
 */
export class Caller implements AuthUser {
  #profile: Profile | undefined;

  constructor(
    readonly id: string,
    readonly tokenVersion: number,
  ) {}

  /** Called with the check's row when the token version matched. */
  accept(profile: Profile): void {
    this.#profile = profile;
  }

  get verified(): boolean {
    return this.#profile !== undefined;
  }

  #get(): Profile {
    if (!this.#profile) throw new Error("the caller's profile was read before the token check ran");
    return this.#profile;
  }
  get username() {
    return this.#get().username;
  }
  get fullName() {
    return this.#get().fullName;
  }
  get email() {
    return this.#get().email;
  }
  get createdAt() {
    return this.#get().createdAt;
  }
  get timeZone() {
    return this.#get().timeZone;
  }
  get weekStart() {
    return this.#get().weekStart;
  }
}

/** The marker in the SQLite error the token check raises ("bad JSON path: '$…'"): no other statement uses it. */
export const TOKEN_REVOKED_MARKER = "$finanalyze_token_revoked";

/**
 * The token check, one statement: the caller's profile when the user exists at the token's version, and
 * an SQLite error otherwise (db/raised.ts), so that the atomic batch it leads rolls back every write that
 * travels with it.
 */
export function tokenCheck(d1: D1DatabaseSession, userId: string, tokenVersion: number): D1PreparedStatement {
  return d1
    .prepare(
      `SELECT u.username, u.full_name AS fullName, u.email, u.created_at AS createdAt, u.time_zone AS timeZone,
        u.week_start AS weekStart,
        ${raiseUnless("u.token_version = ?2", TOKEN_REVOKED_MARKER)} AS checked
      FROM (SELECT 1) LEFT JOIN users u ON u.id = ?1`,
    )
    .bind(userId, tokenVersion);
}

/** Whether a D1 error is the token check's. */
export function isTokenRevoked(err: unknown): boolean {
  return raisedBy(err, TOKEN_REVOKED_MARKER);
}

export function publicUser(row: Pick<UserRow, "id" | "username" | "fullName" | "email">) {
  return { id: row.id, username: row.username, full_name: row.fullName, email: row.email };
}

/** GET/PATCH /user/me and sign-up: the caller's own profile. */
export function profileOf(u: Omit<AuthUser, "tokenVersion">) {
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

/** Revokes every token issued so far (logout), as a statement for the request's batch. */
export function bumpTokenVersion(db: Database, userId: string) {
  return db
    .update(users)
    .set({ tokenVersion: sql`${users.tokenVersion} + 1`, updatedAt: new Date().toISOString() })
    .where(eq(users.id, userId));
}

/** Sets a new password hash in the directory (password change; the caller's shard then bumps the token version). */
export function setPasswordHash(directory: Database, userId: string, passwordHash: string) {
  return directory.update(accounts).set({ passwordHash, updatedAt: new Date().toISOString() }).where(eq(accounts.id, userId));
}
