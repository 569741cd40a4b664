//! `gridshare scenario --profiles`: a scenario of the user's own profiles, through the same
//! engine function as the page's uploads (`engine::upload::scenario_from_files`).

use std::path::PathBuf;

use engine::community::Site;
use engine::profiles::EnergyUnit;
use engine::scenario::Scenario;
use engine::tariff::Tariff;
use engine::upload::{scenario_from_files, NamedBytes, ProfileFiles};

use crate::files::{file_name, read, Failure};

/// The user's profile files (DATA.md's formats).
#[derive(Debug, clap::Args)]
pub struct ProfileArgs {
    /// Load (and PV) profiles: long `timestamp,member_id,load_kw[,pv_kw]`, wide
    /// `timestamp,M01,M02,…`, or one column of 8,760 values per member (repeat the flag, one
    /// file per member, named after the file); 60/30/15/5-minute data is resampled to hourly.
    /// The community is these members instead of a generated one.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["members", "seed", "mix"])]
    profiles: Vec<PathBuf>,
    /// A wide PV file with the profiles' timestamps and member columns.
    #[arg(long, value_name = "FILE", requires = "profiles")]
    pv_file: Option<PathBuf>,
    /// `members.csv`: `member_id,archetype,pv_kwp,battery_kwh,battery_kw` (members with a
    /// pv_kwp but no PV series get the --site's PV per kWp).
    #[arg(long, value_name = "FILE", requires = "profiles")]
    members_file: Option<PathBuf>,
    /// What the numbers are: kw (average power, the default) or kwh (energy per interval).
    #[arg(long, value_name = "kw|kwh", requires = "profiles", value_parser = str::parse::<EnergyUnit>)]
    unit: Option<EnergyUnit>,
}

impl ProfileArgs {
    /// Whether profiles were given.
    pub fn given(&self) -> bool {
        !self.profiles.is_empty()
    }

    /// The uploaded scenario; errors name file, line and column.
    pub fn scenario(&self, tariff: Tariff, site: Site) -> Result<Scenario, Failure> {
        let load = self
            .profiles
            .iter()
            .map(|p| Ok((file_name(p), read(p)?)))
            .collect::<Result<Vec<_>, Failure>>()?;
        let pv = match &self.pv_file {
            Some(p) => Some((file_name(p), read(p)?)),
            None => None,
        };
        let members = match &self.members_file {
            Some(p) => Some((file_name(p), read(p)?)),
            None => None,
        };
        let load: Vec<NamedBytes<'_>> = load.iter().map(NamedBytes::from).collect();
        let files = ProfileFiles {
            profiles: &load,
            pv: pv.as_ref().map(NamedBytes::from),
            members: members.as_ref().map(NamedBytes::from),
            unit: self.unit.unwrap_or_default(),
            site: Some(site),
        };
        scenario_from_files(&files, tariff).map_err(|e| Failure::Input(e.to_string()))
    }
}
