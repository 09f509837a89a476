// A small FinAnalyze API client for the browser: every request the dashboard makes goes through here, so this file
// is also a reference for integrators. No dependencies; errors are thrown as ApiError built from RFC 9457
// problem+json. The bearer token lives in this object only: the caller decides where to keep it (the dashboard uses
// sessionStorage, never a cookie).

/** A failed request: what was asked, the HTTP status (0 when the network failed) and the server's problem body. */
export class ApiError extends Error {
  /**
   * @param {string} what  e.g. "Loading analytics"
   * @param {number} status
   * @param {{ title?: string, detail?: string, request_id?: string, errors?: { path?: string, message?: string }[] } | null} problem
   */
  constructor(what, status, problem) {
    const reason = problem?.detail || problem?.title || (status ? `HTTP ${status}` : "network error");
    super(`${what} failed${status ? ` (${status})` : ""}: ${reason}`);
    this.name = "ApiError";
    this.what = what;
    this.status = status;
    this.problem = problem;
  }

  /** The token is missing, expired or revoked: sign in again. */
  get unauthorized() {
    return this.status === 401;
  }
}

/**
 * Query entries without the empty ones.
 * @param {Record<string, string | number | undefined | null>} [query]
 */
function searchParams(query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}

export class FinAnalyzeClient {
  /** @param {{ base?: string, token?: string | null }} [options] base: the API origin; "" means this page's origin */
  constructor({ base = "", token = null } = {}) {
    this.base = base;
    /** @type {string | null} */
    this.token = token;
  }

  /**
   * @param {string} what  a human description of the request, used in error messages
   * @param {string} method
   * @param {string} path
   * @param {{ query?: Record<string, string | number | undefined | null>, body?: unknown, auth?: boolean }} [options]
   */
  async request(what, method, path, { query, body, auth = true } = {}) {
    /** @type {Record<string, string>} */
    const headers = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (auth) {
      if (!this.token) throw new ApiError(what, 401, { title: "Not signed in" });
      headers.authorization = `Bearer ${this.token}`;
    }
    let res;
    try {
      res = await fetch(`${this.base}${path}${searchParams(query)}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
      });
    } catch (err) {
      throw new ApiError(what, 0, { detail: err instanceof Error ? err.message : String(err) });
    }
    if (!res.ok) {
      const problem = await res.json().catch(() => null);
      throw new ApiError(what, res.status, problem);
    }
    return res.json();
  }

  /** POST /api/v1/user/login; keeps the token. @returns {Promise<{ access_token: string, expires_in: number, user: { id: string, username: string, full_name: string } }>} */
  async login(username, password) {
    const answer = await this.request("Signing in", "POST", "/api/v1/user/login", { body: { username, password }, auth: false });
    this.token = answer.access_token;
    return answer;
  }

  /** POST /api/v1/user/sign_up. @param {{ username: string, password: string, full_name: string, email?: string }} account */
  signUp(account) {
    return this.request("Creating the account", "POST", "/api/v1/user/sign_up", { body: account, auth: false });
  }

  /** POST /api/v1/user/logout: revokes every token issued so far; forgets the token even if that fails. */
  async logout() {
    try {
      return await this.request("Signing out", "POST", "/api/v1/user/logout");
    } finally {
      this.token = null;
    }
  }

  /** GET /api/v1/user/me: the profile (with `time_zone` and `week_start` where the server has them). */
  me() {
    return this.request("Loading your profile", "GET", "/api/v1/user/me");
  }

  /**
   * GET /api/v1/transaction/analytics/me.
   * @param {{ currency?: string, from?: string, to?: string, tz?: string }} query  from/to: inclusive days YYYY-MM-DD
   */
  analytics(query) {
    return this.request("Loading analytics", "GET", "/api/v1/transaction/analytics/me", { query });
  }

  /**
   * GET /api/v1/transaction/all: one page, newest first; pass the answer's next_cursor as `cursor` for the next.
   * @param {{ limit?: number, cursor?: string, currency?: string, from?: string, to?: string, tz?: string }} query
   */
  transactions(query) {
    return this.request("Loading transactions", "GET", "/api/v1/transaction/all", { query });
  }

  /** GET /api/v1/transaction/recurring (only where `capabilities().recurring`). @param {{ tz?: string }} [query] */
  recurring(query) {
    return this.request("Loading recurring payments", "GET", "/api/v1/transaction/recurring", { query });
  }

  /**
   * What this server supports, read once from its OpenAPI document, so optional features are used without
   * probing for routes that may answer 404.
   */
  async capabilities() {
    const doc = await this.request("Reading the API description", "GET", "/openapi.json", { auth: false });
    /** @param {string} path @param {string} name */
    const hasQuery = (path, name) =>
      (doc.paths?.[path]?.get?.parameters ?? []).some(
        (/** @type {{ in?: string, name?: string }} */ p) => p.in === "query" && p.name === name,
      );
    const recurringPath = "/api/v1/transaction/recurring";
    return {
      analyticsTz: hasQuery("/api/v1/transaction/analytics/{user_id}", "tz"),
      listTz: hasQuery("/api/v1/transaction/all", "tz"),
      recurring: Boolean(doc.paths?.[recurringPath]?.get),
      recurringTz: hasQuery(recurringPath, "tz"),
    };
  }
}
