//! Every action the audit trail records, declared once. The wire name is stored in each record
//! and covered by its hash, so a name must never change once records carry it: add a new
//! action instead of renaming one.

crate::string_enum! {
    /// What an audit record says was done (or attempted: see its `outcome`). Records name ids
    /// only (`target`), never names, amounts or bodies.
    pub enum AuditAction {
        /// A request reached a suspended company and was refused; target: method and route
        /// pattern.
        AccessCompanySuspended = "access.company_suspended",
        /// A request came from an identity that is no member of the company and was refused;
        /// target: method and route pattern.
        AccessNotAMember = "access.not_a_member",
        /// A member without two-factor authentication was refused by a company that requires
        /// it; target: method and route pattern.
        AccessTwoFactorSetupRequired = "access.two_factor_setup_required",
        /// A member's role lacked the route's permission; target: method and route pattern.
        AccessForbidden = "access.forbidden",
        /// Refused requests of one identity in one company within one minute, counted rather
        /// than recorded one by one: repeats of an `access.*` refusal already recorded that
        /// minute, and requests refused with `busy` because the company had too many in
        /// flight. One record per company, identity (none when too many were refused at once)
        /// and minute. Target: JSON with the `minute`, the `count` and the count per kind
        /// (`kinds`, by action name or `busy`).
        AccessRefusals = "access.refusals",
        /// A log-in: success (with the company logged into, if any) or failure (wrong
        /// password, or wrong two-factor code; the identity when the address is known).
        AuthLogin = "auth.login",
        /// An identity logged out on every device.
        AuthLogoutAll = "auth.logout_all",
        /// An identity changed its password; a failure is a wrong current password.
        AuthPasswordChange = "auth.password_change",
        /// A password was reset through a mailed link.
        AuthPasswordReset = "auth.password_reset",
        /// A password-reset link was mailed to a known identity.
        AuthPasswordResetRequested = "auth.password_reset_requested",
        /// A refresh token that had been replaced was presented again (a stolen copy?): the
        /// session was ended.
        AuthSessionReuse = "auth.session_reuse",
        /// Someone asked to sign up (a confirmation link went out); no identity yet.
        AuthSignupRequested = "auth.signup_requested",
        /// Bearer tokens were refused (bad signature, expired, wrong claims, an identity that
        /// may no longer act), counted per client address and minute: one record per address
        /// and minute, with no company and no actor; past 1024 addresses in a minute a server
        /// counts the rest in one record without an address. Target: JSON with the `minute`, the
        /// `count` and the count per reason (`reasons`); never a token.
        AuthTokenRefused = "auth.token_refused",
        /// A confirmed signup created a company with its first owner; target: the company.
        CompanySignup = "company.signup",
        /// An operator created a company; target: the company.
        CompanyCreate = "company.create",
        /// The company's name changed; target: the company.
        CompanyUpdate = "company.update",
        /// The company's plan changed; target: the company.
        CompanyPlan = "company.plan",
        /// The company turned its two-factor requirement on or off; target: the company.
        CompanyRequireTwoFactor = "company.require_two_factor",
        /// The company's invoicing details changed; target: the company.
        CompanyInvoicing = "company.invoicing",
        /// The company's logo was uploaded or replaced; target: the company.
        CompanyLogo = "company.logo",
        /// The company's logo was removed; target: the company.
        CompanyLogoDelete = "company.logo_delete",
        /// An operator suspended the company; target: the company.
        CompanySuspend = "company.suspend",
        /// An operator resumed the suspended company; target: the company.
        CompanyResume = "company.resume",
        /// The company was erased (by its owner or an operator); target: the company.
        CompanyErase = "company.erase",
        /// An operator exported the company's data; target: the company.
        CompanyExport = "company.export",
        /// An operator imported the company from an archive; target: the company.
        CompanyImport = "company.import",
        /// An operator moved the company's database to another server; target: the company.
        CompanyMove = "company.move",
        /// An operator migrated the company's database to a newer schema (or the migration
        /// failed); target: the company.
        CompanyMigrate = "company.migrate",
        /// An operator added an identity to the company directly; target: the identity.
        MemberAdd = "member.add",
        /// Someone was invited to the company; target: the invitation.
        MemberInvite = "member.invite",
        /// An invitation was sent again with a new link; target: the invitation.
        MemberInviteResend = "member.invite_resend",
        /// An invitation was revoked; target: the invitation.
        MemberInviteRevoke = "member.invite_revoke",
        /// A member's role changed; target: the member's identity.
        MemberRole = "member.role",
        /// A member was removed from the company; target: the member's identity.
        MemberRemove = "member.remove",
        /// An invitation was accepted; target: the identity that joined.
        InviteAccept = "invite.accept",
        /// An invitation was declined; target: the identity that declined.
        InviteDecline = "invite.decline",
        /// An account was created; target: the account.
        AccountCreate = "account.create",
        /// An account was changed; target: the account.
        AccountUpdate = "account.update",
        /// An account was deleted; target: the account.
        AccountDelete = "account.delete",
        /// A contact was created; target: the contact.
        ContactCreate = "contact.create",
        /// A contact was changed; target: the contact.
        ContactUpdate = "contact.update",
        /// A contact was deleted; target: the contact.
        ContactDelete = "contact.delete",
        /// A deal was created; target: the deal.
        DealCreate = "deal.create",
        /// A deal was changed or moved to another stage; target: the deal.
        DealUpdate = "deal.update",
        /// A deal was deleted; target: the deal.
        DealDelete = "deal.delete",
        /// A contract was drafted; target: the contract.
        ContractCreate = "contract.create",
        /// A draft contract was changed; target: the contract.
        ContractUpdate = "contract.update",
        /// A contract was sent (its body is fixed from then on); target: the contract.
        ContractSend = "contract.send",
        /// A contract's signature was recorded; target: the contract.
        ContractSign = "contract.sign",
        /// An invoice was drafted; target: the invoice.
        InvoiceCreate = "invoice.create",
        /// A draft invoice was changed; target: the invoice.
        InvoiceUpdate = "invoice.update",
        /// An invoice was issued with the next number; target: the invoice.
        InvoiceIssue = "invoice.issue",
        /// A payment was recorded on an invoice; target: the invoice.
        InvoicePayment = "invoice.payment",
        /// A draft invoice was deleted; target: the invoice.
        InvoiceDelete = "invoice.delete",
        /// A payment was reversed; target: the invoice.
        InvoicePaymentReverse = "invoice.payment_reverse",
        /// A credit note was issued; target: the credit note.
        CreditNoteIssue = "credit_note.issue",
        /// An invoice, credit note or reminder was queued for mailing; target: the invoice.
        InvoiceSend = "invoice.send",
        /// An invoice, credit note or reminder mail went out; target: the invoice.
        InvoiceMailSent = "invoice.mail_sent",
        /// Two-factor set-up began; a failure is a wrong password; target: the identity.
        TwoFactorSetup = "two_factor.setup",
        /// Two-factor authentication was turned on; a failure is a wrong code; target: the
        /// identity.
        TwoFactorEnable = "two_factor.enable",
        /// Two-factor authentication was turned off; a failure is a wrong password or code;
        /// target: the identity.
        TwoFactorDisable = "two_factor.disable",
        /// A new set of recovery codes replaced the old one; a failure is a wrong password or
        /// code; target: the identity.
        TwoFactorRecoveryCodes = "two_factor.recovery_codes",
        /// A recovery code was used to log in; target: the identity.
        TwoFactorRecoveryUsed = "two_factor.recovery_used",
        /// An operator reset an identity's two-factor authentication; target: the identity.
        TwoFactorReset = "two_factor.reset",
        /// A person deleted their own account (confirmed with their password); target: the
        /// identity's bare id, never the address. A failure is a refusal because they were the
        /// last owner of a company (a wrong password is recorded as a failure too).
        IdentityDelete = "identity.delete",
        /// A person downloaded everything the control plane holds about them; target: the
        /// identity.
        IdentityExport = "identity.export",
        /// An operator disabled an identity (its sessions end); target: the identity.
        IdentityDisable = "identity.disable",
        /// An operator enabled a disabled identity again; target: the identity.
        IdentityEnable = "identity.enable",
        /// An operator made a new token-signing key the active one; target: the key id.
        KeysRotate = "keys.rotate",
        /// An operator retired a token-signing key; target: the key id.
        KeysRetire = "keys.retire",
        /// A webhook endpoint was added; target: the endpoint id.
        WebhookCreate = "webhook.create",
        /// A webhook endpoint was changed; target: the endpoint id.
        WebhookUpdate = "webhook.update",
        /// A webhook endpoint's signing secret was replaced; target: the endpoint id.
        WebhookRotateSecret = "webhook.rotate_secret",
        /// A webhook endpoint was deleted; target: the endpoint id.
        WebhookDelete = "webhook.delete",
        /// A test event was sent to a webhook endpoint; target: the endpoint id.
        WebhookTest = "webhook.test",
        /// A failed webhook delivery was queued again by a person; target: the delivery id.
        WebhookRedeliver = "webhook.redeliver",
        /// An operator retried a dead background job; target: the job id, or `mail:<id>` for a
        /// dead message of the deployment's mail queue (recorded in no company's chain).
        JobRetry = "job.retry",
        /// An operator dropped a background job; target: the job id, or `mail:<id>` for a
        /// message of the deployment's mail queue (recorded in no company's chain).
        JobDrop = "job.drop",
        /// A service was added; target: the service.
        ServiceCreate = "service.create",
        /// A service was changed or archived; target: the service.
        ServiceUpdate = "service.update",
        /// A project was created; target: the project.
        ProjectCreate = "project.create",
        /// A project or its members changed; target: the project.
        ProjectUpdate = "project.update",
        /// A project was deleted; target: the project.
        ProjectDelete = "project.delete",
        /// A project's time reached 80 % or 100 % of a budget; target: the project.
        ProjectBudgetAlert = "project.budget_alert",
        /// A task was created; target: the task.
        TaskCreate = "task.create",
        /// A task changed; target: the task.
        TaskUpdate = "task.update",
        /// A task was deleted; target: the task.
        TaskDelete = "task.delete",
        /// Time was logged; target: the time entry.
        TimeEntryCreate = "time_entry.create",
        /// A time entry changed; target: the time entry.
        TimeEntryUpdate = "time_entry.update",
        /// A time entry was deleted; target: the time entry.
        TimeEntryDelete = "time_entry.delete",
        /// A time entry was submitted for approval; target: the time entry.
        TimeEntrySubmit = "time_entry.submit",
        /// A time entry was approved; target: the time entry.
        TimeEntryApprove = "time_entry.approve",
        /// A time entry was sent back as a draft; target: the time entry.
        TimeEntryReject = "time_entry.reject",
        /// A timer was started; target: the project.
        TimerStart = "timer.start",
        /// A running timer was thrown away; target: the project.
        TimerDiscard = "timer.discard",
        /// The company's time settings changed; target: the company.
        TimeSettingsUpdate = "time_settings.update",
        // team (issue 20)
        /// A person's capacity row was recorded; target: the person's identity.
        CapacityRecord = "capacity.record",
        /// Time off was recorded; target: the time off.
        TimeOffCreate = "time_off.create",
        /// Time off was deleted; target: the time off.
        TimeOffDelete = "time_off.delete",
        // client portal (issue 21)
        /// What a client's portal shows changed; target: the account.
        PortalAccessUpdate = "portal_access.update",
        /// A portal user was invited; target: the portal user.
        PortalUserInvite = "portal_user.invite",
        /// A portal user changed; target: the portal user.
        PortalUserUpdate = "portal_user.update",
        /// A portal user was removed; target: the portal user.
        PortalUserRemove = "portal_user.remove",
        /// A portal user signed in; target: the portal user.
        PortalUserSignIn = "portal_user.sign_in",
        /// A portal user ended their sessions; target: the portal user.
        PortalUserSignOut = "portal_user.sign_out",
        /// The portal sign-in address was replaced; target: the company.
        PortalAddressRotate = "portal_address.rotate",
        /// A staff member previewed a client's portal; target: the account.
        PortalPreview = "portal_preview.start",
        /// A signing link was mailed; target: the link.
        SigningLinkCreate = "signing_link.create",
        /// A signing link was revoked; target: the link.
        SigningLinkRevoke = "signing_link.revoke",
        /// A file was shared; target: the file.
        FileUpload = "file.upload",
        /// A shared file was deleted; target: the file.
        FileDelete = "file.delete",
        /// A client was asked for approval; target: the approval.
        ApprovalRequest = "approval.request",
        /// A client approved or asked for changes; target: the approval.
        ApprovalDecide = "approval.decide",
        /// An approval request was withdrawn; target: the approval.
        ApprovalWithdraw = "approval.withdraw",
        /// A conversation was started; target: the thread.
        MessageThreadCreate = "message_thread.create",
        /// A message was posted; target: the message.
        MessagePost = "message.post",
        /// A tracked site was added; target: the site.
        SiteCreate = "site.create",
        /// A tracked site was changed; target: the site.
        SiteUpdate = "site.update",
        /// A tracked site was deleted; target: the site.
        SiteDelete = "site.delete",
        /// A tracked site's key was replaced; target: the site.
        SiteKeyRotate = "site.key_rotate",
        /// The attribution settings changed; target: the company.
        AttributionSettingsUpdate = "attribution_settings.update",
        /// An ad-platform destination was added; target: the destination.
        DestinationCreate = "destination.create",
        /// A destination was changed; target: the destination.
        DestinationUpdate = "destination.update",
        /// A destination's credentials were replaced; target: the destination.
        DestinationCredentials = "destination.credentials",
        /// A destination was deleted; target: the destination.
        DestinationDelete = "destination.delete",
        /// A conversion was recorded; target: the conversion.
        ConversionRecord = "conversion.record",
        /// A conversion delivery was queued again by hand; target: the delivery.
        ConversionDeliveryRetry = "conversion_delivery.retry",
        /// A person's data request was answered with a report of what the company holds about
        /// them; target: the request's record (which holds counts, never the person).
        SubjectRequestAnswer = "subject_request.answer",
        /// What the company held about a person was erased; target: the request's record
        /// (which holds counts, never the person).
        SubjectRequestErase = "subject_request.erase",
        /// The retention settings changed; target: the company.
        RetentionSettingsUpdate = "retention_settings.update",
        /// The daily retention removed records past the company's settings; target: the
        /// company.
        RetentionApply = "retention.apply",
        /// Records older than the company's audit retention were removed from the start of its
        /// chain (the chain now starts after them; see `docs/privacy.md`); target: JSON with
        /// `through_seq` and `records`.
        AuditPrune = "audit.prune",
    }
}

impl AuditAction {
    /// The part before the dot (`contact` for `contact.create`): what the web app's audit
    /// filter offers.
    pub fn area(self) -> &'static str {
        let name = self.as_str();
        name.split_once('.').map_or(name, |(area, _)| area)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_area_dot_verb() {
        for action in AuditAction::ALL {
            let (area, verb) = action
                .as_str()
                .split_once('.')
                .unwrap_or_else(|| panic!("{action} has no dot"));
            for part in [area, verb] {
                assert!(
                    !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                    "{action}"
                );
            }
            assert!(!action.doc().is_empty());
        }
        assert_eq!(AuditAction::ContactCreate.area(), "contact");
    }

    /// Stored records hash the action's text, so every name that records already carry must
    /// stay exactly as it was: this is the list as it stood when the enum was introduced.
    #[test]
    fn stored_names_never_change() {
        const STORED: &str = "access.company_suspended access.forbidden access.not_a_member
            access.two_factor_setup_required account.create account.delete account.update
            auth.login auth.logout_all auth.password_change auth.password_reset
            auth.password_reset_requested auth.session_reuse auth.signup_requested company.create
            company.erase company.export company.import company.invoicing company.migrate
            company.move company.plan company.require_two_factor company.resume company.signup
            company.suspend company.update contact.create contact.delete contact.update
            contract.create contract.send contract.sign contract.update deal.create
            deal.delete deal.update identity.disable identity.enable invite.accept
            invite.decline invoice.create invoice.issue invoice.payment invoice.update
            keys.retire keys.rotate member.add member.invite member.invite_resend
            member.invite_revoke member.remove member.role two_factor.disable two_factor.enable
            two_factor.recovery_codes two_factor.recovery_used two_factor.reset two_factor.setup
            auth.token_refused";
        for name in STORED.split_whitespace() {
            assert!(AuditAction::parse(name).is_some(), "{name} disappeared");
        }
        assert_eq!(AuditAction::AuthLogin.as_str(), "auth.login");
    }
}
