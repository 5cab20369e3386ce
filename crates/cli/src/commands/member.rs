//! `silo member add`.

use super::{find_company, hash_password};
use crate::cli::{MemberCommand, StorageArgs};
use silo_control::{AuditAction, AuditEvent, ControlError, Email, NewIdentity, NewInvitation};
use silo_mail::{Lang, Mailer};
use silo_server::notify::{InvitationMail, Notifier};
use silo_worker::Nudge;
use silo_worker::mail::Postbox;

pub async fn run(storage: &StorageArgs, cmd: MemberCommand) -> anyhow::Result<()> {
    let tenancy = crate::storage::open(storage).await?;
    let MemberCommand::Add {
        company,
        email,
        role,
        password,
        name,
        mail,
    } = cmd;
    let result = async {
        let company = find_company(&tenancy, &company).await?;
        let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("email {e}"))?;
        let control = tenancy.control();
        let limits = control.plan_limits(company.plan).await?;
        let existing = control.identity_by_email(&email).await?;
        let seat_limit = |e: ControlError| match e {
            ControlError::AlreadyMember => {
                anyhow::anyhow!("{email} is already a member of {}", company.slug)
            }
            ControlError::SeatLimit(max) => {
                anyhow::anyhow!("plan limit: the {} plan allows {max} members", company.plan)
            }
            other => other.into(),
        };
        // A password from the operator makes a new person at once (the operator vouches for
        // the address). Anyone else is invited: they prove the address and consent by mail.
        if let (None, Some(password)) = (&existing, password) {
            let identity = control
                .ensure_identity(&NewIdentity {
                    email: email.clone(),
                    name: name.unwrap_or_default(),
                    password_hash: Some(hash_password(&password)?),
                })
                .await?;
            control
                .add_membership_within(identity, company.id, role, limits.max_seats)
                .await
                .map_err(seat_limit)?;
            let mut event = AuditEvent::operator(company.id, AuditAction::MemberAdd);
            event.target = Some(identity.to_string());
            control.record(event).await?;
            println!("{email} is now {role} at {}", company.slug);
            return Ok(());
        }
        if existing.is_some() {
            eprintln!("note: {email} already has an identity; they are invited and must accept");
        }
        let invitation = NewInvitation {
            company: company.id,
            email: email.clone(),
            role,
            name: name.unwrap_or_default(),
            invited_by: None,
            language: Lang::En.as_str().to_owned(),
            ttl: mail.invitation_ttl(),
        };
        let (invitation, token) = control
            .invite(&invitation, limits.max_seats)
            .await
            .map_err(seat_limit)?;
        let postbox = Postbox::new(
            Mailer::start(mail.mail_settings(storage))?,
            control.clone(),
            Nudge::default(),
        );
        let public_url = mail.public_url_or(|| "http://127.0.0.1:8080".into());
        let notifier = Notifier {
            postbox: &postbox,
            public_url: &public_url,
        };
        notifier
            .invitation(&InvitationMail {
                lang: Lang::En,
                to: &email,
                company: &company.name,
                inviter: "Silo",
                role,
                token: &token,
                ttl: mail.invitation_ttl(),
            })
            .await?;
        let mut event = AuditEvent::operator(company.id, AuditAction::MemberInvite);
        event.target = Some(invitation.id.to_string());
        control.record(event).await?;
        println!(
            "{email} is invited as {role} at {}; the invitation {} (valid {} days)",
            company.slug,
            super::how_mail_goes(&postbox),
            mail.invitation_ttl_days
        );
        Ok(())
    }
    .await;
    tenancy.close().await;
    result
}
