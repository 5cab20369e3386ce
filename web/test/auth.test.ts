import { describe, expect, it } from "vitest";
import { ApiError } from "../src/api/client";
import { cleanCode, codeProblem, groupSecret, isTotpCode, linkUnusable, recoveryCodesFile } from "../src/auth";

describe("two-factor secrets and codes", () => {
  it("groups a base32 secret in fours for typing", () => {
    expect(groupSecret("JBSWY3DPEHPK3PXP")).toBe("JBSW Y3DP EHPK 3PXP");
    expect(groupSecret("jbswy3dpehpk3pxpab")).toBe("JBSW Y3DP EHPK 3PXP AB");
    expect(groupSecret("JBSW Y3DP-EHPK")).toBe("JBSW Y3DP EHPK");
    expect(groupSecret("")).toBe("");
  });

  it("cleans typed codes and knows a six-digit one", () => {
    expect(cleanCode(" 123 456 ")).toBe("123456");
    expect(isTotpCode("123 456")).toBe(true);
    expect(isTotpCode("12345")).toBe(false);
    expect(isTotpCode("12345a")).toBe(false);
    expect(isTotpCode("abcd-efgh")).toBe(false);
  });

  it("writes recovery codes one per line under a heading", () => {
    expect(recoveryCodesFile(["aaaa-bbbb", "cccc-dddd"], "a@b.test", "Silo recovery codes")).toBe(
      "Silo recovery codes (a@b.test)\n\naaaa-bbbb\ncccc-dddd\n",
    );
  });
});

describe("mailed links", () => {
  it("are unusable when the server refuses the token, not for other problems", () => {
    expect(linkUnusable(new ApiError(422, "invalid", "", { token: "expired" }))).toBe(true);
    expect(linkUnusable(new ApiError(404, "not_found", ""))).toBe(true);
    expect(linkUnusable(new ApiError(422, "invalid", "", { password: "too short" }))).toBe(false);
    expect(linkUnusable(new ApiError(429, "rate_limited", ""))).toBe(false);
    expect(linkUnusable(new Error("boom"))).toBe(false);
  });
});

describe("refused codes", () => {
  it("say whether the password or the code was wrong", () => {
    expect(codeProblem(new ApiError(422, "invalid", "", { code: "is wrong or was already used" }))).toBe("code");
    expect(codeProblem(new ApiError(422, "invalid", "", { password: "is wrong" }))).toBe("password");
    expect(codeProblem(new ApiError(401, "invalid_credentials", ""))).toBe("passwordOrCode");
    expect(codeProblem(new ApiError(422, "invalid", "", { name: "too long" }))).toBeNull();
    expect(codeProblem(new ApiError(429, "rate_limited", ""))).toBeNull();
    expect(codeProblem(null)).toBeNull();
  });
});
