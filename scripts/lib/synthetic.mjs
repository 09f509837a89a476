// Deterministic synthetic transactions shared by the API load (load-child.mjs) and the raw SQLite baseline.
const START = Date.UTC(2024, 0, 1);
const DAY_MS = 86_400_000;

/** Transaction n: 0.01-1000.00, one in three a credit, one in ten in EUR, spread over 1,000 days. */
export function syntheticItem(n) {
  const minor = ((n * 7919) % 100_000) + 1;
  const date = new Date(START + (n % 1000) * DAY_MS + ((n * 37) % 86_400) * 1000);
  return {
    transaction_amount: `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, "0")}`,
    amount_minor: minor,
    transaction_type: n % 3 === 0 ? "credit" : "debit",
    currency: n % 10 === 0 ? "EUR" : "USD",
    transaction_date: date.toISOString(),
    description: "bench",
  };
}

/** The API request shape of transaction n (no amount_minor). */
export function syntheticRequestItem(n) {
  const { transaction_amount, transaction_type, currency, transaction_date, description } = syntheticItem(n);
  return { transaction_amount, transaction_type, currency, transaction_date, description };
}
