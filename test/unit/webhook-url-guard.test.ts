import { describe, expect, it } from "vitest";
import { checkWebhookUrl } from "../../src/webhooks/url-guard";

const production = { allowLocal: false };
const local = { allowLocal: true };

describe("checkWebhookUrl in production", () => {
  it.each([
    ["https://hooks.example.com/finanalyze", "https://hooks.example.com/finanalyze"],
    ["https://hooks.example.com:443/x", "https://hooks.example.com/x"],
    ["https://EXAMPLE.com/Path?q=1", "https://example.com/Path?q=1"],
    ["https://api.customer.co.uk/webhooks/finanalyze?token=abc", "https://api.customer.co.uk/webhooks/finanalyze?token=abc"],
    ["https://bücher.de/hook", "https://xn--bcher-kva.de/hook"],
    ["https://example.com./hook", "https://example.com./hook"],
    ["https://my-receiver.workers.dev/", "https://my-receiver.workers.dev/"],
  ])("accepts %s as %s", (input, url) => {
    expect(checkWebhookUrl(input, production)).toEqual({ ok: true, url });
  });

  it.each([
    // not a URL / wrong scheme
    ["", "absolute URL"],
    ["hooks.example.com/x", "absolute URL"],
    ["/relative", "absolute URL"],
    ["https://", "absolute URL"],
    ["http://hooks.example.com/x", "https"],
    ["ftp://hooks.example.com/x", "https"],
    ["ws://hooks.example.com/x", "https"],
    ["file:///etc/passwd", "https"],
    ["javascript:alert(1)", "https"],
    ["data:text/plain,hi", "https"],
    // credentials
    ["https://user:pass@hooks.example.com/", "credentials"],
    ["https://user@hooks.example.com/", "credentials"],
    ["https://:pass@hooks.example.com/", "credentials"],
    // ports
    ["https://hooks.example.com:8443/", "port"],
    ["https://hooks.example.com:80/", "port"],
    ["https://hooks.example.com:1/", "port"],
    // IPv4 in every spelling the URL parser accepts
    ["https://127.0.0.1/", "IP address"],
    ["https://10.0.0.1/", "IP address"],
    ["https://169.254.169.254/latest/meta-data", "IP address"],
    ["https://192.168.1.1/", "IP address"],
    ["https://8.8.8.8/", "IP address"],
    ["https://0.0.0.0/", "IP address"],
    ["https://0/", "IP address"],
    ["https://2130706433/", "IP address"],
    ["https://0x7f000001/", "IP address"],
    ["https://0x7f.1/", "IP address"],
    ["https://0177.0.0.1/", "IP address"],
    ["https://127.1/", "IP address"],
    ["https://1.2.3.4./", "IP address"],
    ["https://%31%32%37.0.0.1/", "IP address"],
    // IPv6
    ["https://[::1]/", "IP address"],
    ["https://[::]/", "IP address"],
    ["https://[::ffff:127.0.0.1]/", "IP address"],
    ["https://[fe80::1]/", "IP address"],
    ["https://[2606:4700::1111]/", "IP address"],
    // local and reserved names
    ["https://localhost/", "host name"],
    ["https://LOCALHOST/", "host name"],
    ["https://localhost./", "host name"],
    ["https://api.localhost/", "host name"],
    ["https://printer.local/", "host name"],
    ["https://metadata.google.internal/", "host name"],
    ["https://db.internal./", "host name"],
    ["https://router.lan/", "host name"],
    ["https://nas.home.arpa/", "host name"],
    ["https://1.0.0.127.in-addr.arpa/", "host name"],
    ["https://host.localdomain/", "host name"],
    ["https://x.invalid/", "host name"],
    ["https://intranet/", "host name"],
    ["https://a..b/", "host name"],
  ])("refuses %j (%s)", (input, reason) => {
    const result = checkWebhookUrl(input, production);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it("refuses the local receivers that development allows", () => {
    for (const url of ["http://localhost:8787/hook", "http://127.0.0.1:9000/", "https://localhost/", "https://127.0.0.1/"]) {
      expect(checkWebhookUrl(url, production).ok, url).toBe(false);
    }
  });

  it("refuses URLs over 2048 characters", () => {
    const long = `https://hooks.example.com/${"a".repeat(2048)}`;
    expect(checkWebhookUrl(long, production)).toEqual({ ok: false, reason: "must be at most 2048 characters" });
  });

  it("is not fooled by a backslash or @ in the path", () => {
    expect(checkWebhookUrl("https://hooks.example.com\\@127.0.0.1/", production)).toEqual({
      ok: true,
      url: "https://hooks.example.com/@127.0.0.1/",
    });
    expect(checkWebhookUrl("https://127.0.0.1\\@hooks.example.com/", production).ok).toBe(false);
  });
});

describe("checkWebhookUrl with allowLocal (development, test)", () => {
  it.each([
    ["http://localhost/hook", "http://localhost/hook"],
    ["http://localhost:8787/hook", "http://localhost:8787/hook"],
    ["http://LOCALHOST:1/", "http://localhost:1/"],
    ["http://127.0.0.1:65535/x", "http://127.0.0.1:65535/x"],
    ["https://127.0.0.1:8443/", "https://127.0.0.1:8443/"],
    ["http://2130706433:9000/", "http://127.0.0.1:9000/"],
    ["https://hooks.example.com/", "https://hooks.example.com/"],
  ])("accepts %s", (input, url) => {
    expect(checkWebhookUrl(input, local)).toEqual({ ok: true, url });
  });

  it.each([
    "http://hooks.example.com/",
    "http://user:pw@localhost:8787/",
    "http://127.0.0.2:8787/",
    "http://10.0.0.1:8787/",
    "http://[::1]:8787/",
    "http://0.0.0.0:8787/",
    "http://api.localhost:8787/",
    "http://localhost.:8787/",
    "https://hooks.example.com:8443/",
    "ftp://localhost/",
  ])("still refuses %s", (input) => {
    expect(checkWebhookUrl(input, local).ok).toBe(false);
  });
});
