//! silo-documents' integration tests, one binary (see docs/testing.md): every document shape
//! the tests produce (`shapes`) is checked against the official Peppol BIS Billing 3.0 rules
//! (`peppol`), its PDF text against Article 35a Wet OB (`pdf_text`), and its bytes for
//! stability (`stable`).

mod pdf_text;
mod peppol;
mod shapes;
mod stable;
