use super::*;
use crate::{TokenConfig, TokenError, Tokens};
use uuid::Uuid;

#[cfg(unix)]
use std::os::unix::fs::PermissionsExt as _;

fn keys_dir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("data").join("keys");
    (tmp, dir)
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

fn tokens(dir: &Path) -> Tokens {
    Tokens::new(
        KeySet::load_or_create(dir).expect("load"),
        TokenConfig::default(),
    )
}

#[test]
fn first_load_creates_one_key_and_later_loads_reuse_it() {
    let (_tmp, dir) = keys_dir();
    let first = KeySet::load_or_create(&dir).expect("create");
    let kid = first.active_kid().to_owned();
    assert_eq!(first.kids().collect::<Vec<_>>(), vec![kid.as_str()]);
    assert_eq!(
        fs::read_to_string(dir.join(ACTIVE_FILE))
            .expect("active")
            .trim(),
        kid
    );
    let pem = fs::read_to_string(key_path(&dir, &kid)).expect("key file");
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    #[cfg(unix)]
    {
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&key_path(&dir, &kid)), 0o600);
        assert_eq!(mode(&dir.join(ACTIVE_FILE)), 0o600);
    }
    let again = KeySet::load_or_create(&dir).expect("reload");
    assert_eq!(again.active_kid(), kid);
    // The same key from its PEM, as `from_pem` would get it from the environment.
    assert_eq!(KeySet::from_pem(&pem).expect("pem").active_kid(), kid);
}

#[test]
fn tokens_survive_a_restart() {
    let (_tmp, dir) = keys_dir();
    let issued = tokens(&dir).issue(Uuid::new_v4(), None).expect("issue");
    assert!(tokens(&dir).verify(&issued.token).is_ok());
}

#[test]
fn rotation_keeps_old_tokens_valid_until_the_key_is_retired() {
    let (_tmp, dir) = keys_dir();
    let before = tokens(&dir);
    let old_kid = before.keys().active_kid().to_owned();
    let old_token = before.issue(Uuid::new_v4(), None).expect("issue");

    let new_kid = KeySet::rotate(&dir).expect("rotate");
    assert_ne!(new_kid, old_kid);
    let after = tokens(&dir);
    assert_eq!(after.keys().active_kid(), new_kid);
    assert!(after.keys().contains(&old_kid));
    assert!(
        after.verify(&old_token.token).is_ok(),
        "previous key still verifies"
    );
    let new_token = after.issue(Uuid::new_v4(), None).expect("issue");
    assert_eq!(
        after.verify(&new_token.token).expect("verify").kid(),
        new_kid
    );
    assert_eq!(after.jwks()["keys"].as_array().expect("keys").len(), 2);

    KeySet::retire(&dir, &old_kid).expect("retire");
    assert!(!key_path(&dir, &old_kid).exists());
    let retired = tokens(&dir);
    assert!(!retired.keys().contains(&old_kid));
    assert_eq!(
        retired.verify(&old_token.token),
        Err(TokenError::UnknownKey)
    );
    assert!(retired.verify(&new_token.token).is_ok());
}

#[test]
fn a_running_set_reloads_rotations_and_retirements_and_keeps_the_last_good_one() {
    let (_tmp, dir) = keys_dir();
    let running = tokens(&dir);
    let entry = crate::EntryTokens::new(&running);
    let old_kid = running.keys().active_kid().to_owned();
    let old_token = running.issue(Uuid::new_v4(), None).expect("issue");
    // Verified once, so the memo of verified tokens holds it.
    assert!(running.verify(&old_token.token).is_ok());
    assert!(!running.reload(&dir).expect("reload"), "nothing changed");

    let new_kid = KeySet::rotate(&dir).expect("rotate");
    assert!(running.reload(&dir).expect("reload"));
    let new_token = running.issue(Uuid::new_v4(), None).expect("issue");
    assert_eq!(
        running.verify(&new_token.token).expect("verify").kid(),
        new_kid
    );
    assert!(running.verify(&old_token.token).is_ok());
    // Siblings share the set: entry tokens sign with the new key too.
    let link = entry
        .issue(
            crate::Purpose::SigningLink,
            Uuid::new_v4(),
            Uuid::new_v4(),
            std::time::Duration::from_secs(60),
        )
        .expect("entry");
    assert!(
        entry
            .verify(crate::Purpose::SigningLink, &link.token)
            .is_ok()
    );

    KeySet::retire(&dir, &old_kid).expect("retire");
    assert!(running.reload(&dir).expect("reload"));
    assert_eq!(
        running.verify(&old_token.token),
        Err(TokenError::UnknownKey),
        "a remembered token of a retired key is refused"
    );
    assert!(running.verify(&new_token.token).is_ok());

    // A directory that cannot be read (or is refused) leaves the last good set in use.
    fs::write(dir.join(ACTIVE_FILE), "not a kid\n").expect("break active");
    assert!(running.reload(&dir).is_err());
    assert!(running.verify(&new_token.token).is_ok());
    assert_eq!(running.keys().active_kid(), new_kid);
}

#[test]
fn retire_refuses_the_active_key_and_anything_not_ours() {
    let (tmp, dir) = keys_dir();
    let active = KeySet::load_or_create(&dir)
        .expect("create")
        .active_kid()
        .to_owned();
    assert!(matches!(
        KeySet::retire(&dir, &active),
        Err(AuthError::ActiveKey(_))
    ));
    let bystander = tmp.path().join("data").join("passwd.pem");
    fs::write(&bystander, "not ours").expect("write");
    for kid in ["../passwd", "../../etc/passwd", "", "active", "."] {
        assert!(
            matches!(KeySet::retire(&dir, kid), Err(AuthError::UnknownKid(_))),
            "{kid}"
        );
    }
    assert!(bystander.exists());
    assert!(
        KeySet::load_or_create(&dir)
            .expect("load")
            .contains(&active)
    );
}

#[test]
fn from_pem_writes_nothing() {
    let (_tmp, dir) = keys_dir();
    let created = KeySet::load_or_create(&dir).expect("create");
    let pem = fs::read_to_string(key_path(&dir, created.active_kid())).expect("pem");
    let before: Vec<_> = fs::read_dir(&dir).expect("dir").collect();
    KeySet::from_pem(&pem).expect("from pem");
    assert_eq!(fs::read_dir(&dir).expect("dir").count(), before.len());
}

#[test]
fn a_key_file_not_named_after_its_key_is_refused() {
    let (_tmp, dir) = keys_dir();
    let kid = KeySet::load_or_create(&dir)
        .expect("create")
        .active_kid()
        .to_owned();
    let other = keys::generate_signing_key().expect("key");
    let other_kid = keys::kid_of(&other.verifying_key()).expect("kid");
    // A key planted under the name of the active key.
    let planted = keys::to_pem(&other).expect("pem");
    fs::write(key_path(&dir, &kid), planted.as_bytes()).expect("overwrite");
    assert!(matches!(
        KeySet::load_or_create(&dir),
        Err(AuthError::InvalidKey(_))
    ));
    // Renamed to its own kid, it is a valid key but `active` names a missing one.
    fs::rename(key_path(&dir, &kid), key_path(&dir, &other_kid)).expect("rename");
    assert!(matches!(
        KeySet::load_or_create(&dir),
        Err(AuthError::InvalidKey(_))
    ));
}

#[test]
fn bad_files_are_refused_and_strays_ignored() {
    let (_tmp, dir) = keys_dir();
    KeySet::load_or_create(&dir).expect("create");
    fs::write(dir.join("README"), "operator notes").expect("write");
    fs::write(dir.join(".leftover.tmp"), "half a key").expect("write");
    fs::write(dir.join(".hidden.pem"), "ignored").expect("write");
    assert!(KeySet::load_or_create(&dir).is_ok());

    fs::write(dir.join("not-a-kid.pem"), "x").expect("write");
    assert!(matches!(
        KeySet::load_or_create(&dir),
        Err(AuthError::InvalidKey(_))
    ));
    fs::remove_file(dir.join("not-a-kid.pem")).expect("rm");

    fs::write(dir.join(ACTIVE_FILE), "../../etc/passwd\n").expect("write");
    assert!(matches!(
        KeySet::load_or_create(&dir),
        Err(AuthError::InvalidKey(_))
    ));
}

#[test]
#[cfg(unix)]
fn readable_key_files_and_writable_directories_are_refused() {
    let (_tmp, dir) = keys_dir();
    let kid = KeySet::load_or_create(&dir)
        .expect("create")
        .active_kid()
        .to_owned();
    let key_file = key_path(&dir, &kid);
    for loose in [0o640, 0o604, 0o660, 0o644] {
        chmod(&key_file, loose);
        let refused = KeySet::load_or_create(&dir);
        assert!(
            matches!(&refused, Err(AuthError::InsecurePermissions(p, m)) if *p == key_file && *m == loose),
            "{loose:o}: {refused:?}"
        );
    }
    chmod(&key_file, 0o600);
    chmod(&dir.join(ACTIVE_FILE), 0o666);
    assert!(matches!(
        KeySet::load_or_create(&dir),
        Err(AuthError::InsecurePermissions(..))
    ));
    chmod(&dir.join(ACTIVE_FILE), 0o644);
    assert!(
        KeySet::load_or_create(&dir).is_ok(),
        "a readable pointer is fine"
    );

    chmod(&dir, 0o777);
    assert!(matches!(
        KeySet::load_or_create(&dir),
        Err(AuthError::InsecurePermissions(..))
    ));
    assert!(matches!(
        KeySet::rotate(&dir),
        Err(AuthError::InsecurePermissions(..))
    ));
    chmod(&dir, 0o755);
    assert!(
        KeySet::load_or_create(&dir).is_ok(),
        "a listable directory is fine"
    );
}

#[test]
#[cfg(unix)]
fn an_insecure_new_directory_gets_no_key() {
    let (_tmp, dir) = keys_dir();
    fs::create_dir_all(&dir).expect("mkdir");
    chmod(&dir, 0o777);
    assert!(matches!(
        KeySet::load_or_create(&dir),
        Err(AuthError::InsecurePermissions(..))
    ));
    assert_eq!(fs::read_dir(&dir).expect("dir").count(), 0);
}
