// npm run test:e2e: driving Swagger UI the way a user does (operation blocks, "Try it out", the Authorize dialog).
import { assert, WAIT_MS } from "./run.mjs";

/** @typedef {import("playwright-core").Page} Page */
/** @typedef {import("playwright-core").Locator} Locator */
/** @typedef {import("./run.mjs").Operation} Operation */

/**
 * One operation block of Swagger UI, found by its tag and operationId.
 * @param {Page} page
 * @param {Operation} op
 */
export function swaggerOperation(page, op) {
  return page.locator(`#operations-${op.tag}-${op.operationId}`);
}

/**
 * "Try it out" on one operation: expand it, enter the body and parameters, Execute, and read the live response
 * (the status code cell and the response body) from the page.
 * @param {Page} page
 * @param {Operation} op
 * @param {{ body?: unknown, params?: Record<string, string> }} [input]
 */
export async function tryItOut(page, op, { body, params = {} } = {}) {
  const block = swaggerOperation(page, op);
  await block.waitFor({ timeout: WAIT_MS });
  if (!(await block.getAttribute("class"))?.split(/\s+/).includes("is-open")) {
    await block.locator(".opblock-summary-control").click();
  }
  const tryOut = block.locator("button.try-out__btn");
  await tryOut.waitFor({ timeout: WAIT_MS });
  if ((await tryOut.textContent())?.trim() === "Try it out") await tryOut.click();
  await block.locator("button.execute").waitFor({ timeout: WAIT_MS });
  if (body !== undefined) {
    const textarea = block.locator("textarea.body-param__text");
    await textarea.waitFor({ timeout: WAIT_MS });
    await textarea.fill(JSON.stringify(body, null, 2));
  }
  // Swagger UI pre-fills parameters with their examples (for example from=to=2026-11-01 on analytics):
  // fill the given ones and clear every other text field, like a user who only wants the defaults.
  for (const row of await block.locator("tr[data-param-name]").all()) {
    const name = (await row.getAttribute("data-param-name")) ?? "";
    const input = block
      .locator(`tr[data-param-name="${name}"] input[type="text"], tr[data-param-name="${name}"] input:not([type])`)
      .first();
    if ((await input.count()) === 0) continue;
    await input.fill(params[name] ?? "");
  }
  for (const name of Object.keys(params)) {
    assert(
      (await block.locator(`tr[data-param-name="${name}"]`).count()) > 0,
      `Swagger UI shows no parameter ${name} on ${op.operationId}`,
    );
  }
  await block.locator("button.execute").click();
  const status = block.locator(".live-responses-table tbody .response-col_status").first();
  await status.waitFor({ timeout: WAIT_MS });
  const code = (await status.textContent())?.trim() ?? "";
  const bodyCode = block.locator(".live-responses-table .response-col_description .highlight-code code").first();
  const text = (await bodyCode.count()) > 0 ? ((await bodyCode.textContent()) ?? "") : "";
  await block.locator(".live-responses-table").scrollIntoViewIfNeeded();
  return { block, code, text };
}

/**
 * @param {string} text
 * @param {string} what
 * @returns {any} the response body the page shows, parsed
 */
export function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what}: the response body shown is not JSON: ${text.slice(0, 300)}`);
  }
}

/** @param {Page} page */
export async function openAuthorizeDialog(page) {
  await page.locator(".auth-wrapper button.authorize").click();
  const modal = page.locator(".modal-ux");
  await modal.waitFor({ timeout: WAIT_MS });
  return modal;
}

/**
 * The Authorize dialog's section for one security scheme (its heading names the scheme).
 * @param {Page} page
 * @param {Locator} modal
 * @param {string} scheme
 */
export function authContainer(page, modal, scheme) {
  return modal.locator(".auth-container").filter({ has: page.locator("h4", { hasText: scheme }) });
}

/** @param {Locator} modal */
export async function closeAuthorizeDialog(modal) {
  await modal.locator("button.close-modal").click();
  await modal.waitFor({ state: "detached", timeout: WAIT_MS });
}
