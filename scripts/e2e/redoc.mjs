// npm run test:e2e: ReDoc at /external-api/v1/docs lists every operation; then what the whole browser session did
// (no non-local request, no uncaught error).
import { assert, KNOWN_CSP_BLOCKED, screenshot, state, step } from "./run.mjs";

/**
 * @param {import("playwright-core").BrowserContext} context
 * @param {string} base
 * @param {import("./run.mjs").Operation[]} operations
 */
export async function redocAndSessionChecks(context, base, operations) {
  await step("ReDoc lists every operation of /openapi.json", async () => {
    const redoc = await context.newPage();
    state.activePage = redoc;
    await redoc.goto(`${base}/external-api/v1/docs`, { waitUntil: "domcontentloaded" });
    await redoc.locator("[data-section-id]").first().waitFor();
    const last = operations[operations.length - 1];
    await redoc.locator(`[id$="operation/${last.operationId}"]`).first().waitFor({ state: "attached" });
    const text = await redoc.locator("body").innerText();
    const found = [];
    for (const op of operations) {
      const section = (await redoc.locator(`[id$="operation/${op.operationId}"]`).count()) > 0;
      const menuItem = redoc.locator(`[data-item-id$="operation/${op.operationId}"]`).first();
      const menu = (await menuItem.count()) > 0 && ((await menuItem.textContent()) ?? "").includes(op.summary);
      found.push({ id: op.operationId, section, menu, summary: text.includes(op.summary) });
    }
    await screenshot(redoc, "redoc");
    const missing = found.filter((f) => !f.section || !f.menu || !f.summary);
    assert(
      missing.length === 0,
      `missing from ReDoc: ${missing.map((m) => `${m.id} (${[!m.section && "section", !m.menu && "menu item", !m.summary && "summary text"].filter(Boolean).join(", ")})`).join("; ")}`,
    );
    await redoc.close();
    return `${found.length}/${operations.length} operations (section, menu item and summary)`;
  });

  await step("No non-local request was attempted", async () => {
    const unexpectedCsp = state.cspBlocked.filter((c) => !KNOWN_CSP_BLOCKED.has(c.url));
    assert(state.externalRequests.length === 0, `aborted non-local requests:\n${[...new Set(state.externalRequests)].join("\n")}`);
    assert(
      unexpectedCsp.length === 0,
      `non-local loads blocked by the page's CSP:\n${unexpectedCsp.map((c) => `${c.url} (on ${c.page})`).join("\n")}`,
    );
    const known = [...new Set(state.cspBlocked.map((c) => c.url))];
    return known.length ? `0 requests; known CSP-blocked before any request: ${known.join(", ")}` : "0 requests";
  });

  await step("No uncaught errors in the docs pages", async () => {
    assert(state.pageErrors.length === 0, state.pageErrors.join("\n"));
  });

  await step("Every docs asset loads, /favicon.ico included", async () => {
    const favicon = await context.request.get(`${base}/favicon.ico`);
    assert(favicon.status() === 200, `/favicon.ico answered ${favicon.status()}`);
    assert(/^image\//.test(favicon.headers()["content-type"] ?? ""), `/favicon.ico is ${favicon.headers()["content-type"]}`);
    assert(state.failedLoads.length === 0, `failed loads:\n${state.failedLoads.join("\n")}`);
  });
}
