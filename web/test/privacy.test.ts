import { describe, expect, it } from "vitest";
import { translator } from "../src/i18n";
import { erasedSummary, subjectBody } from "../src/pages/privacy-logic";

describe("data requests", () => {
  it("sends only the identifiers given, trimmed", () => {
    expect(subjectBody({ email: " jan@example.nl ", phone: "", name: "  " })).toEqual({ email: "jan@example.nl" });
    expect(subjectBody({ email: "", phone: "06 1234 5678", name: "Jan de Vries" })).toEqual({
      phone: "06 1234 5678",
      name: "Jan de Vries",
    });
  });

  it("sums an erasure over its tables in both languages", () => {
    const outcome = [
      { table: "contacts", found: 1, deleted: 1, anonymised: 0, redacted: 0, retained: 0 },
      { table: "invoices", found: 2, deleted: 0, anonymised: 2, redacted: 0, retained: 1 },
      { table: "messages", found: 1, deleted: 0, anonymised: 0, redacted: 1, retained: 0 },
    ];
    expect(erasedSummary(outcome, translator("en"))).toBe(
      "Erased: 1 deleted, 2 anonymised, 1 mentions replaced, 1 kept by law.",
    );
    expect(erasedSummary(outcome, translator("nl"))).toBe(
      "Gewist: 1 verwijderd, 2 geanonimiseerd, 1 vermeldingen vervangen, 1 wettelijk bewaard.",
    );
  });
});
