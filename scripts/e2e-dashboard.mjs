// The dashboard (/dashboard) in Chromium against the seeded demo user: called by scripts/e2e.mjs with its Worker and
// browser, or on its own (`node scripts/e2e-dashboard.mjs`, starts both) while working on the dashboard.
//
// Checks that every chart's table and the headline figures equal what the API answers for the same query (default
// range, another currency, the other ranges, paging), saves screenshots at 1440 and 375 px to test-results/, and
// fails on any request that leaves localhost, any console error and any failing request of a signed-in session.
// Then sign-out (the token is revoked), sign-up (an empty dashboard), and a revoked token sends the page back to
// sign-in with a message.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { root, startLocalWorker } from "./lib/local-worker.mjs";

const OUT = join(root, "test-results");
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
const DEMO = { username: "demo", password: "demo-password-2026" };
const PAGE_SIZE = 15; // public/dashboard/app.js

/** @typedef {import("playwright-core").Page} Page */
/** @typedef {(name: string, fn: () => Promise<string | void>, options?: { skip?: boolean }) => Promise<boolean>} Step */

/**
 * @param {unknown} condition
 * @param {string} message
 * @returns {asserts condition}
 */
function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** @param {unknown} actual @param {unknown} expected @param {string} what */
function assertEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  assert(a === e, `${what}:\n  page: ${a}\n  API:  ${e}`);
}

/** A table cell's amount back as the API's decimal string ("1,234.50" → "1234.50"). @param {string} text */
const plain = (text) => text.replaceAll(",", "");

/** A decimal string in minor units, exactly ("1234.50" → 123450n). @param {string} amount */
const minor = (amount) => BigInt(amount.replace(".", ""));

/**
 * The category table the page should show, from the API's rows: each top-level category (uncategorised last) with its
 * own figures, then its children as "Parent › Child", then, for a parent with children, "Parent total" (including_children).
 * @param {any[]} rows
 * @returns {string[][]}
 */
function expectedCategoryRows(rows) {
  const ids = new Set(rows.map((c) => c.category_id));
  const top = rows.filter((c) => c.parent_id === null || !ids.has(c.parent_id));
  const ordered = [...top.filter((c) => c.category_id !== null), ...top.filter((c) => c.category_id === null)];
  /** @param {any} c @param {string} label */
  const row = (c, label) => [label, String(c.transaction_count), c.total_debit, c.total_credit];
  const name = (/** @type {any} */ c) => c.name ?? "Uncategorised";
  return ordered.flatMap((parent) => {
    const children = parent.category_id === null ? [] : rows.filter((c) => c.parent_id === parent.category_id);
    return [
      row(parent, name(parent)),
      ...children.map((c) => row(c, `${name(parent)} › ${name(c)}`)),
      ...(children.length ? [row(parent.including_children, `${name(parent)} total`)] : []),
    ];
  });
}

/**
 * YYYY-MM-DD of today in a time zone, moved by `offsetDays` (the dashboard's days are those of its time zone).
 * @param {string} timeZone
 */
function day(timeZone, offsetDays = 0) {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + offsetDays);
  return d.toISOString().slice(0, 10);
}

/** The first day of the month 11 months before this one (the dashboard's "last 12 months"). @param {string} timeZone */
function twelveMonthsFrom(timeZone) {
  const d = new Date(`${day(timeZone).slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - 11);
  return d.toISOString().slice(0, 10);
}

/**
 * The date column of the latest-transactions table: a date-only record's calendar date, else the instant's local
 * "YYYY-MM-DD HH:MM" in the zone.
 * @param {{ transaction_date: string, date_only?: boolean }} t
 * @param {string} timeZone
 */
function listedWhen(t, timeZone) {
  if (t.date_only) return t.transaction_date.slice(0, 10);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(new Date(t.transaction_date))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** The recurring table the page should show: the API's live streams, soonest next date first, then the tombstoned. @param {any[]} streams */
function expectedRecurringRows(streams) {
  const ended = (/** @type {any} */ s) => (s.status === "tombstoned" ? 1 : 0);
  return [...streams]
    .sort((x, y) => ended(x) - ended(y) || String(x.predicted_next_date ?? "9999").localeCompare(String(y.predicted_next_date ?? "9999")))
    .map((s) => [
      s.key,
      s.frequency,
      s.predicted_next_date ?? "—",
      `${s.average_amount} ${s.currency}`,
      `${s.last_amount} ${s.currency}`,
      String(s.occurrences),
      s.status,
    ]);
}

/**
 * What the server offers beyond the base API, from its OpenAPI document (as public/dashboard/api.js reads it).
 * @param {string} base
 */
async function serverCapabilities(base) {
  const doc = /** @type {any} */ (await (await fetch(`${base}/openapi.json`)).json());
  /** @param {string} path */
  const hasTz = (path) => (doc.paths?.[path]?.get?.parameters ?? []).some((/** @type {any} */ p) => p.in === "query" && p.name === "tz");
  return {
    analyticsTz: hasTz("/api/v1/transaction/analytics/{user_id}"),
    listTz: hasTz("/api/v1/transaction/all"),
    recurring: Boolean(doc.paths?.["/api/v1/transaction/recurring"]?.get),
    recurringTz: hasTz("/api/v1/transaction/recurring"),
  };
}

/**
 * @param {{ base: string, browser: import("playwright-core").Browser, step: Step, persistTo: string }} options
 */
export async function dashboardE2e({ base, browser, step, persistTo }) {
  /** @type {string[]} */
  const external = [];
  /** @type {string[]} */
  const consoleErrors = [];
  /** @type {string[]} */
  const failedRequests = [];
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  context.setDefaultTimeout(30_000);
  await context.route("**/*", (route) => {
    const url = route.request().url();
    let host = "";
    try {
      host = new URL(url).hostname;
    } catch {
      /* no host */
    }
    if (LOCAL_HOSTS.has(host) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
    external.push(url);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  page.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(msg.text());
  });
  page.on("pageerror", (err) => consoleErrors.push(`uncaught: ${err.message}`));
  page.on("requestfailed", (req) => failedRequests.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText}`));
  page.on("response", async (res) => {
    if (res.status() < 400) return;
    const line = `${res.request().method()} ${res.url()}: ${res.status()}`;
    failedRequests.push(line);
    if (res.status() >= 500) console.log(`  (${line} answered ${(await res.text().catch(() => "")).slice(0, 500)})`);
  });

  const caps = await serverCapabilities(base);
  /** The page's time zone: its picker where the API takes `tz`, else UTC (the API's days). */
  const pageTz = async () => (caps.analyticsTz ? page.locator("#tz").inputValue() : "UTC");
  /** @param {string} path @param {string} token */
  const api = async (path, token) => {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return /** @type {Promise<any>} */ (res.json());
  };
  /** The page's token (sessionStorage, where app.js keeps it). @returns {Promise<string>} */
  const token = () => page.evaluate('sessionStorage.getItem("finanalyze.dashboard.token") ?? ""');
  /** @param {string} key */
  const tableRows = async (key) =>
    Promise.all(
      (await page.locator(`[data-table="${key}"] tbody tr`).all()).map(async (row) =>
        (await row.locator("th, td").allTextContents()).map((text) => text.trim()),
      ),
    );
  /** Waits for a load the page started to finish: its status line, or an error notice. */
  const loaded = async () => {
    const notice = page.locator("#notice");
    await page
      .locator("#status", { hasText: /^Figures computed/ })
      .or(notice.filter({ visible: true }))
      .waitFor();
    if (await notice.isVisible()) throw new Error(`the page shows: ${await notice.textContent()}`);
  };
  /**
   * Runs an action on the page and returns the analytics and list requests it made (those containing `match`).
   * @param {() => Promise<unknown>} action
   * @param {string} [match]
   */
  const loadAfter = async (action, match = "") => {
    const analytics = page.waitForRequest((r) => r.url().includes("/api/v1/transaction/analytics/me") && r.url().includes(match));
    const list = page.waitForRequest((r) => r.url().includes("/api/v1/transaction/all") && r.url().includes(match));
    await action();
    const [a, l] = await Promise.all([analytics, list]);
    await loaded();
    return { analytics: new URL(a.url()).searchParams, list: new URL(l.url()).searchParams };
  };

  /**
   * The page's tables and figures equal the API's answer for the query the test expects.
   * @param {{ analytics: URLSearchParams, list: URLSearchParams }} requests
   * @param {{ currency?: string, from?: string, to?: string }} expected
   */
  const matchesApi = async (requests, expected) => {
    /** @type {Record<string, string>} */
    const query = Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== undefined));
    /** @type {Record<string, string>} */
    const tz = caps.analyticsTz ? { tz: await pageTz() } : {};
    const listQuery = { limit: String(PAGE_SIZE), ...query, ...(caps.listTz ? tz : {}) };
    assertEqual(Object.fromEntries(requests.analytics), { ...query, ...tz }, "the page's analytics query");
    assertEqual(Object.fromEntries(requests.list), listQuery, "the page's list query");
    const t = await token();
    const a = await api(`/api/v1/transaction/analytics/me?${new URLSearchParams({ ...query, ...tz })}`, t);
    const list = await api(`/api/v1/transaction/all?${new URLSearchParams(listQuery)}`, t);

    const figures = await page.$$eval("[data-figure]", (nodes) =>
      Object.fromEntries(nodes.map((n) => [n.getAttribute("data-figure"), n.querySelector(".value")?.textContent ?? ""])),
    );
    assertEqual(
      {
        transaction_count: figures.transaction_count,
        average_transaction_value: plain(figures.average_transaction_value ?? ""),
        total_credit: plain(figures.total_credit ?? ""),
        total_debit: plain(figures.total_debit ?? ""),
        day_with_highest_transactions: figures.day_with_highest_transactions,
      },
      {
        transaction_count: String(a.transaction_count),
        average_transaction_value: a.average_transaction_value,
        total_credit: a.total_credit,
        total_debit: a.total_debit,
        day_with_highest_transactions: a.day_with_highest_transactions ?? "—",
      },
      "headline figures",
    );
    const currency = await page.locator("#currency").inputValue();
    assert(currency === a.currency, `the currency picker shows ${currency}, the API answered for ${a.currency}`);
    if (a.monthly.length) {
      assertEqual(
        (await tableRows("monthly")).map(([m, n, c, d]) => [m, n, plain(c ?? ""), plain(d ?? "")]),
        a.monthly.map((/** @type {any} */ m) => [m.month, String(m.transaction_count), m.total_credit, m.total_debit]),
        "monthly table",
      );
      assertEqual(
        (await tableRows("weekday")).sort(),
        a.by_weekday.map((/** @type {any} */ w) => [w.weekday, String(w.transaction_count)]).sort(),
        "weekday table",
      );
    }
    assertEqual(
      (await tableRows("currencies")).map((row) => row.map(plain)),
      a.by_currency.map((/** @type {any} */ c) => [
        c.currency,
        String(c.transaction_count),
        c.total_credit,
        c.total_debit,
        c.average_transaction_value,
      ]),
      "currency table",
    );
    // Sections of features the API may not have yet: shown exactly when the answer has the field.
    /** @type {[string, string, (rows: any[]) => string[][]][]} */
    const optional = [
      ["categories", "by_category", expectedCategoryRows],
      ["merchants", "top_merchants", (rows) => rows.map((m) => [m.merchant, String(m.transaction_count), m.total_debit])],
    ];
    for (const [key, field, expectedRows] of optional) {
      const shown = await page.locator(`#${key}`).isVisible();
      assert(
        shown === Array.isArray(a[field]),
        `section ${key} ${shown ? "shown" : "hidden"} but the API ${a[field] ? "has" : "has no"} ${field}`,
      );
      if (shown && a[field].length)
        assertEqual(
          (await tableRows(key)).map(([name, ...rest]) => [name, ...rest.map(plain)]),
          expectedRows(a[field]),
          `${key} table`,
        );
    }
    if (Array.isArray(a.by_category)) await categoryChartMatches(a);
    const ids = await page.$$eval('[data-table="latest"] tbody tr', (rows) => rows.map((r) => r.getAttribute("data-id")));
    assertEqual(
      ids,
      list.data.map((/** @type {any} */ t) => t.id),
      "latest transactions",
    );
    const listZone = caps.listTz ? (tz.tz ?? "UTC") : "UTC";
    assertEqual(
      await page.$$eval('[data-table="latest"] tbody th', (cells) => cells.map((c) => c.textContent?.trim() ?? "")),
      list.data.map((/** @type {any} */ t) => listedWhen(t, listZone)),
      `latest transactions' dates (in ${listZone})`,
    );
    const recurringShown = await page.locator("#recurring").isVisible();
    assert(
      recurringShown === caps.recurring,
      `recurring section ${recurringShown ? "shown" : "hidden"}; the server ${caps.recurring ? "has" : "has no"} the route`,
    );
    if (caps.recurring) {
      const { streams } = await api(`/api/v1/transaction/recurring${caps.recurringTz ? `?${new URLSearchParams(tz)}` : ""}`, t);
      // An empty first answer is read again by the page a few seconds later (detection runs in the queue).
      if (streams.length) await page.locator('[data-table="recurring"]').waitFor({ timeout: 15_000 });
      assertEqual(
        streams.length
          ? (await tableRows("recurring")).map(([k, f, n, avg, last, ...rest]) => [k, f, n, plain(avg ?? ""), plain(last ?? ""), ...rest])
          : [],
        expectedRecurringRows(streams),
        "recurring table",
      );
    }
    return {
      a,
      list,
      summary: `${a.currency} ${query.from ?? "…"}..${query.to ?? "…"}: ${a.transaction_count} tx, ${a.monthly.length} months`,
    };
  };

  /**
   * The category donut: one slice per top-level category with spend (children folded in), largest first, adding up to
   * the range's debit total; and the excluded categories named under it.
   * @param {any} a
   */
  const categoryChartMatches = async (a) => {
    const ids = new Set(a.by_category.map((/** @type {any} */ c) => c.category_id));
    const spend = a.by_category
      .filter((/** @type {any} */ c) => c.parent_id === null || !ids.has(c.parent_id))
      .map((/** @type {any} */ c) => ({ label: c.name ?? "Uncategorised", debit: (c.including_children ?? c).total_debit }))
      .filter((/** @type {any} */ s) => minor(s.debit) > 0n);
    assert(
      spend.reduce((/** @type {bigint} */ sum, /** @type {any} */ s) => sum + minor(s.debit), 0n) === minor(a.total_debit),
      `the top-level categories' debit does not add up to total_debit ${a.total_debit}`,
    );
    if (spend.length && spend.length <= 7) {
      /** @type {{ labels: string[], data: number[] }} */
      const slices = await page.evaluate(
        '(() => { const c = window.Chart.getChart(document.querySelector("#categories canvas")); return { labels: c.data.labels, data: c.data.datasets[0].data }; })()',
      );
      const sorted = [...spend].sort((x, y) => (minor(y.debit) > minor(x.debit) ? 1 : minor(y.debit) < minor(x.debit) ? -1 : 0));
      assertEqual(slices, { labels: sorted.map((s) => s.label), data: sorted.map((s) => Number(s.debit)) }, "category donut slices");
    }
    const note = page.locator("#categories [data-excluded]");
    if (!a.excluded?.length) assert((await note.count()) === 0, "an excluded-categories note with nothing excluded");
    else {
      const text = (await note.textContent()) ?? "";
      for (const e of a.excluded)
        assert(text.includes(`${e.name ?? e.category_id} (${e.transaction_count} transaction`), `the note "${text}" misses ${e.name}`);
    }
  };

  try {
    let ok = await step("Dashboard: seed the demo user (npm run seed)", async () => {
      const out = execFileSync(process.execPath, [join(root, "scripts", "seed.mjs"), "--persist-to", persistTo], {
        cwd: root,
        encoding: "utf8",
      });
      return out.trim();
    });

    /** @type {{ analytics: URLSearchParams, list: URLSearchParams } | undefined} */
    let first;
    ok = await step(
      "Dashboard: linked from /, signs in as the demo user",
      async () => {
        await page.goto(`${base}/`);
        await page.locator('a[href="/dashboard"]').click();
        await page.locator("#sign-in").waitFor();
        await page.screenshot({ path: join(OUT, "dashboard-sign-in.png") });
        await page.fill("#sign-in input[name=username]", DEMO.username);
        await page.fill("#sign-in input[name=password]", DEMO.password);
        first = await loadAfter(() => page.click("#sign-in button[type=submit]"));
        assert((await page.locator("#who").textContent()) === "Demo User", "the top bar does not name the demo user");
      },
      { skip: !ok },
    );

    ok = await step(
      "Dashboard: last 12 months (default) equals the API",
      async () =>
        (await matchesApi(/** @type {any} */ (first), { from: twelveMonthsFrom(await pageTz()), to: day(await pageTz()) })).summary,
      { skip: !ok },
    );

    ok = await step(
      "Dashboard: recurring payments with their next dates equal the API",
      async () => {
        const section = page.locator("#recurring");
        if (!caps.recurring) return assert(!(await section.isVisible()), "a recurring section without the route");
        // The seed leaves detection to the queue: the first reads answer empty and queue it.
        const t = await token();
        /** @type {any[]} */
        let streams = [];
        for (let i = 0; i < 30 && streams.length === 0; i++) {
          if (i) await new Promise((r) => setTimeout(r, 500));
          streams = (await api("/api/v1/transaction/recurring", t)).streams;
        }
        assert(streams.length > 0, "the API found no recurring payments for the demo user");
        await page.locator('[data-table="recurring"]').waitFor({ timeout: 15_000 });
        assertEqual(
          (await tableRows("recurring")).map(([k, f, n, avg, last, ...rest]) => [k, f, n, plain(avg ?? ""), plain(last ?? ""), ...rest]),
          expectedRecurringRows(streams),
          "recurring table",
        );
        const next = streams.map((s) => s.predicted_next_date);
        assert(
          next.every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)),
          `next dates: ${next.join(", ")}`,
        );
        return streams.map((s) => `${s.key} ${s.frequency} next ${s.predicted_next_date}`).join("; ");
      },
      { skip: !ok },
    );

    ok = await step(
      "Dashboard: the time-zone picker starts on the profile's zone; another zone equals the API",
      async () => {
        if (!caps.analyticsTz) return assert(!(await page.locator("#tz-field").isVisible()), "a time-zone picker without tz");
        const profileZone = (await api("/api/v1/user/me", await token())).time_zone;
        assert((await pageTz()) === profileZone, `the picker shows ${await pageTz()}, the profile says ${profileZone}`);
        const currency = await page.locator("#currency").inputValue();
        const other = "Pacific/Kiritimati"; // UTC+14: 19 hours from New York, so days regroup
        const moved = await loadAfter(() => page.selectOption("#tz", other), `tz=${encodeURIComponent(other)}`);
        const { summary } = await matchesApi(moved, { currency, from: twelveMonthsFrom(other), to: day(other) });
        const back = await loadAfter(() => page.selectOption("#tz", profileZone), `tz=${encodeURIComponent(profileZone)}`);
        await matchesApi(back, { currency, from: twelveMonthsFrom(profileZone), to: day(profileZone) });
        return `${profileZone} → ${other}: ${summary}`;
      },
      { skip: !ok },
    );

    ok = await step(
      "Dashboard: screenshot at 1440 px",
      async () => {
        await page.locator('[data-table="monthly"]').waitFor({ state: "attached" });
        await page.screenshot({ path: join(OUT, "dashboard-1440.png"), fullPage: true });
        return "test-results/dashboard-1440.png";
      },
      { skip: !ok },
    );

    const currencyOk = await step(
      "Dashboard: currency EUR equals the API",
      async () => {
        const requests = await loadAfter(() => page.selectOption("#currency", "EUR"));
        const tz = await pageTz();
        return (await matchesApi(requests, { currency: "EUR", from: twelveMonthsFrom(tz), to: day(tz) })).summary;
      },
      { skip: !ok },
    );

    ok = await step(
      "Dashboard: ranges (all, last 30 days, custom) equal the API",
      async () => {
        const all = await loadAfter(() => page.selectOption("#range", "all"));
        const summaries = [(await matchesApi(all, { currency: "EUR" })).summary];
        await loadAfter(() => page.selectOption("#currency", "USD"));
        const recent = await loadAfter(() => page.selectOption("#range", "30d"));
        const tz = await pageTz();
        summaries.push((await matchesApi(recent, { currency: "USD", from: day(tz, -29), to: day(tz) })).summary);
        await page.selectOption("#range", "custom");
        // Each date field loads on change; the load with both days is the one checked.
        const custom = await loadAfter(
          async () => {
            await page.fill("#from", day(tz, -120));
            await page.fill("#to", day(tz, -60));
          },
          `to=${day(tz, -60)}`,
        );
        summaries.push((await matchesApi(custom, { currency: "USD", from: day(tz, -120), to: day(tz, -60) })).summary);
        return summaries.join("; ");
      },
      { skip: !currencyOk },
    );

    ok = await step(
      "Dashboard: paging through next_cursor equals the API",
      async () => {
        const all = await loadAfter(() => page.selectOption("#range", "all"));
        const { list } = await matchesApi(all, { currency: "USD" });
        assert(list.next_cursor, "the demo user has more than one page");
        const next = await api(
          `/api/v1/transaction/all?limit=${PAGE_SIZE}&currency=USD&cursor=${encodeURIComponent(list.next_cursor)}`,
          await token(),
        );
        const request = page.waitForRequest((r) => r.url().includes("cursor="));
        await page.click('[data-page="older"]');
        assert(new URL((await request).url()).searchParams.get("cursor") === list.next_cursor, "the page did not send next_cursor");
        await page.locator('[data-table="latest"] caption', { hasText: "Page 2" }).waitFor();
        const ids = await page.$$eval('[data-table="latest"] tbody tr', (rows) => rows.map((r) => r.getAttribute("data-id")));
        assertEqual(
          ids,
          next.data.map((/** @type {any} */ t) => t.id),
          "page 2",
        );
        await page.click('[data-page="newer"]');
        await page.locator('[data-table="latest"] caption', { hasText: "Page 1" }).waitFor();
        return `page 2: ${ids.length} rows`;
      },
      { skip: !ok },
    );

    ok = await step(
      "Dashboard: screenshot at 375 px, nothing wider than the screen",
      async () => {
        await page.setViewportSize({ width: 375, height: 812 });
        await loadAfter(() => page.selectOption("#range", "12m"));
        const width = await page.evaluate("document.documentElement.scrollWidth");
        assert(width <= 375, `the page is ${width} px wide at 375 px`);
        await page.screenshot({ path: join(OUT, "dashboard-375.png"), fullPage: true });
        await page.setViewportSize({ width: 1440, height: 1000 });
        return "test-results/dashboard-375.png";
      },
      { skip: !ok },
    );

    await step("Dashboard: the signed-in session made no failing request and logged no console error", async () => {
      assert(failedRequests.length === 0, `failing requests:\n${failedRequests.join("\n")}`);
      assert(consoleErrors.length === 0, `console errors:\n${consoleErrors.join("\n")}`);
    });

    ok = await step("Dashboard: sign out revokes the token and returns to sign-in", async () => {
      const old = await token();
      await page.click("#sign-out");
      await page.locator("#sign-in").waitFor();
      const notice = (await page.locator("#notice").textContent()) ?? "";
      assert(notice.startsWith("Signed out"), `notice after sign-out: ${notice}`);
      assert((await token()) === "", "the token is still in sessionStorage");
      const me = await fetch(`${base}/api/v1/user/me`, { headers: { authorization: `Bearer ${old}` } });
      assert(me.status === 401, `the old token still answers ${me.status}`);
    });

    ok = await step(
      "Dashboard: sign up shows an empty dashboard",
      async () => {
        await page.click("#tab-sign-up");
        const username = `dash_${Date.now().toString(36)}`;
        await page.fill("#sign-up input[name=full_name]", "Dashboard Tester");
        await page.fill("#sign-up input[name=username]", username);
        await page.fill("#sign-up input[name=password]", "dashboard-password");
        await loadAfter(() => page.click("#sign-up button[type=submit]"));
        const count = await page.locator('[data-figure="transaction_count"] .value').textContent();
        assert(count === "0", `a new user shows ${count} transactions`);
        assert(await page.locator("#latest .empty").isVisible(), "no empty-state message for the latest transactions");
        return username;
      },
      { skip: !ok },
    );

    await step("Dashboard: no failing request or console error up to here", async () => {
      assert(failedRequests.length === 0, `failing requests:\n${failedRequests.join("\n")}`);
      assert(consoleErrors.length === 0, `console errors:\n${consoleErrors.join("\n")}`);
    });

    await step(
      "Dashboard: a revoked token returns to sign-in with a message",
      async () => {
        const revoke = await fetch(`${base}/api/v1/user/logout`, { method: "POST", headers: { authorization: `Bearer ${await token()}` } });
        assert(revoke.ok, `logout from outside: ${revoke.status}`);
        await page.selectOption("#range", "all");
        await page.locator("#sign-in").waitFor();
        const notice = (await page.locator("#notice").textContent()) ?? "";
        assert(/expired or was revoked/.test(notice), `notice: ${notice}`);
        // The only failing requests are the 401s of that revoked token; the browser logs each as a console error.
        assert(failedRequests.length > 0 && failedRequests.every((f) => f.endsWith(": 401")), `requests: ${failedRequests.join("\n")}`);
        assert(
          consoleErrors.every((e) => e.includes("401")),
          `console errors other than the 401s:\n${consoleErrors.join("\n")}`,
        );
        return notice;
      },
      { skip: !ok },
    );

    await step("Dashboard: no request left localhost", async () => {
      assert(external.length === 0, `non-local requests:\n${[...new Set(external)].join("\n")}`);
    });
  } finally {
    await context.close();
  }
}

// Run on its own: its own Worker (fresh state) and Chromium.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.E2E_PORT ?? 8797);
  const persistTo = ".wrangler/e2e-dashboard";
  mkdirSync(OUT, { recursive: true });
  const worker = await startLocalWorker({ port, persistTo });
  let failed = 0;
  /** @type {import("playwright-core").Browser | undefined} */
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox"],
    });
    await dashboardE2e({
      base: worker.base,
      browser,
      persistTo,
      step: async (name, fn, { skip = false } = {}) => {
        if (skip) {
          failed += 1;
          console.log(`  skip ${name}`);
          return false;
        }
        const t0 = Date.now();
        try {
          const detail = await fn();
          console.log(`  ok   ${name} (${Date.now() - t0} ms)${detail ? ` - ${detail}` : ""}`);
          return true;
        } catch (err) {
          failed += 1;
          console.log(`  FAIL ${name}\n       ${err instanceof Error ? err.message : err}`);
          return false;
        }
      },
    });
  } finally {
    await browser?.close();
    await worker.stop();
  }
  console.log(failed ? `dashboard e2e: ${failed} failed or skipped` : "dashboard e2e: PASSED");
  process.exitCode = failed ? 1 : 0;
}
