// Types for the browser tests' mail helpers (mail.mjs), so unit tests can check them.
export interface Mail {
  file: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}
export function readMail(path: string): Mail;
export function outbox(data: string): {
  dir: string;
  next(address: string, options?: { timeout?: number; having?: (mail: Mail) => boolean }): Promise<Mail>;
  link(address: string, path: string, base: string, options?: { timeout?: number }): Promise<string>;
  skip(address: string): void;
};
export function linkIn(mail: Mail, path: string, base: string): string;
export function totp(secret: string, step?: number): string;
