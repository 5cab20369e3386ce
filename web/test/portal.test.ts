import { describe, expect, it } from "vitest";
import { isPortalPath } from "../src/portal/PortalApp";
import { formatSize } from "../src/portal/format";
import { itemsOf } from "../src/portal/types";
import { sha256Hex } from "../src/portal/client";
import { MESSAGES } from "../src/i18n";
import { PARTS } from "../src/components/portal/AccountPortal";

describe("the portal", () => {
  it("owns the portal paths and the signing page, nothing of the staff app", () => {
    for (const path of ["/portal", "/portal/k/abc.def~x", "/portal/magic", "/portal/invoices/1", "/sign"]) {
      expect(isPortalPath(path), path).toBe(true);
    }
    for (const path of ["/", "/portals", "/signup", "/contracts/1", "/sign/x"]) {
      expect(isPortalPath(path), path).toBe(false);
    }
  });

  it("reads a list answered as a page or as an array", () => {
    expect(itemsOf({ items: [1, 2], next_cursor: null })).toEqual([1, 2]);
    expect(itemsOf([3])).toEqual([3]);
    expect(itemsOf(null)).toEqual([]);
  });

  it("words file sizes", () => {
    expect(formatSize(512)).toBe("512 B");
    expect(formatSize(2048)).toBe("2 KB");
    expect(formatSize(3 * 1024 * 1024)).toBe("3.0 MB");
  });

  it("hashes the document text as the server does (SHA-256 of the UTF-8 bytes, hex)", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("names every part and role in both languages", () => {
    for (const part of PARTS) {
      expect(Object.keys(MESSAGES.en)).toContain(`staffPortal.part.${part}`);
      expect(Object.keys(MESSAGES.nl)).toContain(`staffPortal.part.${part}`);
    }
    for (const role of ["client_admin", "member", "billing"]) {
      expect(Object.keys(MESSAGES.nl)).toContain(`portal.role.${role}`);
    }
    for (const status of ["pending", "approved", "changes_requested", "withdrawn"]) {
      expect(Object.keys(MESSAGES.nl)).toContain(`portal.approval.${status}`);
    }
  });
});
