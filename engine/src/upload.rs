//! A scenario from a user's own profile files (DATA.md's formats): the page's uploads,
//! `gridshare scenario --profiles` and Python's `Scenario.with_profiles` all call
//! [`scenario_from_files`], so the three accept and refuse exactly the same files.

use thiserror::Error;

use crate::community::Site;
use crate::profiles::{
    attach_pv_wide, build_members, import_members, import_profiles, import_single_column,
    EnergyUnit, ImportError,
};
use crate::scenario::{CommunitySource, Scenario, ScenarioError, Settings, SCENARIO_VERSION};
use crate::tariff::Tariff;

/// One file's name (for error messages) and contents.
#[derive(Clone, Copy, Debug)]
pub struct NamedBytes<'a> {
    /// The name errors quote.
    pub name: &'a str,
    /// Its bytes.
    pub bytes: &'a [u8],
}

impl<'a> From<&'a (String, Vec<u8>)> for NamedBytes<'a> {
    fn from((name, bytes): &'a (String, Vec<u8>)) -> Self {
        Self {
            name: name.as_str(),
            bytes: bytes.as_slice(),
        }
    }
}

/// The files of one upload.
#[derive(Clone, Copy, Debug)]
pub struct ProfileFiles<'a> {
    /// Load (and optionally PV): one long or wide file, or one or more files of one column of
    /// values, each one member named after its file.
    pub profiles: &'a [NamedBytes<'a>],
    /// A wide PV file with the load file's timestamps and member columns.
    pub pv: Option<NamedBytes<'a>>,
    /// `members.csv`: `member_id,archetype,pv_kwp,battery_kwh,battery_kw`.
    pub members: Option<NamedBytes<'a>>,
    /// What the numbers mean (kW unless the user says kWh per interval).
    pub unit: EnergyUnit,
    /// Members with a `pv_kwp` in `members.csv` but no PV series get this site's PV per kWp
    /// (None: they get no PV, and the file is refused for it).
    pub site: Option<Site>,
}

/// Why an upload cannot become a scenario.
#[derive(Debug, Error)]
pub enum UploadError {
    /// A file is unreadable; the message names file, line and column.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// Fewer than two members.
    #[error("{file}: {found} member found; a community needs at least 2")]
    TooFew {
        /// The profile file.
        file: String,
        /// Members found.
        found: usize,
    },
    /// A member has PV capacity but no PV series and no site to make one.
    #[error(
        "{file}: member '{member}' has pv_kwp {kwp} but no PV series; give a PV file or a site"
    )]
    PvWithoutSeries {
        /// The members file.
        file: String,
        /// Member id.
        member: String,
        /// kWp.
        kwp: f64,
    },
    /// The scenario the files make is out of range.
    #[error("{file}: {source}")]
    Scenario {
        /// The profile file.
        file: String,
        /// Why.
        source: ScenarioError,
    },
}

/// Build a scenario of `files` billed by `tariff`.
pub fn scenario_from_files(
    files: &ProfileFiles<'_>,
    tariff: Tariff,
) -> Result<Scenario, UploadError> {
    let (first, rest) = files.profiles.split_first().ok_or(UploadError::TooFew {
        file: "(no profile file)".into(),
        found: 0,
    })?;
    let name = first.name;
    let mut profiles = import_one(first, files.unit, !rest.is_empty())?;
    for more in rest {
        let next = import_one(more, files.unit, true)?;
        if next.axis != profiles.axis {
            return Err(ImportError::Shape {
                file: more.name.to_string(),
                problem: format!(
                    "covers {} steps, {} covers {}",
                    next.axis.steps, name, profiles.axis.steps
                ),
            }
            .into());
        }
        for id in &next.member_ids {
            if profiles.member_ids.contains(id) {
                return Err(ImportError::Shape {
                    file: more.name.to_string(),
                    problem: format!("member '{id}' is already in another profile file"),
                }
                .into());
            }
        }
        profiles.member_ids.extend(next.member_ids);
        profiles.load_kw.extend(next.load_kw);
        profiles.pv_kw.extend(next.pv_kw);
        profiles.notes.extend(next.notes);
    }
    if let Some(pv) = files.pv {
        attach_pv_wide(&mut profiles, pv.name, pv.bytes, files.unit)?;
    }
    let (rows, members_file) = match files.members {
        Some(m) => (import_members(m.name, m.bytes)?, m.name),
        None => (Vec::new(), "members.csv"),
    };
    let pv_per_kwp = match files.site {
        Some(site) => crate::community::site_pv_per_kwp(site, &profiles.axis),
        None => Vec::new(),
    };
    let members = build_members(&profiles, &rows, members_file, &pv_per_kwp)?;
    if let Some(m) = members
        .iter()
        .find(|m| m.pv_kwp > 0.0 && m.pv_kw.is_empty())
    {
        return Err(UploadError::PvWithoutSeries {
            file: members_file.to_string(),
            member: m.id.clone(),
            kwp: m.pv_kwp,
        });
    }
    let name = if rest.is_empty() {
        name.to_string()
    } else {
        format!("{name} and {} more", rest.len())
    };
    if members.len() < 2 {
        return Err(UploadError::TooFew {
            file: name.clone(),
            found: members.len(),
        });
    }
    let scenario = Scenario {
        version: SCENARIO_VERSION,
        name: format!("Uploaded profiles: {name}"),
        axis: profiles.axis,
        tariff,
        settings: Settings::default(),
        community: CommunitySource::Custom {
            members,
            grid_available: None,
        },
    };
    scenario
        .validate()
        .map_err(|source| UploadError::Scenario { file: name, source })?;
    Ok(scenario)
}

/// One profile file: one column of values (one member named after the file), or long or wide
/// (detected from the header); `single_only` refuses the multi-member formats.
fn import_one(
    file: &NamedBytes<'_>,
    unit: EnergyUnit,
    single_only: bool,
) -> Result<crate::profiles::ImportedProfiles, ImportError> {
    let first_line = file.bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let one_column = !first_line.contains(&b',') && !first_line.contains(&b';');
    if one_column {
        let base = file.name.rsplit(['/', '\\']).next().unwrap_or(file.name);
        let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
        import_single_column(file.name, file.bytes, stem, unit)
    } else if single_only {
        Err(ImportError::Shape {
            file: file.name.to_string(),
            problem: "several profile files must each be one column of values (one member each); give a long or wide file alone".into(),
        })
    } else {
        import_profiles(file.name, file.bytes, unit)
    }
}
