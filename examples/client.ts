// A typed client for the FinAnalyze API, built from the app's own route types (no code generation).
//
//   npx tsx examples/client.ts [base-url]      (default $API_BASE or http://127.0.0.1:8787)
//
// Signs up a fresh user, logs in, records one transaction, lists the user's transactions and reads
// their analytics, printing each result. Exits non-zero on any unexpected status.
import { hc } from "hono/client";
import type { AppType } from "../src/app";

const base = process.argv[2] ?? process.env.API_BASE ?? "http://127.0.0.1:8787";

/** The error for a response whose status is not the expected one. */
async function unexpected(what: string, expected: number, res: { status: number; text(): Promise<string> }): Promise<Error> {
  return new Error(`${what}: expected ${expected}, got ${res.status}: ${await res.text()}`);
}

function show(label: string, value: unknown): void {
  console.log(`${label}: ${JSON.stringify(value, null, 2)}`);
}

async function main(): Promise<void> {
  const client = hc<AppType>(base);

  const username = `client_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const password = "example-client-password";

  const signUpRes = await client.api.v1.user.sign_up.$post({
    json: { username, password, full_name: "Typed Client", email: `${username}@example.com` },
  });
  if (signUpRes.status !== 201) throw await unexpected("sign_up", 201, signUpRes);
  const profile = await signUpRes.json();
  show("signed up", profile);

  // The login route accepts JSON or an OAuth2 form, and @hono/zod-openapi types such a body as needing
  // both `json` and `form`. hono/client sends `json` when both are given (it overrides the form body).
  const credentials = { username, password };
  const loginRes = await client.api.v1.user.login.$post({ json: credentials, form: credentials });
  if (loginRes.status !== 200) throw await unexpected("login", 200, loginRes);
  const login = await loginRes.json();
  console.log(`logged in as ${login.user.username} (${login.user.id}); token expires in ${login.expires_in} s`);

  // Every authenticated call sends the bearer token; a second client carries it for us.
  const authed = hc<AppType>(base, { headers: { authorization: `Bearer ${login.access_token}` } });

  // Idempotency-Key makes a retried create safe: the same key and body replay the first answer.
  const createRes = await authed.api.v1.transaction.create.$post({
    query: {},
    header: { "idempotency-key": crypto.randomUUID() },
    json: {
      transaction_amount: "125.50",
      transaction_type: "debit",
      transaction_date: "2026-11-25",
      currency: "USD",
      description: "Groceries",
    },
  });
  if (createRes.status !== 201) throw await unexpected("create", 201, createRes);
  const created = await createRes.json();
  show("created", created);

  const listRes = await authed.api.v1.transaction.all.$get({ query: { limit: "10" } });
  if (listRes.status !== 200) throw await unexpected("list", 200, listRes);
  const page = await listRes.json();
  console.log(`listed ${page.data.length} transaction(s), has_more=${page.has_more}`);
  for (const t of page.data)
    console.log(
      `  ${t.id} ${t.transaction_date.slice(0, 10)} ${t.transaction_type} ${t.transaction_amount} ${t.currency} ${t.description ?? ""}`,
    );

  const analyticsRes = await authed.api.v1.transaction.analytics[":user_id"].$get({ param: { user_id: "me" }, query: {} });
  if (analyticsRes.status !== 200) throw await unexpected("analytics", 200, analyticsRes);
  const analytics = await analyticsRes.json();
  show("analytics", analytics);
  console.log(`transaction_count: ${analytics.transaction_count}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
