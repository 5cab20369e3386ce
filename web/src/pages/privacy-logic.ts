// The data-request page's pure parts: the request body from the form and the sentence that
// sums up an erasure.
import type { TableOutcome } from "../generated/api";
import type { Translate } from "../i18n";

/** The form's fields as typed. */
export interface SubjectFields {
  email: string;
  phone: string;
  name: string;
}

/** The request body: only the identifiers given, trimmed. */
export function subjectBody(fields: SubjectFields): Partial<SubjectFields> {
  const body: Partial<SubjectFields> = {};
  for (const key of ["email", "phone", "name"] as const) {
    const value = fields[key].trim();
    if (value) body[key] = value;
  }
  return body;
}

/** "Erased: 3 deleted, 5 anonymised, …" over every table of an erasure's outcome. */
export function erasedSummary(outcome: readonly TableOutcome[], t: Translate): string {
  const total = (key: "deleted" | "anonymised" | "redacted" | "retained") => outcome.reduce((n, o) => n + o[key], 0);
  return t("privacy.erased", {
    deleted: total("deleted"),
    anonymised: total("anonymised"),
    redacted: total("redacted"),
    retained: total("retained"),
  });
}
