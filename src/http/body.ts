import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";
import { ApiError } from "./problem";

export const DEFAULT_BODY_LIMIT = 64 * 1024;
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** Keys whose JSON numbers are money: kept as their exact source text, never as a float. */
const MONEY_KEYS = new Set(["transaction_amount"]);

interface ReviverContext {
  source?: string;
}

/**
 * JSON.parse that keeps money numbers as the literal digits the client sent, turns numbers a double
 * cannot hold (1e400) into a marker object that no schema accepts (re-serialised they would become
 * null), and replaces lone UTF-16 surrogates with U+FFFD, as storage would, so what is stored is what is answered.
 */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text, function (this: unknown, key: string, value: unknown, context?: ReviverContext) {
    if (typeof value === "number") {
      if (MONEY_KEYS.has(key) && context?.source !== undefined) return context.source;
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

/**
 * Reads the body once, within `limit` bytes. JSON bodies must be valid UTF-8 and valid JSON (else 400)
 * and are re-serialised with money numbers turned into strings, so validators downstream see exact digits.
 */
export interface BodyRules {
  /** Byte limits by path (default 64 KiB). */
  limits?: Record<string, number>;
  /** Paths whose handler reads the raw bytes itself (and checks the media type). */
  raw?: ReadonlySet<string>;
}

export function readBody(rules: BodyRules = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "OPTIONS") return next();
    const bytes = await readLimited(c.req.raw, rules.limits?.[c.req.path] ?? DEFAULT_BODY_LIMIT);
    c.set("rawBody", bytes);
    // Some clients send a JSON content type on body-less DELETEs; that is not a malformed body.
    if (bytes.byteLength === 0 && c.req.method === "DELETE") return next();
    const mediaType = (c.req.header("content-type") ?? "").split(";")[0]?.trim() ?? "";
    if (JSON_MEDIA_TYPE.test(mediaType) && !rules.raw?.has(c.req.path)) {
      let value: unknown;
      let text: string;
      try {
        text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
        value = parseJsonExact(text);
      } catch {
        throw new ApiError("bad_request", "Request body is not valid UTF-8 JSON");
      }
      const duplicate = findDuplicateKey(text);
      if (duplicate !== null) throw new ApiError("bad_request", `Duplicate key in JSON object: ${JSON.stringify(duplicate)}`);
      // Hono's body cache holds promises at run time although its type says otherwise.
      (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(JSON.stringify(value));
    } else {
      (c.req.bodyCache as Record<string, unknown>).arrayBuffer = Promise.resolve(bytes.buffer);
    }
    return next();
  };
}
