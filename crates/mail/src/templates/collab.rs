//! The portal's collaboration mail: a message or an approval request for the client (with a
//! fresh sign-in link to the portal), and a client's message for the agency.

use super::{Block, Button, Content, Lang, P, clean, render, render_from};

/// The agency wrote to the client in the conversation `subject`; `link` signs the portal user
/// in (once, for `minutes`) through the magic-link page.
pub fn portal_message(
    lang: Lang,
    company: &str,
    subject: &str,
    link: &str,
    minutes: u32,
) -> Content {
    let (company, topic, link) = (clean(company), clean(subject), clean(link));
    let blocks: Vec<Block> = match lang {
        Lang::En => vec![
            P("Hi,".into()),
            P(format!(
                "{company} sent you a message in the client portal about “{topic}”."
            )),
            Button("Read and reply", link),
            P(format!(
                "The link signs you in once and works for {minutes} minutes. Later, ask for a new sign-in link at the portal's address."
            )),
        ],
        Lang::Nl => vec![
            P("Hallo,".into()),
            P(format!(
                "{company} heeft je een bericht gestuurd in het klantportaal over “{topic}”."
            )),
            Button("Lezen en antwoorden", link),
            P(format!(
                "De link logt je één keer in en werkt {minutes} minuten lang. Vraag later een nieuwe inloglink aan op het adres van het portaal."
            )),
        ],
    };
    let subject = match lang {
        Lang::En => format!("New message from {company}: {topic}"),
        Lang::Nl => format!("Nieuw bericht van {company}: {topic}"),
    };
    render_from(lang, &subject, &blocks, &company)
}

/// The agency asks the client to approve `title`; `link` signs the portal user in (once, for
/// `minutes`) through the magic-link page.
pub fn approval_requested(
    lang: Lang,
    company: &str,
    title: &str,
    link: &str,
    minutes: u32,
) -> Content {
    let (company, title, link) = (clean(company), clean(title), clean(link));
    let blocks: Vec<Block> = match lang {
        Lang::En => vec![
            P("Hi,".into()),
            P(format!(
                "{company} asks you to approve “{title}” in the client portal: approve it, or ask for changes with a comment."
            )),
            Button("Review", link),
            P(format!(
                "The link signs you in once and works for {minutes} minutes. Later, ask for a new sign-in link at the portal's address."
            )),
        ],
        Lang::Nl => vec![
            P("Hallo,".into()),
            P(format!(
                "{company} vraagt je om “{title}” goed te keuren in het klantportaal: keur het goed, of vraag om wijzigingen met een toelichting."
            )),
            Button("Bekijken", link),
            P(format!(
                "De link logt je één keer in en werkt {minutes} minuten lang. Vraag later een nieuwe inloglink aan op het adres van het portaal."
            )),
        ],
    };
    let subject = match lang {
        Lang::En => format!("{company} asks for your approval: {title}"),
        Lang::Nl => format!("{company} vraagt je goedkeuring: {title}"),
    };
    render_from(lang, &subject, &blocks, &company)
}

/// `author` of the client `client` wrote in the conversation `subject`; `link` opens the client
/// in Silo. For the agency.
pub fn client_message(
    lang: Lang,
    client: &str,
    author: &str,
    subject: &str,
    link: &str,
) -> Content {
    let (client, author) = (clean(client), clean(author));
    let (topic, link) = (clean(subject), clean(link));
    let blocks: Vec<Block> = match lang {
        Lang::En => vec![
            P("Hi,".into()),
            P(format!(
                "{author} of {client} wrote in the client portal about “{topic}”."
            )),
            Button("Open in Silo", link),
        ],
        Lang::Nl => vec![
            P("Hallo,".into()),
            P(format!(
                "{author} van {client} schreef in het klantportaal over “{topic}”."
            )),
            Button("Openen in Silo", link),
        ],
    };
    let subject = match lang {
        Lang::En => format!("{client} wrote: {topic}"),
        Lang::Nl => format!("{client} schreef: {topic}"),
    };
    render(lang, &subject, &blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collab_mail_carries_its_link_in_both_languages_and_escapes_names() {
        for lang in [Lang::En, Lang::Nl] {
            let all = [
                portal_message(
                    lang,
                    "Ag<ency>",
                    "Re: <b>",
                    "https://x/portal/magic?token=t",
                    20,
                ),
                approval_requested(
                    lang,
                    "Ag<ency>",
                    "Logo <v2>",
                    "https://x/portal/magic?token=t",
                    20,
                ),
                client_message(
                    lang,
                    "Cl<ient>",
                    "Ann",
                    "Hi <there>",
                    "https://x/accounts/1",
                ),
            ];
            for c in &all {
                assert!(c.text.contains("https://x/"), "{}", c.text);
                assert!(
                    !c.html.contains("<ency>") && !c.html.contains("<ient>"),
                    "{}",
                    c.html
                );
                assert!(!c.subject.contains('\n'));
            }
            assert!(all[0].text.contains("20") && all[1].text.contains("20"));
        }
        assert!(
            portal_message(Lang::Nl, "B", "S", "l", 20)
                .subject
                .starts_with("Nieuw bericht")
        );
    }
}
