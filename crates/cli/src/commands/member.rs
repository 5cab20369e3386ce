//! `silo member add`.

use super::{find_company, hash_password};
use crate::cli::{MemberCommand, StorageArgs};
use anyhow::bail;
use silo_control::{AuditEvent, ControlError, Email, NewIdentity};

pub async fn run(storage: &StorageArgs, cmd: MemberCommand) -> anyhow::Result<()> {
    let tenancy = crate::storage::open(storage).await?;
    let MemberCommand::Add {
        company,
        email,
        role,
        password,
        name,
    } = cmd;
    let result = async {
        let company = find_company(&tenancy, &company).await?;
        let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("email {e}"))?;
        let control = tenancy.control();
        let limits = control.plan_limits(company.plan).await?;
        let existing = control.identity_by_email(&email).await?;
        let password_hash = match (&existing, password) {
            (None, Some(p)) => Some(hash_password(&p)?),
            (Some(_), Some(_)) => {
                eprintln!("note: {email} already has an identity; its password is left unchanged");
                None
            }
            _ => None,
        };
        let invited = existing.is_none() && password_hash.is_none();
        let identity = control
            .ensure_identity(&NewIdentity { email: email.clone(), name: name.unwrap_or_default(), password_hash })
            .await?;
        match control.add_membership_within(identity, company.id, role, limits.max_seats).await {
            Err(ControlError::AlreadyMember) => bail!("{email} is already a member of {}", company.slug),
            Err(ControlError::SeatLimit(max)) => {
                bail!("plan limit: the {} plan allows {max} members", company.plan)
            }
            other => other?,
        }
        let mut event = AuditEvent::operator(company.id, "member.add");
        event.target = Some(identity.to_string());
        control.record(event).await?;
        println!("{email} is now {role} at {}", company.slug);
        if invited {
            let token = control.create_invitation(identity, company.id).await?;
            println!("{email} has no password yet; invitation token (valid 7 days, shown once):");
            println!("{token}");
            println!("they set a password with POST /api/auth/accept-invite {{\"token\": ..., \"password\": ...}}");
        }
        Ok(())
    }
    .await;
    tenancy.close().await;
    result
}
