//! The client portal's own mail: sign-in links and invitations, sent on the agency's behalf.

use super::{Block, Button, Content, Lang, P, clean, render_from};

/// A magic sign-in link to `company`'s client portal (`link` opens `/portal/magic?token=...`;
/// a page with a button, so a mail scanner opening it uses nothing), valid `minutes`.
pub fn portal_sign_in(lang: Lang, company: &str, link: &str, minutes: u32) -> Content {
    let (company, link) = (clean(company), clean(link));
    let blocks: Vec<Block> = match lang {
        Lang::En => vec![
            P("Hi,".into()),
            P(format!(
                "Use this link to sign in to the client portal of {company}:"
            )),
            Button("Sign in", link),
            P(format!(
                "The link works once and for {minutes} minutes. If you didn't ask for it, you can ignore this email."
            )),
        ],
        Lang::Nl => vec![
            P("Hallo,".into()),
            P(format!(
                "Gebruik deze link om in te loggen op het klantportaal van {company}:"
            )),
            Button("Inloggen", link),
            P(format!(
                "De link werkt één keer en {minutes} minuten lang. Heb je hier niet om gevraagd? Dan kun je deze e-mail negeren."
            )),
        ],
    };
    let subject = match lang {
        Lang::En => format!("Your sign-in link for {company}"),
        Lang::Nl => format!("Je inloglink voor {company}"),
    };
    render_from(lang, &subject, &blocks, &company)
}

/// An invitation to `company`'s client portal for `client`: a first sign-in `link` (valid
/// `minutes`) and the portal's address (`address`) to ask for a new link at any time.
pub fn portal_invitation(
    lang: Lang,
    company: &str,
    client: &str,
    link: &str,
    minutes: u32,
    address: &str,
) -> Content {
    let (company, client) = (clean(company), clean(client));
    let (link, address) = (clean(link), clean(address));
    let blocks: Vec<Block> = match lang {
        Lang::En => vec![
            P("Hi,".into()),
            P(format!(
                "{company} invited you to its client portal for {client}: contracts, invoices and the work you do together, in one place."
            )),
            Button("Sign in now", link),
            P(format!(
                "This link works once and for {minutes} minutes. Later, ask for a new sign-in link at the portal's address:"
            )),
            Button("Open the portal", address),
        ],
        Lang::Nl => vec![
            P("Hallo,".into()),
            P(format!(
                "{company} heeft je uitgenodigd voor het klantportaal van {client}: contracten, facturen en jullie samenwerking op één plek."
            )),
            Button("Nu inloggen", link),
            P(format!(
                "Deze link werkt één keer en {minutes} minuten lang. Vraag later een nieuwe inloglink aan op het adres van het portaal:"
            )),
            Button("Portaal openen", address),
        ],
    };
    let subject = match lang {
        Lang::En => format!("{company} invited you to its client portal"),
        Lang::Nl => format!("{company} nodigt je uit voor het klantportaal"),
    };
    render_from(lang, &subject, &blocks, &company)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_mail_carries_the_link_in_both_parts_and_escapes_names() {
        for lang in [Lang::En, Lang::Nl] {
            let c = portal_sign_in(
                lang,
                "Ag<ency>",
                "https://x.example/portal/magic?token=a~b",
                20,
            );
            assert!(c.text.contains("https://x.example/portal/magic?token=a~b"));
            assert!(c.html.contains("Ag&lt;ency&gt;"), "{}", c.html);
            assert!(!c.html.contains("Ag<ency>"));
            assert!(c.text.contains("20"));
        }
        let nl = portal_invitation(Lang::Nl, "Bureau", "Klant", "https://l", 20, "https://a");
        assert!(nl.subject.contains("klantportaal"), "{}", nl.subject);
        assert!(nl.text.contains("https://l") && nl.text.contains("https://a"));
    }
}
