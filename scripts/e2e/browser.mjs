// npm run test:e2e: Debian's Chromium through playwright-core, in a context where every non-local request is
// aborted and recorded (and so fails the run), as are uncaught page errors and loads the page's CSP blocked.
import { chromium } from "playwright-core";
import { CHROMIUM, elapsed, LOCAL_HOSTS, state, WAIT_MS } from "./run.mjs";

export async function openBrowser() {
  const launched = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
    ],
    timeout: WAIT_MS,
  });
  state.browser = launched;
  console.log(`e2e: Chromium ${launched.version()} up (${elapsed()})`);
  const context = await launched.newContext({ viewport: { width: 1400, height: 1000 } });
  context.setDefaultTimeout(WAIT_MS);
  await context.route("**/*", (route) => {
    const url = route.request().url();
    let host = "";
    try {
      host = new URL(url).hostname;
    } catch {
      /* not a URL with a host */
    }
    if (LOCAL_HOSTS.has(host) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
    state.externalRequests.push(url);
    return route.abort("blockedbyclient");
  });
  context.on("page", (p) => {
    p.on("pageerror", (err) => state.pageErrors.push(`${p.url()}: ${err.message}`));
    // The page and what it loads by itself (scripts, styles, images, the favicon), not the API calls "Try it out" makes.
    p.on("response", (res) => {
      if (res.status() >= 400 && !["fetch", "xhr"].includes(res.request().resourceType()))
        state.failedLoads.push(`${res.status()} ${res.url()} (on ${p.url()})`);
    });
    p.on("console", (msg) => {
      const text = msg.text();
      if (!text.includes("Content Security Policy")) return;
      const url = /'(https?:\/\/[^']+)'/.exec(text)?.[1];
      if (url && !LOCAL_HOSTS.has(new URL(url).hostname)) state.cspBlocked.push({ url, page: p.url() });
    });
  });
  return { launched, context };
}
