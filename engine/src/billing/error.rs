//! Why a retail tariff cannot be used.

use thiserror::Error;

/// A tariff field out of range or inconsistent; `field` is a path such as
/// `energy.categories[1].slabs[2].up_to_kwh`.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum BillingError {
    /// A field is invalid.
    #[error("tariff: {field}: {problem}")]
    Field {
        /// Where.
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// The run cannot be cut into whole billing periods.
    #[error("tariff: period: {0}")]
    Period(String),
    /// An unknown preset id.
    #[error("tariff: unknown preset '{0}' (expected {1})")]
    UnknownPreset(String, String),
}

impl BillingError {
    /// A field error.
    pub fn field(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Field {
            field: field.into(),
            problem: problem.into(),
        }
    }
}
