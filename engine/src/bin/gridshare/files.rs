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

/// What one output file holds.
pub enum Content<'a> {
    /// Text made in memory (CSV, a scenario).
    Text(String),
    /// Pretty JSON serialised straight into the staged file: a 10,000-member report is 50 MB of
    /// JSON, more than the rest of the run's peak memory if it were made in memory first.
    Json(&'a dyn erased::Json),
}

impl From<String> for Content<'_> {
    fn from(text: String) -> Self {
        Content::Text(text)
    }
}

/// Serialisation behind a trait object (serde's `Serialize` is generic, so not object-safe).
pub mod erased {
    pub trait Json {
        fn write_pretty(&self, to: &mut dyn std::io::Write) -> serde_json::Result<()>;
    }

    impl<T: serde::Serialize> Json for T {
        fn write_pretty(&self, to: &mut dyn std::io::Write) -> serde_json::Result<()> {
            serde_json::to_writer_pretty(to, self)
        }
    }
}

impl Content<'_> {
    fn write_to(&self, path: &Path) -> std::io::Result<()> {
        match self {
            Content::Text(text) => std::fs::write(path, text),
            Content::Json(value) => {
                use std::io::Write;
                let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
                value.write_pretty(&mut file)?;
                file.flush()
            }
        }
    }
}

/// Write every output to a temporary sibling first, then rename: no partial output on failure.
pub fn write_all(outputs: &[(&Path, Content<'_>)]) -> Result<(), Failure> {
    let mut staged = Vec::new();
    for (path, content) in outputs {
        // The whole name plus a suffix: `r.json` and `r.csv` must not share a staging file.
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".gridshare-tmp");
        let tmp = std::path::PathBuf::from(tmp);
        if let Err(e) = content.write_to(&tmp) {
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
