// Browser steps for long lists: a company with more than a page of everything (made quickly
// through the API and the CLI), where every list page must reach its 51st item ("Load more"),
// search where the API searches, and the pickers find a record far past the first page.
import assert from "node:assert/strict";
import { bearerApi, PASSWORD, shot, watchedPage } from "./harness.mjs";

const OWNER = "bulk@acme.test";
const COMPANY = "Bulk Agency";
const SLUG = "bulk-agency";
/** Items per list: one more than the app's page of 50. */
const N = 51;
/** Deals: more than the API's largest page (200), so the dashboard must read several pages. */
const DEALS = 201;
const num = (i) => String(i).padStart(3, "0");

/** The steps, to run after the main flow's (they use their own company, person and browser). */
export function listSteps({ browser, silo, problems, viewport }) {
  let token = "";
  let p = null;
  let lastInvoiceNumber = "";

  const api = bearerApi(silo, () => token);

  /**
   * make(i) for i = 1..n, a few requests at a time (a shared 2-core machine), and the last one
   * alone after all others: lists are in creation order, so item n is surely the last.
   */
  async function many(n, make) {
    const results = [];
    for (let i = 1; i < n; i += 4) {
      const batch = [];
      for (let j = i; j <= Math.min(n - 1, i + 3); j++) batch.push(make(j));
      results.push(...(await Promise.all(batch)));
    }
    results.push(await make(n));
    return results;
  }

  const nav = (name) => p.getByRole("navigation").getByRole("link", { name, exact: true }).click();
  const heading = (name) => p.getByRole("heading", { level: 1, name }).waitFor();
  const shown = (footer, count, more) => footer.getByText(`${count} shown${more ? "; there are more" : ""}`, { exact: true });

  /**
   * Asserts the list behind `footer` shows a first page of 50 without `target`, then loads pages
   * (by `press`: a click, or Enter on the focused button) until all `total` are there, `target`
   * among them, and the button is gone.
   */
  async function reachAll({ footer, target, total, button = "Load more", press = "click" }) {
    await shown(footer, 50, true).waitFor();
    assert.equal(await target.count(), 0, "the target is not on the first page");
    let count = 50;
    while (count < total) {
      const more = footer.getByRole("button", { name: button, exact: true });
      if (press === "click") await more.click();
      else {
        await more.focus();
        await p.keyboard.press("Enter");
      }
      count = Math.min(count + 50, total);
      await shown(footer, count, count < total).waitFor();
    }
    await target.first().waitFor();
    assert.equal(await footer.getByRole("button").count(), 0, "no Load more once everything is shown");
  }

  /** Searches the page's list (its search box) and expects `only` as the one result. */
  async function searchFor(text, only, absent) {
    await p.getByRole("searchbox", { name: "Search", exact: true }).fill(text);
    await p.getByRole("button", { name: "Search", exact: true }).click();
    await shown(p.locator(".list-footer"), 1, false).waitFor();
    await only.waitFor();
    assert.equal(await absent.count(), 0, `${text}: other items are filtered out`);
  }

  return [
    ["long lists: a company with more than a page of everything, made through the API and the CLI", async () => {
      silo.cli("company", "create", "--name", COMPANY, "--owner-email", OWNER, "--owner-name", "Bea Bulk");
      const login = await fetch(`${silo.url}/api/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: OWNER, password: PASSWORD }),
      });
      assert.equal(login.status, 200, await login.clone().text());
      const session = await login.json();
      token = session.token;
      // A paid plan is the operator's step.
      silo.cli("company", "plan", session.company.id, "scale");
      const accounts = await many(N, (i) => api("POST", "/api/accounts", { name: `Bulk account ${num(i)}` }));
      await many(N, (i) =>
        api("POST", "/api/contacts", { name: `Bulk contact ${num(i)}`, account_id: i === N ? accounts[N - 1].id : null }),
      );
      await many(DEALS, (i) => api("POST", "/api/deals", { title: `Bulk deal ${num(i)}`, value_cents: 100 }));
      await many(N, (i) => api("POST", "/api/contracts", { title: `Bulk contract ${num(i)}`, body: "Terms." }));
      // Issuing needs the seller's details and a client complete enough to invoice.
      await api("PATCH", "/api/company/invoicing", {
        legal_name: "Acme B.V.", street: "Keizersgracht 1", postcode: "1015 AA", city: "Amsterdam", country: "NL",
        kvk_number: "12345678", vat_id: "NL004495445B01", iban: "NL91ABNA0417164300",
      });
      await api("PATCH", `/api/accounts/${accounts[N - 1].id}`, {
        street: "Stationsplein 2", postcode: "3511 ED", city: "Utrecht", country: "NL", kvk_number: "87654321",
      });
      const invoices = await many(N, (i) =>
        api("POST", "/api/invoices", {
          account_id: accounts[N - 1].id,
          lines: [{ description: `Bulk line ${num(i)}`, quantity: 1, unit_cents: i * 100, vat_rate_bp: 0 }],
        }),
      );
      lastInvoiceNumber = (await api("POST", `/api/invoices/${invoices[N - 1].id}/issue`, {})).number;
      assert.ok(lastInvoiceNumber, "an issued invoice has a number");
      // Members with a password join at once; without one they are invited (pending).
      for (let i = 1; i <= N; i++) {
        silo.cli("member", "add", SLUG, `bulk-member-${num(i)}@acme.test`, "viewer", "--password", PASSWORD);
      }
      for (let i = 1; i <= N; i++) silo.cli("member", "add", SLUG, `bulk-invite-${num(i)}@acme.test`, "viewer");

      const context = await browser.newContext({ viewport, locale: "en-GB" });
      p = await watchedPage(context, problems);
      await p.goto(`${silo.url}/login`);
      await p.getByLabel("Email").fill(OWNER);
      await p.getByLabel("Password").fill(PASSWORD);
      await p.getByRole("button", { name: "Log in" }).click();
      await heading("Dashboard");
    }],
    ["long lists: the dashboard counts every deal, not only the first 200", async () => {
      await p.getByTestId("open-lead").getByText(`${DEALS} deals`, { exact: true }).waitFor();
      await p.getByRole("row", { name: /Lead/ }).getByText("€201.00").waitFor();
    }],
    ["long lists: accounts reach the 51st by keyboard, and search", async () => {
      await nav("Accounts");
      await heading("Accounts");
      const footer = p.locator(".list-footer");
      await reachAll({ footer, target: p.getByRole("cell", { name: "Bulk account 051", exact: true }), total: N, press: "keyboard" });
      // The button went away with the last page: the keyboard focus is on the count, not lost.
      assert.equal(await p.evaluate(() => document.activeElement?.textContent), "51 shown");
      await searchFor("Bulk account 051", p.getByRole("cell", { name: "Bulk account 051", exact: true }), p.getByRole("cell", { name: "Bulk account 001" }));
      await shot(p, "30-accounts-search");
    }],
    ["long lists: contacts reach the 51st, search, and the account picker finds the 51st account", async () => {
      await nav("Contacts");
      await heading("Contacts");
      const row = p.getByRole("row", { name: /Bulk contact 051/ });
      await reachAll({ footer: p.locator(".list-footer"), target: row, total: N });
      // Its account is read by id, not from a list of accounts.
      await row.getByRole("cell", { name: "Bulk account 051", exact: true }).waitFor();
      await searchFor("Bulk contact 051", row, p.getByRole("cell", { name: "Bulk contact 001" }));
      await p.getByRole("button", { name: "New contact" }).click();
      await p.getByLabel("Name").fill("Picked Person");
      const picker = p.getByLabel("Account", { exact: true });
      // Only the first matches are offered until one types: not the 51st.
      assert.equal(await picker.locator("option", { hasText: "Bulk account 051" }).count(), 0);
      await p.getByRole("searchbox", { name: "Find an account" }).fill("account 051");
      await picker.locator("option", { hasText: "Bulk account 051" }).waitFor({ state: "attached" });
      await picker.selectOption({ label: "Bulk account 051" });
      await p.setViewportSize({ width: 390, height: 844 });
      const width = await p.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 391, `the contact form with its picker is ${width}px wide`);
      await shot(p, "31-mobile-contact-picker");
      await p.setViewportSize(viewport);
      await p.getByRole("button", { name: "Save" }).click();
      await p.getByRole("row", { name: /Picked Person/ }).getByRole("cell", { name: "Bulk account 051", exact: true }).waitFor();
    }],
    ["long lists: the pipeline reaches its 201st deal, and searches", async () => {
      await nav("Pipeline");
      await heading("Pipeline");
      const card = p.getByRole("listitem", { name: "Bulk deal 201" });
      await reachAll({ footer: p.locator(".list-footer"), target: card, total: DEALS });
      await p.setViewportSize({ width: 390, height: 844 });
      const width = await p.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 391, `the long pipeline is ${width}px wide`);
      await p.setViewportSize(viewport);
      await searchFor("Bulk deal 201", card, p.getByRole("listitem", { name: "Bulk deal 001" }));
    }],
    ["long lists: contracts reach the 51st, and search", async () => {
      await nav("Contracts");
      await heading("Contracts");
      const contract = p.getByRole("heading", { name: "Bulk contract 051" });
      await reachAll({ footer: p.locator(".list-footer"), target: contract, total: N });
      await p.getByRole("button", { name: "Send Bulk contract 051" }).waitFor();
      await searchFor("Bulk contract 051", contract, p.getByRole("heading", { name: "Bulk contract 001" }));
    }],
    ["long lists: invoices reach the 51st, and search by number", async () => {
      await nav("Invoices");
      await heading("Invoices");
      const row = p.getByRole("row", { name: new RegExp(lastInvoiceNumber) });
      await reachAll({ footer: p.locator(".list-footer"), target: row, total: N });
      await row.getByRole("cell", { name: "€51.00", exact: true }).first().waitFor();
      await searchFor(lastInvoiceNumber, row, p.getByRole("cell", { name: "€1.00", exact: true }));
      // The invoice form, with its account picker, on a phone.
      await p.setViewportSize({ width: 390, height: 844 });
      await p.getByRole("button", { name: "New invoice" }).click();
      await p.getByRole("searchbox", { name: "Find an account" }).fill("Bulk account 051");
      await p.getByLabel("Account", { exact: true }).selectOption({ label: "Bulk account 051" });
      const width = await p.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 391, `the invoice form is ${width}px wide`);
      await shot(p, "33-mobile-invoice-form");
      await p.getByRole("button", { name: "Cancel" }).click();
      await p.setViewportSize(viewport);
    }],
    ["long lists: members and pending invitations each reach their 51st", async () => {
      await nav("Members");
      await heading("Members");
      await reachAll({
        footer: p.locator(".list-footer").nth(0),
        target: p.getByRole("cell", { name: "bulk-member-051@acme.test", exact: true }),
        total: N + 1,
        button: "Load more: Members",
      });
      await reachAll({
        footer: p.locator(".list-footer").nth(1),
        target: p.getByRole("cell", { name: "bulk-invite-051@acme.test" }),
        total: N,
        button: "Load more: Pending invitations",
      });
      await shot(p, "32-members-all");
    }],
    ["long lists: the audit log reaches past its first page", async () => {
      await nav("Audit log");
      await heading("Audit log");
      const footer = p.locator(".list-footer");
      await shown(footer, 50, true).waitFor();
      assert.equal(await p.locator("tbody tr").count(), 50);
      await footer.getByRole("button", { name: "Load more", exact: true }).click();
      await shown(footer, 100, true).waitFor();
      assert.equal(await p.locator("tbody tr").count(), 100);
      await p.context().close();
    }],
  ];
}
