#!/usr/bin/env python3
"""Regenerate the tables of docs/RESULTS.md from `gridshare run` reports.

Usage: scripts/results.py [GRIDSHARE_BINARY]  (default target/release/gridshare) > tables.md
Runs both default villages on both tariffs with the default settings and four variants
(community islanding off, perfect foresight, free batteries, the self-consumption baseline) and prints
Markdown tables.
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/gridshare"
SITES = [("north", "Composite-North"), ("south", "Warm-humid-South")]
TARIFFS = [("study", "study tariff (buy 10, sell 8)"), ("tod", "Indian time-of-day (6.5, peak ×1.2, solar −20%, feed-in 3)")]
VARIANTS = [
    ("default", "defaults", lambda s: None),
    ("no-islanding", "community islanding off", lambda s: s["settings"].__setitem__("community_islanding", False)),
    ("perfect", "perfect foresight", lambda s: s["settings"]["coordinator"].__setitem__("forecast", "perfect_foresight")),
    ("free-wear", "batteries free to cycle (pack price 0)", lambda s: s["settings"]["battery_wear"].__setitem__("pack_price_per_kwh", 0.0)),
    ("greedy", "self-consumption baseline", lambda s: s["settings"].__setitem__("baseline", "self_consumption")),
]


def run(tmp: Path, site: str, tariff: str, variant, extra=(), frontier=False) -> dict:
    name = f"{site}-{tariff}-{variant[0]}"
    scenario = tmp / f"{name}.json"
    subprocess.run([BIN, "scenario", "--site", site, "--tariff", tariff, *extra, "--out", str(scenario)], check=True)
    s = json.loads(scenario.read_text())
    variant[2](s)
    scenario.write_text(json.dumps(s))
    report = tmp / f"{name}.report.json"
    args = [BIN, "run", "--scenario", str(scenario), "--out", str(report)]
    if frontier:
        args += ["--frontier", str(tmp / f"{name}.frontier.json")]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    r = json.loads(report.read_text())
    if frontier:
        r["frontier"] = json.loads((tmp / f"{name}.frontier.json").read_text())
    return r


def peak_table(rows_in) -> str:
    """rows_in: (label, report) pairs; one row per model."""
    rows = ["| village, tariff | model | transformer | peak import kW | peak export kW | coincident peak kW | max loading | h > 80% | h > rating | kWh > rating | community-hours by class (under / light / normal / over / severe) |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for label, r in rows_in:
        for m in r["models"]:
            p = m["peaks"]
            c = p["community_class_counts"]
            total = max(sum(c), 1)
            rows.append("| " + " | ".join([
                label, m["model"], f"{p['transformer_kva']:.0f} kVA ({p['rating_kw']:.1f} kW)",
                f"{p['peak_import_kw']:.2f}", f"{p['peak_export_kw']:.2f}", f"{p['coincident_peak_kw']:.2f}",
                f"{100 * p['max_loading']:.0f}%", f"{p['hours_over_80pct']:.0f}", f"{p['hours_over_rating']:.0f}",
                f"{p['kwh_over_rating']:.0f}", " / ".join(f"{100 * x / total:.0f}%" for x in c)]) + " |")
    return "\n".join(rows)


def frontier_table(label, f) -> str:
    rows = [f"**{label}** (rating {f['rating_kw']:.1f} kW; this scenario's level {f['chosen_cap_kw']:.2f} kW; "
            + ("shadow price there ₹" + money(f["shadow_price_per_kw"]) + " per kW" if f.get("shadow_price_per_kw") is not None else "no lower point")
            + ")\n",
            "| import cap | peak reached kW | cost ₹/year | h > rating |", "|---|---|---|---|"]
    for p in f["points"]:
        cap = "none (energy optimum)" if p["cap_kw"] is None else f"{p['cap_kw']:.2f} kW" + (" ← this scenario" if p["chosen"] else "")
        rows.append(f"| {cap} | {p['peak_import_kw']:.2f} | {money(p['community_cost'])} | {p['hours_over_rating']:.0f} |")
    return "\n".join(rows)


def money(x):
    # Rounded first so a few paise never print as "−0".
    return f"{round(x) + 0:,.0f}".replace("-", "−")


def pct(x):
    return "n/a" if x is None else f"{x:.1f}"


def main_table(r: dict) -> str:
    rows = ["| model | cost ₹ | bills ₹ | unserved (VoLL) ₹ | battery wear ₹ | consumer saving % | prosumer income ₹ | PM | worse off | ESS kWh | import kWh | peak kW | ENS kWh | LOLH h |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for m in r["models"]:
        e = m["energy"]
        pm = m["performance_measure"]
        rows.append("| " + " | ".join([
            m["model"], money(m["comparable_cost"]), money(m["community_bill"]), money(e["unserved_value"]),
            money(e["battery_wear_cost"]), pct(m["consumer_savings_pct"]), money(m["prosumer_income"]),
            "n/a" if pm is None else f"{pm:.2f}", str(m["members_worse_off"]), money(e["ess_throughput_kwh"]),
            money(e["grid_import_kwh"]), f"{e['peak_import_kw']:.1f}", money(e["energy_not_served_kwh"]),
            f"{e['loss_of_load_hours']:.0f}"]) + " |")
    return "\n".join(rows)


def cloud(r):
    return next(m for m in r["models"] if m["model"] == "cloud")


def model(r, key):
    return next(m for m in r["models"] if m["model"] == key)


BILL_TARIFFS = [("delhi", "Delhi (DERC)"), ("up-urban", "UP urban"), ("up-rural", "UP rural")]
REGIMES = [("net-metering", "net metering"), ("net-billing", "net billing"), ("gross", "gross metering")]


def bills_variant(regime):
    """Everyone, sharing members too, metered under `regime` (None: the DERC rule — P2P members on net billing)."""
    def apply(s):
        s["settings"]["billing"]["sharing_members_regime"] = None if regime else "net-billing"
        if regime:
            s["tariff"]["metering"]["regime"] = regime
    return (f"bills-{regime or 'derc'}", regime or "derc", apply)


def bills_table(runs) -> str:
    rows = ["| village | tariff | regime | cost ₹: no sharing | SDR | cloud-P2P | prosumer income ₹: no sharing | SDR | cloud-P2P | consumers' saving % SDR / cloud | subsidy ₹ no sharing → cloud | DISCOM revenue ₹ no sharing → cloud | P2P fees ₹ cloud |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for (site, tariff, regime), r in runs:
        n, sdr, c = model(r, "none"), model(r, "sdr"), cloud(r)
        bn, bc = n["billing"]["total"], c["billing"]["total"]
        rows.append("| " + " | ".join([
            site, tariff, regime,
            money(n["comparable_cost"]), money(sdr["comparable_cost"]), money(c["comparable_cost"]),
            money(n["prosumer_income"]), money(sdr["prosumer_income"]), money(c["prosumer_income"]),
            f"{pct(sdr['consumer_savings_pct'])} / {pct(c['consumer_savings_pct'])}",
            f"{money(bn['subsidy'])} → {money(bc['subsidy'])}",
            f"{money(bn['discom_revenue'])} → {money(bc['discom_revenue'])}",
            money(bc["platform_revenue"])]) + " |")
    return "\n".join(rows)


CONNECTIONS = [
    ("own meters", []),
    ("single point, gap kept", ["--single-point"]),
    ("single point, gap refunded", ["--single-point", "--society-gap", "refund"]),
    ("single point, subsidy kept", ["--single-point", "--rebilled-subsidy"]),
]


def discom_units(m) -> float:
    """Units the DISCOM bills: the bulk meter's behind a single point, else Σ the homes' own."""
    b = m["billing"]
    sp = b.get("single_point")
    if sp:
        return sum(p["billed_kwh"] for p in sp["bulk"])
    return sum(p["billed_kwh"] for member in b["members"] for p in member)


def connection_table(runs) -> str:
    rows = ["| village | connection | members pay ₹: no sharing / SDR / cloud-P2P | subsidy ₹ no sharing | DISCOM receives ₹: no sharing / SDR / cloud-P2P | society keeps ₹: no sharing / SDR / cloud-P2P | DISCOM units kWh: no sharing / cloud-P2P | contract load kW |",
            "|---|---|---|---|---|---|---|---|"]
    for (site, label), r in runs:
        ms = [model(r, "none"), model(r, "sdr"), cloud(r)]
        t = [m["billing"]["total"] for m in ms]
        sp = ms[0]["billing"].get("single_point")
        rows.append("| " + " | ".join([
            site, label,
            " / ".join(money(x["consumer_payments"]) for x in t),
            money(t[0]["subsidy"]),
            " / ".join(money(x["discom_revenue"]) for x in t),
            " / ".join(money(x.get("society_margin", 0.0)) for x in t) if sp else "—",
            f"{money(discom_units(ms[0]))} / {money(discom_units(ms[2]))}",
            f"{sp['contract_kw']:.1f}" if sp else "—"]) + " |")
    return "\n".join(rows)


def main():
    out = []
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        results = {(s, tf, v[0]): run(tmp, s, tf, v, frontier=(v[0] == "default" and tf == "study"))
                   for s, _ in SITES for tf, _ in TARIFFS for v in VARIANTS}
        no_pmas = ("no-pmas", "p-MAS off", lambda s: s["settings"]["peak"].__setitem__("coordination", False))
        stressed = {(s, v[0]): run(tmp, s, "study", v, extra=["--stressed"], frontier=(v[0] == "default"))
                    for s, _ in SITES for v in [VARIANTS[0], no_pmas]}
        bills = [((site, tname, regime_name), run(tmp, s, tf, bills_variant(regime)))
                 for s, site in SITES for tf, tname in BILL_TARIFFS
                 for regime, regime_name in REGIMES + [(None, "net metering; P2P members net billing (DERC 2024)")]]
        connections = [((site, label), run(tmp, s, "delhi", (f"connection-{i}", label, lambda s: None), extra=extra))
                       for s, site in SITES for i, (label, extra) in enumerate(CONNECTIONS)]
    for s, site in SITES:
        for tf, tariff in TARIFFS:
            baseline = results[(s, tf, "default")]["baseline"].replace("_", " ")
            out.append(f"### {site}, {tariff} (baseline: {baseline})\n")
            out.append(main_table(results[(s, tf, "default")]) + "\n")
    out.append("### Where cloud-P2P's gain comes from (₹/year; netting + islanding + coordination = total)\n")
    out.append("| village, tariff | settings | netting | islanding | coordination | total | aggregator | cloud − SDR | value of perfect information |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for s, site in SITES:
        for tf, _ in TARIFFS:
            for v in VARIANTS:
                r = results[(s, tf, v[0])]
                c = cloud(r)
                g = c["gain_split"]
                vpi = c.get("value_of_perfect_information")
                out.append("| " + " | ".join([
                    f"{site}, {tf}", v[1], money(g["netting"]), money(g["islanding"]), money(g["coordination"]),
                    money(g["total"]), money(g["aggregator_share"]),
                    money(c["comparable_cost"] - model(r, "sdr")["comparable_cost"]),
                    "—" if vpi is None else money(vpi)]) + " |")
    out.append("\n### Peaks: the transformer's view (every member netted through it; defaults)\n")
    out.append(peak_table([(f"{site}, {tf}", results[(s, tf, "default")]) for s, site in SITES for tf, _ in TARIFFS]))
    failures = []
    for s, site in SITES:
        for tf, _ in TARIFFS:
            r = results[(s, tf, "default")]
            c, n = cloud(r)["peaks"], model(r, "none")["peaks"]
            if c["peak_import_kw"] > n["peak_import_kw"] + 1e-6:
                failures.append(f"{site}, {tf}: cloud-P2P's peak {c['peak_import_kw']:.2f} kW > no sharing's {n['peak_import_kw']:.2f} kW")
    out.append("\n### Peaks on the stressed preset (today's transformer; 15% of homes add an air-conditioner, 10% charge an e-rickshaw; study tariff)\n")
    out.append(peak_table([(f"{site}, stressed" + (", p-MAS off" if v == "no-pmas" else ""), stressed[(s, v)])
                           for s, site in SITES for v in ["default", "no-pmas"]]))
    out.append("\n| village | no sharing h > rating | cloud-P2P h > rating | fewer | cloud-P2P cost ₹ | cloud-P2P without p-MAS ₹ | cost of p-MAS ₹ | largest class share |")
    out.append("|---|---|---|---|---|---|---|---|")
    for s, site in SITES:
        r, free = stressed[(s, "default")], stressed[(s, "no-pmas")]
        n, c = model(r, "none")["peaks"], cloud(r)["peaks"]
        fewer = 1 - c["hours_over_rating"] / max(n["hours_over_rating"], 1e-9)
        largest = max(max(x) / max(sum(x), 1) for x in (model(r, k)["peaks"]["community_class_counts"] for k in ["none", "cloud"]))
        out.append("| " + " | ".join([site, f"{n['hours_over_rating']:.0f}", f"{c['hours_over_rating']:.0f}", f"{100 * fewer:.0f}%",
                                       money(cloud(r)["comparable_cost"]), money(cloud(free)["comparable_cost"]),
                                       money(cloud(r)["comparable_cost"] - cloud(free)["comparable_cost"]), f"{100 * largest:.0f}%"]) + " |")
        if fewer < 0.8:
            failures.append(f"{site} stressed: cloud-P2P's hours over the rating only {100 * fewer:.0f}% fewer than no sharing's")
        if largest > 0.9:
            failures.append(f"{site} stressed: one class holds {100 * largest:.0f}% of community-hours")
    out.append("\n### The cost of a flatter peak (perfect-foresight weekly optima of the participants as one meter, grid always up)\n")
    for s, site in SITES:
        out.append(frontier_table(f"{site}, study tariff", results[(s, "study", "default")]["frontier"]) + "\n")
        out.append(frontier_table(f"{site}, stressed", stressed[(s, "default")]["frontier"]) + "\n")
    out.append("\n### Real bills: community cost and prosumer income by metering regime (defaults otherwise)\n")
    out.append(bills_table(bills))
    out.append("\n### Real bills behind one connection: own DISCOM meters or a single point (Delhi; P2P members on net billing)\n")
    out.append(connection_table(connections))
    checked = [((site, tariff, regime), r) for (site, tariff, regime), r in bills]
    checked += [((site, "delhi", label), r) for (site, label), r in connections]
    for (site, tariff, regime), r in checked:
        for m in r["models"]:
            for p, t in enumerate(m["billing"]["by_period"]):
                society = t.get("society_margin", 0.0)
                if abs(t["consumer_payments"] + t["subsidy"] - t["discom_revenue"] - society - t["platform_revenue"]) > 0.01:
                    failures.append(f"{site}, {tariff}, {regime}, {m['model']}, period {p}: members + subsidy ≠ DISCOM + society + fees")
    print("\n".join(out))
    if failures:
        sys.exit("claims that no longer hold:\n" + "\n".join(failures))


if __name__ == "__main__":
    main()
