/**
 * A D1 session for one request whose checks ride along with its round trips.
 *
 * Guards (requireAuth's token-version check, the shard's slot fence) are statements sent at the head of
 * EVERY round trip: `batch([...guards, ...statements])`, so an authenticated request still costs one round
 * trip, and no later write of the request can land after a check would fail (a token revoked, or the
 * user's slot fenced for a move, in between). D1 batches are atomic: when a guard raises an SQLite error
 * the handler's writes in the same batch roll back, and the guard's `translate` turns that error into its
 * own (401, 503). Calls made while the first guarded round trip is in flight wait for its outcome, so no
 * answer and no write gets past a failed check. The session is opened on first use (`open`), which is
 * where src/http/database.ts picks the database (the directory, or the caller's shard). Drizzle's D1
 * driver only calls `prepare` and `batch`, which is all this implements.
 */

export interface Rider {
  statement: D1PreparedStatement;
  /** Receives the guard's own result when a round trip that carried it succeeded. */
  accept(result: D1Result): void;
  /** The error to throw instead of `err` when `err` was raised by this guard (else `undefined`). */
  translate(err: unknown): unknown;
}

type Outcome = { ok: true } | { ok: false; error: unknown };
type SessionStart = "primary" | "any" | "bookmark";

export class RequestD1 {
  #session: D1DatabaseSession | undefined;
  #guards: Rider[] = [];
  #checked = false;
  #inFlight: Promise<Outcome> | undefined;
  #failure: Outcome | undefined;

  #start: SessionStart;

  constructor(
    private readonly open: (self: RequestD1) => D1DatabaseSession,
    start: SessionStart,
  ) {
    this.#start = start;
  }

  /** How the session starts: on the primary, on any replica, or at a bookmark the client sent. */
  get start(): SessionStart {
    return this.#start;
  }

  /** For `open`: the session starts otherwise than planned (a bookmark of another database is not passed on). */
  startedAs(start: SessionStart): void {
    this.#start = start;
  }

  /** The D1 session (opened now if no statement has opened it yet). */
  get session(): D1DatabaseSession {
    this.#session ??= this.open(this);
    return this.#session;
  }

  /** Whether the session was opened (a request that made no query has no bookmark to give). */
  get opened(): boolean {
    return this.#session !== undefined;
  }

  /** Sends `rider` at the head of every round trip from now on. */
  carry(rider: Rider): void {
    this.#guards.push(rider);
  }

  /** Whether a guard has not yet been through a successful round trip. */
  get riderPending(): boolean {
    return this.#guards.length > 0 && !this.#checked;
  }

  /** Sends the guards on their own (a request that made no query of its own) and waits for their outcome. */
  async settle(): Promise<void> {
    if (this.riderPending && !this.#inFlight) await this.batch([]);
    else await this.#afterFirst();
  }

  prepare(query: string): RequestStatement {
    return new RequestStatement(this, this.session.prepare(query));
  }

  async batch<T = unknown>(statements: readonly (D1PreparedStatement | RequestStatement)[]): Promise<D1Result<T>[]> {
    const inner = statements.map((s) => (s instanceof RequestStatement ? s.inner : s));
    await this.#afterFirst();
    if (this.#guards.length === 0) return this.session.batch<T>(inner);
    return (await this.#guarded(inner)) as D1Result<T>[];
  }

  /** One statement's call: alone, or after the guards in one batch. */
  async run<R>(statement: D1PreparedStatement, alone: () => Promise<R>, fromResult: (result: D1Result) => R): Promise<R> {
    await this.#afterFirst();
    if (this.#guards.length === 0) return alone();
    const [result] = await this.#guarded([statement]);
    return fromResult(result as D1Result);
  }

  async #afterFirst(): Promise<void> {
    const outcome = this.#failure ?? (this.#inFlight ? await this.#inFlight : undefined);
    if (outcome && !outcome.ok) throw outcome.error;
  }

  async #guarded(statements: D1PreparedStatement[]): Promise<D1Result[]> {
    const guards = [...this.#guards];
    let done: ((outcome: Outcome) => void) | undefined;
    if (!this.#checked && !this.#inFlight) this.#inFlight = new Promise((resolve) => (done = resolve));
    try {
      const results = await this.session.batch([...guards.map((g) => g.statement), ...statements]);
      guards.forEach((guard, i) => guard.accept(results[i] as D1Result));
      this.#checked = true;
      done?.({ ok: true });
      return results.slice(guards.length);
    } catch (err) {
      for (const guard of guards) {
        const translated = guard.translate(err);
        if (translated === undefined) continue;
        this.#failure = { ok: false, error: translated };
        done?.(this.#failure);
        throw translated;
      }
      // The handler's statements failed, not a guard (they ran first and passed); the next round trip carries them again.
      if (done) this.#inFlight = undefined;
      done?.({ ok: true });
      throw err;
    }
  }
}

/** A prepared statement of a RequestD1: the real one, and calls that go through the rider logic. */
export class RequestStatement {
  constructor(
    private readonly owner: RequestD1,
    readonly inner: D1PreparedStatement,
  ) {}

  bind(...values: unknown[]): RequestStatement {
    return new RequestStatement(this.owner, this.inner.bind(...values));
  }

  first<T = Record<string, unknown>>(column?: string): Promise<T | null> {
    return this.owner.run(
      this.inner,
      () => (column === undefined ? this.inner.first<T>() : this.inner.first<T>(column)),
      (r) => {
        const row = (r.results[0] ?? null) as Record<string, unknown> | null;
        return (column === undefined ? row : (row?.[column] ?? null)) as T | null;
      },
    );
  }

  all<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return this.owner.run(
      this.inner,
      () => this.inner.all<T>(),
      (r) => r as D1Result<T>,
    );
  }

  run<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return this.owner.run(
      this.inner,
      () => this.inner.run<T>(),
      (r) => r as D1Result<T>,
    );
  }

  raw<T = unknown[]>(options?: { columnNames?: boolean }): Promise<T[]> {
    return this.owner.run(
      this.inner,
      () => (options?.columnNames ? (this.inner.raw<T>({ columnNames: true }) as Promise<T[]>) : this.inner.raw<T>()),
      // A batch answers rows as objects; their values in column order are the raw row (as in drizzle's own batch).
      (r) => {
        const rows = r.results as Record<string, unknown>[];
        const values = rows.map((row) => Object.values(row)) as T[];
        return options?.columnNames ? ([Object.keys(rows[0] ?? {}) as T, ...values] as T[]) : values;
      },
    );
  }
}
