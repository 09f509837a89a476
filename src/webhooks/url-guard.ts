/**
 * SSRF guard for webhook targets (issue 13). In production: https only, a public host name (no IP literal in
 * any spelling, no single-label or reserved local names), no credentials, no port but 443. With allowLocal
 * (ENVIRONMENT development or test) also http(s)://localhost and http(s)://127.0.0.1 on any port.
 *
 * The WHATWG URL parser normalises the host first, so the numeric spellings of an IPv4 address
 * ("2130706433", "0x7f.1", "0177.0.0.1", "127.1") all arrive here as "127.0.0.1" and are refused as IP literals.
 * This is a check of the name only: a public name whose DNS points at a private address is not caught here
 * (Workers' fetch cannot reach private networks; the guard stops the obvious cases and local names).
 */

export type WebhookUrlCheck = { ok: true; url: string } | { ok: false; reason: string };

export const WEBHOOK_URL_MAX_LENGTH = 2048;

/** Suffixes of names that never resolve to a public host (RFC 6761, RFC 6762, RFC 8375, common intranet ones). */
const LOCAL_SUFFIXES = ["localhost", "local", "internal", "localdomain", "lan", "home.arpa", "arpa", "invalid", "test", "example", "onion"];

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1"]);

export function checkWebhookUrl(input: string, options: { allowLocal: boolean }): WebhookUrlCheck {
  if (input.length > WEBHOOK_URL_MAX_LENGTH) return { ok: false, reason: `must be at most ${WEBHOOK_URL_MAX_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, reason: "must be an absolute URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, reason: "must use https" };
  if (url.username !== "" || url.password !== "") return { ok: false, reason: "must not contain credentials" };

  if (options.allowLocal && LOCAL_HOSTS.has(url.hostname)) return { ok: true, url: url.href };

  if (url.protocol !== "https:") return { ok: false, reason: "must use https" };
  if (url.port !== "") return { ok: false, reason: "must not name a port other than 443" };
  return checkPublicHostName(url.hostname) ?? { ok: true, url: url.href };
}

function checkPublicHostName(hostname: string): WebhookUrlCheck | null {
  if (hostname.startsWith("[") || IPV4.test(hostname)) return { ok: false, reason: "must use a host name, not an IP address" };
  const name = hostname.endsWith(".") ? hostname.slice(0, -1) : hostname;
  const labels = name.split(".");
  if (labels.length < 2 || labels.some((label) => label === "")) return { ok: false, reason: "must use a public host name" };
  if (LOCAL_SUFFIXES.some((suffix) => name === suffix || name.endsWith(`.${suffix}`))) {
    return { ok: false, reason: "must use a public host name, not a local or reserved one" };
  }
  return null;
}
