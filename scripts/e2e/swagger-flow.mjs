// npm run test:e2e: Swagger UI at /api/v1/docs: sign up, log in, Authorize, create and read analytics through
// "Try it out", then the OAuth2 password flow of the Authorize dialog.
import { randomUUID } from "node:crypto";
import { assert, screenshot, state, step } from "./run.mjs";
import { authContainer, closeAuthorizeDialog, openAuthorizeDialog, parseJson, swaggerOperation, tryItOut } from "./swagger-ui.mjs";

/**
 * @param {import("playwright-core").BrowserContext} context
 * @param {string} base
 * @param {import("./run.mjs").Operation[]} operations
 * @param {(id: string) => import("./run.mjs").Operation} byId
 */
export async function swaggerChecks(context, base, operations, byId) {
  const page = await context.newPage();
  state.activePage = page;
  const username = `e2e_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  const password = "e2e-browser-password";
  let token = "";
  let userId = "";
  let ok = await step("Swagger UI loads with every operation", async () => {
    await page.goto(`${base}/api/v1/docs`, { waitUntil: "domcontentloaded" });
    await page.locator(".swagger-ui .opblock").first().waitFor();
    await swaggerOperation(page, byId("signUp")).waitFor();
    const count = await page.locator(".swagger-ui .opblock").count();
    assert(count === operations.length, `expected ${operations.length} operation blocks, found ${count}`);
    await screenshot(page, "swagger-loaded");
    return `${count} operations`;
  });

  await step(
    "Schemas: UserProfile is shown as an object (not 'any & object')",
    async () => {
      const model = page
        .locator('section.models article[data-json-schema-level="0"]')
        .filter({ has: page.locator("strong.json-schema-2020-12__title", { hasText: /^UserProfile$/ }) });
      await model.first().scrollIntoViewIfNeeded();
      assert((await model.count()) === 1, `expected one UserProfile schema, found ${await model.count()}`);
      const head = (await model.locator(".json-schema-2020-12-head").innerText()).replace(/\s+/g, " ");
      // Its head reads "UserProfile", "Expand all", then the type: "object", not "any & object".
      assert(head.trim().endsWith("object") && !head.includes("any"), `the UserProfile schema is shown as: ${head}`);
      await screenshot(model, "schema-user-profile");
      return head;
    },
    { skip: !ok },
  );

  await step(
    "Authorize dialog: the OAuth2 password flow shows username and password, no client id/secret",
    async () => {
      const modal = await openAuthorizeDialog(page);
      const oauth = authContainer(page, modal, "oauth2Password");
      await oauth.locator("#oauth_username").waitFor();
      assert(await oauth.locator("#oauth_password").isVisible(), "no visible password field");
      // Present in the DOM (so this would notice a Swagger UI that renamed them) but hidden by swagger-overrides.css.
      for (const id of ["client_id_password", "client_secret_password", "password_type"]) {
        assert((await oauth.locator(`#${id}`).count()) === 1, `#${id} is not in the dialog`);
        assert(!(await oauth.locator(`#${id}`).isVisible()), `#${id} is visible`);
      }
      await screenshot(oauth, "authorize-oauth2-fields");
      await closeAuthorizeDialog(modal);
    },
    { skip: !ok },
  );

  ok = await step(
    "Try it out: POST /api/v1/user/sign_up -> 201",
    async () => {
      const { block, code, text } = await tryItOut(page, byId("signUp"), { body: { username, password, full_name: "E2E Browser" } });
      await screenshot(block, "sign-up");
      assert(code === "201", `expected 201, Swagger UI shows ${code}: ${text.slice(0, 300)}`);
      const profile = parseJson(text, "sign_up");
      assert(profile.username === username, `sign_up answered username ${profile.username}`);
      userId = profile.id;
      return userId;
    },
    { skip: !ok },
  );

  ok = await step(
    "Try it out: POST /api/v1/user/login -> 200 with a token",
    async () => {
      const { block, code, text } = await tryItOut(page, byId("login"), { body: { username, password } });
      await screenshot(block, "login");
      assert(code === "200", `expected 200, Swagger UI shows ${code}: ${text.slice(0, 300)}`);
      const login = parseJson(text, "login");
      assert(typeof login.access_token === "string" && login.access_token.length > 20, "no access_token in the login response");
      assert(login.user?.id === userId, `login user id ${login.user?.id} is not ${userId}`);
      token = login.access_token;
      return `token ${token.slice(0, 12)}...`;
    },
    { skip: !ok },
  );

  ok = await step(
    "Authorize: bearerAuth with the token",
    async () => {
      const modal = await openAuthorizeDialog(page);
      const input = modal.locator("#auth-bearer-value");
      await input.waitFor();
      await input.fill(token);
      const container = authContainer(page, modal, "bearerAuth");
      await container.locator("button.authorize").click();
      // Authorized: Swagger UI replaces the field with a Logout button.
      await container.locator("button", { hasText: "Logout" }).waitFor();
      await screenshot(modal, "authorize-bearer");
      await closeAuthorizeDialog(modal);
      await page.locator(".auth-wrapper button.authorize.locked").waitFor();
    },
    { skip: !ok },
  );

  ok = await step(
    "Try it out: POST /api/v1/transaction/create -> 201",
    async () => {
      const body = {
        transaction_amount: "125.50",
        transaction_type: "debit",
        transaction_date: "2026-11-25",
        currency: "USD",
        description: "E2E groceries",
      };
      const { block, code, text } = await tryItOut(page, byId("createTransaction"), {
        body,
        params: { "idempotency-key": randomUUID() },
      });
      await screenshot(block, "create-transaction");
      assert(code === "201", `expected 201, Swagger UI shows ${code}: ${text.slice(0, 300)}`);
      const created = parseJson(text, "create");
      assert(created.user_id === userId && created.transaction_amount === "125.50", `unexpected transaction: ${text.slice(0, 300)}`);
      return created.id;
    },
    { skip: !ok },
  );

  ok = await step(
    "Try it out: GET /api/v1/transaction/analytics/{user_id} (me) -> 200, transaction_count 1",
    async () => {
      const { block, code, text } = await tryItOut(page, byId("getAnalytics"), { params: { user_id: "me" } });
      await screenshot(block, "analytics");
      assert(code === "200", `expected 200, Swagger UI shows ${code}: ${text.slice(0, 300)}`);
      assert(
        text.includes('"transaction_count": 1'),
        `the response body shown does not contain "transaction_count": 1: ${text.slice(0, 300)}`,
      );
      const analytics = parseJson(text, "analytics");
      assert(analytics.transaction_count === 1 && analytics.user_id === userId, `unexpected analytics: ${text.slice(0, 300)}`);
      return `transaction_count ${analytics.transaction_count}, total_debit ${analytics.total_debit}`;
    },
    { skip: !ok },
  );

  await step(
    "Authorize: OAuth2 password flow, then GET /api/v1/user/me -> 200",
    async () => {
      const modal = await openAuthorizeDialog(page);
      // Drop the bearer token first, so the next call can only be authorized by the OAuth2 token.
      await authContainer(page, modal, "bearerAuth").locator("button", { hasText: "Logout" }).click();
      await modal.locator("#auth-bearer-value").waitFor();
      await modal.locator("#oauth_username").fill(username);
      await modal.locator("#oauth_password").fill(password);
      const container = authContainer(page, modal, "oauth2Password");
      await container.locator("button.authorize").click();
      try {
        await container.locator("button", { hasText: "Logout" }).waitFor();
      } catch {
        const errors = await modal.locator(".auth-container .errors").allTextContents();
        throw new Error(`the OAuth2 password flow did not authorize${errors.length ? `: ${errors.join(" ")}` : ""}`);
      }
      await screenshot(modal, "authorize-oauth2");
      await closeAuthorizeDialog(modal);
      const { block, code, text } = await tryItOut(page, byId("getMe"));
      await screenshot(block, "me-oauth2");
      assert(code === "200", `expected 200, Swagger UI shows ${code}: ${text.slice(0, 300)}`);
      assert(parseJson(text, "me").id === userId, `me answered ${text.slice(0, 200)}`);
      return "token from the login route's form branch";
    },
    { skip: !ok },
  );
}
