// Browser steps for people's data requests (issue 26): in Dutch on a 390 px phone, with the
// keyboard, an owner finds a contact by e-mail address, sees the records about them, downloads
// the report as a PDF and erases them; the history lists both requests without the person, and
// the contact is gone from the API. Own company, person and browser.
import assert from "node:assert/strict";
import { PASSWORD, apiAs, shot, watchedPage } from "./harness.mjs";
import { nothingOffScreen } from "./money.mjs";

const OWNER = "privacy@acme.test";
const COMPANY = "Privacy Studio";
const PERSON = { name: "Jan de Vries", email: "jan.devries@client.test", phone: "06 1234 5678" };

export function privacySteps({ browser, silo, problems }) {
  let api = null;
  let contact = null;
  let phone = null;

  return [
    ["privacy: a company with a client contact mentioned in a deal", async () => {
      silo.cli("company", "create", "--name", COMPANY, "--owner-email", OWNER, "--owner-name", "Pia Privacy");
      api = await apiAs(silo, OWNER);
      const account = (await api("POST", "/api/accounts", { name: "Klant BV" })).body;
      contact = (await api("POST", "/api/contacts", { ...PERSON, account_id: account.id })).body;
      const deal = await api("POST", "/api/deals", {
        title: `Portretten voor ${PERSON.name}`, value_cents: 50000, currency: "EUR", contact_id: contact.id,
      });
      assert.equal(deal.status, 201, JSON.stringify(deal.body));
    }],
    ["privacy: in Dutch on a 390 px phone, find a person by e-mail address with the keyboard", async () => {
      const context = await browser.newContext({
        viewport: { width: 390, height: 844 }, locale: "nl-NL", isMobile: true, hasTouch: true, acceptDownloads: true,
      });
      phone = await watchedPage(context, problems);
      await phone.goto(`${silo.url}/login`);
      await phone.getByLabel("E-mail").fill(OWNER);
      await phone.getByLabel("Wachtwoord").fill(PASSWORD);
      await phone.getByRole("button", { name: "Inloggen", exact: true }).click();
      await phone.getByRole("heading", { level: 1, name: "Overzicht" }).waitFor();
      await phone.goto(`${silo.url}/privacy`);
      await phone.getByRole("heading", { level: 1, name: "Gegevensverzoeken" }).waitFor();
      await phone.getByLabel("E-mailadres").focus();
      await phone.keyboard.type(PERSON.email);
      await phone.keyboard.press("Enter");
      await phone.getByText("Contactpersonen (1)").waitFor();
      await phone.getByText("Deals (1)").waitFor();
      await phone.getByText(PERSON.name, { exact: true }).first().waitFor();
      await nothingOffScreen(phone, "the data requests page on a phone");
      await shot(phone, "95-privacy-report-phone-nl");
    }],
    ["privacy: the report as a PDF, then erasure; the history keeps counts, not the person", async () => {
      const [pdf] = await Promise.all([
        phone.waitForEvent("download"),
        phone.getByRole("button", { name: "Overzicht als pdf", exact: true }).click(),
      ]);
      assert.match(pdf.suggestedFilename(), /^personal-data-.*\.pdf$/);
      phone.once("dialog", (d) => d.accept());
      await phone.getByRole("button", { name: "Wissen", exact: true }).click();
      await phone.getByText(/^Gewist: 1 verwijderd/).waitFor();
      const history = phone.getByRole("table", { name: "Verzoeken" });
      // On a phone each cell is labelled by its column (CSS), so the cells are found by text.
      await history.getByText("Wissen", { exact: true }).waitFor();
      assert.equal(await history.getByText("Overzicht", { exact: true }).count(), 2);
      assert.doesNotMatch(await history.textContent(), /Vries|jan\.devries/);
      await shot(phone, "96-privacy-erased-phone-nl");
      const gone = await api("GET", `/api/contacts/${contact.id}`);
      assert.equal(gone.status, 404);
      await phone.context().close();
    }],
  ];
}
