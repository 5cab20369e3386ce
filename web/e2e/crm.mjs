// Browser steps for the CRM: the first-run checklist ticking from real data, a client made with
// its client record (a refused KvK number named beside its field), the client page with its
// contacts, deals, invoices and timeline, a deal dragged to won and reopened from its page, the
// readable audit log in English and Dutch, reports with a chart and a CSV download, and the
// client, deal and pipeline pages on a 390 px wide phone with no element off screen.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { bearerApi, PASSWORD, shot, watchedPage } from "./harness.mjs";

const OWNER = "crm@acme.test";
const OWNER_NAME = "Cora Crm";
const COMPANY = "Crm Agency";
const PHONE = { width: 390, height: 844 };

/**
 * Whether anything sticks out of a `width` wide screen: the page's scroll width, and each
 * element's box, except inside something that scrolls sideways on purpose (tables, the tabs).
 */
export async function offScreen(p, width = PHONE.width) {
  return p.evaluate((w) => {
    const scrolls = (el) => {
      for (let e = el.parentElement; e; e = e.parentElement) {
        const o = getComputedStyle(e).overflowX;
        if (o === "auto" || o === "scroll" || o === "hidden") return true;
      }
      return false;
    };
    const out = [];
    if (document.documentElement.scrollWidth > w + 1) out.push(`page scrollWidth ${document.documentElement.scrollWidth}`);
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      // Empty, or wholly left of the screen (the skip link's way of hiding until focused).
      if (r.width === 0 || r.height === 0 || r.right <= 0) continue;
      if ((r.right > w + 1 || r.left < -1 || r.width > w + 1) && !scrolls(el)) {
        const name = `${el.tagName.toLowerCase()}${el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : ""}`;
        out.push(`${name} [${Math.round(r.left)}, ${Math.round(r.right)}] "${(el.textContent ?? "").trim().slice(0, 30)}"`);
      }
    }
    return out;
  }, width);
}

export function crmSteps({ browser, silo, problems, viewport }) {
  let token = "";
  let p = null;
  let clientId = "";
  let dealId = "";

  const api = bearerApi(silo, () => token);

  const nav = (name) => p.getByRole("navigation").getByRole("link", { name, exact: true }).click();
  const heading = (name) => p.getByRole("heading", { level: 1, name }).waitFor();
  const settled = () => p.locator(".loading").waitFor({ state: "detached" });

  async function onPhone(name) {
    await p.setViewportSize(PHONE);
    await settled();
    // Layout settles after the resize (charts redraw): give it a frame.
    await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const out = await offScreen(p);
    await shot(p, name);
    await p.setViewportSize(viewport);
    assert.deepEqual(out, [], `${name}: off screen at 390 px`);
  }

  return [
    ["crm: a new company's dashboard shows the first-run checklist, nothing ticked", async () => {
      silo.cli("company", "create", "--name", COMPANY, "--owner-email", OWNER, "--owner-name", OWNER_NAME);
      const login = await fetch(`${silo.url}/api/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: OWNER, password: PASSWORD }),
      });
      assert.equal(login.status, 200);
      token = (await login.json()).token;
      const context = await browser.newContext({ viewport, locale: "en-GB", acceptDownloads: true });
      p = await watchedPage(context, problems);
      await p.goto(`${silo.url}/login`);
      await p.getByLabel("Email").fill(OWNER);
      await p.getByLabel("Password").fill(PASSWORD);
      await p.getByRole("button", { name: "Log in" }).click();
      await heading("Dashboard");
      const list = p.getByRole("region", { name: "Getting started" });
      await list.getByText("0 of 5 done").waitFor();
      for (const step of ["company", "client", "deal", "invoice", "colleague"]) {
        assert.equal(await p.getByTestId(`checklist-${step}`).getAttribute("data-done"), "false", step);
      }
      await shot(p, "40-checklist");
    }],
    ["crm: a client with its client record; a wrong KvK number is named beside its field", async () => {
      await nav("Accounts");
      await heading("Accounts");
      await p.getByRole("button", { name: "New account" }).click();
      await p.getByLabel("Name", { exact: true }).fill("Noord Media");
      await p.getByLabel("Legal name").fill("Noord Media B.V.");
      await p.getByLabel("Street and number").fill("Damrak 1");
      await p.getByLabel("Postcode").fill("1012 LG");
      await p.getByLabel("City").fill("Amsterdam");
      await p.getByLabel("Country").fill("nl");
      await p.getByLabel("VAT number").fill("NL004495445B01");
      await p.getByLabel("KvK number").fill("1234");
      await p.getByLabel("Invoice email").fill("billing@noord.example");
      await p.getByLabel("Payment term (days)").fill("14");
      await p.getByLabel("Invoice language").selectOption("en");
      p.allowHttpErrors = true;
      await p.getByRole("button", { name: "Save" }).click();
      const kvk = p.getByLabel("KvK number");
      await p.locator(".field-problem").getByText("Not a KvK number (8 digits).", { exact: true }).waitFor();
      assert.equal(await kvk.getAttribute("aria-invalid"), "true");
      p.allowHttpErrors = false;
      // In the person's language: the same problem in Dutch once the language is switched.
      await p.getByLabel("Language", { exact: true }).selectOption("nl");
      await p.locator(".field-problem").getByText("Geen KvK-nummer (8 cijfers).", { exact: true }).waitFor();
      await p.getByLabel("Taal", { exact: true }).selectOption("en");
      await shot(p, "41-client-form-problem");
      await kvk.fill("12345678");
      await p.getByRole("button", { name: "Save" }).click();
      await p.getByRole("link", { name: "Noord Media", exact: true }).click();
      await heading("Noord Media");
      clientId = new URL(p.url()).pathname.split("/").pop();
      const details = p.getByTestId("client-details");
      for (const text of ["Noord Media B.V.", "Damrak 1", "1012 LG Amsterdam", "NL", "NL004495445B01", "12345678", "billing@noord.example", "14 days", "English"]) {
        await details.getByText(text, { exact: true }).waitFor();
      }
    }],
    ["crm: the client page lists its contacts, deals and invoices, and a timeline", async () => {
      const contact = await api("POST", "/api/contacts", { name: "Nina Noord", email: "nina@noord.example", account_id: clientId });
      const deal = await api("POST", "/api/deals", { title: "Noord rebrand", value_cents: 1000000, account_id: clientId, contact_id: contact.id });
      dealId = deal.id;
      await api("POST", "/api/deals", { title: "Other client's deal", value_cents: 500 });
      await api("POST", "/api/contracts", { title: "Noord terms", body: "Terms.", deal_id: deal.id });
      await api("POST", "/api/contracts", { title: "Unrelated terms", body: "Terms." });
      await api("POST", "/api/invoices", {
        account_id: clientId,
        lines: [{ description: "Brand workshop", quantity: 1, unit_cents: 250000, vat_rate_bp: 2100 }],
      });
      await p.reload();
      await heading("Noord Media");
      await p.getByRole("table", { name: "Contacts" }).getByRole("link", { name: "Nina Noord" }).waitFor();
      await p.getByRole("table", { name: "Deals" }).getByRole("link", { name: "Noord rebrand" }).waitFor();
      assert.equal(await p.getByText("Other client's deal").count(), 0);
      await p.getByRole("table", { name: "Contracts" }).getByRole("cell", { name: "Noord terms" }).waitFor();
      assert.equal(await p.getByText("Unrelated terms").count(), 0);
      await p.getByRole("table", { name: "Invoices" }).getByRole("cell", { name: "€3,025.00" }).waitFor();
      // A contact added from the client's page belongs to the client.
      await p.getByRole("button", { name: "New contact" }).click();
      await p.getByLabel("Name", { exact: true }).fill("Piet Noord");
      await p.getByRole("button", { name: "Save" }).click();
      await p.getByRole("table", { name: "Contacts" }).getByRole("link", { name: "Piet Noord" }).waitFor();
      const piet = (await api("GET", "/api/contacts?q=Piet")).items.find((c) => c.name === "Piet Noord");
      assert.equal(piet.account_id, clientId);
      const timeline = p.getByRole("region", { name: "Timeline" });
      await timeline.getByText("Client created").waitFor();
      await timeline.getByText("Deal created").waitFor();
      await timeline.getByText("Contact added").waitFor();
      await timeline.getByText(`by ${OWNER_NAME}`).first().waitFor();
      await shot(p, "42-client-page");
      await onPhone("43-mobile-client-page");
      // The contact's page, from the client's.
      await p.getByRole("table", { name: "Contacts" }).getByRole("link", { name: "Nina Noord" }).click();
      await heading("Nina Noord");
      await p.getByRole("link", { name: "Noord Media" }).waitFor();
      await p.getByRole("table", { name: "Deals" }).getByRole("link", { name: "Noord rebrand" }).waitFor();
      await p.getByRole("region", { name: "Timeline" }).getByText("Contact added").waitFor();
    }],
    ["crm: drag a deal to won; totals and weighted value per stage follow", async () => {
      await nav("Pipeline");
      await heading("Pipeline");
      const lead = p.getByRole("region", { name: "Lead" });
      const won = p.getByRole("region", { name: "Won" });
      await lead.getByText("Noord rebrand").waitFor();
      await p.getByTestId("total-lead").getByText("€10,005.00").waitFor();
      await p.getByTestId("weighted-lead").getByText("€1,000.50").waitFor();
      await onPhone("44-mobile-pipeline");
      const card = p.getByRole("listitem", { name: "Noord rebrand" });
      const moved = p.waitForResponse((r) => r.url().includes(`/api/deals/${dealId}`) && r.request().method() === "PATCH");
      await card.dragTo(won);
      assert.equal((await moved).status(), 200);
      await won.getByText("Noord rebrand").waitFor();
      await p.getByTestId("total-won").getByText("€10,000.00").waitFor();
      await p.getByTestId("total-lead").getByText("€5.00").waitFor();
      await shot(p, "45-pipeline-dragged");
      // By touch: the card's handle follows the finger to Proposal.
      const other = p.getByRole("listitem", { name: "Other client's deal" });
      const handle = other.getByTestId("drag-handle");
      const proposal = p.getByRole("region", { name: "Proposal" });
      const finger = (box) => ({ clientX: box.x + box.width / 2, clientY: box.y + box.height / 2, pointerType: "touch", pointerId: 7, isPrimary: true });
      await handle.dispatchEvent("pointerdown", finger(await handle.boundingBox()));
      await handle.dispatchEvent("pointermove", finger(await proposal.boundingBox()));
      await handle.dispatchEvent("pointerup", finger(await proposal.boundingBox()));
      await proposal.getByText("Other client's deal").waitFor();
      await p.getByTestId("total-proposal").getByText("€5.00").waitFor();
      // Filters: the client narrows the board.
      await p.getByRole("searchbox", { name: "Find an account" }).first().fill("Noord");
      await p.getByLabel("Client", { exact: true }).selectOption({ label: "Noord Media" });
      await p.getByText("Other client's deal").waitFor({ state: "detached" });
      await won.getByText("Noord rebrand").waitFor();
    }],
    ["crm: the deal page shows owner, client, contact and stage history; a won deal reopens", async () => {
      await p.getByRole("link", { name: "Noord rebrand" }).click();
      await heading("Noord rebrand");
      const details = p.getByTestId("deal-details");
      await details.getByText(OWNER_NAME).waitFor();
      await details.getByRole("link", { name: "Noord Media" }).waitFor();
      await details.getByRole("link", { name: "Nina Noord" }).waitFor();
      const history = p.getByTestId("stage-history");
      await history.getByText("Created in Lead").waitFor();
      await history.getByText("Lead → Won").waitFor();
      await onPhone("46-mobile-deal");
      await p.getByLabel("Reopen in stage").selectOption("qualified");
      await p.getByRole("button", { name: "Reopen Noord rebrand" }).click();
      await p.getByTestId("deal-stage").getByText("Qualified").waitFor();
      await history.getByText("Won → Qualified").waitFor();
      await shot(p, "47-deal-page");
    }],
    ["crm: the audit log reads as sentences with names, filtered by person and action, in Dutch too", async () => {
      await nav("Audit log");
      await heading("Audit log");
      await p.getByText(`${OWNER_NAME} created the client Noord Media.`).waitFor();
      await p.getByText(`${OWNER_NAME} created the deal Noord rebrand.`).first().waitFor();
      await p.getByLabel("Person").selectOption({ label: OWNER_NAME });
      await p.getByLabel("Action").selectOption("account.create");
      await p.getByRole("button", { name: "Filter" }).click();
      await p.locator(".list-footer").getByText("1 shown", { exact: true }).waitFor();
      await p.getByText(`${OWNER_NAME} created the client Noord Media.`).waitFor();
      await shot(p, "48-audit");
      await p.getByLabel("Language", { exact: true }).selectOption("nl");
      await p.getByText(`${OWNER_NAME} heeft de klant Noord Media aangemaakt.`).waitFor();
      await p.getByLabel("Taal", { exact: true }).selectOption("en");
    }],
    ["crm: reports draw a revenue chart and download CSV", async () => {
      const drafts = await api("GET", `/api/invoices?account_id=${clientId}`);
      const invoice = drafts.items.find((i) => i.account_id === clientId);
      // Issuing needs the seller's details: give them.
      await api("PATCH", "/api/company/invoicing", {
        legal_name: "Crm Agency B.V.",
        vat_id: "NL004495445B01",
        kvk_number: "87654321",
        iban: "NL91ABNA0417164300",
        street: "Keizersgracht 1",
        postcode: "1015 CJ",
        city: "Amsterdam",
        country: "NL",
      });
      await api("POST", `/api/invoices/${invoice.id}/issue`, {});
      await nav("Reports");
      await heading("Reports");
      const canvas = p.getByTestId("chart-revenue");
      await canvas.waitFor();
      // Something is drawn: the canvas is not blank.
      const painted = await canvas.evaluate((c) => {
        const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        let ink = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
        return ink;
      });
      assert.ok(painted > 1000, `the revenue chart has ${painted} painted pixels`);
      await p.getByTestId("chart-pipeline").waitFor();
      await p.getByRole("table", { name: /Revenue by month/ }).getByText("€3,025.00").first().waitFor();
      await p.getByTestId("chart-top-clients").waitFor();
      await p.getByRole("table", { name: /Top clients/ }).getByRole("link", { name: "Noord Media" }).waitFor();
      const [download] = await Promise.all([
        p.waitForEvent("download"),
        p.getByRole("region", { name: "Revenue by month" }).getByRole("button", { name: "Download CSV" }).click(),
      ]);
      assert.match(download.suggestedFilename(), /^revenue-\d{4}-\d{2}-\d{4}-\d{2}-EUR\.csv$/);
      const csv = readFileSync(await download.path(), "utf8");
      assert.match(csv, /^\ufeff?month,currency,invoiced,paid/);
      assert.match(csv, /3025\.00/);
      await shot(p, "49-reports");
      // Printed: the charts and tables stay, the period form and buttons go.
      await p.emulateMedia({ media: "print" });
      assert.equal(await p.getByRole("button", { name: "Download CSV" }).first().isVisible(), false);
      assert.ok(await canvas.isVisible(), "the chart prints");
      await shot(p, "49b-reports-print");
      await p.emulateMedia({ media: "screen" });
      await onPhone("50-mobile-reports");
    }],
    ["crm: the checklist ticks what was done, and can be hidden", async () => {
      await nav("Dashboard");
      await heading("Dashboard");
      const list = p.getByRole("region", { name: "Getting started" });
      await list.getByText("4 of 5 done").waitFor();
      assert.equal(await p.getByTestId("checklist-colleague").getAttribute("data-done"), "false");
      await list.getByRole("button", { name: "Hide the checklist" }).click();
      await list.waitFor({ state: "detached" });
      await p.reload();
      await heading("Dashboard");
      await settled();
      assert.equal(await p.getByRole("region", { name: "Getting started" }).count(), 0);
      await p.context().close();
    }],
  ];
}
