// Browser steps for the client portal. The agency (staff, its own browser) makes a client with a
// contact, turns on files, approvals and messages, invites the contact to the portal and sends a
// contract for signature. The client, in a second browser context (a phone, its own user agent),
// opens the mailed signing link, reads and signs; signs in to the portal through the mailed
// magic link (a page with a button: opening it uses nothing); sees the issued invoice with how
// to pay it, approves the file the agency asked approval for and replies to the agency's message.
// The agency then sees the signature evidence with the client's address and user agent (not its
// own), the approval and the reply; "view as client" shows the portal read-only.
import assert from "node:assert/strict";
import { bearerApi, PASSWORD, shot, watchedPage } from "./harness.mjs";
import { offScreen } from "./crm.mjs";

const OWNER = "portal@acme.test";
const COMPANY = "Portal Studio";
const CLIENT = "Poort Klant BV";
const CONTACT = "Carla Poort";
const CONTACT_EMAIL = "carla@poort.example";
const CLIENT_UA = "Mozilla/5.0 (Linux; Android 14) SiloE2EClient/1.0 Mobile";
const STAFF_UA = "Mozilla/5.0 (X11; Linux x86_64) SiloE2EStaff/1.0";
const CONTRACT_TITLE = "Poort website agreement";
const CONTRACT_BODY = "Portal Studio builds the website of Poort Klant BV.\n\nPrice: EUR 12,000 excl. VAT.\nDelivery: Q1.";
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const PHONE = { width: 390, height: 844 };

export function portalSteps({ browser, silo, problems, viewport }) {
  let token = "";
  let a = null; // the agency's page
  let c = null; // the client's page (another browser context)
  let clientId = "";
  let contractId = "";
  let invoiceNumber = "";

  const api = bearerApi(silo, () => token);
  const heading = (p, name) => p.getByRole("heading", { level: 1, name }).waitFor();
  const button = (p, name) => p.getByRole("button", { name, exact: true });
  const nav = (p, name) => p.getByRole("navigation").getByRole("link", { name, exact: true }).click();
  const settled = (p) => p.waitForFunction(() => !document.querySelector(".loading"));
  const portalSection = () => a.locator("section.portal-section");
  /** The client's own browser: a second context, a phone with a user agent of its own. */
  async function clientBrowser() {
    if (c) return;
    const context = await browser.newContext({ viewport: PHONE, locale: "en-GB", userAgent: CLIENT_UA, acceptDownloads: true });
    c = await watchedPage(context, problems);
  }
  async function fits(p, name) {
    await settled(p);
    const out = await offScreen(p, PHONE.width);
    await shot(p, name);
    assert.deepEqual(out, [], `${name}: off screen at 390 px`);
  }

  return [
    ["portal: an agency with invoicing details and a logo; staff log in", async () => {
      silo.cli("company", "create", "--name", COMPANY, "--owner-email", OWNER, "--owner-name", "Petra Portal");
      const login = await fetch(`${silo.url}/api/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: OWNER, password: PASSWORD }),
      });
      assert.equal(login.status, 200, await login.clone().text());
      token = (await login.json()).token;
      await api("PATCH", "/api/company/invoicing", {
        legal_name: "Portal Studio B.V.", street: "Keizersgracht 1", postcode: "1015 AA", city: "Amsterdam", country: "NL",
        kvk_number: "12345678", vat_id: "NL004495445B01", iban: "NL91ABNA0417164300",
      });
      const logo = await fetch(`${silo.url}/api/company/logo`, {
        method: "PUT",
        body: Buffer.from(PNG, "base64"),
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "image/png" },
      });
      assert.equal(logo.status, 200, await logo.text());
      const context = await browser.newContext({ viewport, locale: "en-GB", userAgent: STAFF_UA, acceptDownloads: true });
      a = await watchedPage(context, problems);
      await a.goto(`${silo.url}/login`);
      await a.getByLabel("Email").fill(OWNER);
      await a.getByLabel("Password").fill(PASSWORD);
      await button(a, "Log in").click();
      await heading(a, "Dashboard");
    }],
    ["portal: the agency creates a client with a contact", async () => {
      await nav(a, "Accounts");
      await button(a, "New account").click();
      await a.getByLabel("Name", { exact: true }).fill(CLIENT);
      await button(a, "Save").click();
      await a.getByRole("link", { name: CLIENT, exact: true }).click();
      await heading(a, CLIENT);
      clientId = new URL(a.url()).pathname.split("/").pop();
      await button(a, "New contact").click();
      await a.getByLabel("Name", { exact: true }).fill(CONTACT);
      await a.getByLabel("Email", { exact: true }).fill(CONTACT_EMAIL);
      await button(a, "Save").click();
      await a.getByRole("table", { name: "Contacts" }).getByRole("link", { name: CONTACT }).waitFor();
      // Complete enough to invoice (the invoice step below issues one).
      await api("PATCH", `/api/accounts/${clientId}`, { street: "Stationsplein 2", postcode: "3511 ED", city: "Utrecht", country: "NL", kvk_number: "87654321" });
    }],
    ["portal: turn on files, approvals and messages; invite the contact to the portal", async () => {
      await a.reload();
      await heading(a, CLIENT);
      const section = portalSection();
      await section.getByRole("heading", { name: "Portal", exact: true }).waitFor();
      // Conservative defaults: contracts and invoices on, the rest off.
      assert.equal(await section.getByLabel("Contracts").isChecked(), true);
      assert.equal(await section.getByLabel("Files").isChecked(), false);
      for (const part of ["Files", "Approvals", "Messages"]) await section.getByLabel(part, { exact: true }).check();
      await button(section, "Update portal parts").click();
      await section.getByText("Saved.").waitFor();
      const portal = await api("GET", `/api/accounts/${clientId}/portal`);
      assert.deepEqual(
        [portal.access.contracts, portal.access.invoices, portal.access.files, portal.access.approvals, portal.access.messages, portal.access.projects],
        [true, true, true, true, true, false],
      );
      await button(section, "Invite to the portal").click();
      await section.getByLabel("Contact", { exact: true }).selectOption({ label: `${CONTACT} (${CONTACT_EMAIL})` });
      assert.equal(await section.getByLabel("Email", { exact: true }).inputValue(), CONTACT_EMAIL);
      await section.getByLabel("Role").selectOption({ label: "Administrator" });
      await button(section, "Send invitation").click();
      await section.getByText(`Invitation sent to ${CONTACT_EMAIL}.`).waitFor();
      await section.getByRole("table", { name: "Portal users" }).getByRole("cell", { name: CONTACT, exact: true }).waitFor();
      await shot(a, "70-portal-staff-section");
    }],
    ["portal: the agency sends a contract for signature", async () => {
      const deal = await api("POST", "/api/deals", { title: "Poort website", value_cents: 1200000, account_id: clientId });
      const contract = await api("POST", "/api/contracts", { title: CONTRACT_TITLE, body: CONTRACT_BODY, deal_id: deal.id });
      contractId = contract.id;
      await nav(a, "Contracts");
      await heading(a, "Contracts");
      await settled(a);
      await a.getByRole("link", { name: CONTRACT_TITLE }).click();
      await heading(a, CONTRACT_TITLE);
      // Staff can no longer record a signature for the client.
      assert.equal(await a.getByRole("button", { name: "Record signature" }).count(), 0);
      await a.getByLabel("Signer name").fill(CONTACT);
      await a.getByLabel("Signer email").fill(CONTACT_EMAIL);
      await a.getByLabel("Link valid for (days)").fill("7");
      await button(a, "Send for signature").click();
      await a.getByText("Sent: the signer received a link by mail.").waitFor();
      await a.getByRole("table", { name: "Signing links" }).getByRole("cell", { name: "Open", exact: true }).waitFor();
      const sent = await api("GET", `/api/contracts/${contractId}`);
      assert.equal(sent.status, "sent");
      assert.match(sent.document_sha256, /^[0-9a-f]{64}$/);
    }],
    ["portal: the agency issues an invoice to the client", async () => {
      const draft = await api("POST", "/api/invoices", {
        account_id: clientId,
        lines: [{ description: "Design sprint", quantity: 1, unit_cents: 100000, vat_rate_bp: 2100 }],
      });
      invoiceNumber = (await api("POST", `/api/invoices/${draft.id}/issue`, {})).number;
    }],
    ["portal: a file asked for approval and a message from the agency", async () => {
      await a.goto(`${silo.url}/accounts/${clientId}`);
      await heading(a, CLIENT);
      const section = portalSection();
      await section.getByLabel("File", { exact: true }).setInputFiles({ name: "homepage-v1.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n% homepage design\n%%EOF\n") });
      await button(section, "Upload").click();
      await section.getByText("homepage-v1.pdf uploaded.").waitFor();
      await button(section, "Ask for approval").click();
      await section.getByLabel("Title", { exact: true }).fill("Homepage design v1");
      await section.getByLabel("File to approve").selectOption({ label: "homepage-v1.pdf" });
      await section.getByLabel("Note for the client").fill("Please approve the homepage.");
      await button(section, "Ask the client").click();
      await section.getByRole("table", { name: "Approvals" }).getByRole("cell", { name: "Homepage design v1", exact: true }).waitFor();
      await button(section, "New conversation").click();
      await section.getByLabel("Subject").fill("Kick-off");
      await section.getByLabel("Message", { exact: true }).fill("When can we meet for the kick-off?");
      await button(section, "Start conversation").click();
      await section.getByText("When can we meet for the kick-off?").waitFor();
      // An internal note: the client never sees it.
      await section.getByLabel("Your reply").fill("Internal: Carla prefers mornings.");
      await section.getByLabel("Internal note (the client never sees it)").check();
      await button(section, "Add internal note").click();
      await section.getByText("Internal: Carla prefers mornings.").waitFor();
      await shot(a, "71-portal-staff-collab");
    }],
    ["portal: the client opens the mailed signing link on a phone, reads and signs", async () => {
      await clientBrowser();
      const link = await silo.mail.link(CONTACT_EMAIL, "/sign", silo.url);
      await c.goto(link);
      await heading(c, CONTRACT_TITLE);
      await c.getByText(`${COMPANY} asks ${CONTACT} to read and sign this document.`).waitFor();
      // Exactly the stored text is shown.
      assert.equal(await c.getByTestId("document").locator(".body").textContent(), CONTRACT_BODY);
      await fits(c, "72-portal-sign-phone");
      await c.getByLabel("Type your full name").fill(CONTACT);
      await button(c, "Sign the document").click();
      await c.getByText("Tick the box to agree.").waitFor();
      await c.locator("form.sign-form").getByRole("checkbox").check();
      await button(c, "Sign the document").click();
      await c.getByText(/^Signed on /).waitFor();
      const signed = await api("GET", `/api/contracts/${contractId}`);
      assert.equal(signed.status, "signed");
      // The same link again: nothing to sign any more (the server may refuse the used link).
      c.allowHttpErrors = true;
      await c.goto(link);
      await c.getByText(/does not work any more|has been signed/).first().waitFor();
      c.allowHttpErrors = false;
    }],
    ["portal: the client signs in through the mailed magic link (a page with a button)", async () => {
      await clientBrowser();
      const link = await silo.mail.link(CONTACT_EMAIL, "/portal/magic", silo.url);
      // A mail scanner fetching the link gets the page only; the link still works after.
      assert.equal((await fetch(link)).status, 200);
      await c.goto(link);
      await heading(c, `Sign in to ${COMPANY}`);
      await button(c, "Sign in").click();
      await heading(c, `Welcome, ${CONTACT}`);
      assert.equal(await c.getByTestId("portal-company").textContent(), COMPANY);
      assert.equal(await c.getByTestId("portal-account").textContent(), CLIENT);
      // The agency's logo, as a data: address (the page's policy allows no other kind).
      assert.match(await c.locator("img.portal-logo").getAttribute("src"), /^data:image\/png;base64,/);
      const navLinks = await c.getByRole("navigation").getByRole("link").allTextContents();
      assert.deepEqual(navLinks, ["Home", "Contracts", "Invoices", "Files", "Approvals", "Messages", "Colleagues"]);
      await fits(c, "73-portal-home-phone");
      // The link worked once: a second use is refused with a way back.
      const again = await c.context().newPage();
      again.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
      await again.goto(link);
      const refused = again.getByText("This sign-in link does not work any more");
      const signIn = again.getByRole("button", { name: "Sign in", exact: true });
      // The page knows from the link's info (which never uses it), or else once the button is refused.
      try {
        await refused.waitFor({ timeout: 5000 });
      } catch {
        await signIn.click();
        await refused.waitFor();
      }
      await again.close();
    }],
    ["portal: the client sees the signed contract and the issued invoice with how to pay", async () => {
      await nav(c, "Contracts");
      await heading(c, "Contracts");
      await c.getByRole("link", { name: CONTRACT_TITLE }).click();
      await heading(c, CONTRACT_TITLE);
      await c.getByText(`Signed by ${CONTACT} on`).waitFor();
      await nav(c, "Invoices");
      await heading(c, "Invoices");
      await c.getByRole("link", { name: invoiceNumber }).click();
      await heading(c, `Invoice ${invoiceNumber}`);
      await c.getByTestId("invoice-total").getByText("€1,210.00").waitFor();
      const reference = await c.getByTestId("payment-reference").textContent();
      assert.ok(reference.trim().length > 0);
      await c.getByTestId("payment-instructions").getByText("NL91ABNA0417164300").first().waitFor();
      const [pdf] = await Promise.all([c.waitForEvent("download"), button(c, "Download PDF").click()]);
      assert.match(pdf.suggestedFilename(), /\.pdf$/);
      await fits(c, "74-portal-invoice-phone");
    }],
    ["portal: the client approves the file the agency asked approval for", async () => {
      await nav(c, "Approvals");
      await heading(c, "Approvals");
      const card = c.getByRole("listitem", { name: "Homepage design v1" });
      await card.getByText("Please approve the homepage.").waitFor();
      const [file] = await Promise.all([c.waitForEvent("download"), card.getByRole("button", { name: /Open the file|Download homepage-v1.pdf/ }).click()]);
      assert.ok(file.suggestedFilename());
      await card.getByRole("button", { name: "Approve", exact: true }).click();
      await c.getByRole("listitem", { name: "Homepage design v1" }).getByText("Approved", { exact: true }).waitFor();
      await fits(c, "75-portal-approvals-phone");
    }],
    ["portal: the client replies to the agency's message; internal notes stay hidden", async () => {
      await nav(c, "Messages");
      await heading(c, "Messages");
      await c.getByRole("link", { name: "Kick-off" }).click();
      await heading(c, "Kick-off");
      await c.getByText("When can we meet for the kick-off?").waitFor();
      assert.equal(await c.getByText("Internal: Carla prefers mornings.").count(), 0);
      await c.getByLabel("Your reply").fill("Tuesday at ten works for us.");
      await button(c, "Send").click();
      await c.getByRole("list", { name: "Messages" }).getByText("Tuesday at ten works for us.").waitFor();
      await fits(c, "76-portal-messages-phone");
    }],
    ["portal: the agency sees the signature evidence from the client's browser, the approval and the reply", async () => {
      await a.goto(`${silo.url}/contracts/${contractId}`);
      await heading(a, CONTRACT_TITLE);
      const evidence = a.getByTestId("signature-evidence");
      await evidence.getByText("Signing link", { exact: true }).waitFor();
      await evidence.getByText(CLIENT_UA).waitFor();
      assert.equal(await evidence.getByText(STAFF_UA).count(), 0);
      const contract = await api("GET", `/api/contracts/${contractId}`);
      assert.equal(contract.signature.method, "link");
      assert.equal(contract.signature.signer_name, CONTACT);
      assert.equal(contract.signature.user_agent, CLIENT_UA);
      assert.equal(contract.signature.client_ip, "127.0.0.1");
      assert.equal(contract.signature.document_sha256, contract.document_sha256);
      await evidence.getByText(contract.document_sha256).waitFor();
      const [pdf] = await Promise.all([a.waitForEvent("download"), evidence.getByRole("button", { name: "Download signed PDF" }).click()]);
      assert.match(pdf.suggestedFilename(), /\.pdf$/);
      await shot(a, "77-portal-evidence");
      await a.goto(`${silo.url}/accounts/${clientId}`);
      await heading(a, CLIENT);
      const section = portalSection();
      const approvals = section.getByRole("table", { name: "Approvals" });
      await approvals.getByText("Approved", { exact: true }).waitFor();
      await section.getByRole("button", { name: "Kick-off" }).click();
      await section.getByText("Tuesday at ten works for us.").waitFor();
    }],
    ["portal: view as client shows the portal read-only, with a banner", async () => {
      const section = portalSection();
      await button(section, "View as client").click();
      await button(section, "Open it here").click();
      await a.getByText(`Preview: you see the portal as ${CLIENT} sees it.`).waitFor();
      await nav(a, "Approvals");
      await heading(a, "Approvals");
      await a.getByRole("listitem", { name: "Homepage design v1" }).waitFor();
      assert.equal(await a.getByRole("button", { name: "Approve", exact: true }).count(), 0);
      assert.equal(await a.getByRole("button", { name: "Sign out", exact: true }).count(), 0);
      await shot(a, "78-portal-preview");
    }],
    ["portal: signing out everywhere ends the client's session; the link page says how to get back", async () => {
      await button(c, "Sign out everywhere").click();
      await c.getByText("You have been signed out on every device.").waitFor();
      await c.goto(`${silo.url}/portal/invoices`);
      await c.getByText("Sign in through the link in your invitation").waitFor();
    }],
    ["portal: the client signs in again at the agency's portal address (from its settings)", async () => {
      await a.goto(`${silo.url}/settings`);
      await heading(a, "Settings");
      const address = await a.getByTestId("portal-address").inputValue();
      assert.match(address, /\/portal\/k\/[^/]+$/);
      const path = new URL(address).pathname;
      await c.goto(`${silo.url}${path}`);
      await heading(c, `Sign in to ${COMPANY}`);
      assert.match(await c.locator("img.portal-logo").getAttribute("src"), /^data:image\/png;base64,/);
      silo.mail.skip(CONTACT_EMAIL);
      await c.getByLabel("Email").fill(CONTACT_EMAIL);
      await button(c, "Send me a sign-in link").click();
      await c.getByText(`If ${CONTACT_EMAIL} may use this portal, a sign-in link is on its way.`).waitFor();
      await fits(c, "79-portal-address-phone");
      // An unknown address gets the same answer.
      await button(c, "Use another address").click();
      await c.getByLabel("Email").fill("nobody@poort.example");
      await button(c, "Send me a sign-in link").click();
      await c.getByText("If nobody@poort.example may use this portal, a sign-in link is on its way.").waitFor();
      const link = await silo.mail.link(CONTACT_EMAIL, "/portal/magic", silo.url);
      await c.goto(link);
      await button(c, "Sign in").click();
      await heading(c, `Welcome, ${CONTACT}`);
      // Dutch, on the phone.
      await c.getByLabel("Language").selectOption("nl");
      await heading(c, `Welkom, ${CONTACT}`);
      await nav(c, "Facturen");
      await heading(c, "Facturen");
      await fits(c, "80-portal-invoices-nl-phone");
    }],
  ];
}
