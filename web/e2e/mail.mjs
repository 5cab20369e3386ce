// Reading the server's mail outbox in browser tests: without SMTP, `silo serve` writes each
// message as an .eml file into `<data>/mail/outbox/`. Also a tiny TOTP, for the tests only.
import { createHmac } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** Header lines unfolded into a lower-cased name -> value map, and the body. */
function split(raw) {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? "" : raw.slice(at).replace(/^\r?\n\r?\n/, "");
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function decodeQuotedPrintable(text) {
  const bytes = [];
  const soft = text.replace(/=\r?\n/g, "");
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** The text parts of a MIME entity, decoded: [{type, text}]. */
function parts(raw) {
  const { headers, body } = split(raw);
  const type = (headers["content-type"] ?? "text/plain").toLowerCase();
  if (type.startsWith("multipart/")) {
    const boundary = /boundary="?([^";]+)"?/i.exec(headers["content-type"])?.[1];
    if (!boundary) return [];
    return body
      .split(`--${boundary}`)
      .slice(1)
      .filter((p) => !p.startsWith("--"))
      .flatMap((p) => parts(p.replace(/^\r?\n/, "")));
  }
  const encoding = (headers["content-transfer-encoding"] ?? "").toLowerCase();
  let text = body;
  if (encoding === "base64") text = Buffer.from(body.replace(/\s/g, ""), "base64").toString("utf8");
  else if (encoding === "quoted-printable") text = decodeQuotedPrintable(body);
  return [{ type: type.split(";")[0], text }];
}

/** RFC 2047 encoded words in a header ("=?utf-8?b?...?="), decoded. */
function decodeHeader(value) {
  return value.replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_, _charset, enc, data) =>
    enc.toLowerCase() === "b" ? Buffer.from(data, "base64").toString("utf8") : decodeQuotedPrintable(data.replace(/_/g, " ")),
  );
}

/** One outbox file as {file, to, subject, text, html}. */
export function readMail(path) {
  const raw = readFileSync(path, "utf8");
  const { headers } = split(raw);
  const all = parts(raw);
  return {
    file: path,
    to: (headers.to ?? "").toLowerCase(),
    subject: decodeHeader(headers.subject ?? ""),
    text: all.filter((p) => p.type === "text/plain").map((p) => p.text).join("\n"),
    html: all.filter((p) => p.type === "text/html").map((p) => p.text).join("\n"),
  };
}

/**
 * A mailbox over the outbox of a data directory. `next(address)` waits (polling, bounded) for a
 * message to that address that no earlier call returned, oldest first.
 */
export function outbox(data) {
  const dir = join(data, "mail", "outbox");
  const seen = new Set();
  const fresh = (address) => {
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => name.endsWith(".eml") && !name.startsWith(".") && !seen.has(name))
      .sort()
      .map((name) => ({ name, mail: readMail(join(dir, name)) }))
      .filter(({ mail }) => mail.to.includes(address.toLowerCase()));
  };
  return {
    dir,
    /** `having`: only a message for which it is true counts (others to the address are left unread). */
    async next(address, { timeout = 15_000, having = () => true } = {}) {
      const deadline = Date.now() + timeout;
      for (;;) {
        const first = fresh(address).find(({ mail }) => having(mail));
        if (first) {
          seen.add(first.name);
          return first.mail;
        }
        if (Date.now() > deadline) {
          const names = existsSync(dir) ? readdirSync(dir) : [];
          throw new Error(`no new mail to ${address} in ${dir} within ${timeout} ms (files: ${names.join(", ") || "none"})`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    /** Waits for a new message to `address` with a `path` link (see linkIn) and returns the link. */
    async link(address, path, base, options = {}) {
      const mail = await this.next(address, { ...options, having: (m) => hasLink(m, path) });
      return linkIn(mail, path, base);
    },
    /** Marks every message to `address` so far as read (e.g. before an action that sends a new one). */
    skip(address) {
      for (const { name } of fresh(address)) seen.add(name);
    },
  };
}

/**
 * The first link in a message whose path is `path` (e.g. "/verify-email"), as a path and query on
 * `base` (the server under test), whatever public URL the server put into the mail.
 */
function findLink(mail, path) {
  return [...`${mail.text}\n${mail.html}`.matchAll(/https?:\/\/[^\s"'<>]+/g)]
    .map((m) => new URL(m[0].replace(/&amp;/g, "&")))
    .find((u) => u.pathname === path && u.searchParams.get("token"));
}

function hasLink(mail, path) {
  return findLink(mail, path) !== undefined;
}

export function linkIn(mail, path, base) {
  const found = findLink(mail, path);
  if (!found) throw new Error(`no ${path} link in the mail "${mail.subject}" to ${mail.to}:\n${mail.text}`);
  return `${base}${found.pathname}${found.search}`;
}

function base32(secret) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/[\s=-]/g, "").toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${c}`);
    bits += v.toString(2).padStart(5, "0");
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238 TOTP (SHA-1, 30 s, 6 digits) for time step `step` (default: now). Tests only. */
export function totp(secret, step = Math.floor(Date.now() / 30_000)) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, "0");
}
