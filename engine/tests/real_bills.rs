//! Real bills in a run: money is conserved with fees and subsidy as line items, member bills are
//! the sums of their period bills, and the metering regime changes the comparison.

#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report
use engine::billing::Regime;
use engine::community::Site;
use engine::run::{run, Model, RunReport};
use engine::scenario::{CommunitySource, Scenario};
use engine::tariff::{Tariff, TariffPreset};
use engine::TimeAxis;

/// Twelve homes of the north village over January–February with a retail preset.
fn scenario(tariff: &str, regime: Option<Regime>) -> Scenario {
    let mut s = Scenario::generated(Site::CompositeNorth, TariffPreset::Study);
    s.tariff = Tariff::by_id(tariff).unwrap();
    if let (Some(regime), Tariff::Retail(r)) = (regime, &mut s.tariff) {
        r.metering.regime = regime;
    }
    s.axis = TimeAxis::hourly(24 * (31 + 28));
    if let CommunitySource::Generated(spec) = &mut s.community {
        spec.members = 12;
    }
    s
}

fn report(tariff: &str, regime: Option<Regime>) -> RunReport {
    run(&scenario(tariff, regime), &mut |_| {}).unwrap()
}

#[test]
fn money_balances_with_fees_and_subsidy_as_line_items() {
    for tariff in ["delhi", "up-urban", "kerala"] {
        let r = report(tariff, None);
        for m in &r.models {
            let b = m.billing.as_ref().expect("retail tariffs bill every model");
            assert_eq!(b.periods.len(), 2);
            for p in 0..2 {
                let mut peers = 0.0;
                for member in &b.members {
                    let bill = &member[p].bill;
                    // What the member pays + what the state pays = DISCOM + platform + peers.
                    let lhs = bill.total + bill.subsidy;
                    let rhs = bill.discom_revenue + bill.platform_revenue + bill.peers_net;
                    assert!(
                        (lhs - rhs).abs() < 1e-6,
                        "{tariff} {:?}: {lhs} vs {rhs}",
                        m.model
                    );
                    let lines: f64 = bill.lines.iter().map(|l| l.amount).sum();
                    assert!((lines - bill.total).abs() < 1e-9);
                    peers += bill.peers_net;
                }
                // P2P energy only passes between members: its lines sum to zero.
                assert!(
                    peers.abs() < 1e-6,
                    "{tariff} {:?} period {p}: peers {peers}",
                    m.model
                );
            }
            // Transaction charge: ₹0.42 per kWh traded, half from each side.
            let fees = b.total.platform_revenue;
            assert!(
                (fees - 0.42 * b.total.p2p_kwh).abs() < 1e-6,
                "{fees} vs {}",
                b.total.p2p_kwh
            );
            if m.model == Model::None {
                assert_eq!(b.total.p2p_kwh, 0.0);
            }
            // Member bills are the sums of their period bills (plus island trades).
            for (k, bill) in m.members.iter().enumerate() {
                let periods: f64 = b.members[k].iter().map(|p| p.bill.total).sum();
                let expected = match m.model {
                    Model::Cloud => bill.energy_bill,
                    _ => bill.bill - bill.island_trade,
                };
                assert!(
                    (periods - expected).abs() < 1e-6,
                    "{:?} {}: {periods} vs {expected}",
                    m.model,
                    bill.member
                );
            }
        }
        let sharing = r.model(Model::Sdr).unwrap().billing.as_ref().unwrap();
        assert!(sharing.total.p2p_kwh > 0.0, "{tariff}: the village trades");
    }
}

#[test]
fn consumers_bills_are_never_negative_and_the_subsidy_never_exceeds_them() {
    let r = report("delhi", None);
    for m in &r.models {
        let b = m.billing.as_ref().unwrap();
        for (k, info) in r.members.iter().enumerate() {
            for p in &b.members[k] {
                // The subsidy covers at most the DISCOM's charges (export credits are apart).
                let charges: f64 = p
                    .bill
                    .lines
                    .iter()
                    .filter(|l| {
                        l.party == engine::billing::Party::Discom && l.key != "export_credit"
                    })
                    .map(|l| l.amount)
                    .sum();
                assert!(
                    p.bill.subsidy <= charges + 1e-9,
                    "{} > {charges}",
                    p.bill.subsidy
                );
                if info.pv_kwp == 0.0 {
                    let discom: f64 = p
                        .bill
                        .lines
                        .iter()
                        .filter(|l| l.key != "p2p_bought" && l.key != "p2p_sold")
                        .map(|l| l.amount)
                        .sum();
                    assert!(discom >= -1e-9, "{:?} {}: {discom}", m.model, info.id);
                }
            }
        }
    }
}

#[test]
fn the_regime_changes_what_prosumers_earn() {
    let net_metering = report("delhi", Some(Regime::NetMetering));
    let net_billing = report("delhi", Some(Regime::NetBilling));
    let gross = report("delhi", Some(Regime::Gross));
    let income = |r: &RunReport| r.model(Model::None).unwrap().prosumer_income;
    // Exports offset retail under net metering, earn the feed-in otherwise; gross sells all PV.
    assert!(income(&net_metering) != income(&net_billing));
    assert!(income(&gross) != income(&net_billing));
    // Consumers without PV are billed the same whatever the prosumers' regime.
    let consumer_cost = |r: &RunReport| -> f64 {
        let m = r.model(Model::None).unwrap();
        m.members
            .iter()
            .zip(&r.members)
            .filter(|(_, i)| i.pv_kwp == 0.0)
            .map(|(b, _)| b.bill)
            .sum()
    };
    assert!((consumer_cost(&net_metering) - consumer_cost(&net_billing)).abs() < 1e-6);
}

#[test]
fn a_bimonthly_tariff_bills_two_months_at_once() {
    let r = report("tamil-nadu", None);
    let b = r.model(Model::None).unwrap().billing.as_ref().unwrap();
    assert_eq!(b.periods, vec!["Jan–Feb".to_string()]);
    // Tamil Nadu's first 100 units are free on every bill.
    assert!(b.total.subsidy > 0.0);
}

#[test]
fn a_run_that_is_not_whole_periods_is_refused() {
    let mut s = scenario("delhi", None);
    s.axis = TimeAxis::hourly(24 * 40);
    let err = run(&s, &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("whole billing periods"), "{err}");
    let mut s = scenario("tamil-nadu", None);
    s.axis = TimeAxis::hourly(24 * 31);
    let err = run(&s, &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("bimonthly"), "{err}");
}

#[test]
fn single_point_supply_bills_the_society_and_re_bills_its_members() {
    use engine::billing::{GapRule, Party, SinglePoint};
    let own = report("delhi", None);
    for (gap, keep_subsidy) in [
        (GapRule::Keep, false),
        (GapRule::Refund, false),
        (GapRule::Keep, true),
    ] {
        let mut s = scenario("delhi", None);
        s.settings.billing.single_point = Some(SinglePoint {
            gap,
            members_keep_subsidy: keep_subsidy,
            ..SinglePoint::default()
        });
        let r = run(&s, &mut |_| {}).unwrap();
        for m in &r.models {
            let b = m.billing.as_ref().unwrap();
            let sp = b
                .single_point
                .as_ref()
                .expect("the bulk connection's bills");
            // The contract load defaults to the transformer's rating.
            let rating = m.peaks.rating_kw;
            assert!((sp.contract_kw - rating).abs() < 1e-9, "{:?}", m.model);
            assert_eq!(sp.bulk.len(), b.periods.len());
            for (p, t) in b.by_period.iter().enumerate() {
                // The DISCOM receives the bulk bill and nothing else.
                assert!((t.discom_revenue - sp.bulk[p].total).abs() < 1e-6);
                // Members pay + subsidy = DISCOM + society + platform.
                let lhs = t.consumer_payments + t.subsidy;
                let rhs = t.discom_revenue + t.society_margin + t.platform_revenue;
                assert!(
                    (lhs - rhs).abs() < 1e-6,
                    "{:?} {p}: {lhs} vs {rhs}",
                    m.model
                );
                let mut pays_society = 0.0;
                for member in &b.members {
                    let bill = &member[p].bill;
                    assert!(
                        bill.lines.iter().all(|l| l.party != Party::Discom),
                        "a DISCOM line is left on a re-bill"
                    );
                    let rhs = bill.society_revenue + bill.platform_revenue + bill.peers_net;
                    assert!((bill.total + bill.subsidy - rhs).abs() < 1e-6);
                    if !keep_subsidy {
                        assert_eq!(bill.subsidy, 0.0);
                    }
                    pays_society += (bill.society_revenue - bill.subsidy).max(0.0);
                }
                if gap == GapRule::Refund {
                    // Returned in full unless every member's payment is the cap.
                    assert!(
                        t.society_margin.abs() < 1e-6
                            || (t.society_margin > 0.0 && pays_society < 1e-6),
                        "{:?} {p}: margin {}",
                        m.model,
                        t.society_margin
                    );
                }
            }
            // The bulk meter nets the members' exchange: never more units than their own meters.
            if m.model == Model::None {
                let own_units: f64 = own
                    .model(Model::None)
                    .unwrap()
                    .billing
                    .as_ref()
                    .unwrap()
                    .members
                    .iter()
                    .flatten()
                    .map(|p| p.bill.billed_kwh)
                    .sum();
                let bulk_units: f64 = sp.bulk.iter().map(|b| b.billed_kwh).sum();
                assert!(bulk_units <= own_units + 1e-6, "{bulk_units} > {own_units}");
                // The contract load's fixed charge is on every bulk bill.
                assert!(sp
                    .bulk
                    .iter()
                    .all(|b| b.lines.iter().any(|l| l.key == "fixed" && l.amount > 0.0)));
            }
        }
        if keep_subsidy {
            let b = r.model(Model::None).unwrap().billing.as_ref().unwrap();
            assert!(
                b.total.subsidy > 0.0,
                "Delhi's subsidy reaches the re-bills"
            );
        }
    }
}

#[test]
fn a_single_point_connection_needs_a_retail_tariff_and_valid_numbers() {
    use engine::billing::SinglePoint;
    let mut s = scenario("delhi", None);
    s.tariff = Tariff::by_id("study").unwrap();
    s.settings.billing.single_point = Some(SinglePoint::default());
    let err = run(&s, &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("billing.single_point"), "{err}");
    let mut s = scenario("delhi", None);
    s.settings.billing.single_point = Some(SinglePoint {
        fixed_per_kw_month: f64::NAN,
        ..SinglePoint::default()
    });
    let err = run(&s, &mut |_| {}).unwrap_err().to_string();
    assert!(
        err.contains("billing.single_point.fixed_per_kw_month"),
        "{err}"
    );
}
