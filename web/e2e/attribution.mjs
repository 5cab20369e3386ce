// Browser steps for attribution (issue 22): a client's web page (served by this test on another
// port, so another origin) loads Silo's script with its own banner. The visitor declines, then,
// with the decision forgotten, accepts. The agency's staff API shows what reached Silo in each
// case: before consent, events without visitor, campaign or click id, the page without its
// query string, and no cookie in the browser; after it, the visitor cookie (set by the server),
// the campaign and the click id, and `silo.track` returning the event id it sent.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { bearerApi, PASSWORD, shot, watchedPage } from "./harness.mjs";

const OWNER = "tracking@acme.test";
const COMPANY = "Tracking Studio";
const VISITOR_UA = "Mozilla/5.0 (X11; Linux x86_64) SiloE2EVisitor/1.0";

export function attributionSteps({ browser, silo, problems, viewport }) {
  let token = "";
  let site = null;
  let shop = null; // the client's web server
  let context = null;
  let p = null;

  const api = bearerApi(silo, () => token);

  /** The site's events, newest first, once there are `n` of them (the browser sends them on its own time). */
  async function events(n) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const page = await api("GET", `/api/sites/${site.id}/events?limit=50`);
      if (page.items.length >= n) return page.items;
      if (Date.now() > deadline) throw new Error(`expected ${n} events, got ${JSON.stringify(page.items)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The client's web server: one page with whatever snippet `shop.html` holds. */
  async function startShop() {
    const state = { html: "" };
    const server = createServer((req, res) => {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end(state.html);
    });
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    return { server, state, url: `http://127.0.0.1:${server.address().port}` };
  }

  return [
    ["attribution: an agency tracks a client's site", async () => {
      silo.cli("company", "create", "--name", COMPANY, "--owner-email", OWNER, "--owner-name", "Tess Tracking");
      const login = await fetch(`${silo.url}/api/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: OWNER, password: PASSWORD }),
      });
      assert.equal(login.status, 200, await login.clone().text());
      token = (await login.json()).token;
      const account = await api("POST", "/api/accounts", { name: "Shop BV" });
      // The shop's origin is known once its server listens; then it serves the site's snippet.
      shop = await startShop();
      site = await api("POST", "/api/sites", { account_id: account.id, name: "Shop", origins: [shop.url], consent_mode: "banner" });
      shop.state.html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>Spring offer</h1>${site.snippet}</body></html>`;
      context = await browser.newContext({ viewport, locale: "en-GB", userAgent: VISITOR_UA });
      p = await watchedPage(context, problems);
    }],
    ["attribution: the visitor declines; only the consent-free minimum reaches Silo", async () => {
      await p.goto(`${shop.url}/?utm_source=newsletter&utm_campaign=spring&gclid=TEST-GCLID#top`);
      const banner = p.getByRole("dialog", { name: "Cookie consent" });
      await banner.waitFor();
      await shot(p, "attribution-banner");
      // Keyboard usable: focus the decline button and press Enter.
      await banner.getByRole("button", { name: "Decline" }).focus();
      await p.keyboard.press("Enter");
      await banner.waitFor({ state: "detached" });
      const items = await events(2);
      assert.deepEqual(items.map((e) => e.name).sort(), ["consent_update", "page_view"]);
      for (const e of items) {
        assert.equal(e.page, `${shop.url}/`, JSON.stringify(e));
        assert.equal(e.visitor_id, null);
        assert.equal(e.utm_source, null);
        assert.equal(e.click_ids, null);
        assert.equal(e.consent.analytics, false);
      }
      assert.equal(items.find((e) => e.name === "consent_update").consent_source, "banner");
      const cookies = await context.cookies(silo.url);
      assert.equal(cookies.find((c) => c.name === "silo_vid"), undefined, JSON.stringify(cookies));
      const ledger = await api("GET", `/api/sites/${site.id}/consent-records`);
      assert.deepEqual(ledger.items.map((r) => r.source), ["banner", "default"]);
    }],
    ["attribution: the visitor accepts; the visitor, campaign and click id reach Silo", async () => {
      // The banner remembers a decision; forget it to be asked again.
      await p.evaluate(() => localStorage.clear());
      await p.reload();
      const banner = p.getByRole("dialog", { name: "Cookie consent" });
      await banner.getByRole("button", { name: "Accept" }).click();
      await banner.waitFor({ state: "detached" });
      const before = await events(4);
      const granted = before.find((e) => e.name === "consent_update" && e.consent.analytics);
      assert.ok(granted, JSON.stringify(before));
      assert.ok(granted.visitor_id);
      const eventId = await p.evaluate(() => window.silo.track("signup"));
      const items = await events(5);
      const signup = items.find((e) => e.event_id === eventId);
      assert.ok(signup, `${eventId} not in ${JSON.stringify(items)}`);
      assert.equal(signup.visitor_id, granted.visitor_id);
      assert.equal(signup.utm_source, "newsletter");
      assert.equal(signup.utm_campaign, "spring");
      assert.deepEqual(signup.click_ids, { gclid: "TEST-GCLID" });
      assert.equal(signup.page, `${shop.url}/?utm_source=newsletter&utm_campaign=spring`);
      const cookies = await context.cookies(silo.url);
      const vid = cookies.find((c) => c.name === "silo_vid");
      assert.ok(vid && vid.httpOnly, JSON.stringify(cookies));
      assert.equal(vid.value, granted.visitor_id);
      // The declined events stay without a visitor: consent does not reach back.
      assert.equal(items.filter((e) => e.visitor_id === null).length, 3, JSON.stringify(items));
      await context.close();
      await new Promise((r) => shop.server.close(r));
    }],
  ];
}
