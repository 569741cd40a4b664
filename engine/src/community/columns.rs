//! Every member's load and PV step-major: a step of a large community reads one contiguous
//! column instead of one value from each of 10,000 separate series (a cache miss apiece).
//! Filled a few steps at a time (the run: a cache line of each series), not the whole window.

use super::Member;

/// One step of every member's load and PV, kW, in member order.
#[derive(Clone, Copy, Debug)]
pub struct StepColumns<'a> {
    pub load_kw: &'a [f64],
    pub pv_kw: &'a [f64],
}

impl<'a> StepColumns<'a> {
    /// Member `k` alone (a community of one).
    pub fn member(self, k: usize) -> StepColumns<'a> {
        StepColumns {
            load_kw: &self.load_kw[k..=k],
            pv_kw: &self.pv_kw[k..=k],
        }
    }
}

/// A stretch of steps of every member's load and PV, step-major (`step × members + member`).
#[derive(Clone, Debug, Default)]
pub struct Columns {
    members: usize,
    from: usize,
    load_kw: Vec<f64>,
    pv_kw: Vec<f64>,
}

impl Columns {
    /// Hold steps `steps` of `members`' series (indices into their series; PV missing = 0).
    pub fn fill(&mut self, members: &[Member], steps: std::ops::Range<usize>) {
        let n = members.len();
        let len = steps.len();
        self.members = n;
        self.from = steps.start;
        for v in [&mut self.load_kw, &mut self.pv_kw] {
            v.clear();
            v.resize(len * n, 0.0);
        }
        for (k, m) in members.iter().enumerate() {
            for (i, t) in steps.clone().enumerate() {
                self.load_kw[i * n + k] = m.load_kw[t];
                self.pv_kw[i * n + k] = m.pv_kw.get(t).copied().unwrap_or(0.0);
            }
        }
    }

    /// Whether step `t` is held.
    pub fn holds(&self, t: usize) -> bool {
        t >= self.from && (t - self.from + 1) * self.members <= self.load_kw.len()
    }

    /// Step `t` (held: see [`Self::fill`]).
    pub fn at(&self, t: usize) -> StepColumns<'_> {
        let n = self.members;
        let i = (t - self.from) * n;
        StepColumns {
            load_kw: &self.load_kw[i..i + n],
            pv_kw: &self.pv_kw[i..i + n],
        }
    }

    /// Every step of `members` (a whole window).
    #[cfg(test)]
    pub fn of(members: &[Member]) -> Self {
        let steps = members.iter().map(|m| m.load_kw.len()).max().unwrap_or(0);
        let mut columns = Self::default();
        columns.fill(members, 0..steps);
        columns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_is_every_members_value_at_that_step() {
        let member = |load: Vec<f64>, pv: Vec<f64>| Member {
            id: "x".into(),
            archetype: crate::community::Archetype::Custom,
            load_kw: load,
            pv_kwp: 0.0,
            pv_kw: pv,
            battery: None,
            hybrid_inverter: None,
            flexible_share: 0.0,
            participates: true,
        };
        let members = [
            member(vec![1.0, 2.0, 3.0], vec![0.5, 0.6, 0.7]),
            member(vec![4.0, 5.0, 6.0], Vec::new()),
        ];
        let mut columns = Columns::default();
        columns.fill(&members, 1..3);
        assert!(!columns.holds(0) && columns.holds(1) && columns.holds(2) && !columns.holds(3));
        assert_eq!(columns.at(1).load_kw, &[2.0, 5.0]);
        assert_eq!(columns.at(2).pv_kw, &[0.7, 0.0]);
        assert_eq!(columns.at(2).member(1).load_kw, &[6.0]);
        assert_eq!(Columns::of(&members).at(0).load_kw, &[1.0, 4.0]);
    }
}
