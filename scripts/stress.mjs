// npm run test:stress — load, fault-injection and crash runs against a local Worker (loopback only,
// bounded in time). Exits non-zero if any acknowledged write is lost or analytics disagree with the rows.
import { bruteForceAnalytics, formatMinor } from "./lib/analytics-oracle.mjs";
import { getJson, percentile, signUpAndLogin, startLocalWorker } from "./lib/local-worker.mjs";

/** JSON with object keys sorted: the same figures compare equal whatever order the API writes their fields in. */
function canonical(value) {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

const PORT = Number(process.env.STRESS_PORT ?? 8798);
const PERSIST = ".wrangler/stress";
const CLIENTS = Number(process.env.STRESS_CLIENTS ?? 100);
const LOAD_SECONDS = Number(process.env.STRESS_SECONDS ?? 30);
const USERS = 20;
const CURRENCIES = ["USD", "JPY", "KWD"];
const failures = [];

function check(condition, message) {
  if (!condition) {
    failures.push(message);
    console.error(`FAIL: ${message}`);
  }
}

function randomAmount(currency) {
  return formatMinor(BigInt(1 + Math.floor(Math.random() * 500_000)), currency);
}

function randomFields() {
  const currency = CURRENCIES[Math.floor(Math.random() * CURRENCIES.length)];
  const day = 1 + Math.floor(Math.random() * 28);
  return {
    transaction_amount: randomAmount(currency),
    currency,
    transaction_type: Math.random() < 0.5 ? "credit" : "debit",
    transaction_date: `2026-10-${String(day).padStart(2, "0")}T${String(Math.floor(Math.random() * 24)).padStart(2, "0")}:00:00Z`,
    status: ["pending", "success", "failed"][Math.floor(Math.random() * 3)],
  };
}

class Stats {
  latencies = [];
  byStatus = new Map();
  add(status, ms) {
    this.latencies.push(ms);
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }
  report(label) {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const errors = [...this.byStatus].filter(([s]) => s === "network" || s >= 400).map(([s, n]) => `${s}: ${n}`);
    console.log(
      `${label}: ${sorted.length} requests, errors ${errors.length ? errors.join(", ") : "none"}, p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms`,
    );
  }
}

async function request(stats, base, token, method, path, body) {
  const started = performance.now();
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    stats.add(res.status, performance.now() - started);
    return { status: res.status, json: text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : null };
  } catch {
    stats.add("network", performance.now() - started);
    // The server is gone (crash run): back off instead of spinning.
    await new Promise((r) => setTimeout(r, 100));
    return { status: 0, json: null };
  }
}

/** One client: writes only its own transactions, so it knows their final acknowledged state. */
/** What a write would leave behind, as the API reports it (dates normalised to UTC milliseconds). */
function expectedState(user, fields) {
  return { user: user.id, ...fields, transaction_date: new Date(fields.transaction_date).toISOString() };
}

/**
 * Writes whose answer never arrived (the server died mid-request): each may or may not have been
 * applied. They are resolved after the restart by reading the server, and must match one outcome.
 */
class InFlight {
  stopped = false;
  creates = []; // { user, state }
  updates = new Map(); // id -> every state an unanswered update tried to set
  deletes = new Set(); // id
}

async function runClient(base, user, stats, deadline, ledger, inFlight) {
  const mine = [];
  // The crash run stops issuing requests once the server is killed, so only truly unanswered writes count as in flight.
  while (Date.now() < deadline && !inFlight?.stopped) {
    const roll = Math.random();
    if (roll < 0.5 || mine.length === 0) {
      const fields = randomFields();
      const res = await request(stats, base, user.token, "POST", "/api/v1/transaction/create", fields);
      if (res.status === 201) {
        mine.push(res.json.id);
        ledger.set(res.json.id, {
          user: user.id,
          ...fields,
          transaction_amount: res.json.transaction_amount,
          transaction_date: res.json.transaction_date,
        });
      } else if (res.status === 0) inFlight?.creates.push({ user: user.id, state: expectedState(user, fields) });
    } else if (roll < 0.75) {
      const id = mine[Math.floor(Math.random() * mine.length)];
      const fields = randomFields();
      const res = await request(stats, base, user.token, "PUT", `/api/v1/transaction/update/${id}`, fields);
      if (res.status === 200)
        ledger.set(id, {
          user: user.id,
          ...fields,
          transaction_amount: res.json.transaction_amount,
          transaction_date: res.json.transaction_date,
        });
      else if (res.status === 0) inFlight?.updates.set(id, [...(inFlight.updates.get(id) ?? []), expectedState(user, fields)]);
    } else if (roll < 0.9) {
      const id = mine.splice(Math.floor(Math.random() * mine.length), 1)[0];
      const res = await request(stats, base, user.token, "DELETE", `/api/v1/transaction/delete/${id}`);
      if (res.status === 200) ledger.set(id, { user: user.id, deleted: true });
      else {
        if (res.status === 0) inFlight?.deletes.add(id);
        mine.push(id);
      }
    } else {
      await request(stats, base, user.token, "GET", "/api/v1/transaction/analytics/me");
    }
  }
}

const FIELDS = ["transaction_amount", "currency", "transaction_type", "status", "transaction_date"];
const sameFields = (a, b) => FIELDS.every((f) => a[f] === b[f]);

/** Settles every in-flight write against what the restarted server holds; anything else is a failure. */
async function reconcile(base, users, ledger, inFlight) {
  const stats = new Stats();
  let applied = 0;
  for (const id of new Set([...inFlight.updates.keys(), ...inFlight.deletes])) {
    const before = ledger.get(id);
    const user = users.find((u) => u.id === before.user);
    const res = await request(stats, base, user.token, "GET", `/api/v1/transaction/${id}`);
    if (res.status === 404 && inFlight.deletes.has(id)) {
      ledger.set(id, { user: user.id, deleted: true });
      applied += 1;
    } else if (res.status === 200 && (inFlight.updates.get(id) ?? []).some((state) => sameFields(res.json, state))) {
      ledger.set(
        id,
        (inFlight.updates.get(id) ?? []).find((state) => sameFields(res.json, state)),
      );
      applied += 1;
    } else {
      check(res.status === 200 && sameFields(res.json, before), `in-flight write to ${id} left neither the old nor the new state`);
    }
  }
  for (const user of users) {
    const unmatched = inFlight.creates.filter((c) => c.user === user.id);
    let cursor = null;
    do {
      const res = await request(stats, base, user.token, "GET", `/api/v1/transaction/all?limit=1000${cursor ? `&cursor=${cursor}` : ""}`);
      for (const t of res.json.data) {
        if (ledger.has(t.id)) continue;
        const match = unmatched.findIndex((c) => sameFields(t, c.state));
        check(match >= 0, `${user.username}: ${t.id} appeared without being acknowledged or in flight`);
        if (match >= 0) {
          ledger.set(t.id, unmatched.splice(match, 1)[0].state);
          applied += 1;
        }
      }
      cursor = res.json.next_cursor;
    } while (cursor);
  }
  const total = inFlight.creates.length + [...inFlight.updates.values()].reduce((n, tries) => n + tries.length, 0) + inFlight.deletes.size;
  console.log(`in flight at the crash: ${total} writes without an answer, ${applied} of them found applied (allowed either way)`);
}

async function verify(base, users, ledger, label) {
  const stats = new Stats();
  let checked = 0;
  for (const [id, expected] of ledger) {
    const user = users.find((u) => u.id === expected.user);
    const res = await request(stats, base, user.token, "GET", `/api/v1/transaction/${id}`);
    checked += 1;
    if (expected.deleted) check(res.status === 404, `${label}: deleted ${id} answered ${res.status}`);
    else {
      check(res.status === 200, `${label}: acknowledged ${id} answered ${res.status}`);
      if (res.status === 200) {
        for (const field of ["transaction_amount", "currency", "transaction_type", "status", "transaction_date"]) {
          check(res.json[field] === expected[field], `${label}: ${id}.${field} is ${res.json[field]}, acknowledged ${expected[field]}`);
        }
      }
    }
  }
  for (const user of users) {
    const live = [...ledger].filter(([, v]) => v.user === user.id && !v.deleted);
    const listed = [];
    let cursor = null;
    do {
      const res = await request(stats, base, user.token, "GET", `/api/v1/transaction/all?limit=1000${cursor ? `&cursor=${cursor}` : ""}`);
      listed.push(...res.json.data.map((t) => t.id));
      cursor = res.json.next_cursor;
    } while (cursor);
    const known = new Set(live.map(([id]) => id));
    check(
      listed.every((id) => known.has(id)),
      `${label}: ${user.username} lists a transaction that was never acknowledged`,
    );
    check(listed.length === known.size, `${label}: ${user.username} lists ${listed.length}, acknowledged ${known.size}`);
    for (const currency of CURRENCIES) {
      const res = await request(stats, base, user.token, "GET", `/api/v1/transaction/analytics/me?currency=${currency}`);
      const expected = bruteForceAnalytics(
        live.map(([, v]) => v),
        currency,
      );
      for (const [key, value] of Object.entries(expected)) {
        const [got, want] = [canonical(res.json?.[key]), canonical(value)];
        check(got === want, `${label}: ${user.username} ${currency} ${key} is ${got}, brute force ${want}`);
      }
    }
  }
  const integrity = await getJson(`${base}/__dev/integrity`);
  check(integrity.ok, `${label}: rollups differ from rows: ${JSON.stringify(integrity.mismatches)}`);
  console.log(
    `${label}: verified ${checked} acknowledged writes, ${users.length} users' lists and analytics; rollups ${integrity.ok ? "exact" : "WRONG"}`,
  );
}

async function waitFor(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  check(false, `timed out waiting for ${what}`);
  return false;
}

async function setFaults(base, faults) {
  const res = await fetch(`${base}/__dev/faults`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(faults),
  });
  if (!res.ok) throw new Error(`faults: ${res.status}`);
}

async function burst(base, users, ledger, seconds, clients, label) {
  const stats = new Stats();
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, (_, i) => runClient(base, users[i % users.length], stats, deadline, ledger)));
  stats.report(label);
  return stats;
}

let worker = await startLocalWorker({ port: PORT, persistTo: PERSIST });
try {
  const users = [];
  for (let i = 0; i < USERS; i++) users.push(await signUpAndLogin(worker.base, `stress${i}`));
  const ledger = new Map();

  // 1. Load: CLIENTS concurrent clients for LOAD_SECONDS.
  const load = await burst(worker.base, users, ledger, LOAD_SECONDS, CLIENTS, `load (${CLIENTS} clients, ${LOAD_SECONDS} s)`);
  check(![...load.byStatus.keys()].some((s) => s === "network" || s >= 500), "load: server errors or dropped connections");
  await waitFor(async () => (await getJson(`${worker.base}/__dev/integrity`)).ok, 30_000, "rollups to settle");
  await verify(worker.base, users, ledger, "after load");

  // 2. Faults: the consumer throws for some users and 30% of queue sends fail.
  const failing = users.slice(0, 3).map((u) => u.id);
  await setFaults(worker.base, { consumer_fail_users: failing, queue_send_fail_rate: 0.3 });
  await burst(worker.base, users, ledger, 10, 30, "faults (30 clients, 10 s)");
  await waitFor(
    async () => {
      const dead = await getJson(`${worker.base}/__dev/dead-letters`);
      return failing.every((id) => dead.some((d) => d.body.includes(id)));
    },
    60_000,
    "failing users' messages to reach the dead-letter queue",
  );
  await verify(worker.base, users, ledger, "under faults");
  await setFaults(worker.base, {});
  await fetch(`${worker.base}/__dev/sweep`, { method: "POST" });
  await verify(worker.base, users, ledger, "after faults cleared and sweep");

  // 3. Crash: kill the dev server (SIGKILL, whole process group) in the middle of a write burst.
  const crashStats = new Stats();
  const crashDeadline = Date.now() + 20_000;
  const inFlight = new InFlight();
  const clients = Promise.all(
    Array.from({ length: 40 }, (_, i) => runClient(worker.base, users[i % users.length], crashStats, crashDeadline, ledger, inFlight)),
  );
  await new Promise((r) => setTimeout(r, 4000));
  await worker.stop("SIGKILL");
  inFlight.stopped = true;
  console.log("killed the dev server mid-burst");
  await clients.catch(() => undefined);
  crashStats.report("crash burst");
  worker = await startLocalWorker({ port: PORT, persistTo: PERSIST, fresh: false });
  console.log("restarted on the same local state");
  await reconcile(worker.base, users, ledger, inFlight);
  await verify(worker.base, users, ledger, "after crash and restart");
} finally {
  await worker.stop();
}

if (failures.length > 0) {
  console.error(`\n${failures.length} check(s) failed`);
  process.exit(1);
}
console.log("\nstress: all checks passed");
