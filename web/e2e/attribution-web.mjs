// Browser steps for attribution's web pages. The agency's paid invoices (made through the API,
// two partial payments and a reversed one this month) show on the report page: the total and
// the revenue report's paid total beside it are the same amount, the unattributed row holds it
// (no visitor of a tracked site became these invoices' contacts), the chart is drawn, the PDF
// downloads, and the page fits a 390 px phone. `attributionAfterMergeSteps` works on the sites
// page (a site and its snippet, the event retention) and the destinations page.
import assert from "node:assert/strict";
import { bearerApi, PASSWORD, shot, watchedPage } from "./harness.mjs";
import { offScreen } from "./crm.mjs";

const OWNER = "attribution@acme.test";
const COMPANY = "Herkomst Studio";
const CLIENT = "Herkomst Klant BV";
const PHONE = { width: 390, height: 844 };

export function attributionSteps({ browser, silo, problems, viewport }) {
  const state = { token: "", page: null, clientId: "" };
  const api = bearerApi(silo, () => state.token);
  const p = () => state.page;
  const heading = (name) => p().getByRole("heading", { level: 1, name }).waitFor();
  const settled = () => p().waitForFunction(() => !document.querySelector(".loading"));

  return [
    ["attribution: an agency with paid invoices; its owner logs in", async () => {
      silo.cli("company", "create", "--name", COMPANY, "--owner-email", OWNER, "--owner-name", "Hanna Herkomst");
      const login = await fetch(`${silo.url}/api/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: OWNER, password: PASSWORD }),
      });
      assert.equal(login.status, 200, await login.clone().text());
      state.token = (await login.json()).token;
      await api("PATCH", "/api/company/invoicing", {
        legal_name: "Herkomst Studio B.V.", street: "Keizersgracht 1", postcode: "1015 AA", city: "Amsterdam", country: "NL",
        kvk_number: "12345678", vat_id: "NL004495445B01", iban: "NL91ABNA0417164300",
      });
      const client = await api("POST", "/api/accounts", {
        name: CLIENT, legal_name: CLIENT, street: "Stationsplein 2", postcode: "3511 ED", city: "Utrecht", country: "NL",
        kvk_number: "87654321", vat_id: "NL000099998B57", invoice_email: "ap@herkomst.example",
      });
      state.clientId = client.id;
      const draft = await api("POST", "/api/invoices", {
        account_id: client.id, lines: [{ description: "Campaign", quantity: 1, unit_cents: 100_000, vat_rate_bp: 2100 }],
      });
      await api("POST", `/api/invoices/${draft.id}/issue`, {});
      await api("POST", `/api/invoices/${draft.id}/payments`, { amount_cents: 40_000 });
      await api("POST", `/api/invoices/${draft.id}/payments`, { amount_cents: 2_345 });
      const reversed = await api("POST", `/api/invoices/${draft.id}/payments`, { amount_cents: 999 });
      const payment = reversed.payments.find((x) => x.amount_cents === 999);
      await api("POST", `/api/invoices/${draft.id}/payments/${payment.id}/reverse`, { reason: "bounced" });
      const context = await browser.newContext({ viewport, locale: "en-GB", acceptDownloads: true });
      state.page = await watchedPage(context, problems);
      await p().goto(`${silo.url}/login`);
      await p().getByLabel("Email").fill(OWNER);
      await p().getByLabel("Password").fill(PASSWORD);
      await p().getByRole("button", { name: "Log in", exact: true }).click();
      await heading("Dashboard");
    }],
    ["attribution: the report's total equals the revenue report's paid total", async () => {
      await p().getByRole("navigation").getByRole("link", { name: "Attribution", exact: true }).click();
      await heading("Revenue by source");
      await settled();
      const month = new Date().toISOString().slice(0, 7);
      const finance = await api("GET", `/api/reports/revenue?from=${month}&to=${month}`);
      const paid = finance.months.filter((m) => m.currency === "EUR").reduce((s, m) => s + m.paid_cents, 0);
      assert.equal(paid, 42_345, "two payments, the reversed one left out");
      await p().getByTestId("attribution-total-EUR").getByText("€423.45").waitFor();
      await p().getByTestId("attribution-finance-EUR").getByText("€423.45").waitFor();
      await p().getByText("Matches the revenue report to the cent.").waitFor();
      const table = p().getByRole("table", { name: "Revenue by source (EUR)" });
      const unattributed = table.getByRole("row").filter({ hasText: "Unattributed" });
      await unattributed.getByRole("cell", { name: "€423.45" }).waitFor();
      await unattributed.getByRole("cell", { name: "2", exact: true }).waitFor();
      await p().getByTestId("chart-attribution-EUR").waitFor();
      await p().getByLabel("Credit to").selectOption("first");
      await p().getByRole("button", { name: "Show", exact: true }).click();
      await settled();
      await p().getByTestId("attribution-total-EUR").getByText("€423.45").waitFor();
      await shot(p(), "90-attribution-report");
    }],
    ["attribution: the white-label PDF downloads", async () => {
      const download = p().waitForEvent("download");
      await p().getByRole("button", { name: "Download PDF for the client" }).click();
      const file = await download;
      assert.match(file.suggestedFilename(), /^attribution-\d{4}-\d{2}-\d{4}-\d{2}\.pdf$/);
      const bytes = await file.createReadStream().then(async (stream) => {
        const chunks = [];
        for await (const chunk of stream) chunks.push(chunk);
        return Buffer.concat(chunks);
      });
      assert.equal(bytes.subarray(0, 4).toString(), "%PDF");
    }],
    ["attribution: a bad period is refused before asking", async () => {
      await p().getByLabel("From").fill("2026-05");
      await p().getByLabel("To", { exact: true }).fill("2026-04");
      await p().getByText("The last month must not be before the first.").waitFor();
      assert.equal(await p().getByRole("button", { name: "Show", exact: true }).isDisabled(), true);
    }],
    ["attribution: the sites, conversions and ad-platform pages open from the tabs", async () => {
      // The pages render and show their first controls.
      for (const [tab, button] of [["Tracked sites", "Add site"], ["Conversions", null], ["Ad platforms", "Add destination"]]) {
        await p().getByRole("navigation", { name: "Attribution" }).getByRole("link", { name: tab, exact: true }).click();
        await heading(tab);
        if (button) await p().getByRole("button", { name: button, exact: true }).waitFor();
      }
      // The forms: a destination's fields follow its platform, credentials are password fields.
      await p().getByRole("button", { name: "Add destination", exact: true }).click();
      await p().getByLabel("Pixel id").waitFor();
      assert.equal(await p().getByLabel("Access token").getAttribute("type"), "password");
      await p().getByLabel("Platform", { exact: true }).selectOption({ label: "Google Ads" });
      await p().getByLabel("Developer token").waitFor();
      await shot(p(), "93-attribution-destination-form");
      await p().getByRole("button", { name: "Cancel", exact: true }).click();
      await p().getByRole("navigation", { name: "Attribution" }).getByRole("link", { name: "Tracked sites", exact: true }).click();
      await p().getByRole("button", { name: "Add site", exact: true }).click();
      await p().getByLabel("Allowed origins").fill("https://shop.example/page nonsense");
      await p().getByText("Not a web address: nonsense").waitFor();
      await p().getByRole("button", { name: "Cancel", exact: true }).click();
      await p().getByRole("navigation", { name: "Attribution" }).getByRole("link", { name: "Revenue by source", exact: true }).click();
      await heading("Revenue by source");
      await settled();
    }],
    ["attribution: the report fits a 390 px phone", async () => {
      await p().setViewportSize(PHONE);
      await p().reload();
      await heading("Revenue by source");
      await settled();
      await p().getByTestId("attribution-total-EUR").waitFor();
      const out = await offScreen(p(), PHONE.width);
      await shot(p(), "91-attribution-report-phone");
      assert.deepEqual(out, [], "off screen at 390 px");
      await p().setViewportSize(viewport);
    }],
  ];
}

/**
 * The sites page (a site with its snippet, the event retention) and the destinations page, run
 * after `attributionSteps` in run.mjs; they log in to the report steps' company again.
 */
export function attributionAfterMergeSteps({ browser, silo, problems, viewport }) {
  const state = { token: "", page: null };
  const p = () => state.page;
  const heading = (name) => p().getByRole("heading", { level: 1, name }).waitFor();
  return [
    ["attribution (merged): the owner logs in again", async () => {
      const context = await browser.newContext({ viewport, locale: "en-GB" });
      state.page = await watchedPage(context, problems);
      await p().goto(`${silo.url}/login`);
      await p().getByLabel("Email").fill(OWNER);
      await p().getByLabel("Password").fill(PASSWORD);
      await p().getByRole("button", { name: "Log in", exact: true }).click();
      await heading("Dashboard");
    }],
    ["attribution (merged): a tracked site is added and its snippet shown", async () => {
      await p().goto(`${silo.url}/attribution/sites`);
      await heading("Tracked sites");
      await p().getByRole("button", { name: "Add site" }).click();
      await p().getByRole("searchbox", { name: "Find an account" }).fill("Herkomst");
      await p().getByLabel("Account", { exact: true }).selectOption({ label: CLIENT });
      await p().getByLabel("Name", { exact: true }).fill("Herkomst shop");
      await p().getByLabel("Allowed origins").fill("https://shop.herkomst.example/page?x=1");
      await p().getByRole("button", { name: "Create", exact: true }).click();
      const snippet = p().getByTestId("site-snippet");
      await snippet.waitFor();
      assert.match(await snippet.inputValue(), /<script/);
      await p().getByRole("table", { name: "Tracked sites" }).getByText("https://shop.herkomst.example").waitFor();
      await shot(p(), "92-attribution-sites");
    }],
    ["attribution (merged): the event retention is changed on the sites page", async () => {
      const months = p().getByLabel("Keep raw events for (months)");
      assert.equal(await months.inputValue(), "13");
      await months.fill("6");
      await p().getByRole("region", { name: "Keeping events" }).getByRole("button", { name: "Save" }).click();
      await p().getByRole("region", { name: "Keeping events" }).getByText("Saved").waitFor();
      // The field shows the server's value again once saved.
      assert.equal(await months.inputValue(), "6");
      await p().reload();
      await heading("Tracked sites");
      assert.equal(await p().getByLabel("Keep raw events for (months)").inputValue(), "6");
    }],
    ["attribution (merged): the destinations page lists nothing yet", async () => {
      await p().getByRole("link", { name: "Ad platforms", exact: true }).click();
      await heading("Ad platforms");
      await p().getByText("No destinations yet.").waitFor();
    }],
  ];
}
