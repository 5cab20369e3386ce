//! `silo identity`: people across companies, as an operator sees them; disabling, enabling and
//! resetting two-factor, each recorded in the audit trail (chain `-`: an identity belongs to no
//! single company).

use crate::cli::{IdentityCommand, StorageArgs};
use anyhow::Context;
use serde_json::json;
use silo_control::{AuditAction, AuditEvent, ControlPlane, Email, IdentityOverview, Outcome};

pub async fn run(storage: &StorageArgs, cmd: IdentityCommand) -> anyhow::Result<()> {
    let tenancy = crate::storage::open(storage).await?;
    let control = tenancy.control();
    let result = match cmd {
        IdentityCommand::List { json } => list(control, json).await,
        IdentityCommand::Show { email, json } => show(control, &email, json).await,
        IdentityCommand::Disable { email } => disable(control, &email).await,
        IdentityCommand::Enable { email } => enable(control, &email).await,
        IdentityCommand::Reset2fa { email } => reset_two_factor(control, &email).await,
    };
    tenancy.close().await;
    result
}

/// The identity registered under `email`, with its counts, or an error naming the address.
async fn find(control: &ControlPlane, email: &str) -> anyhow::Result<IdentityOverview> {
    let parsed = Email::parse(email).map_err(|e| anyhow::anyhow!("email {e}"))?;
    let identity = control
        .identity_by_email(&parsed)
        .await?
        .with_context(|| format!("no identity with the email {parsed}"))?;
    control
        .identity_overview(identity.id)
        .await?
        .with_context(|| format!("no identity with the email {parsed}"))
}

/// An operator's action on an identity, for the audit trail.
fn event(overview: &IdentityOverview, action: AuditAction) -> AuditEvent {
    AuditEvent {
        company: None,
        actor: None,
        action,
        target: Some(overview.identity.id.to_string()),
        outcome: Outcome::Success,
        client_ip: None,
        request_id: None,
        event_id: None,
    }
}

fn yes_no(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

fn summary_json(o: &IdentityOverview) -> serde_json::Value {
    json!({
        "id": o.identity.id,
        "email": o.identity.email,
        "name": o.identity.name,
        "status": o.identity.status,
        "two_factor": o.two_factor,
        "memberships": o.memberships,
        "active_sessions": o.active_sessions,
    })
}

async fn list(control: &ControlPlane, json: bool) -> anyhow::Result<()> {
    let identities = control.list_identities().await?;
    if json {
        let items: Vec<_> = identities.iter().map(summary_json).collect();
        println!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(());
    }
    if identities.is_empty() {
        println!("no identities yet");
        return Ok(());
    }
    println!(
        "{:<40}  {:<8}  {:<10}  {:>9}",
        "email", "status", "two-factor", "companies"
    );
    for o in &identities {
        println!(
            "{:<40}  {:<8}  {:<10}  {:>9}",
            o.identity.email.as_str(),
            o.identity.status.as_str(),
            yes_no(o.two_factor),
            o.memberships
        );
    }
    Ok(())
}

async fn show(control: &ControlPlane, email: &str, json: bool) -> anyhow::Result<()> {
    let o = find(control, email).await?;
    let memberships = control.memberships_of(o.identity.id).await?;
    if json {
        let mut v = summary_json(&o);
        v["memberships"] = serde_json::to_value(&memberships)?;
        v["recovery_codes_left"] = json!(control.recovery_codes_left(o.identity.id).await?);
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!("email:       {}", o.identity.email);
    println!("id:          {}", o.identity.id);
    if !o.identity.name.is_empty() {
        println!("name:        {}", o.identity.name);
    }
    println!("status:      {}", o.identity.status.as_str());
    println!("two-factor:  {}", yes_no(o.two_factor));
    if o.two_factor {
        let left = control.recovery_codes_left(o.identity.id).await?;
        println!("recovery:    {left} unused code(s)");
    }
    println!("sessions:    {} open", o.active_sessions);
    if memberships.is_empty() {
        println!("companies:   none");
    } else {
        println!("companies:");
        for m in &memberships {
            println!(
                "  {:<20}  {:<10}  {:<10}  {}",
                m.slug.as_str(),
                m.role.as_str(),
                m.status.as_str(),
                m.name
            );
        }
    }
    Ok(())
}

async fn disable(control: &ControlPlane, email: &str) -> anyhow::Result<()> {
    let o = find(control, email).await?;
    let changed = control.disable_identity(o.identity.id).await?;
    control
        .record(event(&o, AuditAction::IdentityDisable))
        .await?;
    if changed {
        println!(
            "{} is disabled; {} session(s) ended, access tokens stop working on their next request",
            o.identity.email, o.active_sessions
        );
    } else {
        println!(
            "{} was already disabled; any session left is ended",
            o.identity.email
        );
    }
    Ok(())
}

async fn enable(control: &ControlPlane, email: &str) -> anyhow::Result<()> {
    let o = find(control, email).await?;
    if !control.enable_identity(o.identity.id).await? {
        println!(
            "{} is not disabled (it is {})",
            o.identity.email,
            o.identity.status.as_str()
        );
        return Ok(());
    }
    control
        .record(event(&o, AuditAction::IdentityEnable))
        .await?;
    println!("{} can log in again", o.identity.email);
    Ok(())
}

async fn reset_two_factor(control: &ControlPlane, email: &str) -> anyhow::Result<()> {
    let o = find(control, email).await?;
    if !control.reset_two_factor(o.identity.id).await? {
        println!(
            "{} has no two-factor set up; nothing to reset",
            o.identity.email
        );
        return Ok(());
    }
    control
        .record(event(&o, AuditAction::TwoFactorReset))
        .await?;
    println!(
        "two-factor is off for {}; they can log in with their password and set it up again",
        o.identity.email
    );
    Ok(())
}
