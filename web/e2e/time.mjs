// Browser steps for projects and time: time logged in the weekly timesheet by typing `1:30`
// (and a refused `1:75` worded beside its cell), the week submitted, approved in the queue,
// invoiced through the invoice-from-time wizard and the draft issued; the entry ends invoiced
// on that invoice. Then the project page's burn and tasks board (moved with the keyboard), the
// timer (started, discarded, started and stopped), and in Dutch on a 390 px phone the
// timesheet taking `1,5` and the other time pages fitting. Own company, person and browser.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { bearerApi, PASSWORD, shot, watchedPage } from "./harness.mjs";
import { nothingOffScreen } from "./money.mjs";

const OWNER = "time@acme.test";
const COMPANY = "Time Studio";

export function timeSteps({ browser, silo, problems, viewport }) {
  let token = "";
  let p = null;
  let client = null;
  let project = null;
  let invoiceId = "";

  const api = bearerApi(silo, () => token);
  const heading = (name) => p.getByRole("heading", { level: 1, name }).waitFor();
  const button = (name) => p.getByRole("button", { name, exact: true });
  const nav = (name) => p.getByRole("navigation").getByRole("link", { name, exact: true }).click();

  return [
    ["time: a company with invoicing details, a client, a service and a project", async () => {
      silo.cli("company", "create", "--name", COMPANY, "--owner-email", OWNER, "--owner-name", "Tess Time");
      const login = await fetch(`${silo.url}/api/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: OWNER, password: PASSWORD }),
      });
      assert.equal(login.status, 200, await login.clone().text());
      token = (await login.json()).token;
      // Issuing needs the seller's details and a client complete enough to invoice.
      await api("PATCH", "/api/company/invoicing", {
        legal_name: "Time Studio B.V.", street: "Keizersgracht 1", postcode: "1015 AA", city: "Amsterdam", country: "NL",
        kvk_number: "12345678", vat_id: "NL004495445B01", iban: "NL91ABNA0417164300",
      });
      client = await api("POST", "/api/accounts", {
        name: "Uren Klant BV", street: "Stationsplein 2", postcode: "3511 ED", city: "Utrecht", country: "NL", kvk_number: "87654321",
      });
      await api("POST", "/api/services", { name: "Design", hourly_rate_cents: 10000, billable: true });
      project = await api("POST", "/api/projects", {
        name: "Website", account_id: client.id, billing_type: "time_and_materials", hourly_rate_cents: 9000,
        rounding_minutes: 15, status: "active", budget_minutes: 600, budget_cents: 100000,
      });
      await api("PATCH", "/api/time-settings", { approval_required: true });
      const context = await browser.newContext({ viewport, locale: "en-GB", acceptDownloads: true });
      p = await watchedPage(context, problems);
      await p.goto(`${silo.url}/login`);
      await p.getByLabel("Email").fill(OWNER);
      await p.getByLabel("Password").fill(PASSWORD);
      await button("Log in").click();
      await heading("Dashboard");
    }],
    ["time: log 1:30 in the weekly timesheet; a bad duration is worded beside its cell", async () => {
      await nav("Timesheet");
      await heading("Timesheet");
      await p.getByText("No timer running.", { exact: false }).waitFor();
      await p.getByLabel("Project", { exact: true }).selectOption({ label: "Website (Uren Klant BV)" });
      await p.getByLabel("Service", { exact: true }).selectOption({ label: "Design" });
      await button("Add row").click();
      await p.getByRole("rowheader", { name: "Website / Design" }).waitFor();
      // Monday's cell, by keyboard: type and Tab on.
      const monday = p.locator("#cell-0-0");
      await monday.click();
      await p.keyboard.type("1:30");
      await p.keyboard.press("Tab");
      await p.getByTestId("week-total").getByText("1:30").waitFor();
      await p.getByTestId("day-total-0").getByText("1:30").waitFor();
      // Tuesday: a refused duration stays in the cell with its reason.
      await p.locator("#cell-0-1").fill("1:75");
      await p.keyboard.press("Enter");
      await p.getByRole("alert").getByText("Minutes after the colon must be below 60").waitFor();
      await p.keyboard.press("Escape");
      const sheet = await api("GET", "/api/timesheet");
      assert.equal(sheet.entries.length, 1);
      assert.equal(sheet.entries[0].minutes, 90);
      assert.equal(sheet.entries[0].status, "draft");
      await shot(p, "60-timesheet");
    }],
    ["time: submit the week", async () => {
      await p.getByText("Drafts this week: 1").waitFor();
      await button("Submit week").click();
      await p.getByText("1 entries submitted.").waitFor();
      const sheet = await api("GET", "/api/timesheet");
      assert.equal(sheet.entries[0].status, "submitted");
    }],
    ["time: approve it in the queue", async () => {
      await nav("Approvals");
      await heading("Approve time");
      await p.getByRole("checkbox", { name: /^Select all of Tess Time/ }).check();
      await p.getByText("Selected: 1").waitFor();
      await shot(p, "61-approvals");
      await button("Approve selected").click();
      await p.getByText("1 entries approved.").waitFor();
      await p.getByText("No submitted time is waiting.").waitFor();
      const sheet = await api("GET", "/api/timesheet");
      assert.equal(sheet.entries[0].status, "approved");
    }],
    ["time: the invoice-from-time wizard previews the lines and makes a draft", async () => {
      await nav("Invoices");
      await heading("Invoices");
      await p.getByRole("link", { name: "Invoice time" }).click();
      await heading("Invoice from time");
      await p.getByRole("searchbox", { name: "Find an account" }).fill("Uren");
      await p.getByLabel("Account", { exact: true }).selectOption({ label: "Uren Klant BV" });
      await button("Next").click();
      await p.getByRole("checkbox", { name: /Website/ }).check();
      await button("Preview").click();
      const lines = p.getByRole("table", { name: "Lines" });
      await lines.waitFor();
      // 1:30 rounded to 15 minutes is 1.5 h at the service's €100.00; 21 % VAT.
      await lines.getByRole("cell", { name: "1.5", exact: true }).waitFor();
      await lines.getByRole("cell", { name: "€100.00" }).waitFor();
      await lines.getByRole("cell", { name: "€150.00" }).waitFor();
      await p.getByTestId("preview-totals").getByText("€181.50").waitFor();
      await shot(p, "62-invoice-from-time");
      await button("Make draft invoice").click();
      await p.waitForURL(/\/invoices\/[0-9a-f-]+$/);
      invoiceId = new URL(p.url()).pathname.split("/").pop();
      const entries = await api("GET", `/api/time-entries?invoice_id=${invoiceId}`);
      assert.equal(entries.items.length, 1, "the entry is linked to the draft");
      assert.equal(entries.items[0].status, "invoiced");
    }],
    ["time: issue the draft made from time", async () => {
      await p.getByText("Complete: this invoice can be issued.").waitFor();
      await p.getByRole("heading", { name: "Time on this invoice (1 entries)" }).waitFor();
      await button("Issue").click();
      await p.getByTestId("payment-reference").waitFor();
      const invoice = await api("GET", `/api/invoices/${invoiceId}`);
      assert.equal(invoice.status, "issued");
      assert.equal(invoice.total_cents, 18150);
      const entries = await api("GET", `/api/time-entries?invoice_id=${invoiceId}`);
      assert.equal(entries.items[0].invoice_line, 1);
      // The client's timesheet over the billed days, to send along.
      const [pdf] = await Promise.all([p.waitForEvent("download"), button("Timesheet for the client (PDF)").click()]);
      assert.match(pdf.suggestedFilename(), /\.pdf$/);
      assert.equal(readFileSync(await pdf.path()).subarray(0, 5).toString(), "%PDF-");
      await shot(p, "63-invoice-from-time-issued");
    }],
    ["time: the project page shows the burn; a task moves on the board by keyboard", async () => {
      await nav("Projects");
      await heading("Projects");
      await p.getByRole("link", { name: "Website" }).click();
      await heading("Website");
      // 1:30 of a 10-hour budget.
      await p.getByTestId("budget-current").getByText("1:30 of 10:00").waitFor();
      await p.getByLabel("Task", { exact: true }).fill("Homepage");
      await button("Add task").click();
      const card = p.getByRole("listitem", { name: "Homepage" });
      await p.getByTestId("tasks-to_do").getByRole("listitem", { name: "Homepage" }).waitFor();
      await card.focus();
      await p.keyboard.press("ArrowRight");
      await p.getByTestId("tasks-in_progress").getByRole("listitem", { name: "Homepage" }).waitFor();
      const [timeCsv] = await Promise.all([p.waitForEvent("download"), button("Download CSV").click()]);
      assert.match(readFileSync(await timeCsv.path(), "utf8"), /Tess Time/);
      const tasks = await api("GET", `/api/tasks?project_id=${project.id}`);
      assert.equal(tasks.items[0].status, "in_progress");
      await shot(p, "64-project-page");
    }],
    ["time: the timer starts on a row, shows the time running and is discarded", async () => {
      await nav("Timesheet");
      await heading("Timesheet");
      // Monday's invoiced time keeps the row; its cell cannot be typed over.
      assert.equal(await p.locator("#cell-0-0").getAttribute("readonly"), "");
      await button("Start the timer for Website / Design").click();
      const clock = p.getByRole("timer", { name: "Time elapsed" });
      await clock.waitFor();
      assert.match(await clock.textContent(), /^0:00:0\d$/);
      const running = await api("GET", "/api/timer");
      assert.equal(running.timer.project_id, project.id);
      await p.getByText("Website", { exact: true }).waitFor();
      await shot(p, "65-timer-running");
      await button("Discard").click();
      await p.getByText("No timer running.", { exact: false }).waitFor();
      assert.equal((await api("GET", "/api/timer")).timer, null);
      // Started again and stopped, it logs a draft of at least a minute on today's cell.
      await button("Start the timer for Website / Design").click();
      await clock.waitFor();
      await button("Stop and log").click();
      await p.getByText("No timer running.", { exact: false }).waitFor();
      await p.getByTestId("week-total").getByText("1:31").waitFor();
      const logged = (await api("GET", "/api/timesheet")).entries.filter((e) => e.status === "draft");
      assert.equal(logged.length, 1);
      assert.equal(logged[0].minutes, 1);
      // Out of the way of the steps below.
      await api("DELETE", `/api/time-entries/${logged[0].id}`);
    }],
    ["time: services and time settings; a closed period refuses time by its code", async () => {
      await nav("Settings");
      await p.getByRole("link", { name: "Services and time settings" }).click();
      await heading("Services and time settings");
      await button("New service").click();
      await p.getByLabel("Name", { exact: true }).fill("Copywriting");
      await p.getByLabel("Hourly rate", { exact: true }).fill("80");
      await button("Create").click();
      await p.getByRole("table", { name: "Services" }).getByRole("cell", { name: "€80.00" }).waitFor();
      // Close everything before this week.
      const now = new Date();
      const monday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - ((now.getDay() + 6) % 7));
      const sunday = new Date(monday.getFullYear(), monday.getMonth(), monday.getDate() - 1);
      const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
      await p.getByLabel("Lock date").fill(iso(sunday));
      await p.locator("form", { has: p.getByLabel("Lock date") }).getByRole("button", { name: "Save" }).click();
      await p.getByText("Saved.").waitFor();
      assert.equal((await api("GET", "/api/time-settings")).lock_date, iso(sunday));
      assert.ok((await api("GET", "/api/services")).items.some((x) => x.name === "Copywriting" && x.hourly_rate_cents === 8000));
      await nav("Timesheet");
      await heading("Timesheet");
      await button("← Previous week").click();
      await p.getByText("Drafts this week: 0").waitFor();
      await p.getByLabel("Project", { exact: true }).selectOption({ label: "Website (Uren Klant BV)" });
      await button("Add row").click();
      // Every day of last week is marked closed; the server refuses time there by its code.
      assert.equal(await p.getByRole("columnheader").getByText("closed", { exact: true }).count(), 7);
      p.allowHttpErrors = true;
      await p.locator("#cell-0-0").fill("1:00");
      await p.keyboard.press("Enter");
      await p.getByRole("alert").getByText(/closed period/).waitFor();
      p.allowHttpErrors = false;
      await shot(p, "68-period-locked");
      await button("This week").click();
    }],
    ["time: the timesheet in Dutch on a 390 px phone takes 1,5", async () => {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "nl-NL", isMobile: true, hasTouch: true });
      const phone = await watchedPage(context, problems);
      await phone.goto(`${silo.url}/login`);
      await phone.getByLabel("E-mail").fill(OWNER);
      await phone.getByLabel("Wachtwoord").fill(PASSWORD);
      await phone.getByRole("button", { name: "Inloggen", exact: true }).click();
      await phone.getByRole("heading", { level: 1, name: "Overzicht" }).waitFor();
      await phone.goto(`${silo.url}/timesheet`);
      await phone.getByRole("heading", { level: 1, name: "Urenstaat" }).waitFor();
      await phone.getByRole("rowheader", { name: "Website / Design" }).waitFor();
      await phone.locator("#cell-0-1").fill("1,5");
      await phone.keyboard.press("Enter");
      await phone.getByTestId("week-total").getByText("3:00").waitFor({ timeout: 5000 }).catch(async (e) => {
        await shot(phone, "failure-phone");
        throw e;
      });
      await nothingOffScreen(phone, "the Dutch timesheet on a phone");
      await shot(phone, "67-timesheet-phone-nl");
      // The projects board and the project page fit the phone too.
      await phone.goto(`${silo.url}/projects`);
      await phone.getByRole("heading", { level: 1, name: "Projecten" }).waitFor();
      await phone.getByRole("button", { name: "Bord", exact: true }).click();
      await phone.getByRole("heading", { level: 2, name: /^Actief/ }).waitFor();
      await nothingOffScreen(phone, "the Dutch projects board on a phone");
      await phone.getByRole("link", { name: "Website" }).click();
      await phone.getByRole("heading", { level: 1, name: "Website" }).waitFor();
      await phone.getByText("3:00 van 10:00").waitFor();
      await nothingOffScreen(phone, "the Dutch project page on a phone");
      await shot(phone, "66-project-phone-nl");
      for (const [path, title] of [["/approvals", "Uren goedkeuren"], ["/invoices/from-time", "Factureren vanuit uren"], ["/settings/time", "Diensten en uren-instellingen"], ["/utilisation", "Bezetting"]]) {
        await phone.goto(`${silo.url}${path}`);
        await phone.getByRole("heading", { level: 1, name: title }).waitFor();
        await phone.waitForLoadState("networkidle");
        await nothingOffScreen(phone, `${path} in Dutch on a phone`);
      }
      await context.close();
    }],
    ["time: a fixed-price project invoices a milestone from its page", async () => {
      const fixed = await api("POST", "/api/projects", {
        name: "Brand book", account_id: client.id, billing_type: "fixed_price", fixed_price_cents: 200000, status: "active",
      });
      await p.goto(`${silo.url}/projects/${fixed.id}`);
      await heading("Brand book");
      await p.getByRole("heading", { name: "Invoice the price or a milestone" }).waitFor();
      await p.getByLabel("Amount of this milestone").fill("500");
      await button("Make draft invoice").click();
      await p.getByText("Draft invoice made.").waitFor();
      await p.getByRole("status").getByRole("link", { name: "View" }).click();
      await p.waitForURL(/\/invoices\/[0-9a-f-]+$/);
      const invoice = await api("GET", `/api/invoices/${new URL(p.url()).pathname.split("/").pop()}`);
      assert.equal(invoice.status, "draft");
      assert.equal(invoice.subtotal_cents, 50000);
    }],
    ["time: the queue sends submitted time back with a reason", async () => {
      const drafts = (await api("GET", "/api/timesheet")).entries.filter((e) => e.status === "draft");
      assert.equal(drafts.length, 1, "the phone's 1,5 is a draft");
      await api("POST", "/api/time-entries/submit", { ids: drafts.map((e) => e.id) });
      await nav("Approvals");
      await heading("Approve time");
      // An approver sets billable time by hand, typed like any duration.
      const billable = p.getByRole("textbox", { name: /^Billable time of/ });
      await billable.fill("2");
      await billable.press("Enter");
      await p.getByRole("checkbox", { name: /1:30 \(billable 2:00\)/ }).waitFor();
      assert.equal((await api("GET", `/api/time-entries/${drafts[0].id}`)).billable_minutes, 120);
      await p.getByRole("checkbox", { name: /1:30 \(billable 2:00\)/ }).check();
      await p.getByLabel("Reason for sending back").fill("Wrong day");
      await button("Send back").click();
      await p.getByText("1 entries sent back.").waitFor();
      const back = (await api("GET", "/api/timesheet")).entries.find((e) => e.id === drafts[0].id);
      assert.equal(back.status, "draft");
    }],
    ["time: capacity recorded on the utilisation page; the week's figures and chart; the CSV", async () => {
      const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
      const now = new Date();
      const monday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - ((now.getDay() + 6) % 7));
      const sunday = new Date(monday.getFullYear(), monday.getMonth(), monday.getDate() + 6);
      await nav("Utilisation");
      await heading("Utilisation");
      await p.getByLabel("Person", { exact: true }).first().selectOption({ label: "Tess Time" });
      await p.getByLabel("In force from").fill(iso(new Date(monday.getFullYear(), monday.getMonth(), monday.getDate() - 7)));
      await p.getByLabel("Hours per week").fill("40");
      await button("Record capacity").click();
      await p.getByRole("table", { name: "Capacity" }).getByRole("cell", { name: "40:00" }).waitFor();
      await p.getByLabel("From", { exact: true }).fill(iso(monday));
      await p.getByLabel("To", { exact: true }).fill(iso(sunday));
      await button("Show").click();
      const report = p.getByRole("table", { name: "Utilisation" });
      const row = report.getByRole("row", { name: /Tess Time/ });
      // This week: Monday's 1:30 (invoiced) and Tuesday's 1:30 (sent back), both billable; 40 hours' capacity.
      await row.getByRole("cell", { name: "40:00" }).first().waitFor();
      await row.getByRole("cell", { name: "3:00" }).first().waitFor();
      await p.getByTestId("chart-utilisation").waitFor();
      await p.getByRole("table", { name: "Projects: estimate, actual and margin" }).getByRole("link", { name: "Website" }).waitFor();
      await shot(p, "69-utilisation");
      const [csv] = await Promise.all([p.waitForEvent("download"), button("Download CSV").click()]);
      assert.match(readFileSync(await csv.path(), "utf8"), /Tess Time/);
    }],
  ];
}
