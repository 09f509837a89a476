import type { Context, MiddlewareHandler } from "hono";
import type { ZodType } from "zod";
import type { AppEnv } from "./context";
import { ApiError } from "./problem";
import { parseOrThrow } from "./validation";

/**
 * Request bodies, read once and only when a route asks for them: after its earlier middleware (requireAuth
 * first, so an anonymous upload is refused before a byte of it is read), within the route's declared limit.
 */

export const DEFAULT_BODY_LIMIT = 64 * 1024;
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;
const FORM_MEDIA_TYPE = "application/x-www-form-urlencoded";

/**
 * JSON numbers that must be kept as their exact source text, never as a float: every number whose key is
 * named here. Money fields register themselves (see transactions.schemas.ts), so this file names no domain field.
 */
const EXACT_NUMBER_KEYS = new Set<string>();

export function keepNumberExact(key: string): void {
  EXACT_NUMBER_KEYS.add(key);
}

interface ReviverContext {
  source?: string;
}

/**
 * JSON.parse that keeps exact numbers (money) as the literal digits the client sent, turns numbers a double
 * cannot hold (1e400) into a marker object that no schema accepts (re-serialised they would become
 * null), and replaces lone UTF-16 surrogates with U+FFFD, as storage would, so what is stored is what is answered.
 */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text, function (this: unknown, key: string, value: unknown, context?: ReviverContext) {
    if (typeof value === "number") {
      if (EXACT_NUMBER_KEYS.has(key) && context?.source !== undefined) return context.source;
      if (!Number.isFinite(value)) return { number_out_of_range: context?.source ?? "" };
    }
    if (typeof value === "string" && !value.isWellFormed()) return value.toWellFormed();
    return value;
  } as (key: string, value: unknown) => unknown);
}

/**
 * The first key that appears twice in one JSON object, or null. JSON.parse silently keeps the last
 * one, and parsers disagree, so for money a repeated key is rejected rather than guessed.
 */
export function findDuplicateKey(text: string): string | null {
  const QUOTE = 34,
    BACKSLASH = 92,
    OPEN_OBJECT = 123,
    CLOSE_OBJECT = 125,
    OPEN_ARRAY = 91,
    CLOSE_ARRAY = 93,
    COMMA = 44;
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === QUOTE) {
      // Jump from quote to quote; a quote preceded by an odd run of backslashes is escaped.
      let j = text.indexOf('"', i + 1);
      for (;;) {
        let slashes = 0;
        while (text.charCodeAt(j - 1 - slashes) === BACKSLASH) slashes++;
        if (j < 0 || slashes % 2 === 0) break;
        j = text.indexOf('"', j + 1);
      }
      if (j < 0) return null; // unterminated: JSON.parse has already rejected it
      const top = stack.at(-1);
      if (expectKey && top) {
        const raw = text.slice(i + 1, j);
        const key = raw.includes("\\") ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (top.has(key)) return key;
        top.add(key);
      }
      expectKey = false;
      i = j;
    } else if (ch === OPEN_OBJECT) {
      stack.push(new Set());
      expectKey = true;
    } else if (ch === OPEN_ARRAY) {
      stack.push(null);
    } else if (ch === CLOSE_OBJECT || ch === CLOSE_ARRAY) {
      stack.pop();
    } else if (ch === COMMA) {
      expectKey = stack.length > 0 && stack.at(-1) !== null;
    }
  }
  return null;
}

async function readLimited(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw tooLarge(limit);
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function tooLarge(limit: number): ApiError {
  return new ApiError("payload_too_large", `Request body exceeds ${limit} bytes`);
}

/** Route middleware: this route accepts bodies up to `bytes` (default 64 KiB). Declare it after requireAuth. */
export function bodyLimit(bytes: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("bodyLimit", bytes);
    return next();
  };
}

/** The request body, read once (within the route's limit) and kept for whoever asks next (idempotency, the validator). */
export async function requestBytes(c: Context<AppEnv>): Promise<Uint8Array> {
  let bytes = c.get("rawBody");
  if (!bytes) {
    bytes = await readLimited(c.req.raw, c.get("bodyLimit") ?? DEFAULT_BODY_LIMIT);
    c.set("rawBody", bytes);
  }
  return bytes;
}

export function mediaTypeOf(c: Context): string {
  return (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** Strict UTF-8 (a BOM or invalid bytes are errors, not silently replaced); null when the bytes are not. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}

/** A JSON body, parsed once: valid UTF-8, valid JSON, no repeated keys, exact numbers kept (else 400). */
function parseJsonBody(bytes: Uint8Array): unknown {
  const text = decodeUtf8(bytes);
  let value: unknown;
  try {
    if (text === null) throw new Error("not UTF-8");
    value = parseJsonExact(text);
  } catch {
    throw new ApiError("bad_request", "Request body is not valid UTF-8 JSON");
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== null) throw new ApiError("bad_request", `Duplicate key in JSON object: ${JSON.stringify(duplicate)}`);
  return value;
}

export interface BodySchemas {
  json?: ZodType;
  form?: ZodType;
  required?: boolean;
}

/**
 * The validator for a route's JSON (and, for login, form) body: 415 naming what to send for any other
 * media type, then one parse and one schema check, handed to the handler as c.req.valid("json" | "form").
 */
export function validateBody(schemas: BodySchemas): MiddlewareHandler<AppEnv> {
  const accepted = [schemas.json && "application/json", schemas.form && FORM_MEDIA_TYPE].filter(Boolean).join(" or ");
  return async (c, next) => {
    const mediaType = mediaTypeOf(c);
    const bytes = await requestBytes(c);
    if (schemas.json && JSON_MEDIA_TYPE.test(mediaType)) {
      c.req.addValidatedData("json", parseOrThrow(schemas.json, parseJsonBody(bytes)) as object);
    } else if (schemas.form && mediaType === FORM_MEDIA_TYPE) {
      const text = decodeUtf8(bytes);
      if (text === null) throw new ApiError("bad_request", "Request body is not valid UTF-8");
      c.req.addValidatedData("form", parseOrThrow(schemas.form, Object.fromEntries(new URLSearchParams(text))) as object);
    } else if (mediaType === "" && bytes.byteLength === 0) {
      // No body at all: a required one is validated as {} (422 naming the fields); an optional one is empty.
      if (schemas.json) c.req.addValidatedData("json", schemas.required ? (parseOrThrow(schemas.json, {}) as object) : {});
      if (schemas.form) c.req.addValidatedData("form", {});
    } else {
      throw new ApiError("unsupported_media_type", `Unsupported Content-Type${mediaType ? ` ${mediaType}` : ""}: send ${accepted}`);
    }
    return next();
  };
}
