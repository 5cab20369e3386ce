// One's own account under the AVG/GDPR: what the account page decides about a deletion refusal.
import { ApiError, type NamedCompany } from "./api/client";

/**
 * The companies a refused account deletion names: those where the person is the only owner
 * (409 `last_owner`). Empty for every other error, and for a `last_owner` without the list.
 */
export function lastOwnedCompanies(error: unknown): NamedCompany[] {
  return error instanceof ApiError && error.code === "last_owner" ? error.companies : [];
}

/** The file name the download is saved under when the answer names none. */
export function exportFileName(identityId: string): string {
  return `silo-account-${identityId}.json`;
}
