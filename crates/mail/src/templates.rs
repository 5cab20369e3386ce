//! The messages Silo sends, in English and Dutch. Each constructor renders a subject, a plain
//! text part and a simple HTML part from the same blocks, so both parts say the same thing.
//! Every value passed in is user input or a link: it is HTML-escaped in the HTML part, and
//! control characters (line breaks included) become spaces everywhere.

use std::fmt::Write as _;
use std::str::FromStr;

mod collab;
mod portal;
mod signing;
pub use collab::{approval_requested, client_message, portal_message};
pub use portal::{portal_invitation, portal_sign_in};
pub use signing::{signed_copy, signed_notice, signing_request};

/// The language of a message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// Dutch.
    Nl,
}

impl Lang {
    /// The language tag (`en`, `nl`).
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
        }
    }

    /// `tag`'s language when we have it (`nl`, `nl-BE`, `EN`), English otherwise.
    pub fn from_tag_or_default(tag: Option<&str>) -> Lang {
        tag.and_then(|t| t.parse().ok()).unwrap_or_default()
    }
}

/// A language tag we do not have messages for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported language {0:?} (en or nl)")]
pub struct UnknownLang(String);

impl FromStr for Lang {
    type Err = UnknownLang;

    /// `en` or `nl`, any case, with or without a region (`nl-BE`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let primary = s.trim().split(['-', '_']).next().unwrap_or_default();
        match primary.to_ascii_lowercase().as_str() {
            "en" => Ok(Lang::En),
            "nl" => Ok(Lang::Nl),
            _ => Err(UnknownLang(s.to_owned())),
        }
    }
}

/// A rendered message, not yet addressed (see [`crate::Mail::new`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Content {
    /// Subject line.
    pub subject: String,
    /// Plain-text part.
    pub text: String,
    /// HTML part.
    pub html: String,
}

/// "Confirm your address" after signup; `link` opens `/verify-email?token=...`.
pub fn verify_email(lang: Lang, link: &str) -> Content {
    let link = clean(link);
    match lang {
        Lang::En => render(
            lang,
            "Confirm your email address for Silo",
            &[
                P("Hi,".into()),
                P("To finish signing up for Silo, confirm that this is your email address:".into()),
                Button("Confirm my email address", link),
                P("If you didn't sign up for Silo, you can ignore this email. No account is created without this confirmation.".into()),
            ],
        ),
        Lang::Nl => render(
            lang,
            "Bevestig je e-mailadres voor Silo",
            &[
                P("Hallo,".into()),
                P("Bevestig dat dit jouw e-mailadres is om je aanmelding bij Silo af te ronden:".into()),
                Button("Mijn e-mailadres bevestigen", link),
                P("Heb je je niet aangemeld bij Silo? Dan kun je deze e-mail negeren. Zonder deze bevestiging wordt er geen account aangemaakt.".into()),
            ],
        ),
    }
}

/// Someone tried to sign up with an address that already has an account: if it was them,
/// log in (`login_link`) or reset the password (`reset_link`).
pub fn signup_attempt(lang: Lang, login_link: &str, reset_link: &str) -> Content {
    let (login, reset) = (clean(login_link), clean(reset_link));
    match lang {
        Lang::En => render(
            lang,
            "Someone tried to sign up with your email address",
            &[
                P("Hi,".into()),
                P("Someone just tried to create a Silo account with this email address, but you already have one. No new account was created.".into()),
                P("Was it you? Then log in with your existing account:".into()),
                Button("Log in", login),
                P("Forgot your password? Choose a new one:".into()),
                Button("Reset my password", reset),
                P("If it wasn't you, you can ignore this email. Nothing about your account has changed.".into()),
            ],
        ),
        Lang::Nl => render(
            lang,
            "Iemand probeerde zich aan te melden met jouw e-mailadres",
            &[
                P("Hallo,".into()),
                P("Iemand probeerde zojuist een Silo-account aan te maken met dit e-mailadres, maar je hebt al een account. Er is geen nieuw account aangemaakt.".into()),
                P("Was jij dat? Log dan in met je bestaande account:".into()),
                Button("Inloggen", login),
                P("Wachtwoord vergeten? Kies een nieuw wachtwoord:".into()),
                Button("Nieuw wachtwoord instellen", reset),
                P("Was jij het niet? Dan kun je deze e-mail negeren. Er is niets aan je account veranderd.".into()),
            ],
        ),
    }
}

/// An invitation to join `company_name` with the role `role_label` (already in `lang`), from
/// `inviter` (a name, or an email address); `link` opens `/accept-invite?token=...`.
pub fn invitation(
    lang: Lang,
    company_name: &str,
    inviter: &str,
    role_label: &str,
    link: &str,
    expires_in_days: u32,
) -> Content {
    let (company, inviter, role) = (clean(company_name), clean(inviter), clean(role_label));
    let link = clean(link);
    let days = expires_in_days;
    match lang {
        Lang::En => render(
            lang,
            &format!("{inviter} invited you to join {company} on Silo"),
            &[
                P("Hi,".into()),
                P(format!(
                    "{inviter} invited you to join {company} on Silo, with the role {role}. View the invitation to accept it:"
                )),
                Button("View the invitation", link),
                P(format!(
                    "The invitation expires in {days} {}. If you weren't expecting it, you can ignore this email.",
                    if days == 1 { "day" } else { "days" }
                )),
            ],
        ),
        Lang::Nl => render(
            lang,
            &format!("{inviter} nodigt je uit voor {company} op Silo"),
            &[
                P("Hallo,".into()),
                P(format!(
                    "{inviter} heeft je uitgenodigd voor {company} op Silo, met de rol {role}. Bekijk de uitnodiging om die te accepteren:"
                )),
                Button("Uitnodiging bekijken", link),
                P(format!(
                    "De uitnodiging verloopt over {days} {}. Had je deze uitnodiging niet verwacht? Dan kun je deze e-mail negeren.",
                    if days == 1 { "dag" } else { "dagen" }
                )),
            ],
        ),
    }
}

/// A password-reset link (`/reset-password?token=...`), valid for one hour.
pub fn password_reset(lang: Lang, link: &str) -> Content {
    let link = clean(link);
    match lang {
        Lang::En => render(
            lang,
            "Reset your Silo password",
            &[
                P("Hi,".into()),
                P("We received a request to reset the password of your Silo account. Choose a new password here:".into()),
                Button("Choose a new password", link),
                P("The link works once and is valid for 1 hour.".into()),
                P("If you didn't ask for this, you can ignore this email. Your password stays as it is.".into()),
            ],
        ),
        Lang::Nl => render(
            lang,
            "Stel een nieuw wachtwoord in voor Silo",
            &[
                P("Hallo,".into()),
                P("We hebben een verzoek ontvangen om het wachtwoord van je Silo-account opnieuw in te stellen. Kies hier een nieuw wachtwoord:".into()),
                Button("Nieuw wachtwoord kiezen", link),
                P("De link werkt één keer en is 1 uur geldig.".into()),
                P("Heb je dit niet aangevraagd? Dan kun je deze e-mail negeren. Je wachtwoord blijft zoals het is.".into()),
            ],
        ),
    }
}

/// Notice that the account's password was changed.
pub fn password_changed(lang: Lang) -> Content {
    match lang {
        Lang::En => render(
            lang,
            "Your Silo password was changed",
            &[
                P("Hi,".into()),
                P("The password of your Silo account was just changed. If you did this, there is nothing else to do.".into()),
                P("If you didn't, someone else may know your password: choose a new one right away with \"Forgot your password?\" on the login page, and tell your administrator.".into()),
            ],
        ),
        Lang::Nl => render(
            lang,
            "Je Silo-wachtwoord is gewijzigd",
            &[
                P("Hallo,".into()),
                P("Het wachtwoord van je Silo-account is zojuist gewijzigd. Heb je dit zelf gedaan? Dan hoef je verder niets te doen.".into()),
                P("Was jij het niet? Dan kent iemand anders misschien je wachtwoord: kies meteen een nieuw wachtwoord via \"Wachtwoord vergeten?\" op de inlogpagina en laat het je beheerder weten.".into()),
            ],
        ),
    }
}

/// What an invoice mail says: the seller's and the document's facts, already formatted in
/// the message's language by the caller (amounts, dates).
#[derive(Clone, Debug)]
pub struct InvoiceFacts<'a> {
    /// The agency's legal name.
    pub seller: &'a str,
    /// The document's number.
    pub number: &'a str,
    /// The amount it is for (the total, or for a reminder what is open).
    pub amount: &'a str,
    /// The due date.
    pub due_date: &'a str,
    /// The payment reference.
    pub reference: &'a str,
    /// The account to pay into.
    pub iban: &'a str,
    /// For a credit note: the number of the invoice it corrects.
    pub credited_invoice: Option<&'a str>,
}

/// An invoice, with its PDF and e-invoice attached.
pub fn invoice(lang: Lang, f: &InvoiceFacts<'_>) -> Content {
    let (seller, number, amount, due) = (
        clean(f.seller),
        clean(f.number),
        clean(f.amount),
        clean(f.due_date),
    );
    let (reference, iban) = (clean(f.reference), clean(f.iban));
    match lang {
        Lang::En => render_from(
            lang,
            &format!("Invoice {number} from {seller}"),
            &[
                P("Hello,".into()),
                P(format!(
                    "Attached is invoice {number} from {seller} for {amount}, as a PDF and as an e-invoice (UBL)."
                )),
                P(format!(
                    "Please pay {amount} by {due} to {iban}, quoting {reference}."
                )),
                P(format!("Kind regards,\n{seller}")),
            ],
            &seller,
        ),
        Lang::Nl => render_from(
            lang,
            &format!("Factuur {number} van {seller}"),
            &[
                P("Beste klant,".into()),
                P(format!(
                    "Bijgevoegd is factuur {number} van {seller} over {amount}, als pdf en als e-factuur (UBL)."
                )),
                P(format!(
                    "Wij verzoeken je {amount} vóór {due} over te maken naar {iban}, onder vermelding van {reference}."
                )),
                P(format!("Met vriendelijke groet,\n{seller}")),
            ],
            &seller,
        ),
    }
}

/// A credit note, with its PDF and e-invoice attached.
pub fn credit_note(lang: Lang, f: &InvoiceFacts<'_>) -> Content {
    let (seller, number, amount) = (clean(f.seller), clean(f.number), clean(f.amount));
    let invoice = clean(f.credited_invoice.unwrap_or_default());
    match lang {
        Lang::En => render_from(
            lang,
            &format!("Credit note {number} from {seller}"),
            &[
                P("Hello,".into()),
                P(format!(
                    "Attached is credit note {number} from {seller} for {amount}, correcting invoice {invoice}, as a PDF and as an e-invoice (UBL)."
                )),
                P(format!("Kind regards,\n{seller}")),
            ],
            &seller,
        ),
        Lang::Nl => render_from(
            lang,
            &format!("Creditnota {number} van {seller}"),
            &[
                P("Beste klant,".into()),
                P(format!(
                    "Bijgevoegd is creditnota {number} van {seller} over {amount}, ter correctie van factuur {invoice}, als pdf en als e-factuur (UBL)."
                )),
                P(format!("Met vriendelijke groet,\n{seller}")),
            ],
            &seller,
        ),
    }
}

/// A payment reminder for an invoice, with the invoice attached again.
pub fn payment_reminder(lang: Lang, f: &InvoiceFacts<'_>) -> Content {
    let (seller, number, amount, due) = (
        clean(f.seller),
        clean(f.number),
        clean(f.amount),
        clean(f.due_date),
    );
    let (reference, iban) = (clean(f.reference), clean(f.iban));
    match lang {
        Lang::En => render_from(
            lang,
            &format!("Reminder: invoice {number} from {seller}"),
            &[
                P("Hello,".into()),
                P(format!(
                    "Our records show that invoice {number}, due on {due}, still has {amount} open. The invoice is attached again."
                )),
                P(format!(
                    "Please pay {amount} to {iban}, quoting {reference}. If you have paid in the meantime, please ignore this message."
                )),
                P(format!("Kind regards,\n{seller}")),
            ],
            &seller,
        ),
        Lang::Nl => render_from(
            lang,
            &format!("Herinnering: factuur {number} van {seller}"),
            &[
                P("Beste klant,".into()),
                P(format!(
                    "Volgens onze administratie staat van factuur {number}, met vervaldatum {due}, nog {amount} open. De factuur is opnieuw bijgevoegd."
                )),
                P(format!(
                    "Wij verzoeken je {amount} over te maken naar {iban}, onder vermelding van {reference}. Heb je inmiddels betaald? Dan kun je dit bericht negeren."
                )),
                P(format!("Met vriendelijke groet,\n{seller}")),
            ],
            &seller,
        ),
    }
}

/// A piece of a message.
enum Block {
    /// A paragraph of plain text.
    P(String),
    /// A link shown as a button (label, URL); the text part shows the URL on its own line.
    Button(&'static str, String),
}
use Block::{Button, P};

fn render(lang: Lang, subject: &str, blocks: &[Block]) -> Content {
    let signature = match lang {
        Lang::En => "This message was sent automatically by Silo.",
        Lang::Nl => "Dit bericht is automatisch verstuurd door Silo.",
    };
    render_signed(lang, subject, blocks, signature)
}

/// A message an agency sends its client through Silo, signed on its behalf.
fn render_from(lang: Lang, subject: &str, blocks: &[Block], sender: &str) -> Content {
    let signature = match lang {
        Lang::En => format!("Sent by Silo on behalf of {sender}."),
        Lang::Nl => format!("Verstuurd via Silo namens {sender}."),
    };
    render_signed(lang, subject, blocks, &signature)
}

fn render_signed(lang: Lang, subject: &str, blocks: &[Block], signature: &str) -> Content {
    let fallback = match lang {
        Lang::En => "If the button doesn't work, copy this link into your browser:",
        Lang::Nl => "Werkt de knop niet? Kopieer dan deze link naar je browser:",
    };
    let mut text = String::new();
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n</head>\n\
         <body style=\"margin:0;padding:24px;background:#f6f7f9;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#1f2328\">\n\
         <div style=\"max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px\">\n",
        lang.as_str(),
        escape(subject)
    );
    for block in blocks {
        match block {
            P(para) => {
                let _ = writeln!(text, "{para}\n");
                let _ = writeln!(html, "<p>{}</p>", escape(para));
            }
            Button(label, url) => {
                let _ = writeln!(text, "{url}\n");
                let url = escape(url);
                let _ = writeln!(
                    html,
                    "<p><a href=\"{url}\" style=\"display:inline-block;padding:10px 18px;background:#2563eb;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600\">{}</a></p>",
                    escape(label)
                );
                let _ = writeln!(
                    html,
                    "<p style=\"font-size:13px;color:#57606a\">{}<br>\n<a href=\"{url}\" style=\"color:#2563eb;word-break:break-all\">{url}</a></p>",
                    escape(fallback)
                );
            }
        }
    }
    let _ = writeln!(text, "-- \n{signature}");
    let _ = writeln!(
        html,
        "<p style=\"font-size:13px;color:#57606a\">{}</p>\n</div>\n</body>\n</html>",
        escape(signature)
    );
    Content {
        subject: subject.to_owned(),
        text,
        html,
    }
}

/// User input on one line: control characters (line breaks, tabs) become spaces.
fn clean(value: &str) -> String {
    value
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Text safe inside HTML elements and double-quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str = "https://silo.example/verify-email?token=abc&x=1";

    fn all(lang: Lang) -> Vec<Content> {
        vec![
            verify_email(lang, LINK),
            signup_attempt(lang, "https://silo.example/login", LINK),
            invitation(lang, "Acme", "Ann", "Sales", LINK, 7),
            password_reset(lang, LINK),
            password_changed(lang),
        ]
    }

    #[test]
    fn languages_parse_with_english_as_default() {
        assert_eq!("nl".parse(), Ok(Lang::Nl));
        assert_eq!("NL-be".parse(), Ok(Lang::Nl));
        assert_eq!("en_GB".parse(), Ok(Lang::En));
        assert!("de".parse::<Lang>().is_err());
        assert_eq!(Lang::default(), Lang::En);
        assert_eq!(Lang::from_tag_or_default(Some("fr")), Lang::En);
        assert_eq!(Lang::from_tag_or_default(Some("nl")), Lang::Nl);
        assert_eq!(Lang::from_tag_or_default(None), Lang::En);
    }

    #[test]
    fn links_are_in_both_parts_in_both_languages() {
        for lang in [Lang::En, Lang::Nl] {
            for (i, c) in all(lang).into_iter().enumerate().take(4) {
                assert!(c.text.contains(LINK), "{lang:?} #{i}: {}", c.text);
                assert!(
                    c.html
                        .contains("href=\"https://silo.example/verify-email?token=abc&amp;x=1\""),
                    "{lang:?} #{i}: {}",
                    c.html
                );
                assert!(
                    !c.text.contains('<'),
                    "plain text has no markup: {}",
                    c.text
                );
            }
        }
        let attempt = signup_attempt(Lang::Nl, "https://silo.example/login", LINK);
        assert!(attempt.text.contains("https://silo.example/login"));
        assert!(attempt.html.contains("href=\"https://silo.example/login\""));
    }

    #[test]
    fn the_languages_differ_and_say_enough() {
        for (en, nl) in all(Lang::En).into_iter().zip(all(Lang::Nl)) {
            assert_ne!(en.subject, nl.subject);
            assert!(en.html.contains("<html lang=\"en\">"));
            assert!(nl.html.contains("<html lang=\"nl\">"));
            assert!(!en.subject.is_empty() && en.text.len() > 100 && nl.text.len() > 100);
        }
        assert!(password_reset(Lang::En, LINK).text.contains("1 hour"));
        assert!(password_reset(Lang::Nl, LINK).text.contains("1 uur"));
        let one = invitation(Lang::Nl, "Acme", "Ann", "Verkoop", LINK, 1);
        assert!(one.text.contains("over 1 dag."), "{}", one.text);
        let seven = invitation(Lang::En, "Acme", "Ann", "Sales", LINK, 7);
        assert!(seven.text.contains("in 7 days."), "{}", seven.text);
        assert!(seven.text.contains("with the role Sales"), "{}", seven.text);
    }

    #[test]
    fn user_input_is_escaped_in_html_and_kept_on_one_line() {
        let evil = "<script>alert('x')</script> & \"Co\"";
        let c = invitation(
            Lang::En,
            evil,
            "Eve\r\nBcc: x@example.com",
            "<b>Owner</b>",
            "https://silo.example/accept-invite?token=t\"><img src=x>",
            7,
        );
        let html = &c.html;
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<b>Owner"), "{html}");
        assert!(!html.contains("\"><img"), "{html}");
        let escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;Co&quot;";
        assert!(
            html.contains(&format!(
                "<title>Eve  Bcc: x@example.com invited you to join {escaped}"
            )),
            "{html}"
        );
        assert!(
            html.contains(&format!(
                "join {escaped} on Silo, with the role &lt;b&gt;Owner"
            )),
            "{html}"
        );
        assert!(c.text.contains(evil), "plain text keeps the name as typed");
        assert!(!c.subject.contains('\n') && !c.subject.contains('\r'));
        assert!(
            c.subject
                .starts_with("Eve  Bcc: x@example.com invited you to join <script>")
        );
    }
}
