// The dashboard: sign-in, filters, and the sections drawn from the API's answers. All HTTP goes through api.js.
import { ApiError, FinAnalyzeClient } from "./api.js";
import { categorySlices, categoryTableRows, excludedNote } from "./categories.js";
import { barChart, CREDIT_COLOUR, DEBIT_COLOUR, donutChart, el, OKABE_ITO, renderChart, table } from "./charts.js";
import { chartNumber, dateTime, groupAmount, monthLabel, rangeDays, rotateWeek, today, transactionWhen, weekdayName } from "./format.js";

const TOKEN_KEY = "finanalyze.dashboard.token";
const PAGE_SIZE = 15;
/** Chart slices of a donut; the table always lists every row. */
const DONUT_SLICES = 7;
/** The queue detects recurring payments a moment after writes (or a seed): an empty answer gets a few more looks. */
const RECURRING_RECHECKS = 4;
const RECURRING_RECHECK_MS = 2000;

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const client = new FinAnalyzeClient({ token: sessionStorage.getItem(TOKEN_KEY) });

/** @type {{ analyticsTz: boolean, listTz: boolean, recurring: boolean, recurringTz: boolean } | null} */
let capabilities = null;
/** @type {any} */
let profile = null;
/** Bumped on every load, so a slow answer to an old choice never overwrites a newer one. */
let generation = 0;
/** Cursors of the pages shown before the current one (for "Newer"); the current page's cursor is last. */
/** @type {(string | undefined)[]} */
let cursors = [undefined];

// ---- messages ----

/** @param {string} text @param {"error" | "info"} [kind] */
function notify(text, kind = "error") {
  const notice = $("notice");
  notice.textContent = text;
  notice.className = `notice ${kind}`;
  notice.hidden = !text;
}

/** @param {string} text */
function status(text) {
  $("status").textContent = text;
}

/** Shows a failed request; an expired or revoked token returns to sign-in. @param {unknown} err */
function fail(err) {
  if (err instanceof ApiError && err.unauthorized && client.token) {
    forgetToken();
    showSignIn("Your session has expired or was revoked. Please sign in again.");
    return;
  }
  notify(err instanceof Error ? err.message : String(err));
  status("");
}

// ---- session ----

function forgetToken() {
  client.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
}

/** @param {string} [message] */
function showSignIn(message = "", kind = /** @type {"error" | "info"} */ ("error")) {
  $("dashboard").hidden = true;
  $("who").hidden = true;
  $("sign-out").hidden = true;
  $("auth").hidden = false;
  selectTab("sign-in");
  notify(message, kind);
  /** @type {HTMLInputElement} */ (document.querySelector("#sign-in input[name=username]")).focus();
}

/** @param {"sign-in" | "sign-up"} which */
function selectTab(which) {
  for (const name of ["sign-in", "sign-up"]) {
    $(name).hidden = name !== which;
    $(`tab-${name}`).setAttribute("aria-selected", String(name === which));
  }
}

/** @param {HTMLFormElement} form */
function fields(form) {
  return Object.fromEntries([...new FormData(form).entries()].map(([k, v]) => [k, String(v)]));
}

/** @param {HTMLFormElement} form @param {() => Promise<void>} action */
async function submitting(form, action) {
  const button = /** @type {HTMLButtonElement} */ (form.querySelector("button[type=submit]"));
  button.disabled = true;
  notify("");
  try {
    await action();
  } catch (err) {
    notify(err instanceof Error ? err.message : String(err));
  } finally {
    button.disabled = false;
  }
}

/** @param {string} username @param {string} password */
async function signIn(username, password) {
  await client.login(username, password);
  sessionStorage.setItem(TOKEN_KEY, /** @type {string} */ (client.token));
  await enterDashboard();
}

async function signOut() {
  try {
    await client.logout();
    showSignIn("Signed out. Every token issued to you so far is revoked.", "info");
  } catch (err) {
    showSignIn(`${err instanceof Error ? err.message : String(err)}. This device has forgotten the token anyway.`);
  } finally {
    forgetToken();
  }
}

async function enterDashboard() {
  $("auth").hidden = true;
  notify("");
  status("Loading…");
  try {
    [profile, capabilities] = await Promise.all([client.me(), capabilities ?? client.capabilities()]);
  } catch (err) {
    fail(err);
    return;
  }
  $("who").textContent = profile.full_name || profile.username;
  $("who").hidden = false;
  $("sign-out").hidden = false;
  setUpTimeZones();
  // A new session starts on the API's default currency (the one most of this user's transactions use).
  /** @type {HTMLSelectElement} */ ($("currency")).replaceChildren();
  $("dashboard").hidden = false;
  await load();
}

// ---- filters ----

function setUpTimeZones() {
  const field = $("tz-field");
  field.hidden = !capabilities?.analyticsTz;
  if (field.hidden) return;
  const select = /** @type {HTMLSelectElement} */ ($("tz"));
  const browser = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const preferred = profile?.time_zone || browser || "UTC";
  const zones = new Set(["UTC", preferred, browser, ...Intl.supportedValuesOf("timeZone")]);
  select.replaceChildren(...[...zones].filter(Boolean).map((z) => el("option", { value: z, text: z.replaceAll("_", " ") })));
  select.value = preferred;
}

function timeZone() {
  return capabilities?.analyticsTz ? /** @type {HTMLSelectElement} */ ($("tz")).value : undefined;
}

/** The analytics query for the current choices (the currency is left to the API until it has answered once). */
function analyticsQuery() {
  const range = /** @type {"30d" | "12m" | "all" | "custom"} */ (/** @type {HTMLSelectElement} */ ($("range")).value);
  const days = rangeDays(range, today(timeZone()), {
    from: /** @type {HTMLInputElement} */ ($("from")).value,
    to: /** @type {HTMLInputElement} */ ($("to")).value,
  });
  const currency = /** @type {HTMLSelectElement} */ ($("currency")).value || undefined;
  return { currency, ...days, tz: timeZone() };
}

/** @param {string[]} currencies @param {string} selected */
function setCurrencies(currencies, selected) {
  const select = /** @type {HTMLSelectElement} */ ($("currency"));
  const all = [...new Set([selected, ...currencies])].sort();
  select.replaceChildren(...all.map((c) => el("option", { value: c, text: c })));
  select.value = selected;
}

// ---- loading ----

async function load() {
  const mine = ++generation;
  const query = analyticsQuery();
  cursors = [undefined];
  notify("");
  status("Loading…");
  try {
    const [analytics, recurring] = await Promise.all([
      client.analytics(query),
      capabilities?.recurring ? client.recurring({ tz: capabilities.recurringTz ? query.tz : undefined }) : null,
      loadTransactions(mine),
    ]);
    if (mine !== generation) return;
    setCurrencies(
      analytics.by_currency.map((/** @type {{ currency: string }} */ c) => c.currency),
      analytics.currency,
    );
    render(analytics, recurring);
    if (recurring?.streams.length === 0 && analytics.by_currency.length > 0) void recheckRecurring(mine);
    status(
      `Figures computed ${dateTime(analytics.computed_at, timeZone())}${timeZone() ? "" : " UTC"}${analytics.stale ? " (may lag behind)" : ""}`,
    );
  } catch (err) {
    if (mine === generation) fail(err);
  }
}

/**
 * Reads the recurring payments again every few seconds after an empty answer, until some are found (at most
 * RECURRING_RECHECKS times, and never for a load that a newer choice replaced).
 * @param {number} mine
 */
async function recheckRecurring(mine) {
  for (let attempt = 0; attempt < RECURRING_RECHECKS; attempt++) {
    await new Promise((resolve) => window.setTimeout(resolve, RECURRING_RECHECK_MS));
    if (mine !== generation) return;
    try {
      const again = await client.recurring({ tz: capabilities?.recurringTz ? timeZone() : undefined });
      if (mine !== generation) return;
      if (again.streams.length > 0) return renderRecurring(again);
    } catch (err) {
      if (mine === generation) fail(err);
      return;
    }
  }
}

/** Loads the page of the latest transactions at the top of `cursors`. @param {number} [mine] */
async function loadTransactions(mine = generation) {
  const { currency, from, to, tz } = analyticsQuery();
  const page = await client.transactions({
    limit: PAGE_SIZE,
    cursor: cursors[cursors.length - 1],
    currency,
    from,
    to,
    tz: capabilities?.listTz ? tz : undefined,
  });
  if (mine === generation) renderTransactions(page);
}

/** @param {number} step +1 older, -1 newer @param {string | null} next */
async function turnPage(step, next) {
  if (step > 0 && next) cursors.push(next);
  else if (step < 0 && cursors.length > 1) cursors.pop();
  try {
    await loadTransactions();
  } catch (err) {
    fail(err);
  }
}

// ---- sections ----

/** @param {any} a @param {any} recurring */
function render(a, recurring) {
  const currency = a.currency;
  renderHeadline(a);
  const months = a.monthly;
  renderChart($("monthly"), {
    empty: months.length === 0,
    description: `Bar chart of credit and debit in ${currency} for each month`,
    chart: barChart({
      labels: months.map((/** @type {any} */ m) => monthLabel(m.month)),
      datasets: [
        { label: "Credit", data: months.map((/** @type {any} */ m) => chartNumber(m.total_credit)), backgroundColor: CREDIT_COLOUR },
        { label: "Debit", data: months.map((/** @type {any} */ m) => chartNumber(m.total_debit)), backgroundColor: DEBIT_COLOUR },
      ],
      x: "Month",
      y: `Amount (${currency})`,
    }),
    table: {
      key: "monthly",
      caption: `Credit and debit by month, ${currency}`,
      columns: [
        { label: "Month" },
        { label: "Transactions", numeric: true },
        { label: "Credit", numeric: true },
        { label: "Debit", numeric: true },
      ],
      rows: months.map((/** @type {any} */ m) => [
        m.month,
        String(m.transaction_count),
        groupAmount(m.total_credit),
        groupAmount(m.total_debit),
      ]),
    },
  });

  const week = rotateWeek(a.by_weekday, profile?.week_start);
  renderChart($("weekday"), {
    empty: a.transaction_count === 0,
    description: `Bar chart of the number of ${currency} transactions on each weekday`,
    chart: barChart({
      labels: week.map((/** @type {any} */ w) => w.weekday.slice(0, 3)),
      datasets: [{ label: "Transactions", data: week.map((/** @type {any} */ w) => w.transaction_count), backgroundColor: OKABE_ITO[2] }],
      x: "Weekday",
      y: "Transactions",
    }),
    table: {
      key: "weekday",
      caption: `Transactions by weekday, ${currency}`,
      columns: [{ label: "Weekday" }, { label: "Transactions", numeric: true }],
      rows: week.map((/** @type {any} */ w) => [w.weekday, String(w.transaction_count)]),
    },
  });

  renderChart($("currencies"), {
    empty: a.by_currency.length === 0,
    description: "Doughnut chart of the number of transactions in each currency",
    chart: donutChart({
      labels: a.by_currency.map((/** @type {any} */ c) => c.currency),
      data: a.by_currency.map((/** @type {any} */ c) => c.transaction_count),
      label: "Transactions",
    }),
    table: {
      key: "currencies",
      caption: "Every currency in this range",
      columns: [
        { label: "Currency" },
        { label: "Transactions", numeric: true },
        { label: "Credit", numeric: true },
        { label: "Debit", numeric: true },
        { label: "Average", numeric: true },
      ],
      rows: a.by_currency.map((/** @type {any} */ c) => [
        c.currency,
        String(c.transaction_count),
        groupAmount(c.total_credit),
        groupAmount(c.total_debit),
        groupAmount(c.average_transaction_value),
      ]),
    },
  });

  renderCategories(a);
  renderMerchants(a);
  renderRecurring(recurring);
}

/** @param {any} a */
function renderHeadline(a) {
  /** @param {string} key @param {string} label @param {string} value @param {string} [unit] @param {string} [note] */
  const figure = (key, label, value, unit = "", note = "") =>
    el("div", { class: `figure ${key}`, "data-figure": key }, [
      el("dt", { text: label }),
      el("dd", {}, [
        el("span", { class: "value", text: value }),
        unit ? el("span", { class: "unit", text: ` ${unit}` }) : "",
        note ? el("small", { text: note }) : "",
      ]),
    ]);
  const busiest = a.day_with_highest_transactions;
  $("headline").replaceChildren(
    el("dl", {}, [
      figure("transaction_count", "Transactions", String(a.transaction_count)),
      figure("average_transaction_value", "Average value", groupAmount(a.average_transaction_value), a.currency),
      figure("total_credit", "Money in", groupAmount(a.total_credit), a.currency),
      figure("total_debit", "Money out", groupAmount(a.total_debit), a.currency),
      figure(
        "day_with_highest_transactions",
        "Busiest day",
        busiest ?? "—",
        "",
        busiest ? `${weekdayName(busiest)}, ${a.day_with_highest_transactions_count} transactions` : "",
      ),
    ]),
  );
}

/** The first slices of a donut, the rest folded into "Other" (the table keeps every row). @param {{ label: string, value: number }[]} items */
function slices(items) {
  if (items.length <= DONUT_SLICES) return items;
  const rest = items.slice(DONUT_SLICES - 1).reduce((sum, i) => sum + i.value, 0);
  return [...items.slice(0, DONUT_SLICES - 1), { label: "Other", value: rest }];
}

/** Spend by category: only when the analytics answer has `by_category`. @param {any} a */
function renderCategories(a) {
  const section = $("categories");
  section.hidden = !Array.isArray(a.by_category);
  if (section.hidden) return;
  const spend = categorySlices(a.by_category);
  const shown = slices(spend);
  renderChart(section, {
    empty: spend.length === 0,
    description: `Doughnut chart of debit in ${a.currency} by top-level category`,
    chart: donutChart({ labels: shown.map((s) => s.label), data: shown.map((s) => s.value), label: `Debit (${a.currency})` }),
    table: {
      key: "categories",
      caption: `Spend by category, ${a.currency} (a parent's own transactions, each child's, then their total)`,
      columns: [
        { label: "Category" },
        { label: "Transactions", numeric: true },
        { label: "Debit", numeric: true },
        { label: "Credit", numeric: true },
      ],
      rows: categoryTableRows(a.by_category),
    },
  });
  const note = excludedNote(a.excluded);
  // Under the chart (before its numbers), so the left-out spend is seen with the figures it is missing from.
  if (!note) return;
  const line = el("p", { class: "note", "data-excluded": "", text: note });
  const numbers = section.querySelector("details");
  if (numbers) numbers.before(line);
  else section.append(line);
}

/** Top merchants: only when the analytics answer has `top_merchants`. @param {any} a */
function renderMerchants(a) {
  const section = $("merchants");
  section.hidden = !Array.isArray(a.top_merchants);
  if (section.hidden) return;
  const rows = a.top_merchants;
  renderChart(section, {
    empty: rows.length === 0,
    description: `Horizontal bar chart of debit in ${a.currency} at the top merchants`,
    chart: barChart({
      labels: rows.map((/** @type {any} */ m) => m.merchant),
      datasets: [{ label: "Debit", data: rows.map((/** @type {any} */ m) => chartNumber(m.total_debit)), backgroundColor: DEBIT_COLOUR }],
      x: `Debit (${a.currency})`,
      y: "Merchant",
      horizontal: true,
    }),
    table: {
      key: "merchants",
      caption: `Top merchants, ${a.currency}`,
      columns: [{ label: "Merchant" }, { label: "Transactions", numeric: true }, { label: "Debit", numeric: true }],
      rows: rows.map((/** @type {any} */ m) => [m.merchant, String(m.transaction_count), groupAmount(m.total_debit)]),
    },
  });
}

/** Recurring payments: only where the server has the route. @param {any} answer */
function renderRecurring(answer) {
  const section = $("recurring");
  section.hidden = !answer;
  if (!answer) return;
  for (const node of [...section.children]) if (node.tagName !== "H2") node.remove();
  // Soonest next date first; ended (tombstoned) streams after the live ones.
  const order = (/** @type {any} */ s) => `${s.status === "tombstoned" ? 1 : 0}${s.predicted_next_date ?? "9999"}`;
  const streams = [...(answer.streams ?? [])].sort((/** @type {any} */ x, /** @type {any} */ y) => order(x).localeCompare(order(y)));
  if (streams.length === 0) {
    section.append(el("p", { class: "empty", text: "No recurring payments found yet." }));
    return;
  }
  section.append(
    table({
      key: "recurring",
      caption: `All currencies; dates in ${capabilities?.recurringTz ? timeZone() : (profile?.time_zone ?? "UTC")}`,
      columns: [
        { label: "Payment" },
        { label: "Every", optional: true },
        { label: "Next on" },
        { label: "Average", numeric: true, optional: true },
        { label: "Last", numeric: true },
        { label: "Seen", numeric: true, optional: true },
        { label: "Status", optional: true },
      ],
      rows: streams.map((/** @type {any} */ s) => [
        s.key,
        s.frequency,
        s.predicted_next_date ?? "—",
        `${groupAmount(s.average_amount)} ${s.currency}`,
        `${groupAmount(s.last_amount)} ${s.currency}`,
        String(s.occurrences),
        s.status,
      ]),
    }),
  );
}

/** @param {{ data: any[], has_more: boolean, next_cursor: string | null }} page */
function renderTransactions(page) {
  const section = $("latest");
  for (const node of [...section.children]) if (node.tagName !== "H2") node.remove();
  if (page.data.length === 0 && cursors.length === 1) {
    section.append(el("p", { class: "empty", text: "No transactions in this range." }));
    return;
  }
  const tz = capabilities?.listTz ? timeZone() : undefined;
  const rows = page.data.map((t) => {
    const when = transactionWhen(t, tz);
    return el("tr", { "data-id": t.id, class: t.transaction_type }, [
      el("th", { scope: "row" }, [when.day, when.time ? el("span", { class: "time", text: ` ${when.time}` }) : ""]),
      el("td", { text: t.description ?? "" }),
      el("td", { class: "optional", text: t.transaction_type }),
      el("td", { class: "optional", text: t.status }),
      el("td", {
        class: "num amount",
        text: `${t.transaction_type === "debit" ? "−" : "+"}${groupAmount(t.transaction_amount)} ${t.currency}`,
      }),
    ]);
  });
  const older = el("button", { type: "button", "data-page": "older", text: "Older →" });
  const newer = el("button", { type: "button", "data-page": "newer", text: "← Newer" });
  /** @type {HTMLButtonElement} */ (older).disabled = !page.next_cursor;
  /** @type {HTMLButtonElement} */ (newer).disabled = cursors.length === 1;
  older.addEventListener("click", () => void turnPage(1, page.next_cursor));
  newer.addEventListener("click", () => void turnPage(-1, null));
  section.append(
    el("div", { class: "table-wrap" }, [
      el("table", { "data-table": "latest", class: "transactions" }, [
        el("caption", { text: `Page ${cursors.length}, newest first${tz ? ` (times in ${tz})` : " (times in UTC)"}` }),
        el("thead", {}, [
          el(
            "tr",
            {},
            ["Date", "Description", "Type", "Status", "Amount"].map((h, i) =>
              el("th", { scope: "col", class: i === 4 ? "num" : i > 1 ? "optional" : "", text: h }),
            ),
          ),
        ]),
        el("tbody", {}, rows),
      ]),
    ]),
    el("nav", { class: "pager", "aria-label": "Pages of transactions" }, [newer, older]),
  );
}

// ---- wiring ----

$("tab-sign-in").addEventListener("click", () => selectTab("sign-in"));
$("tab-sign-up").addEventListener("click", () => selectTab("sign-up"));
$("sign-in").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = /** @type {HTMLFormElement} */ (event.currentTarget);
  const { username, password } = fields(form);
  void submitting(form, () => signIn(username, password));
});
$("sign-up").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = /** @type {HTMLFormElement} */ (event.currentTarget);
  const { username, password, full_name, email } = fields(form);
  void submitting(form, async () => {
    await client.signUp({ username, password, full_name, ...(email ? { email } : {}) });
    await signIn(username, password);
  });
});
$("sign-out").addEventListener("click", () => void signOut());
$("filters").addEventListener("submit", (event) => event.preventDefault());
$("filters").addEventListener("change", (event) => {
  const target = /** @type {HTMLElement} */ (event.target);
  const custom = /** @type {HTMLSelectElement} */ ($("range")).value === "custom";
  for (const field of document.querySelectorAll("#filters .custom")) /** @type {HTMLElement} */ (field).hidden = !custom;
  // A custom range loads once a day is picked; the range select alone only reveals the fields.
  if (target.id === "range" && custom) return;
  void load();
});

if (client.token) void enterDashboard();
else showSignIn();
