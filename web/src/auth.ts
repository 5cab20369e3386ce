// Small pure helpers for the identity pages: mailed links, two-factor codes and secrets.
import { ApiError } from "./api/client";

/**
 * Whether an error means the mailed link itself is unusable (unknown, used, expired or revoked),
 * as opposed to a problem with what the person typed or with the server.
 */
export function linkUnusable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  if (error.code === "not_found") return true;
  return error.code === "invalid" && "token" in error.fields;
}

/** A base32 secret in groups of four for typing by hand: "JBSW Y3DP EHPK 3PXP". */
export function groupSecret(secret: string, size = 4): string {
  const clean = secret.replace(/[\s-]/g, "").toUpperCase();
  const groups: string[] = [];
  for (let i = 0; i < clean.length; i += size) groups.push(clean.slice(i, i + size));
  return groups.join(" ");
}

/** A code as typed (spaces from copying, "123 456") as the server wants it. */
export function cleanCode(text: string): string {
  return text.replace(/\s/g, "");
}

/** Whether a typed text is a whole six-digit authenticator code. */
export function isTotpCode(text: string): boolean {
  return /^\d{6}$/.test(cleanCode(text));
}

/** The text of the recovery-codes file people download and keep. */
export function recoveryCodesFile(codes: readonly string[], email: string, heading: string): string {
  return [`${heading} (${email})`, "", ...codes, ""].join("\n");
}

/**
 * What was wrong when a code (with or without a password) was refused: 422 `invalid` on
 * `password` or `code`, or 401 `invalid_credentials` (which does not say which). Null for any
 * other error, which shows as usual.
 */
export function codeProblem(error: unknown): "password" | "code" | "passwordOrCode" | null {
  if (!(error instanceof ApiError)) return null;
  if (error.code === "invalid_credentials") return "passwordOrCode";
  if (error.code !== "invalid") return null;
  if ("password" in error.fields) return "password";
  if ("code" in error.fields) return "code";
  return null;
}
