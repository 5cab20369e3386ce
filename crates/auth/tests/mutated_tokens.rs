#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The stable stand-in for the `token_verify` fuzz target (`fuzz/`): 1,500 seeded
//! inputs, random and mutated from a real token, through `Tokens::verify`. Nothing may panic,
//! and no string other than the token as issued may verify (a mutation that still verified
//! would be a malleable encoding, i.e. two spellings of one credential).
//!
//! `SILO_FUZZ_SEED=<n>` replays a run; the seed is printed.

use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng};
use silo_auth::{KeySet, TokenConfig, Tokens};

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";

fn mutate(rng: &mut StdRng, token: &[u8]) -> Vec<u8> {
    let mut t = token.to_vec();
    for _ in 0..rng.random_range(1..4) {
        if t.is_empty() {
            t.push(ALPHABET[rng.random_range(0..ALPHABET.len())]);
            continue;
        }
        let i = rng.random_range(0..t.len());
        match rng.random_range(0..7) {
            0 => t[i] = ALPHABET[rng.random_range(0..ALPHABET.len())],
            1 => t[i] ^= 1 << rng.random_range(0..8),
            2 => {
                t.remove(i);
            }
            3 => t.insert(i, ALPHABET[rng.random_range(0..ALPHABET.len())]),
            4 => t.truncate(i),
            5 => {
                let j = rng.random_range(0..t.len());
                t.swap(i, j);
            }
            _ => {
                let chunk: Vec<u8> = t[i..]
                    .iter()
                    .take(rng.random_range(1..40))
                    .copied()
                    .collect();
                let at = rng.random_range(0..t.len());
                t.splice(at..at, chunk);
            }
        }
    }
    t
}

#[test]
fn mutated_and_random_tokens_never_verify_or_panic() {
    let seed: u64 = std::env::var("SILO_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    println!("mutated tokens seed: {seed} (SILO_FUZZ_SEED={seed} replays)");
    let mut rng = StdRng::seed_from_u64(seed);
    let tokens = Tokens::new(KeySet::generate().unwrap(), TokenConfig::default());
    let issued = tokens
        .issue(uuid::Uuid::now_v7(), Some(uuid::Uuid::now_v7()))
        .unwrap()
        .token;
    assert!(tokens.verify(&issued).is_ok(), "the control token verifies");
    let mut tried = 0;
    for round in 0..1500 {
        let input: Vec<u8> = if round % 5 == 0 {
            (0..rng.random_range(0..600))
                .map(|_| rng.random())
                .collect()
        } else {
            mutate(&mut rng, issued.as_bytes())
        };
        let text = String::from_utf8_lossy(&input);
        if text == issued {
            continue;
        }
        tried += 1;
        if let Ok(v) = tokens.verify(&text) {
            panic!("seed {seed}: a token other than the issued one verified: {text:?} -> {v:?}");
        }
    }
    assert!(tried > 1300);
}
