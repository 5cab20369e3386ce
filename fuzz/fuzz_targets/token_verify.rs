//! `Tokens::verify` on arbitrary bytes: it must never panic, and nothing but a token we issued
//! may verify (a random input that verified would be a forgery).
#![no_main]

use libfuzzer_sys::fuzz_target;
use silo_auth::{KeySet, TokenConfig, Tokens};
use std::sync::LazyLock;

static TOKENS: LazyLock<Tokens> = LazyLock::new(|| {
    Tokens::new(
        KeySet::generate().expect("key"),
        TokenConfig::default(),
    )
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    assert!(TOKENS.verify(&text).is_err(), "a token we never issued verified: {text:?}");
});
