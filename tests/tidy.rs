#![cfg(not(target_arch = "wasm32"))]
//! Tidy checks on the workspace's shape.
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::process::Command;

/// Crates that tie code to a browser; the engine must not depend on them.
const WEB_CRATES: [&str; 5] = ["web-sys", "js-sys", "wasm-bindgen", "leptos", "gloo"];

#[test]
fn engine_has_no_web_dependencies() {
    let root = gridshare_tests::workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    for target in ["x86_64-unknown-linux-gnu", "wasm32-unknown-unknown"] {
        let output = Command::new(&cargo)
            .current_dir(&root)
            .args(["tree", "-p", "engine", "-e", "normal", "--prefix", "none"])
            .args(["--target", target, "--all-features"])
            .output()
            .expect("cargo tree runs");
        assert!(
            output.status.success(),
            "cargo tree failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let tree = String::from_utf8_lossy(&output.stdout);
        assert!(
            tree.contains("serde"),
            "cargo tree output looks wrong: {tree}"
        );
        for line in tree.lines() {
            let name = line.split_whitespace().next().unwrap_or_default();
            assert!(
                !WEB_CRATES.contains(&name),
                "engine depends on {name} (target {target}); keep the engine pure:\n{tree}"
            );
        }
    }
}

#[test]
fn engine_sources_use_no_clock_files_or_globals() {
    let root = gridshare_tests::workspace_root().join("engine/src");
    let mut stack = vec![root];
    let forbidden = [
        "std::time::Instant",
        "SystemTime",
        "std::fs",
        "std::env",
        "static mut",
        "thread_local!",
    ];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable engine/src") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                // The command-line binary does file I/O by design.
                if !path.ends_with("bin") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("utf-8 source");
                for word in forbidden {
                    assert!(
                        !text.contains(word),
                        "{} uses {word}: the engine library is pure",
                        path.display()
                    );
                }
            }
        }
    }
}
