//! Where a run's member data comes from, one window at a time: a generated community is
//! generated window by window (its daily randomness is keyed by absolute day, so a window has
//! exactly the run's profiles); an uploaded one is already in memory and is used whole.

use std::borrow::Cow;

use crate::community::{generate, Community, Member};
use crate::coordinator::Fault;
use crate::scenario::{CommunitySource, Scenario, ScenarioError};
use crate::time_axis::TimeAxis;

/// A run's member data.
pub(crate) enum Source {
    /// Generated on demand; `meta` holds the members without series (ids, assets, settings).
    Generated {
        spec: crate::community::CommunitySpec,
        meta: Vec<Member>,
    },
    /// Uploaded members, whole.
    Custom(Community),
}

/// Days of a generated run's windows.
const WINDOW_DAYS: usize = 7;

impl Source {
    pub fn of(scenario: &Scenario) -> Result<Self, ScenarioError> {
        Ok(match &scenario.community {
            CommunitySource::Generated(spec) => {
                let mut day = TimeAxis::hourly(24);
                day.start_day_of_year = scenario.axis.start_day_of_year;
                let meta = generate(spec, &day)?
                    .members
                    .into_iter()
                    .map(|m| Member {
                        load_kw: Vec::new(),
                        pv_kw: Vec::new(),
                        ..m
                    })
                    .collect();
                Source::Generated {
                    spec: spec.clone(),
                    meta,
                }
            }
            CommunitySource::Custom { .. } => Source::Custom(scenario.community()?),
        })
    }

    /// The members' static attributes (series may be empty).
    pub fn members(&self) -> &[Member] {
        match self {
            Source::Generated { meta, .. } => meta,
            Source::Custom(c) => &c.members,
        }
    }

    /// Steps per streamed window: a week for generated communities, the whole run otherwise.
    pub fn chunk_steps(&self, axis: &TimeAxis) -> usize {
        match self {
            Source::Generated { .. } => WINDOW_DAYS * axis.steps_per_day.max(1) as usize,
            Source::Custom(_) => axis.steps.max(1),
        }
    }

    /// Steps `from..to` of the community (series indexed from `from`), with the scenario's grid
    /// outage faults applied.
    pub fn window(
        &self,
        scenario: &Scenario,
        from: usize,
        to: usize,
    ) -> Result<Cow<'_, Community>, ScenarioError> {
        let mut community = match self {
            Source::Generated { spec, .. } => {
                Cow::Owned(generate(spec, &scenario.axis.window(from, to))?)
            }
            Source::Custom(c) if from == 0 && to == scenario.axis.steps => Cow::Borrowed(c),
            Source::Custom(c) => Cow::Owned(Community {
                members: c
                    .members
                    .iter()
                    .map(|m| Member {
                        load_kw: m.load_kw[from..to].to_vec(),
                        pv_kw: m.pv_kw.get(from..to).unwrap_or_default().to_vec(),
                        ..m.clone()
                    })
                    .collect(),
                pv_per_kwp: c.pv_per_kwp.get(from..to).unwrap_or_default().to_vec(),
                grid_available: c.grid_available[from..to].to_vec(),
            }),
        };
        for fault in &scenario.settings.coordinator.faults {
            if let Fault::GridOutage { from_step, to_step } = fault {
                let (a, b) = ((*from_step).max(from), (*to_step).min(to));
                if a < b {
                    for slot in &mut community.to_mut().grid_available[a - from..b - from] {
                        *slot = false;
                    }
                }
            }
        }
        Ok(community)
    }
}
