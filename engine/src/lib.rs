//! Gridshare's engine: the community energy market as a pure library.
//!
//! # Sign convention (the only one used anywhere in Gridshare)
//! Positive = energy flowing *into* a member from the meter's point of view: import, consumption,
//! battery charging. A member's net energy `net_kwh > 0` means the member needs energy (a buyer);
//! `net_kwh < 0` means it has surplus (a seller). A bill `> 0` means the member pays.
//!
//! Data flow: net energy per step → [`settle::Settler`] (streaming, one step at a time, every
//! rule at once) → [`metrics::SettlementReport`]. The library performs no I/O: parsers take
//! `&str`, progress and per-step output go through callbacks.

pub mod accounting;
pub mod battery;
pub mod billing;
pub mod community;
pub mod coordinator;
pub mod csv_input;
pub mod example;
pub mod limits;
pub mod market;
pub mod metrics;
pub mod profiles;
pub mod run;
pub mod scenario;
pub mod settle;
pub mod sweep;
pub mod synthetic;
pub mod tariff;
pub mod time_axis;
pub mod timestamp;
pub mod transformer;
pub mod upload;

pub use market::{
    BillingHorizon, GridPrices, HorizonMarket, InternalPrices, PriceError, RuleId, SettlementRule,
};
pub use metrics::{MemberResult, RuleReport, SettlementReport};
pub use settle::{settle_all, settle_matrix, Settler, StepSummary};
pub use time_axis::TimeAxis;
