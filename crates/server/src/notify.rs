//! The mails Silo sends about identities, built from the templates of `silo-mail` with links on
//! the public address; used by the routes and by the command line. A message is durable once
//! `send` returns (a file in the outbox without SMTP, else a row in the deployment's mail queue
//! that the background worker delivers: [`silo_worker::mail::Postbox`]); a failure to queue it
//! is an error of whoever wanted it sent.

use crate::error::ApiError;
use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;
use silo_control::Email;
use silo_mail::templates::{self, Lang};
use silo_mail::{Content, Mail};
use silo_roles::Role;
use silo_worker::mail::Postbox;
use std::time::Duration;

/// The language to write to someone in: the one asked for, else the browser's first choice.
pub(crate) fn language(explicit: Option<&str>, headers: &HeaderMap) -> Lang {
    let header = headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.split(';').next().unwrap_or(v).trim());
    Lang::from_tag_or_default(explicit.or(header))
}

/// The mail language of a language stored with a record (a client's, a portal user's).
pub(crate) fn lang_of(language: silo_domain::parties::Language) -> Lang {
    match language {
        silo_domain::parties::Language::Nl => Lang::Nl,
        silo_domain::parties::Language::En => Lang::En,
    }
}

/// What an invitation mail says.
#[derive(Clone, Copy, Debug)]
pub struct InvitationMail<'a> {
    /// The language to write in.
    pub lang: Lang,
    /// The invited address.
    pub to: &'a Email,
    /// The inviting company's name.
    pub company: &'a str,
    /// Who invites (a name or an address).
    pub inviter: &'a str,
    /// The role offered.
    pub role: Role,
    /// The link's token.
    pub token: &'a str,
    /// How long the link works.
    pub ttl: Duration,
}

/// Sends mail with links on a public address.
#[derive(Clone, Copy, Debug)]
pub struct Notifier<'a> {
    /// Where messages go.
    pub postbox: &'a Postbox,
    /// The address links start with.
    pub public_url: &'a str,
}

impl Notifier<'_> {
    fn base(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }

    fn link(&self, path: &str, token: &str) -> String {
        format!("{}/{path}?token={token}", self.base())
    }

    async fn send(&self, to: &Email, content: Content) -> Result<(), ApiError> {
        self.postbox
            .send(Mail::new(to.as_str(), content))
            .await
            .map(|_| ())
            .map_err(|e| ApiError::Unavailable(format!("mail could not be queued: {e}")))
    }

    /// The link that verifies a signup's address.
    pub async fn verify_email(&self, lang: Lang, to: &Email, token: &str) -> Result<(), ApiError> {
        let content = templates::verify_email(lang, &self.link("verify-email", token));
        self.send(to, content).await
    }

    /// Someone signed up with an address that is registered already.
    pub async fn signup_attempt(&self, lang: Lang, to: &Email) -> Result<(), ApiError> {
        let base = self.base();
        let content = templates::signup_attempt(
            lang,
            &format!("{base}/login"),
            &format!("{base}/forgot-password"),
        );
        self.send(to, content).await
    }

    /// An invitation to a company, mailed to the invited address.
    pub async fn invitation(&self, mail: &InvitationMail<'_>) -> Result<(), ApiError> {
        let role = match mail.lang {
            Lang::Nl => mail.role.label_nl(),
            _ => mail.role.label(),
        };
        let days = u32::try_from(mail.ttl.as_secs().div_ceil(24 * 3600)).unwrap_or(u32::MAX);
        let content = templates::invitation(
            mail.lang,
            mail.company,
            mail.inviter,
            role,
            &self.link("accept-invite", mail.token),
            days,
        );
        self.send(mail.to, content).await
    }

    /// A password reset link.
    pub async fn password_reset(
        &self,
        lang: Lang,
        to: &Email,
        token: &str,
    ) -> Result<(), ApiError> {
        let content = templates::password_reset(lang, &self.link("reset-password", token));
        self.send(to, content).await
    }

    /// The password was changed (so someone who did not do it knows).
    pub async fn password_changed(&self, lang: Lang, to: &Email) -> Result<(), ApiError> {
        self.send(to, templates::password_changed(lang)).await
    }

    /// The agency's portal sign-in address for a portal address `key`.
    pub fn portal_address(&self, key: &str) -> String {
        format!("{}/portal/k/{key}", self.base())
    }

    /// A magic sign-in link to a company's client portal.
    pub async fn portal_sign_in(
        &self,
        lang: Lang,
        to: &Email,
        company: &str,
        token: &str,
    ) -> Result<(), ApiError> {
        let minutes = portal_minutes();
        let content =
            templates::portal_sign_in(lang, company, &self.link("portal/magic", token), minutes);
        self.send(to, content).await
    }

    /// An invitation to a company's client portal, with a first sign-in link.
    pub async fn portal_invitation(
        &self,
        lang: Lang,
        to: &Email,
        company: &str,
        client: &str,
        token: &str,
        address_key: &str,
    ) -> Result<(), ApiError> {
        let content = templates::portal_invitation(
            lang,
            company,
            client,
            &self.link("portal/magic", token),
            portal_minutes(),
            &self.portal_address(address_key),
        );
        self.send(to, content).await
    }

    /// A link to read and sign a contract, valid `ttl`, on the agency's behalf.
    #[allow(
        clippy::too_many_arguments,
        reason = "what the mail says, each part once"
    )]
    pub async fn signing_request(
        &self,
        lang: Lang,
        to: &Email,
        company: &str,
        signer: &str,
        title: &str,
        token: &str,
        ttl: Duration,
    ) -> Result<(), ApiError> {
        let days = u32::try_from(ttl.as_secs().div_ceil(24 * 3600)).unwrap_or(u32::MAX);
        let content = templates::signing_request(
            lang,
            company,
            signer,
            title,
            &self.link("sign", token),
            days,
        );
        self.send(to, content).await
    }
}

impl Notifier<'_> {
    /// The agency wrote to a portal user in the conversation `subject`: a fresh sign-in link.
    pub async fn portal_message(
        &self,
        lang: Lang,
        to: &Email,
        company: &str,
        subject: &str,
        token: &str,
    ) -> Result<(), ApiError> {
        let content = templates::portal_message(
            lang,
            company,
            subject,
            &self.link("portal/magic", token),
            portal_minutes(),
        );
        self.send(to, content).await
    }

    /// The agency asks a portal user to approve `title`: a fresh sign-in link.
    pub async fn approval_requested(
        &self,
        lang: Lang,
        to: &Email,
        company: &str,
        title: &str,
        token: &str,
    ) -> Result<(), ApiError> {
        let content = templates::approval_requested(
            lang,
            company,
            title,
            &self.link("portal/magic", token),
            portal_minutes(),
        );
        self.send(to, content).await
    }

    /// A client's portal user wrote in the conversation `subject`: mailed to the agency, with
    /// a link to the client in the app.
    pub async fn client_message(
        &self,
        to: &Email,
        client: &str,
        author: &str,
        subject: &str,
        account: uuid::Uuid,
    ) -> Result<(), ApiError> {
        let link = format!("{}/accounts/{account}", self.base());
        let content = templates::client_message(Lang::En, client, author, subject, &link);
        self.send(to, content).await
    }
}

/// How long a magic sign-in link works, in whole minutes, for the mail's text.
fn portal_minutes() -> u32 {
    u32::try_from(silo_domain::portal::sign_in::LOGIN_LINK_TTL.as_secs() / 60).unwrap_or(20)
}
