// Browser tests: the whole app against a real server, as people use it.
import assert from "node:assert/strict";
import { PASSWORD, shot, siloBinary, startBrowser, startSilo, steps, watchedPage } from "./harness.mjs";

const OWNER = "owner@acme.test";
const VIEWER = "viewer@acme.test";
const problems = [];
const { browser, close } = await startBrowser();
const silo = await startSilo(siloBinary()).catch(async (e) => {
  await close();
  throw e;
});
let failed = false;

const desktop = { viewport: { width: 1280, height: 860 }, locale: "en-GB" };
const owner = await browser.newContext(desktop);
const page = await watchedPage(owner, problems);
let inviteLink = "";

const nav = (name) => page.getByRole("navigation").getByRole("link", { name, exact: true }).click();
const heading = (p, name) => p.getByRole("heading", { level: 1, name }).waitFor();

async function login(p, email) {
  await p.getByLabel("Email").fill(email);
  await p.getByLabel("Password").fill(PASSWORD);
  await p.getByRole("button", { name: "Log in" }).click();
}

try {
  await steps([
    ["the app page has no inline code and carries the security headers", async () => {
      const response = await fetch(`${silo.url}/pipeline`);
      const html = await response.text();
      assert.match(response.headers.get("content-security-policy"), /script-src 'self';/);
      assert.equal(response.headers.get("x-frame-options"), "DENY");
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, "inline script");
      assert.doesNotMatch(html, /<style|style=/, "inline style");
    }],
    ["sign up a company", async () => {
      await page.goto(`${silo.url}/signup`);
      await page.getByLabel("Company name").fill("Acme Agency");
      await page.getByLabel("Your name").fill("Olivia Owner");
      await page.getByLabel("Email").fill(OWNER);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Create company" }).click();
      await heading(page, "Dashboard");
      assert.equal(await page.locator("header .company-name").textContent(), "Acme Agency");
      await shot(page, "01-dashboard");
    }],
    ["create an account and a contact", async () => {
      await nav("Accounts");
      await page.getByRole("button", { name: "New account" }).click();
      await page.getByLabel("Name").fill("Client BV");
      await page.getByLabel("Website").fill("https://client.example");
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByRole("cell", { name: "Client BV", exact: true }).waitFor();
      await shot(page, "02-accounts");
      await nav("Contacts");
      await page.getByRole("button", { name: "New contact" }).click();
      await page.getByLabel("Name").fill("Carla Client");
      await page.getByLabel("Email").fill("carla@client.example");
      await page.getByLabel("Account").selectOption({ label: "Client BV" });
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByRole("cell", { name: "Carla Client", exact: true }).waitFor();
      await page.getByRole("button", { name: "Edit Carla Client" }).click();
      await page.getByLabel("Phone").fill("+31 20 123 4567");
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByRole("cell", { name: "+31 20 123 4567", exact: true }).waitFor();
      await page.getByRole("searchbox", { name: "Search" }).fill("nobody-by-this-name");
      await page.getByRole("button", { name: "Search", exact: true }).click();
      await page.getByText("Nothing here yet.").waitFor();
      await page.getByRole("searchbox", { name: "Search" }).fill("Carla");
      await page.getByRole("button", { name: "Search", exact: true }).click();
      await page.getByRole("cell", { name: "Carla Client", exact: true }).waitFor();
      await shot(page, "03-contacts");
    }],
    ["create a deal and move it to won", async () => {
      await nav("Pipeline");
      await page.getByRole("button", { name: "New deal" }).click();
      await page.getByLabel("Title").fill("Website redesign");
      await page.getByLabel("Value (EUR)").fill("12500");
      await page.getByRole("button", { name: "Create" }).click();
      const card = page.getByRole("listitem", { name: "Website redesign" });
      await page.getByRole("region", { name: "Lead" }).getByText("Website redesign").waitFor();
      // Keyboard: focus the card and press → to move it to Qualified.
      await card.focus();
      await page.keyboard.press("ArrowRight");
      await page.getByRole("region", { name: "Qualified" }).getByText("Website redesign").waitFor();
      await card.getByRole("button", { name: "Move to Won" }).click();
      await page.getByRole("region", { name: "Won" }).getByText("Website redesign").waitFor();
      await shot(page, "04-pipeline");
    }],
    ["draft, send and sign a contract", async () => {
      await nav("Contracts");
      await page.getByRole("button", { name: "New contract" }).click();
      await page.getByLabel("Title").fill("Redesign agreement");
      await page.getByLabel("Text").fill("Acme redesigns the website of Client BV.");
      await page.getByRole("button", { name: "Create" }).click();
      await page.getByRole("button", { name: "Send" }).click();
      await page.getByLabel("Signer name").fill("Carla Client");
      await page.getByLabel("Signer email").fill("carla@client.example");
      await page.getByRole("button", { name: "Record signature" }).click();
      await page.getByText("Signed by Carla Client").waitFor();
      await shot(page, "05-contracts");
    }],
    ["create, issue and pay an invoice; print view", async () => {
      await nav("Invoices");
      await page.getByRole("button", { name: "Invoicing details" }).click();
      await page.getByLabel("Legal name").fill("Acme Agency B.V.");
      await page.getByLabel("Address").fill("Keizersgracht 1, Amsterdam");
      await page.getByLabel("VAT number").fill("NL123456789B01");
      await page.getByLabel("IBAN").fill("NL91ABNA0417164300");
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByText("Saved.").waitFor();
      await page.getByRole("button", { name: "Close" }).click();
      await page.getByRole("button", { name: "New invoice" }).click();
      await page.getByLabel("Description").fill("Design work");
      await page.getByLabel("Quantity").fill("2");
      await page.getByLabel("Unit price (EUR)").fill("500");
      await page.getByLabel("VAT %").fill("21");
      await page.getByRole("button", { name: "Create" }).click();
      await page.getByRole("button", { name: "Issue" }).click();
      await page.getByText("Issued", { exact: true }).waitFor();
      await page.getByRole("button", { name: "Record payment" }).click();
      await page.getByLabel("Amount (EUR)").fill("1210");
      await page.locator("form.inline").getByRole("button", { name: "Record payment" }).click();
      await page.getByRole("cell", { name: "Paid", exact: true }).waitFor();
      await shot(page, "06-invoices");
      await page.getByRole("link", { name: "View" }).click();
      assert.equal(await page.getByTestId("invoice-total").textContent(), "€1,210.00");
      await page.getByText("Acme Agency B.V.").waitFor();
      await page.getByText("VAT number: NL123456789B01").waitFor();
      await shot(page, "07-invoice-print");
    }],
    ["dashboard shows this month's invoiced and paid amounts", async () => {
      await nav("Dashboard");
      await page.getByTestId("invoiced").getByText("€1,210.00").waitFor();
      assert.equal(await page.getByTestId("paid").textContent(), "€1,210.00");
      await shot(page, "08-dashboard-after");
    }],
    ["invite a viewer and see the link", async () => {
      await nav("Members");
      await page.getByLabel("Email").fill(VIEWER);
      await page.getByLabel("Role", { exact: true }).selectOption("viewer");
      await page.getByRole("button", { name: "Invite member" }).click();
      inviteLink = await page.locator("input.invite-link").inputValue();
      assert.match(inviteLink, /\/accept-invite\?token=[0-9a-f]{64}$/);
      await shot(page, "09-members");
      await nav("Audit log");
      await page.getByRole("cell", { name: "invoice.issue", exact: true }).waitFor();
      await shot(page, "10-audit");
    }],
    ["a reload keeps the session (refresh cookie), logout ends it", async () => {
      await page.reload();
      await heading(page, "Audit log");
      assert.equal(await page.locator("header .company-name").textContent(), "Acme Agency");
      await page.getByRole("button", { name: "Log out" }).click();
      await page.getByText("You have been logged out.").waitFor();
      await page.reload();
      await heading(page, "Log in");
      page.allowHttpErrors = true;
      await page.getByLabel("Email").fill(OWNER);
      await page.getByLabel("Password").fill("not the password");
      await page.getByRole("button", { name: "Log in" }).click();
      await page.getByRole("alert").getByText("Email or password is wrong.").waitFor();
      page.allowHttpErrors = false;
    }],
    ["the invited viewer joins and is offered no way to write", async () => {
      const viewer = await browser.newContext(desktop);
      const v = await watchedPage(viewer, problems);
      await v.goto(inviteLink);
      await v.getByLabel("Your name").fill("Victor Viewer");
      await v.getByLabel("Password").fill(PASSWORD);
      await v.getByRole("button", { name: "Join" }).click();
      await heading(v, "Dashboard");
      assert.match(await v.locator("header .role").textContent(), /Viewer/);
      const links = await v.getByRole("navigation").getByRole("link").allTextContents();
      assert.deepEqual(links, ["Dashboard", "Accounts", "Contacts", "Pipeline", "Contracts", "Invoices"]);
      await v.getByRole("navigation").getByRole("link", { name: "Invoices" }).click();
      await v.getByRole("cell", { name: "Paid", exact: true }).waitFor();
      for (const name of ["New invoice", "Issue", "Record payment"]) {
        assert.equal(await v.getByRole("button", { name }).count(), 0, name);
      }
      await v.getByRole("navigation").getByRole("link", { name: "Pipeline" }).click();
      await v.getByText("Website redesign").waitFor();
      assert.equal(await v.getByRole("button", { name: /Move to|New deal/ }).count(), 0);
      await shot(v, "11-viewer-invoices");
      await v.goto(`${silo.url}/members`);
      await v.getByRole("alert").getByText("Your role does not allow this.").waitFor();
      await v.getByRole("button", { name: "Log out" }).click();
      await login(v, VIEWER);
      await heading(v, "Dashboard");
      await viewer.close();
    }],
    ["switching company shows only that company's data", async () => {
      silo.cli("company", "create", "--name", "Beta Studio", "--owner-email", OWNER);
      await login(page, OWNER);
      await heading(page, "Choose a company");
      await shot(page, "12-choose-company");
      await page.getByRole("button", { name: /Beta Studio/ }).click();
      await heading(page, "Dashboard");
      await nav("Contacts");
      await page.getByText("Nothing here yet.").waitFor();
      assert.equal(await page.getByText("Carla Client").count(), 0);
      await page.getByLabel("Switch company").selectOption({ label: "Acme Agency" });
      await heading(page, "Dashboard");
      await nav("Contacts");
      await page.getByRole("cell", { name: "Carla Client", exact: true }).waitFor();
      await page.getByLabel("Switch company").selectOption({ label: "Beta Studio" });
      await heading(page, "Dashboard");
      await nav("Contacts");
      await page.getByText("Nothing here yet.").waitFor();
      assert.equal(await page.getByText("Carla Client").count(), 0);
      await page.getByLabel("Switch company").selectOption({ label: "Acme Agency" });
      await heading(page, "Dashboard");
    }],
    ["change a member's role, then remove them", async () => {
      await nav("Members");
      const patched = page.waitForResponse((r) => r.url().includes("/api/members/") && r.request().method() === "PATCH");
      await page.getByLabel(`Change role of ${VIEWER}`).selectOption("finance");
      assert.equal((await patched).status(), 200);
      await page.reload();
      assert.equal(await page.getByLabel(`Change role of ${VIEWER}`).inputValue(), "finance");
      page.once("dialog", (dialog) => void dialog.accept());
      await page.getByRole("button", { name: `Remove ${VIEWER}` }).click();
      await page.getByRole("cell", { name: VIEWER, exact: true }).waitFor({ state: "detached" });
      await page.reload();
      await heading(page, "Members");
      assert.equal(await page.getByRole("cell", { name: VIEWER, exact: true }).count(), 0);
    }],
    ["Dutch, with amounts in the Dutch format", async () => {
      await page.getByLabel("Language").selectOption("nl");
      await page.getByRole("navigation").getByRole("link", { name: "Facturen" }).click();
      await page.getByRole("heading", { level: 1, name: "Facturen" }).waitFor();
      await page.getByRole("cell", { name: "€ 1.210,00", exact: true }).first().waitFor();
      await shot(page, "13-invoices-nl");
      await page.getByLabel("Taal").selectOption("en");
    }],
    ["390 px wide: no sideways scrolling", async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      for (const [link, name] of [["Pipeline", "14-mobile-pipeline"], ["Invoices", "15-mobile-invoices"], ["Dashboard", "16-mobile-dashboard"]]) {
        await nav(link);
        await heading(page, link);
        await page.locator(".loading").waitFor({ state: "detached" });
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 391, `${link} is ${width}px wide`);
        await shot(page, name);
      }
      await page.setViewportSize(desktop.viewport);
    }],
    ["an ended session returns to the login page with a message", async () => {
      page.allowHttpErrors = true;
      await owner.clearCookies();
      await page.reload();
      await page.getByText("Your session has ended. Please log in again.").waitFor();
      await shot(page, "17-session-ended");
      page.allowHttpErrors = false;
    }],
  ]);
  assert.deepEqual(problems, [], "console errors");
} catch (e) {
  failed = true;
  console.error(e);
  await shot(page, "failure").catch(() => {});
  if (problems.length) console.error(problems);
} finally {
  await close();
  silo.stop();
}
process.exit(failed ? 1 : 0);
