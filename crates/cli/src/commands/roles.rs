//! `silo roles`: the role registry for people and scripts.

use silo_roles::{Permission, Role};

pub fn run(json: bool) -> anyhow::Result<()> {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&silo_roles::typescript::to_json())?
        );
        return Ok(());
    }
    let width = Permission::ALL
        .iter()
        .map(|p| p.as_str().len())
        .max()
        .unwrap_or(0);
    print!("{:width$}", "permission");
    for role in Role::ALL {
        print!("  {:>9}", role.as_str());
    }
    println!();
    for permission in Permission::ALL {
        print!("{:width$}", permission.as_str());
        for role in Role::ALL {
            print!("  {:>9}", if role.can(permission) { "x" } else { "." });
        }
        println!();
    }
    println!();
    for role in Role::ALL {
        println!("{:>9}: {}", role.as_str(), role.description());
    }
    Ok(())
}
