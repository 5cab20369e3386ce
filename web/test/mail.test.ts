// The browser tests' helpers: reading the outbox and computing TOTP codes must be right, or a
// failing e2e step would point at the app for nothing.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { linkIn, outbox, totp } from "../e2e/mail.mjs";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), "silo-mail-test-"));
  dirs.push(d);
  mkdirSync(join(d, "mail", "outbox"), { recursive: true });
  return d;
}

const eml = (to: string, text: string, encoding = "8bit") =>
  [
    "From: Silo <silo@example.org>",
    `To: ${to}`,
    "Subject: =?utf-8?b?" + Buffer.from("Bevestig je adres é").toString("base64") + "?=",
    "MIME-Version: 1.0",
    'Content-Type: multipart/alternative;\r\n boundary="b1"',
    "",
    "--b1",
    "Content-Type: text/plain; charset=utf-8",
    `Content-Transfer-Encoding: ${encoding}`,
    "",
    text,
    "--b1",
    "Content-Type: text/html; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
    "",
    "<p>hi</p>",
    "--b1--",
    "",
  ].join("\r\n");

describe("outbox", () => {
  it("finds new mail to an address, oldest first, and its link on the server under test", async () => {
    const data = dataDir();
    const box = outbox(data);
    const dir = join(data, "mail", "outbox");
    writeFileSync(join(dir, "01.eml"), eml("ann@a.test", "Open https://silo.example/verify-email?token=abc123 now"));
    writeFileSync(join(dir, "02.eml"), eml("bo@a.test", "nothing"));
    writeFileSync(join(dir, ".tmp-03.eml"), eml("ann@a.test", "half written"));
    const mail = await box.next("ann@a.test");
    expect(mail.subject).toBe("Bevestig je adres é");
    expect(linkIn(mail, "/verify-email", "http://127.0.0.1:9")).toBe("http://127.0.0.1:9/verify-email?token=abc123");
    await expect(box.next("ann@a.test", { timeout: 200 })).rejects.toThrow(/no new mail to ann@a.test/);
  });

  it("decodes quoted-printable bodies with soft line breaks", async () => {
    const data = dataDir();
    writeFileSync(
      join(data, "mail", "outbox", "01.eml"),
      eml("ann@a.test", "Link: https://x.example/reset-password?token=3Dab=\r\ncd&x=3D1 caf=C3=A9", "quoted-printable"),
    );
    const box = outbox(data);
    expect(await box.link("ann@a.test", "/reset-password", "http://h")).toBe("http://h/reset-password?token=abcd&x=1");
  });
});

describe("totp", () => {
  it("matches the RFC 6238 SHA-1 test vectors (last six digits)", () => {
    const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // "12345678901234567890"
    expect(totp(secret, Math.floor(59 / 30))).toBe("287082");
    expect(totp(secret, Math.floor(1111111109 / 30))).toBe("081804");
    expect(totp(secret, Math.floor(1234567890 / 30))).toBe("005924");
    expect(totp(secret, Math.floor(2000000000 / 30))).toBe("279037");
  });
});
