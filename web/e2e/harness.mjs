// Test harness for the browser tests: a real `silo serve` on a free port with a temporary data
// directory, and Debian's Chromium driven by playwright-core (no browser downloads).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { outbox } from "./mail.mjs";

export const WEB = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO = resolve(WEB, "..");
export const SHOTS = join(WEB, "e2e", "screenshots");
export const PASSWORD = "correct horse battery";

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/** The silo binary: $SILO_BIN, or a debug build made now (cheap when nothing changed). */
export function siloBinary() {
  if (process.env.SILO_BIN) return process.env.SILO_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? join(REPO, "target");
  execFileSync("cargo", ["build", "--quiet", "-p", "silo"], { cwd: REPO, stdio: "inherit" });
  return join(target, "debug", "silo");
}

export async function startSilo(bin) {
  if (!existsSync(join(WEB, "dist", "index.html"))) {
    throw new Error("web/dist is missing: run `npm run build` first");
  }
  const data = mkdtempSync(join(tmpdir(), "silo-e2e-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { ...process.env, RUST_LOG: "warn" };
  // No SMTP: mail lands in <data>/mail/outbox/ as .eml files, with links to this server.
  const child = spawn(bin, ["--data", data, "serve", "--listen", `127.0.0.1:${port}`, "--public-url", url], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr.on("data", (chunk) => (log += chunk));
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (child.exitCode !== null) throw new Error(`silo exited early:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    data,
    mail: outbox(data),
    log: () => log,
    cli: (...args) => execFileSync(bin, ["--data", data, ...args], { env: { ...env, SILO_OWNER_PASSWORD: PASSWORD }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }),
    stop: () => {
      child.kill("SIGTERM");
      rmSync(data, { recursive: true, force: true });
    },
  };
}

export async function startBrowser() {
  // Playwright starts Chromium with a fresh, empty --user-data-dir of its own and removes it.
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  mkdirSync(SHOTS, { recursive: true });
  return {
    browser,
    close: async () => {
      await browser.close();
    },
  };
}

/** Every answer of 400 or more that a watched page got, to explain console lines on failure. */
export const refusedRequests = [];

/**
 * A page that records console errors and uncaught exceptions. `allowHttpErrors` lets a step that
 * expects a refused request (an expired session) pass without the browser's log line failing it.
 */
export async function watchedPage(context, problems) {
  const page = await context.newPage();
  page.allowHttpErrors = false;
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    if (page.allowHttpErrors && msg.text().startsWith("Failed to load resource")) return;
    problems.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  // Which request a "Failed to load resource" line was about (the console does not say).
  page.on("response", (r) => {
    if (r.status() >= 400) refusedRequests.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
  });
  // API requests not answered yet, and who waits for there to be none (`apiSettled`).
  page.apiInFlight = 0;
  page.apiWaiters = [];
  const isApi = (req) => new URL(req.url()).pathname.startsWith("/api/");
  page.on("request", (req) => {
    if (isApi(req)) page.apiInFlight += 1;
  });
  for (const done of ["requestfinished", "requestfailed"]) {
    page.on(done, (req) => {
      if (!isApi(req)) return;
      page.apiInFlight -= 1;
      if (page.apiInFlight === 0) for (const resolve of page.apiWaiters.splice(0)) resolve();
    });
  }
  return page;
}

/**
 * Resolves when a watched page has no API request in flight: before an action that ends the
 * browser's session (switching company, accepting an invitation), whose refusal of a request
 * still under way the console would report. (Playwright's `networkidle` is reached once per
 * navigation, not after the app's own page changes.)
 */
export function apiSettled(page) {
  if (page.apiInFlight === 0) return Promise.resolve();
  return new Promise((resolve) => page.apiWaiters.push(resolve));
}

export async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * Runs named steps in order, printing each; stops at the first failure. `E2E_ONLY=<regex>` runs
 * only the steps whose name matches (groups that set up their own company, such as `crm:`).
 */
export async function steps(all) {
  const only = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY) : null;
  const list = only ? all.filter(([name]) => only.test(name)) : all;
  const started = Date.now();
  for (const [name, run] of list) {
    const t0 = Date.now();
    await run();
    console.log(`  ok  ${name} (${Date.now() - t0} ms)`);
  }
  console.log(`${list.length} browser steps passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Logs `email` in over the API and answers a caller of the API with that token:
 * `api(method, path, body)` resolves to `{ status, body }` (the JSON body, or null).
 */
export async function apiAs(silo, email) {
  const login = await fetch(`${silo.url}/api/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`log in ${email}: ${login.status} ${await login.text()}`);
  const { token } = await login.json();
  return async (method, path, body) => {
    const { status, answer } = await call(silo, token, method, path, body);
    return { status, body: answer };
  };
}

/**
 * The API as the bearer of `token()` (read at each call, so a step may log in again), for set-up
 * through the API: the answer's body, or an error naming the request for any answer that is not
 * a success.
 */
export function bearerApi(silo, token) {
  return async (method, path, body) => {
    const { status, text, answer } = await call(silo, token(), method, path, body);
    if (status < 200 || status > 299) throw new Error(`${method} ${path}: ${status} ${text}`);
    return answer;
  };
}

async function call(silo, token, method, path, body) {
  const response = await fetch(silo.url + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", Accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, answer: text ? JSON.parse(text) : null };
}
