//! Every `code` an error answer can carry, each with its HTTP status and meaning, declared once.
//! The server takes the status of an answer from here; the web app's list, the i18n check and
//! `docs/reference/errors.md` are generated from here.

/// Declares an enum of error codes like [`string_enum!`](crate::string_enum), with one HTTP
/// status per variant (`Variant = "wire" => 409`); the type also gets `status()`.
#[macro_export]
macro_rules! error_codes {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[doc = $doc:literal])+
                $variant:ident = $wire:literal => $status:literal
            ),+ $(,)?
        }
    ) => {
        $crate::string_enum! {
            $(#[$meta])*
            $vis enum $name {
                $($(#[doc = $doc])+ $variant = $wire,)+
            }
        }

        impl $name {
            /// The HTTP status of an answer with this code.
            pub const fn status(self) -> u16 {
                match self {
                    $($name::$variant => $status,)+
                }
            }
        }
    };
}

crate::error_codes! {
    /// The `code` of an error answer (`{"error": {"code": ..., "message": ...}}`). Clients
    /// decide on the code; `message` is English for people reading the raw answer.
    pub enum ErrorCode {
        /// The body is not JSON or not the expected shape.
        BadRequest = "bad_request" => 400,
        /// The access token is missing, expired or fails a check; log in (or refresh) again.
        Unauthenticated = "unauthenticated" => 401,
        /// Unknown email or wrong password (the same answer for both), or a wrong two-factor
        /// code at login.
        InvalidCredentials = "invalid_credentials" => 401,
        /// The password was right and the identity has two-factor authentication on: log in
        /// again with `code`.
        TwoFactorRequired = "two_factor_required" => 401,
        /// A company route was called with a token bound to no company.
        NoCompany = "no_company" => 403,
        /// The request's `Origin` is not on the tracked site's list of allowed origins.
        OriginNotAllowed = "origin_not_allowed" => 403,
        /// The tracked site is disabled: it collects nothing until it is enabled again.
        SiteDisabled = "site_disabled" => 403,
        /// The token's company is unknown, still being created or erased.
        TenantUnresolved = "tenant_unresolved" => 403,
        /// The company is suspended and serves nothing until it is resumed.
        CompanySuspended = "company_suspended" => 403,
        /// The identity holds no membership in the company (any more).
        NotAMember = "not_a_member" => 403,
        /// The company requires two-factor authentication and the identity has not turned it
        /// on; set it up with the `/api/auth/2fa` routes first.
        TwoFactorSetupRequired = "two_factor_setup_required" => 403,
        /// The caller's role lacks the route's permission, or may not touch that membership.
        Forbidden = "forbidden" => 403,
        /// This deployment does not allow self-service signup.
        SignupDisabled = "signup_disabled" => 403,
        /// The company's plan allows no more of something (seats, contacts).
        PlanLimit = "plan_limit" => 403,
        /// Moving to a paid plan is the operator's (or the billing system's) step, not an
        /// owner's alone: ask the operator of this deployment.
        PlanByOperator = "plan_by_operator" => 403,
        /// The route or the record does not exist (in this company).
        NotFound = "not_found" => 404,
        /// The path exists, the method does not.
        MethodNotAllowed = "method_not_allowed" => 405,
        /// The change conflicts with the current data (a unique value is taken, or the data
        /// changed meanwhile); reload and try again.
        Conflict = "conflict" => 409,
        /// The change would leave the company without an owner. When deleting one's own
        /// account, the answer also names those companies: `companies`, a list of `{id, slug,
        /// name}`; name another owner there (or erase the company) first.
        LastOwner = "last_owner" => 409,
        /// Another company holds the slug (erased companies keep theirs).
        SlugTaken = "slug_taken" => 409,
        /// An identity with this email exists; log in instead.
        EmailTaken = "email_taken" => 409,
        /// The person is a member of the company already.
        AlreadyMember = "already_member" => 409,
        /// The record's state does not allow this step (a won deal moved, a draft contract
        /// signed, an issued invoice issued again).
        InvalidTransition = "invalid_transition" => 409,
        /// An issued or paid invoice cannot change.
        InvoiceLocked = "invoice_locked" => 409,
        /// A sent or signed contract cannot change.
        ContractLocked = "contract_locked" => 409,
        /// The account has invoices and cannot be deleted.
        HasInvoices = "has_invoices" => 409,
        /// The payment is more than the invoice's open balance; send `allow_overpayment` to
        /// record it as an overpayment to refund or credit.
        PaymentExceedsBalance = "payment_exceeds_balance" => 409,
        /// The credit note would credit more than is left of the invoice.
        CreditExceedsInvoice = "credit_exceeds_invoice" => 409,
        /// Two-factor authentication is on already; turn it off before setting it up again.
        TwoFactorEnabled = "two_factor_enabled" => 409,
        /// Two-factor authentication is not on.
        TwoFactorNotEnabled = "two_factor_not_enabled" => 409,
        /// No two-factor set-up was started (or it expired); start it again.
        TwoFactorNotPending = "two_factor_not_pending" => 409,
        /// An approved or invoiced time entry cannot be changed by this person (invoiced ones by
        /// no one: delete the draft invoice, or correct an issued one with a credit note).
        TimeLocked = "time_locked" => 409,
        /// The work date is on or before the company's lock date: the period is closed.
        PeriodLocked = "period_locked" => 409,
        /// Invoicing this would take a project beyond its capped money budget.
        BudgetCap = "budget_cap" => 409,
        /// Nothing matches to invoice (no approved, billable, uninvoiced time; or the price or
        /// month was invoiced already).
        NothingToInvoice = "nothing_to_invoice" => 409,
        /// The person's timer is running already.
        TimerRunning = "timer_running" => 409,
        /// Time is logged on the project or task, so it cannot be deleted (set its status to
        /// cancelled or done instead).
        HasTime = "has_time" => 409,
        /// The draft invoice bills tracked time or a project's price; its lines follow from
        /// those (delete the draft to release them).
        InvoiceBillsTime = "invoice_bills_time" => 409,
        /// A live portal user of this company has that address already.
        PortalUserExists = "portal_user_exists" => 409,
        /// The document shown is not the one to sign (its SHA-256 differs); reload it and
        /// read it again.
        DocumentChanged = "document_changed" => 409,
        /// The request body is larger than the server accepts.
        PayloadTooLarge = "payload_too_large" => 413,
        /// The file's type is not one accepted here (see the route's media types).
        UnsupportedMediaType = "unsupported_media_type" => 415,
        /// Some fields are invalid: `fields` (and `problems`) name each one.
        Invalid = "invalid" => 422,
        /// Signing needs the signer's explicit consent (`consent: true`).
        ConsentRequired = "consent_required" => 422,
        /// Too many attempts; `Retry-After` says after how many seconds to try again.
        RateLimited = "rate_limited" => 429,
        /// A bug or an unexpected failure; the cause is logged on the server, never sent.
        Internal = "internal" => 500,
        /// The server is busy: too much password work is running, the company has too many
        /// requests in flight, or every tenant connection is in use; `Retry-After` says when to
        /// try again. Nothing was done.
        Busy = "busy" => 503,
        /// The company's database cannot be opened or reached just now.
        TenantUnavailable = "tenant_unavailable" => 503,
        /// The control plane (or the audit trail) cannot be reached just now.
        Unavailable = "unavailable" => 503,
    }
}

impl ErrorCode {
    /// The codes answered with each status, statuses ascending (for reference documents).
    pub fn by_status() -> Vec<(u16, Vec<ErrorCode>)> {
        let mut groups: Vec<(u16, Vec<ErrorCode>)> = Vec::new();
        let mut codes = ErrorCode::ALL.to_vec();
        codes.sort_by_key(|c| c.status());
        for code in codes {
            match groups.last_mut() {
                Some((status, list)) if *status == code.status() => list.push(code),
                _ => groups.push((code.status(), vec![code])),
            }
        }
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_code_has_an_error_status_and_a_meaning() {
        for code in ErrorCode::ALL {
            let status = code.status();
            assert!((400..600).contains(&status), "{code}: {status}");
            assert!(!code.doc().is_empty(), "{code} has no description");
            assert!(
                code.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{code} is not snake_case"
            );
        }
    }

    #[test]
    fn names_are_unique_and_parse_back() {
        let names: BTreeSet<&str> = ErrorCode::NAMES.iter().copied().collect();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(*code));
        }
    }

    #[test]
    fn statuses_follow_the_api() {
        assert_eq!(ErrorCode::LastOwner.status(), 409);
        assert_eq!(ErrorCode::Invalid.status(), 422);
        assert_eq!(ErrorCode::Unauthenticated.status(), 401);
        assert_eq!(ErrorCode::Busy.status(), 503);
        let groups = ErrorCode::by_status();
        assert_eq!(groups.first().map(|g| g.0), Some(400));
        assert_eq!(
            groups.iter().map(|g| g.1.len()).sum::<usize>(),
            ErrorCode::ALL.len()
        );
        let conflicts = groups.iter().find(|g| g.0 == 409).map(|g| g.1.clone());
        assert!(conflicts.is_some_and(|c| c.contains(&ErrorCode::SlugTaken)));
    }
}
