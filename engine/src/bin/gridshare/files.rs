//! The CLI's only contact with files: reading inputs, loading scenarios, and writing outputs all
//! or nothing (staged next to their targets, renamed only when every one is written).

use std::path::Path;

use engine::scenario::{Scenario, ScenarioError};

/// A failure the user can fix (exit code 2) or an I/O failure (exit code 1).
pub enum Failure {
    Input(String),
    Io(String),
}

pub fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::Input(format!("{}: cannot read: {e}", path.display())))
}

pub fn file_name(path: &Path) -> String {
    path.display().to_string()
}

/// Write every output to a temporary sibling first, then rename: no partial output on failure.
pub fn write_all(outputs: &[(&Path, String)]) -> Result<(), Failure> {
    let mut staged = Vec::new();
    for (path, text) in outputs {
        // The whole name plus a suffix: `r.json` and `r.csv` must not share a staging file.
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".gridshare-tmp");
        let tmp = std::path::PathBuf::from(tmp);
        if let Err(e) = std::fs::write(&tmp, text) {
            for t in &staged {
                let _ = std::fs::remove_file(t);
            }
            let _ = std::fs::remove_file(&tmp);
            return Err(Failure::Io(format!(
                "{}: cannot write: {e}",
                path.display()
            )));
        }
        staged.push(tmp);
    }
    for ((path, _), tmp) in outputs.iter().zip(&staged) {
        std::fs::rename(tmp, path)
            .map_err(|e| Failure::Io(format!("{}: cannot write: {e}", path.display())))?;
    }
    Ok(())
}

/// Read and parse a scenario file; errors name the file.
pub fn load_scenario(path: &Path) -> Result<Scenario, Failure> {
    let text = String::from_utf8(read(path)?)
        .map_err(|_| Failure::Input(format!("{}: the file is not UTF-8 text", file_name(path))))?;
    Scenario::from_json(&file_name(path), &text).map_err(|e| {
        Failure::Input(match e {
            // These name the file already.
            ScenarioError::Json { .. } | ScenarioError::UnsupportedVersion { .. } => e.to_string(),
            _ => format!("{}: {e}", file_name(path)),
        })
    })
}
