/**
 * A D1 session for one request that can make a statement ride along with the request's first round trip.
 *
 * requireAuth hands over its token-version check as such a "rider": the first `first/all/run/raw` or
 * `batch` call the handler makes is sent as `batch([rider, ...statements])`, so an authenticated request
 * costs one round trip, not two. D1 batches are atomic: when the rider raises an SQLite error the
 * handler's writes in the same batch roll back, and `translate` turns that error into the rider's own
 * (a 401). Calls made while the rider's round trip is in flight wait for its outcome, so no answer and
 * no write gets past a failed check. Drizzle's D1 driver only calls `prepare` and `batch`, which is all
 * this implements.
 */

export interface Rider {
  statement: D1PreparedStatement;
  /** Receives the rider's own result when the round trip that carried it succeeded. */
  accept(result: D1Result): void;
  /** The error to throw instead of `err` when `err` was raised by the rider (else `undefined`). */
  translate(err: unknown): unknown;
}

type Outcome = { ok: true } | { ok: false; error: unknown };

export class RequestD1 {
  #rider: Rider | undefined;
  #inFlight: Promise<Outcome> | undefined;
  #failure: Outcome | undefined;

  constructor(
    readonly session: D1DatabaseSession,
    /** How the session started: on the primary, on any replica, or at a bookmark the client sent. */
    readonly start: "primary" | "any" | "bookmark",
  ) {}

  /** Sends `rider` with the next round trip (one rider per request). */
  carry(rider: Rider): void {
    if (this.#rider || this.#inFlight) throw new Error("a rider is already pending");
    this.#rider = rider;
  }

  /** Whether a rider is still waiting for a round trip to carry it. */
  get riderPending(): boolean {
    return this.#rider !== undefined;
  }

  /** Sends a pending rider on its own (a request that made no query of its own) and waits for any rider. */
  async settle(): Promise<void> {
    if (this.#rider) await this.batch([]);
    else await this.#afterRider();
  }

  prepare(query: string): RequestStatement {
    return new RequestStatement(this, this.session.prepare(query));
  }

  async batch<T = unknown>(statements: readonly (D1PreparedStatement | RequestStatement)[]): Promise<D1Result<T>[]> {
    const inner = statements.map((s) => (s instanceof RequestStatement ? s.inner : s));
    const rider = await this.#takeRider();
    if (!rider) return this.session.batch<T>(inner);
    return (await this.#withRider(rider, inner)) as D1Result<T>[];
  }

  /** One statement's call: alone, or as the second statement of the rider's batch. */
  async run<R>(statement: D1PreparedStatement, alone: () => Promise<R>, fromResult: (result: D1Result) => R): Promise<R> {
    const rider = await this.#takeRider();
    if (!rider) return alone();
    const [result] = await this.#withRider(rider, [statement]);
    return fromResult(result as D1Result);
  }

  async #afterRider(): Promise<void> {
    const outcome = this.#failure ?? (this.#inFlight ? await this.#inFlight : undefined);
    if (outcome && !outcome.ok) throw outcome.error;
  }

  async #takeRider(): Promise<Rider | undefined> {
    await this.#afterRider();
    const rider = this.#rider;
    this.#rider = undefined;
    return rider;
  }

  async #withRider(rider: Rider, statements: D1PreparedStatement[]): Promise<D1Result[]> {
    let done!: (outcome: Outcome) => void;
    this.#inFlight = new Promise((resolve) => (done = resolve));
    try {
      const [own, ...results] = await this.session.batch([rider.statement, ...statements]);
      rider.accept(own as D1Result);
      done({ ok: true });
      return results;
    } catch (err) {
      const translated = rider.translate(err);
      if (translated === undefined) {
        // The handler's statements failed, not the rider (it ran first and passed), and the batch rolled back
        // with the rider's row: carry it again with the next round trip (or alone, from settle()).
        this.#rider = rider;
        done({ ok: true });
        throw err;
      }
      this.#failure = { ok: false, error: translated };
      done(this.#failure);
      throw translated;
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
