//! Islanded operation: with the grid down, PV (behind hybrid inverters) and batteries serve load,
//! shared among the members who island together; what supply cannot meet is not served.

use super::MemberStep;
use crate::community::{Battery, Member};

/// Islanded operation of a set of members in one step (no grid): PV and batteries serve load,
/// shared among the set. Returns the members' flows; unserved energy where supply falls short.
pub(crate) fn island(
    members: &[Member],
    who: &[usize],
    t: usize,
    loads: &[f64],
    batteries: &mut [Option<(Battery, f64)>],
    hours: f64,
    out: &mut [MemberStep],
) {
    // Anti-islanding: a plain grid-tied inverter stops when the grid does.
    let pv = |k: usize| {
        if members[k].pv_islands() {
            members[k].pv_kw.get(t).copied().unwrap_or(0.0)
        } else {
            0.0
        }
    };
    let demand: f64 = who.iter().map(|&k| loads[k]).sum();
    let supply: f64 = who.iter().map(|&k| pv(k)).sum();
    for &k in who {
        out[k] = MemberStep {
            load_kw: loads[k],
            pv_kw: pv(k),
            soc_kwh: batteries[k].map_or(0.0, |b| b.1),
            ..MemberStep::default()
        };
    }
    if supply >= demand {
        // Charge batteries from the surplus, the rest is curtailed.
        let mut surplus = supply - demand;
        for &k in who {
            if let Some((b, soc)) = &mut batteries[k] {
                let room = (b.soc_max_frac * b.capacity_kwh - *soc).max(0.0)
                    / (b.charge_efficiency * hours);
                let c = surplus.min(b.power_kw).min(room);
                *soc += c * b.charge_efficiency * hours;
                surplus -= c;
                out[k].charge_kw = c;
                out[k].soc_kwh = *soc;
            }
        }
        let curtail = surplus;
        if supply > 0.0 {
            for &k in who {
                out[k].pv_kw -= curtail * pv(k) / supply;
            }
        }
    } else {
        let mut deficit = demand - supply;
        for &k in who {
            if let Some((b, soc)) = &mut batteries[k] {
                let available = (*soc - b.soc_min_frac * b.capacity_kwh).max(0.0)
                    * b.discharge_efficiency
                    / hours;
                let d = deficit.min(b.power_kw).min(available);
                *soc -= d / b.discharge_efficiency * hours;
                deficit -= d;
                out[k].discharge_kw = d;
                out[k].soc_kwh = *soc;
            }
        }
        let own_deficit: f64 = who.iter().map(|&k| (loads[k] - pv(k)).max(0.0)).sum();
        for &k in who {
            let share = if own_deficit > 0.0 {
                (loads[k] - pv(k)).max(0.0) / own_deficit
            } else {
                0.0
            };
            out[k].unserved_kw = deficit * share;
        }
    }
    // Net is now the exchange with the other islanded members (it sums to zero: no grid).
    for &k in who {
        let o = &mut out[k];
        o.net_kw = o.load_kw - o.unserved_kw - o.pv_kw + o.charge_kw - o.discharge_kw;
    }
}
