import { createRouter } from "../http/create-app";
import { DASHBOARD_CSP } from "../http/security";

/**
 * The page shell only: everything it runs or shows comes from static files in public/dashboard (the app, its
 * API client and styles) and public/static/vendor/chart.js (copied from node_modules by scripts/prepare-assets.mjs).
 * No inline script or style, so the page runs under DASHBOARD_CSP.
 */
const dashboardPage = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>FinAnalyze dashboard</title>
    <link rel="icon" href="/dashboard/favicon.svg" type="image/svg+xml" />
    <link rel="stylesheet" href="/dashboard/dashboard.css" />
    <script src="/static/vendor/chart.js/chart.umd.min.js" defer></script>
    <script src="/dashboard/app.js" type="module"></script>
  </head>
  <body>
    <header class="topbar">
      <a class="brand" href="/dashboard">FinAnalyze</a>
      <nav aria-label="Site">
        <a href="/api/v1/docs">API docs</a>
        <span id="who" class="who" hidden></span>
        <button id="sign-out" type="button" class="link-button" hidden>Sign out</button>
      </nav>
    </header>
    <main id="main">
      <noscript><p class="notice error">The dashboard needs JavaScript. The API itself is documented at <a href="/api/v1/docs">/api/v1/docs</a>.</p></noscript>
      <p id="notice" class="notice" role="alert" hidden></p>
      <section id="auth" class="auth" hidden aria-labelledby="auth-title">
        <h1 id="auth-title">Your money at a glance</h1>
        <p class="lede">Sign in with your FinAnalyze account to see your transactions as charts.</p>
        <div class="tabs" role="tablist">
          <button id="tab-sign-in" role="tab" type="button" aria-selected="true" aria-controls="sign-in">Sign in</button>
          <button id="tab-sign-up" role="tab" type="button" aria-selected="false" aria-controls="sign-up">Create account</button>
        </div>
        <form id="sign-in" class="card form" role="tabpanel" aria-labelledby="tab-sign-in">
          <label>Username <input name="username" autocomplete="username" required maxlength="64" /></label>
          <label>Password <input name="password" type="password" autocomplete="current-password" required maxlength="128" /></label>
          <button type="submit" class="primary">Sign in</button>
        </form>
        <form id="sign-up" class="card form" role="tabpanel" aria-labelledby="tab-sign-up" hidden>
          <label>Full name <input name="full_name" autocomplete="name" required maxlength="200" /></label>
          <label>Username <input name="username" autocomplete="username" required pattern="[A-Za-z0-9_.\\-]{3,64}" title="3-64 letters, digits, '_', '.' or '-'" /></label>
          <label>Email (optional) <input name="email" type="email" autocomplete="email" maxlength="254" /></label>
          <label>Password <input name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="128" /></label>
          <button type="submit" class="primary">Create account and sign in</button>
        </form>
      </section>
      <section id="dashboard" hidden aria-labelledby="dashboard-title">
        <h1 id="dashboard-title" class="visually-hidden">Dashboard</h1>
        <form id="filters" class="filters card" aria-label="What to show">
          <label>Currency <select id="currency" name="currency"></select></label>
          <label id="tz-field" hidden>Time zone <select id="tz" name="tz"></select></label>
          <label>Range
            <select id="range" name="range">
              <option value="30d">Last 30 days</option>
              <option value="12m" selected>Last 12 months</option>
              <option value="all">All time</option>
              <option value="custom">Custom…</option>
            </select>
          </label>
          <label class="custom" hidden>From <input id="from" name="from" type="date" /></label>
          <label class="custom" hidden>To <input id="to" name="to" type="date" /></label>
          <p id="status" class="status" role="status" aria-live="polite"></p>
        </form>
        <section id="headline" class="figures" aria-label="Headline figures"></section>
        <div class="grid">
          <section id="monthly" class="card chart wide" aria-labelledby="monthly-title">
            <h2 id="monthly-title">Credit and debit by month</h2>
          </section>
          <section id="weekday" class="card chart" aria-labelledby="weekday-title">
            <h2 id="weekday-title">Transactions by weekday</h2>
          </section>
          <section id="currencies" class="card chart" aria-labelledby="currencies-title">
            <h2 id="currencies-title">Transactions by currency</h2>
          </section>
          <section id="categories" class="card chart" aria-labelledby="categories-title" hidden>
            <h2 id="categories-title">Spend by category</h2>
          </section>
          <section id="merchants" class="card chart" aria-labelledby="merchants-title" hidden>
            <h2 id="merchants-title">Top merchants</h2>
          </section>
          <section id="recurring" class="card wide" aria-labelledby="recurring-title" hidden>
            <h2 id="recurring-title">Recurring payments</h2>
          </section>
          <section id="latest" class="card wide" aria-labelledby="latest-title">
            <h2 id="latest-title">Latest transactions</h2>
          </section>
        </div>
      </section>
    </main>
  </body>
</html>`;

export const dashboardRouter = createRouter().get("/dashboard", (c) => {
  c.header("content-security-policy", DASHBOARD_CSP);
  c.header("cache-control", "no-cache");
  return c.html(dashboardPage);
});
