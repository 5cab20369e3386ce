//! Contract signing mail: the link to sign a contract, and the signed contract (its PDF with
//! the evidence page attached) to the signer and to the agency. Sent on the agency's behalf.

use super::{Block, Button, Content, Lang, P, clean, render, render_from};

/// A request to sign `title` from `company`: `link` opens `/sign?token=...` (a page showing
/// the contract; only signing there uses the link), valid `days`.
pub fn signing_request(
    lang: Lang,
    company: &str,
    signer: &str,
    title: &str,
    link: &str,
    days: u32,
) -> Content {
    let (company, signer, title, link) = (clean(company), clean(signer), clean(title), clean(link));
    let blocks: Vec<Block> = match lang {
        Lang::En => vec![
            P(format!("Hi {signer},")),
            P(format!(
                "{company} asks you to read and sign the contract \"{title}\". Open it here:"
            )),
            Button("Read and sign", link),
            P(format!(
                "The link is for you alone and works for {days} {}, until you sign. You both receive the signed contract as a PDF.",
                if days == 1 { "day" } else { "days" }
            )),
        ],
        Lang::Nl => vec![
            P(format!("Hallo {signer},")),
            P(format!(
                "{company} vraagt je het contract \"{title}\" te lezen en te ondertekenen. Open het hier:"
            )),
            Button("Lezen en ondertekenen", link),
            P(format!(
                "De link is alleen voor jou en werkt {days} {}, tot je ondertekent. Jullie krijgen allebei het ondertekende contract als pdf.",
                if days == 1 { "dag" } else { "dagen" }
            )),
        ],
    };
    let subject = match lang {
        Lang::En => format!("{company} asks you to sign \"{title}\""),
        Lang::Nl => format!("{company} vraagt je \"{title}\" te ondertekenen"),
    };
    render_from(lang, &subject, &blocks, &company)
}

/// The signer's copy of the signed contract (the PDF is attached).
pub fn signed_copy(lang: Lang, company: &str, title: &str) -> Content {
    let (company, title) = (clean(company), clean(title));
    let blocks: Vec<Block> = match lang {
        Lang::En => vec![
            P("Hi,".into()),
            P(format!(
                "Thank you for signing \"{title}\" with {company}. Attached is the signed contract as a PDF; its last page records the signature: who signed, when, from which address and the fingerprint (SHA-256) of the exact text."
            )),
            P("Keep it for your records.".into()),
        ],
        Lang::Nl => vec![
            P("Hallo,".into()),
            P(format!(
                "Bedankt voor het ondertekenen van \"{title}\" met {company}. Bijgevoegd is het ondertekende contract als pdf; de laatste pagina legt de ondertekening vast: wie tekende, wanneer, vanaf welk adres en de vingerafdruk (SHA-256) van de exacte tekst."
            )),
            P("Bewaar het bij je administratie.".into()),
        ],
    };
    let subject = match lang {
        Lang::En => format!("Signed: \"{title}\""),
        Lang::Nl => format!("Ondertekend: \"{title}\""),
    };
    render_from(lang, &subject, &blocks, &company)
}

/// The agency's copy: `signer` (of `client`, when known) signed `title`; the PDF is attached.
pub fn signed_notice(lang: Lang, title: &str, signer: &str, client: Option<&str>) -> Content {
    let (title, signer) = (clean(title), clean(signer));
    let who = match client.map(clean) {
        Some(client) => format!("{signer} ({client})"),
        None => signer,
    };
    match lang {
        Lang::En => render(
            lang,
            &format!("{who} signed \"{title}\""),
            &[
                P("Hi,".into()),
                P(format!(
                    "{who} signed the contract \"{title}\". The signed PDF with its evidence page is attached and kept with the contract in Silo."
                )),
            ],
        ),
        Lang::Nl => render(
            lang,
            &format!("{who} heeft \"{title}\" ondertekend"),
            &[
                P("Hallo,".into()),
                P(format!(
                    "{who} heeft het contract \"{title}\" ondertekend. De ondertekende pdf met de bewijspagina is bijgevoegd en staat bij het contract in Silo."
                )),
            ],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_is_in_both_parts_and_names_are_escaped() {
        for lang in [Lang::En, Lang::Nl] {
            let c = signing_request(
                lang,
                "Ag<ency>",
                "Bo",
                "MSA",
                "https://x.example/sign?token=a~b",
                14,
            );
            assert!(c.text.contains("https://x.example/sign?token=a~b"));
            assert!(c.html.contains("Ag&lt;ency&gt;"), "{}", c.html);
            assert!(!c.html.contains("Ag<ency>"));
            assert!(c.text.contains("14"));
            let copy = signed_copy(lang, "Agency", "MSA\r\nBcc: x");
            assert!(!copy.subject.contains('\n'));
            let notice = signed_notice(lang, "MSA", "Bo", Some("Globex"));
            assert!(notice.text.contains("Bo (Globex)"), "{}", notice.text);
        }
        assert_ne!(
            signing_request(Lang::En, "A", "B", "C", "https://l", 1).subject,
            signing_request(Lang::Nl, "A", "B", "C", "https://l", 1).subject
        );
    }
}
