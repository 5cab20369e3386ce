import { describe, expect, it } from "vitest";
import { formatDate } from "../src/i18n";

describe("dates", () => {
  it("formats in the locale and leaves non-dates alone", () => {
    expect(formatDate("2026-03-05", "en")).toBe("5 Mar 2026");
    expect(formatDate("2026-03-05", "nl")).toBe("5 mrt 2026");
    expect(formatDate("soon", "en")).toBe("soon");
    expect(formatDate(null, "en")).toBe("");
  });
});
